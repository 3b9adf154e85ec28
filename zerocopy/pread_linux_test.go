package zerocopy

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPreadCacheMiss: preadFd returns the file's bytes whether the page cache holds them or not. A
// cached range takes one RWF_NOWAIT call. Whether RWF_NOWAIT refuses an evicted range depends on the
// disk (the call starts the read-ahead, and a fast disk can finish it before the call returns), so
// the kernel's refusals are also simulated: refused at once, refused after part of the range,
// refused as unsupported (EOPNOTSUPP); pread(2) must read the rest each time.
func TestPreadCacheMiss(t *testing.T) {
	const size = 1 << 20
	want := randomBytes(size, 7)
	f := tempFile(t, want)
	fd := int(f.Fd())
	read := func(what string, off int64, n int) int {
		t.Helper()
		dst := make([]byte, n)
		got, calls, err := preadFd(fd, dst, off)
		if err != nil || got != n || !bytes.Equal(dst, want[off:off+int64(n)]) {
			t.Fatalf("%s: read %d of %d bytes, err %v, same bytes %v", what, got, n, err, bytes.Equal(dst[:got], want[off:off+int64(got)]))
		}
		return calls
	}

	if calls := read("cached", 0, size); calls != 1 {
		t.Errorf("a cached range took %d read calls, want 1 (RWF_NOWAIT)", calls)
	}
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type != unix.TMPFS_MAGIC { // nothing can be evicted from tmpfs
		evict(t, fd, 0, size)
		t.Logf("an evicted range took %d read calls", read("evicted", 0, size))
	}

	t.Cleanup(func() { readNoWait = preadNoWait })
	for _, tc := range []struct {
		name      string
		cached    int // bytes RWF_NOWAIT returns before refusing
		refusal   error
		wantCalls int
	}{
		{"refused", 0, unix.EAGAIN, 2},
		{"half cached", size / 2, unix.EAGAIN, 3},
		{"unsupported", 0, unix.EOPNOTSUPP, 2},
	} {
		readNoWait = func(fd int, dst []byte, off int64) (int, error) {
			if off >= int64(tc.cached) {
				return 0, tc.refusal
			}
			return preadNoWait(fd, dst[:min(len(dst), tc.cached-int(off))], off)
		}
		if calls := read(tc.name, 0, size); calls != tc.wantCalls {
			t.Errorf("%s: %d read calls, want %d", tc.name, calls, tc.wantCalls)
		}
	}

	// At end of file the read stops short without an error.
	dst := make([]byte, 100)
	if n, _, err := preadFd(fd, dst, size-10); n != 10 || err != nil || !bytes.Equal(dst[:10], want[size-10:]) {
		t.Fatalf("across the end: n=%d err=%v", n, err)
	}
}

// TestCacheCheck: before a sendfile or splice response the Sender asks cachestat(2) whether the range is
// all in the page cache (then the file side runs as a raw system call); a range the disk must supply is
// counted as uncached and read by an ordinary system call. Both arrive whole.
func TestCacheCheck(t *testing.T) {
	for _, st := range []Strategy{Sendfile, Splice} {
		t.Run(st.String(), func(t *testing.T) {
			const size = 4 << 20
			want := randomBytes(size, 9)
			f := tempFile(t, want)
			fd := int(f.Fd())
			if err := unix.Fadvise(fd, 0, 0, unix.FADV_RANDOM); err != nil {
				t.Fatal(err)
			}
			var fs unix.Statfs_t
			if err := unix.Fstatfs(fd, &fs); err != nil {
				t.Fatal(err)
			}
			stats := new(Stats)
			s, rcv := newSender(t, st, stats)
			send := func(what string) Counters {
				t.Helper()
				before := stats.Snapshot().Strategy(st)
				checkFrame(t, roundTrip(t, s, rcv, header(0), f, 0, size), header(0), want)
				after := stats.Snapshot().Strategy(st)
				if noCachestat.Load() {
					t.Skip("the kernel has no cachestat(2) (Linux 6.5)")
				}
				if after.Cachestat-before.Cachestat != 1 {
					t.Errorf("%s: %d cachestat calls for one response, want 1", what, after.Cachestat-before.Cachestat)
				}
				return Counters{Uncached: after.Uncached - before.Uncached}
			}
			if fs.Type != unix.TMPFS_MAGIC { // nothing can be evicted from tmpfs
				evict(t, fd, size/2, size)
				if c := send("second half evicted"); c.Uncached != 1 {
					t.Errorf("a range half evicted was not counted as uncached")
				}
			}
			// The send read the evicted half back in.
			if c := send("cached"); c.Uncached != 0 {
				t.Errorf("a range in the page cache counted as uncached")
			}
		})
	}
}

// evict drops the file's pages from off to the end of the file from the page cache, and checks with
// cachestat(2) that no more than off's worth of the first size bytes stays.
func evict(t *testing.T, fd int, off, size int64) {
	t.Helper()
	if err := unix.Fdatasync(fd); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(fd, off, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	var cs unix.Cachestat_t
	if err := unix.Cachestat(uint(fd), &unix.CachestatRange{Off: 0, Len: uint64(size)}, &cs, 0); err != nil {
		return // a kernel before 6.5: trust fadvise
	}
	if cs.Cache*uint64(os.Getpagesize()) > uint64(off) {
		t.Fatalf("%d pages still cached after dropping those from %d", cs.Cache, off)
	}
}
