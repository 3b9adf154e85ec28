package zerocopy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSendFileRanges sends ranges of files of awkward sizes, at several
// offsets, with every strategy, one pair per strategy so frames also have to
// stay framed one after the other.
func TestSendFileRanges(t *testing.T) {
	sizes := []int{0, 1, 4095, 4096, 65537, 8<<20 + 1}
	type rng struct{ off, n int64 }
	ranges := func(size int64) []rng {
		rs := []rng{{0, size}, {size, 0}}
		if size > 0 {
			rs = append(rs, rng{1, size - 1}, rng{size - 1, 1}, rng{size / 2, size - size/2}, rng{size / 3, min(4096, size-size/3)})
		}
		if size > 8192 {
			rs = append(rs, rng{4096, 4096}, rng{4095, 65536 - 4095}) // page aligned; crossing pages unaligned
		}
		return rs
	}
	files := make([][]byte, len(sizes))
	for i, size := range sizes {
		files[i] = randomBytes(size, 1)
	}
	for _, st := range allStrategies {
		t.Run(st.String(), func(t *testing.T) {
			stats := new(Stats)
			s, rcv := newSender(t, st, stats)
			var wantFile, wantHdr, frames int64
			for _, data := range files {
				f := tempFile(t, data)
				for _, r := range ranges(int64(len(data))) {
					hdr := header(int(frames))
					got := roundTrip(t, s, rcv, hdr, f, r.off, r.n)
					checkFrame(t, got, hdr, data[r.off:r.off+r.n])
					wantFile += r.n
					wantHdr += int64(len(hdr))
					frames++
				}
			}
			c := stats.Snapshot().Strategy(st)
			if c.Responses != frames || c.FileBytes != wantFile || c.HeaderBytes != wantHdr {
				t.Errorf("responses %d file bytes %d header bytes %d, want %d %d %d", c.Responses, c.FileBytes, c.HeaderBytes, frames, wantFile, wantHdr)
			}
			if c.PaddedResponses != 0 || c.PaddedBytes != 0 || c.FileErrors != 0 {
				t.Errorf("unexpected padding or errors: %v", c)
			}
			for other, oc := range stats.Snapshot().ByStrategy {
				if Strategy(other) != st && oc != (Counters{}) {
					t.Errorf("strategy %v counted into %v: %v", st, Strategy(other), oc)
				}
			}
		})
	}
}

// TestSparse6GiB reads at 5 GiB and at the last byte of a 6 GiB sparse file:
// offsets beyond 2 GiB and 4 GiB must reach the kernel as 64-bit values.
func TestSparse6GiB(t *testing.T) {
	const size = 6 << 30
	name := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Skipf("cannot create a 6 GiB sparse file here: %v", err)
	}
	mark5 := randomBytes(100000, 5)
	markEnd := randomBytes(5000, 6)
	const at5 = 5<<30 - 3
	if _, err := f.WriteAt(mark5, at5); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(markEnd, size-int64(len(markEnd))); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		off, n int64
		want   []byte
	}{
		{"at 5 GiB", at5, int64(len(mark5)), mark5},
		{"inside 5 GiB marker", at5 + 4099, 8192, mark5[4099 : 4099+8192]},
		{"last byte", size - 1, 1, markEnd[len(markEnd)-1:]},
		{"tail", size - int64(len(markEnd)), int64(len(markEnd)), markEnd},
		{"hole before tail", size - int64(len(markEnd)) - 3000, 3000, make([]byte, 3000)},
	}
	for _, st := range allStrategies {
		t.Run(st.String(), func(t *testing.T) {
			stats := new(Stats)
			s, rcv := newSender(t, st, stats)
			for i, tc := range cases {
				hdr := header(i)
				checkFrame(t, roundTrip(t, s, rcv, hdr, f, tc.off, tc.n), hdr, tc.want)
			}
			if c := stats.Snapshot().Strategy(st); c.PaddedResponses != 0 || c.FileErrors != 0 {
				t.Errorf("64-bit offsets took a fallback: %v", c)
			}
		})
	}
}

