package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func tcpPair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err = net.DialTCP("tcp", nil, l.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	server, err = l.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// TestSockReader: the raw reader returns the bytes sent, waits for more on the netpoller, reports a
// read deadline as a timeout (how drain stops the reader), the peer's close as io.EOF and its own
// Close as net.ErrClosed, as net.Conn's Read does.
func TestSockReader(t *testing.T) {
	srv, cli := tcpPair(t)
	r, err := newSockReader(srv)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("zsmbd"), 100000)
	go func() {
		time.Sleep(20 * time.Millisecond) // the first Read waits on the netpoller
		cli.Write(want)
		cli.CloseWrite()
	}()
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes (%v), want the %d sent", len(got), err, len(want))
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("after the peer's FIN: %d, %v, want io.EOF", n, err)
	}

	srv, _ = tcpPair(t)
	r, _ = newSockReader(srv)
	srv.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, err := r.Read(make([]byte, 10)); !isTimeout(err) {
		t.Fatalf("past the read deadline: %v, want a timeout", err)
	}
	srv.SetReadDeadline(time.Time{})
	go func() { time.Sleep(20 * time.Millisecond); srv.Close() }()
	if _, err := r.Read(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("after Close: %v, want net.ErrClosed", err)
	}
}

// TestSockReaderAllocs: reading a request allocates nothing.
func TestSockReaderAllocs(t *testing.T) {
	srv, cli := tcpPair(t)
	r, err := newSockReader(srv)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	msg := make([]byte, 64)
	allocs := testing.AllocsPerRun(100, func() {
		cli.Write(msg)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per read, want 0", allocs)
	}
}
