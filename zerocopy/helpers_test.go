package zerocopy

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var allStrategies = []Strategy{Sendfile, Splice, Copy, Mmap}

// tcpPair returns the two ends of a loopback TCP connection: the sending side
// (for a Sender) and the receiving side.
func tcpPair(tb testing.TB) (snd, rcv *net.TCPConn) {
	tb.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		c   *net.TCPConn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.AcceptTCP()
		ch <- result{c, err}
	}()
	snd, err = net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		tb.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		tb.Fatal(r.err)
	}
	rcv = r.c
	tb.Cleanup(func() { snd.Close(); rcv.Close() })
	return snd, rcv
}

// newSender starts a Sender on a fresh pair.
func newSender(tb testing.TB, st Strategy, stats *Stats) (*Sender, *net.TCPConn) {
	tb.Helper()
	c, rcv := tcpPair(tb)
	s, err := NewSender(c, st, stats)
	if err != nil {
		tb.Fatal(err)
	}
	return s, rcv
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// tempFile writes data to a new file and returns it open for reading.
func tempFile(tb testing.TB, data []byte) *os.File {
	tb.Helper()
	name := filepath.Join(tb.TempDir(), "data")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// header returns a recognisable fake frame header for case i.
func header(i int) []byte {
	return fmt.Appendf(nil, "\x00\x00hdr-%04d-\xfeSMB", i)
}

// readExactly reads n bytes from c in the background (so the sender can
// fill the socket) and delivers them, or the error, on the channel.
func readExactly(c *net.TCPConn, n int64) <-chan []byte {
	ch := make(chan []byte, 1)
	go func() {
		c.SetReadDeadline(time.Now().Add(60 * time.Second))
		b := make([]byte, n)
		if _, err := io.ReadFull(c, b); err != nil {
			b = append([]byte("read error: "), err.Error()...)
		}
		ch <- b
	}()
	return ch
}

// roundTrip sends one response and returns what the receiver got.
func roundTrip(tb testing.TB, s *Sender, rcv *net.TCPConn, hdr []byte, f *os.File, off, n int64) []byte {
	tb.Helper()
	got := readExactly(rcv, int64(len(hdr))+n)
	s.conn.SetWriteDeadline(time.Now().Add(60 * time.Second))
	if err := s.SendFile(hdr, f, off, n); err != nil {
		tb.Fatalf("SendFile(off %d, n %d): %v", off, n, err)
	}
	return <-got
}

// checkFrame compares a received frame with hdr + want, reporting the first
// difference rather than megabytes of bytes.
func checkFrame(tb testing.TB, got, hdr, want []byte) {
	tb.Helper()
	exp := append(append([]byte(nil), hdr...), want...)
	if bytes.Equal(got, exp) {
		return
	}
	if len(got) != len(exp) {
		tb.Fatalf("received %d bytes, want %d (%q...)", len(got), len(exp), got[:min(len(got), 64)])
	}
	for i := range got {
		if got[i] != exp[i] {
			tb.Fatalf("byte %d of %d: got %#02x, want %#02x", i, len(exp), got[i], exp[i])
		}
	}
}