// TestSlowReceiver fills the socket with a receiver that drains slowly
// through a small receive buffer: every strategy must park on the netpoller
// (EAGAIN waits counted) and still deliver the exact bytes, without spinning.
func TestSlowReceiver(t *testing.T) {
	const n = 1 << 20
	data := randomBytes(n, 7)
	f := tempFile(t, data)
	for _, st := range allStrategies {
		t.Run(st.String(), func(t *testing.T) {
			t.Parallel()
			stats := new(Stats)
			c, rcv := tcpPair(t)
			if err := c.SetWriteBuffer(16 << 10); err != nil {
				t.Fatal(err)
			}
			if err := rcv.SetReadBuffer(64 << 10); err != nil {
				t.Fatal(err)
			}
			s, err := NewSender(c, st, stats)
			if err != nil {
				t.Fatal(err)
			}
			hdr := header(1)
			type result struct {
				b     []byte
				reads int
			}
			got := make(chan result, 1)
			go func() {
				rcv.SetReadDeadline(time.Now().Add(30 * time.Second))
				var out bytes.Buffer
				buf := make([]byte, 16<<10)
				reads := 0
				for out.Len() < len(hdr)+n {
					m, err := rcv.Read(buf[:min(len(buf), len(hdr)+n-out.Len())])
					out.Write(buf[:m])
					reads++
					if err != nil {
						break
					}
					time.Sleep(200 * time.Microsecond)
				}
				got <- result{out.Bytes(), reads}
			}()
			c.SetWriteDeadline(time.Now().Add(30 * time.Second))
			start := time.Now()
			if err := s.SendFile(hdr, f, 0, n); err != nil {
				t.Fatal(err)
			}
			r := <-got
			checkFrame(t, r.b, hdr, data)
			cs := stats.Snapshot().Strategy(st)
			if cs.EAGAINWaits == 0 {
				t.Errorf("no EAGAIN waits: the socket never filled (%v)", cs)
			}
			// A spinning sender would retry millions of times; a parked one
			// wakes about once per window update.
			if limit := int64(2*r.reads + 16); cs.EAGAINWaits > limit {
				t.Errorf("%d EAGAIN waits for %d receiver reads: spinning?", cs.EAGAINWaits, r.reads)
			}
			t.Logf("%v: %v in %v, %d receiver reads", st, cs, time.Since(start), r.reads)
		})
	}
}

// TestTruncatedFile announces more bytes than the file has: the receiver
// gets the real bytes, then zeros up to exactly n, and one padded response
// is counted.
func TestTruncatedFile(t *testing.T) {
	data := randomBytes(10000, 9)
	big := randomBytes(9<<20, 10) // more than one copy buffer
	cases := []struct {
		name   string
		data   []byte
		off, n int64
	}{
		{"short tail", data, 0, 20000},
		{"unaligned start", data, 4097, 10000},
		{"past end", data, 20000, 5000},
		{"empty file", nil, 0, 4096},
		{"second buffer short", big, 1, 10 << 20},
	}
	for _, st := range allStrategies {
		t.Run(st.String(), func(t *testing.T) {
			for i, tc := range cases {
				stats := new(Stats)
				s, rcv := newSender(t, st, stats)
				f := tempFile(t, tc.data)
				hdr := header(i)
				real := max(0, min(int64(len(tc.data))-tc.off, tc.n))
				want := make([]byte, tc.n)
				if real > 0 {
					copy(want, tc.data[tc.off:tc.off+real])
				}
				checkFrame(t, roundTrip(t, s, rcv, hdr, f, tc.off, tc.n), hdr, want)
				c := stats.Snapshot().Strategy(st)
				if c.PaddedResponses != 1 || c.PaddedBytes != tc.n-real || c.FileBytes != real {
					t.Errorf("%s: padded %d responses / %d bytes, file bytes %d; want 1 / %d / %d",
						tc.name, c.PaddedResponses, c.PaddedBytes, c.FileBytes, tc.n-real, real)
				}
				if got := s.LastPadding(); got != tc.n-real {
					t.Errorf("%s: LastPadding %d, want %d", tc.name, got, tc.n-real)
				}
			}
		})
	}
}

// TestMmapTruncatedUnderMapping truncates the file between mmap and writev.
// The kernel's copy from the vanished pages makes writev fail with EFAULT (no
// SIGBUS reaches the process, or this test would crash); the Sender finishes
// the frame with zeros.
func TestMmapTruncatedUnderMapping(t *testing.T) {
	const n, keep = 1 << 20, 100000
	data := randomBytes(n, 11)
	name := filepath.Join(t.TempDir(), "shrinks")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	afterMap = func() {
		if err := os.Truncate(name, keep); err != nil {
			t.Error(err)
		}
	}
	defer func() { afterMap = nil }()
	stats := new(Stats)
	s, rcv := newSender(t, Mmap, stats)
	hdr := header(1)
	want := make([]byte, n)
	copy(want, data[:keep])
	checkFrame(t, roundTrip(t, s, rcv, hdr, f, 0, n), hdr, want)
	c := stats.Snapshot().Strategy(Mmap)
	if c.MmapFaults != 1 || c.PaddedResponses != 1 || c.Munmap != 1 {
		t.Errorf("want one EFAULT, one padded response, one munmap: %v", c)
	}
	if got := stats.Snapshot().Fallback(FallbackError); got != 1 {
		t.Errorf("FallbackError = %d, want 1", got)
	}
}

// TestSyscallEvidence sends 64 MiB with each strategy and checks that the
// counters show the system calls that strategy is supposed to make, and none
// of the others'.
func TestSyscallEvidence(t *testing.T) {
	const n = 64 << 20
	data := randomBytes(n, 12)
	f := tempFile(t, data)
	for _, st := range allStrategies {
		t.Run(st.String(), func(t *testing.T) {
			stats := new(Stats)
			s, rcv := newSender(t, st, stats)
			got := roundTrip(t, s, rcv, header(0), f, 0, n)
			checkFrame(t, got, header(0), data)
			c := stats.Snapshot().Strategy(st)
			t.Logf("%v: %v", st, c)
			type want struct{ sendfile, splice, pread, mmap bool }
			w := map[Strategy]want{
				Sendfile: {sendfile: true},
				Splice:   {splice: true},
				Copy:     {pread: true},
				Mmap:     {mmap: true},
			}[st]
			check := func(name string, count int64, used bool) {
				if used && count == 0 || !used && count != 0 {
					t.Errorf("%s calls = %d, want used=%v", name, count, used)
				}
			}
			check("sendfile", c.Sendfile, w.sendfile)
			check("splice", c.Splice, w.splice)
			check("pread", c.Pread, w.pread)
			check("mmap", c.Mmap, w.mmap)
			if c.Mmap != c.Munmap {
				t.Errorf("%d mmap but %d munmap", c.Mmap, c.Munmap)
			}
			if st == Copy && c.Writev < n/maxClassSize {
				t.Errorf("copy: %d writev calls for %d buffers", c.Writev, n/maxClassSize)
			}
			if c.FileBytes != n {
				t.Errorf("file bytes %d, want %d", c.FileBytes, n)
			}
		})
	}
}

// TestNotRegular sends from a pipe, which has no page cache to send from:
// each zero-copy strategy falls back, counts FallbackNotRegular, and pads.
func TestNotRegular(t *testing.T) {
	for _, st := range []Strategy{Sendfile, Splice, Mmap} {
		t.Run(st.String(), func(t *testing.T) {
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			defer pw.Close()
			stats := new(Stats)
			s, rcv := newSender(t, st, stats)
			hdr := header(2)
			checkFrame(t, roundTrip(t, s, rcv, hdr, pr, 0, 5000), hdr, make([]byte, 5000))
			snap := stats.Snapshot()
			if got := snap.Fallback(FallbackNotRegular); got != 1 {
				t.Errorf("FallbackNotRegular = %d, want 1 (%v)", got, snap)
			}
			if c := snap.Strategy(st); c.PaddedBytes != 5000 {
				t.Errorf("padded bytes %d, want 5000", c.PaddedBytes)
			}
		})
	}
}

// TestClosedFile: a file closed before SendFile still yields a framed
// response (header + zeros) and counts a file error.
func TestClosedFile(t *testing.T) {
	for _, st := range allStrategies {
		t.Run(st.String(), func(t *testing.T) {
			f := tempFile(t, randomBytes(100, 1))
			f.Close()
			stats := new(Stats)
			s, rcv := newSender(t, st, stats)
			checkFrame(t, roundTrip(t, s, rcv, header(3), f, 0, 300), header(3), make([]byte, 300))
			snap := stats.Snapshot()
			if snap.Fallback(FallbackError) != 1 || snap.Strategy(st).FileErrors != 1 {
				t.Errorf("closed file not counted: %v", snap)
			}
		})
	}
}

// TestCork checks both header-holding methods deliver the same bytes, that
// TCP_CORK is really cleared afterwards (also when the file is short), and
// that MSG_MORE costs no setsockopt calls.
func TestCork(t *testing.T) {
	data := randomBytes(300000, 13)
	f := tempFile(t, data)
	for _, st := range []Strategy{Sendfile, Splice} {
		for _, cork := range []bool{true, false} {
			stats := new(Stats)
			s, rcv := newSender(t, st, stats)
			s.sys.useCork = cork
			checkFrame(t, roundTrip(t, s, rcv, header(4), f, 5, 100000), header(4), data[5:100005])
			want := append(append([]byte(nil), data[200000:]...), make([]byte, 50000)...)
			checkFrame(t, roundTrip(t, s, rcv, header(5), f, 200000, 150000), header(5), want)
			corked, gerr := -1, error(nil)
			if err := s.sys.raw.Control(func(fd uintptr) {
				corked, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK)
			}); err != nil || gerr != nil {
				t.Fatal(err, gerr)
			}
			c := stats.Snapshot().Strategy(st)
			if corked != 0 {
				t.Errorf("%v cork=%v: socket left corked", st, cork)
			}
			if cork && c.Setsockopt != 4 || !cork && (c.Setsockopt != 0 || c.Sendmsg != 2) {
				t.Errorf("%v cork=%v: %d setsockopt, %d sendmsg", st, cork, c.Setsockopt, c.Sendmsg)
			}
		}
	}
}

// TestSocketError: a peer that resets the connection makes SendFile return
// an error instead of hanging, for every strategy.
func TestSocketError(t *testing.T) {
	f := tempFile(t, randomBytes(8<<20, 14))
	for _, st := range allStrategies {
		t.Run(st.String(), func(t *testing.T) {
			s, rcv := newSender(t, st, nil)
			rcv.SetLinger(0)
			rcv.Close() // RST
			s.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			var err error
			for i := 0; i < 3 && err == nil; i++ { // the first send may land before the RST
				err = s.SendFile(header(6), f, 0, 8<<20)
			}
			if err == nil {
				t.Fatal("SendFile to a reset connection succeeded")
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("SendFile hung until the deadline: %v", err)
			}
		})
	}
}

// TestWrite sends frames without file data: many vectors (more than the
// kernel's UIO_MAXIOV per call), empty ones among them, on a slow socket.
func TestWrite(t *testing.T) {
	var bufs [][]byte
	var want []byte
	for i := range 2500 {
		b := randomBytes(i%7*300, uint64(i))
		bufs = append(bufs, b)
		want = append(want, b...)
	}
	orig := append([][]byte(nil), bufs...)
	stats := new(Stats)
	s, rcv := newSender(t, Copy, stats)
	got := readExactly(rcv, int64(len(want)))
	if err := s.Write(bufs...); err != nil {
		t.Fatal(err)
	}
	if g := <-got; !bytes.Equal(g, want) {
		t.Fatalf("received %d bytes that differ from the %d sent", len(g), len(want))
	}
	for i := range bufs {
		if len(bufs[i]) != len(orig[i]) {
			t.Fatalf("Write consumed the caller's slice at %d", i)
		}
	}
	c := stats.Snapshot().Strategy(Copy)
	if c.Frames != 1 || c.FrameBytes != int64(len(want)) || c.Writev < 3 {
		t.Errorf("frames %d bytes %d writev %d; want 1, %d, >= 3 (UIO_MAXIOV)", c.Frames, c.FrameBytes, c.Writev, len(want))
	}
	if err := s.Write(); err != nil {
		t.Errorf("empty Write: %v", err)
	}
}

// TestSenderAllocs: once warm (pipe and copy buffer pooled), a response
// allocates nothing: callbacks are made once per Sender and the response's
// state lives in it.
func TestSenderAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race; `go test ./zerocopy` checks allocations")
	}
	f := tempFile(t, randomBytes(1<<20, 15))
	for _, st := range allStrategies {
		s, rcv := newSender(t, st, nil)
		go io.Copy(io.Discard, rcv)
		hdr := header(7)
		allocs := testing.AllocsPerRun(20, func() {
			if err := s.SendFile(hdr, f, 4096, 256<<10); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 0 {
			t.Errorf("%v: %.1f allocations per SendFile", st, allocs)
		}
	}
}

func TestNewSenderErrors(t *testing.T) {
	c, _ := tcpPair(t)
	if _, err := NewSender(nil, Copy, nil); err == nil {
		t.Error("nil conn accepted")
	}
	if _, err := NewSender(c, Strategy(9), nil); err == nil {
		t.Error("invalid strategy accepted")
	}
	s, err := NewSender(c, Splice, nil)
	if err != nil || s.Strategy() != Splice {
		t.Fatalf("NewSender: %v, %v", s, err)
	}
	for _, r := range [][2]int64{{-1, 1}, {0, -1}, {1 << 62, 1 << 62}} {
		if err := s.SendFile(nil, nil, r[0], r[1]); err == nil {
			t.Errorf("range %v accepted", r)
		}
	}
}

// TestOverOneGiB sends one range larger than a sendfile chunk (1 GiB) and a
// writev vector (1 GiB), across the 4 GiB boundary of a sparse file, and
// checks it as a stream.
func TestOverOneGiB(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1 GiB per strategy; skipped with -short")
	}
	const (
		size  = 6 << 30
		start = 4<<30 - 1000
		n     = 1<<30 + 5000
	)
	f, err := os.Create(filepath.Join(t.TempDir(), "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Skipf("cannot create a 6 GiB sparse file here: %v", err)
	}
	head, tail := randomBytes(3000, 21), randomBytes(3000, 22)
	if _, err := f.WriteAt(head, start); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(tail, start+n-int64(len(tail))); err != nil {
		t.Fatal(err)
	}
	// expected fills dst with the file's bytes at off: zeros and the markers.
	expected := func(dst []byte, off int64) {
		clear(dst)
		for _, m := range []struct {
			at   int64
			data []byte
		}{{start, head}, {start + n - int64(len(tail)), tail}} {
			lo, hi := max(off, m.at), min(off+int64(len(dst)), m.at+int64(len(m.data)))
			if lo < hi {
				copy(dst[lo-off:hi-off], m.data[lo-m.at:hi-m.at])
			}
		}
	}
	for _, st := range allStrategies {
		t.Run(st.String(), func(t *testing.T) {
			stats := new(Stats)
			s, rcv := newSender(t, st, stats)
			hdr := header(8)
			done := make(chan error, 1)
			go func() {
				rcv.SetReadDeadline(time.Now().Add(120 * time.Second))
				got := make([]byte, len(hdr))
				if _, err := io.ReadFull(rcv, got); err != nil || !bytes.Equal(got, hdr) {
					done <- fmt.Errorf("header %q, %v", got, err)
					return
				}
				buf, want := make([]byte, 1<<20), make([]byte, 1<<20)
				for pos := int64(0); pos < n; {
					m, err := rcv.Read(buf[:min(int64(len(buf)), n-pos)])
					expected(want[:m], start+pos)
					if !bytes.Equal(buf[:m], want[:m]) {
						done <- fmt.Errorf("range bytes %d..%d differ", pos, pos+int64(m))
						return
					}
					pos += int64(m)
					if err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			s.conn.SetWriteDeadline(time.Now().Add(120 * time.Second))
			if err := s.SendFile(hdr, f, start, n); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if c := stats.Snapshot().Strategy(st); c.FileBytes != n || c.PaddedResponses != 0 {
				t.Errorf("%v", c)
			}
		})
	}
}
