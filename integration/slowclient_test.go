package integration

import (
	"bytes"
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// TestSlowClientStallsOnlyItself: a client that sends READs and stops reading fills its socket, and the
// server's sends to it wait on the netpoller. Another connection meanwhile reads a file whole with the
// right bytes, and a shutdown that finds the stalled connection cuts it when its deadline passes instead
// of hanging.
func TestSlowClientStallsOnlyItself(t *testing.T) {
	tg := startServer(t)
	if tg.Server == nil {
		t.Skip("needs the in-process server's counters and Shutdown")
	}
	// A 16 KiB receive buffer, set before connecting so the window is small from the start.
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) {
			err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 16<<10)
		}); cerr != nil {
			return cerr
		}
		return err
	}}
	slow := dialRawClientWith(t, tg, d)
	sess := slow.logonGuest()
	on := handle{sess, slow.treeConnect(sess, tg.Share)}
	const name = "8m+1.bin"
	id := slow.mustCreate(on, name)

	// 256 READs of 64 KiB (16 MiB), far more than the server's send buffer and the client's receive
	// buffer hold; the client reads none of the answers. One credit each: every response the server
	// builds grants 8 more, so the MessageIds stay inside the window.
	before := tg.Server.Stats().Strategy(zerocopy.Sendfile)
	var frames []byte
	for i := range 256 {
		h := smb.Header{Command: smb.Read, CreditCharge: 1, Credits: 8, MessageID: slow.msgID, SessionID: on.sess, TreeID: on.tree}
		slow.msgID++
		msg := (&smb.ReadRequest{FileID: id, Length: 64 << 10, Offset: uint64(i%128) << 16}).AppendTo(h.AppendTo(nil))
		frame := make([]byte, smb.TransportHeaderSize, smb.TransportHeaderSize+len(msg))
		smb.PutTransportHeader(frame, len(msg))
		frames = append(frames, append(frame, msg...)...)
	}
	go slow.nc.Write(frames) // blocks once the server stops reading; closing the socket ends it
	var stalled zerocopy.Counters
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		stalled = tg.Server.Stats().Strategy(zerocopy.Sendfile)
		if stalled.EAGAINWaits > before.EAGAINWaits {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never waited on the slow client's full socket: %+v", stalled)
		}
	}
	if sent := stalled.Responses - before.Responses; sent >= 256 {
		t.Fatalf("all %d READs were answered to a client that reads nothing", sent)
	}

	// Another connection reads the whole file while the slow one is stuck.
	// Mounting happens inside the timed part too: a server that stalls every connection never answers
	// the second client's NEGOTIATE.
	start := time.Now()
	type result struct {
		b   []byte
		err error
	}
	read := make(chan result, 1)
	go func() {
		s, err := dial(t, tg, tg.opts(0x0311, false))
		if err != nil {
			read <- result{nil, err}
			return
		}
		fs, err := s.Mount(`\\` + tg.Addr + `\` + tg.Share)
		if err != nil {
			read <- result{nil, err}
			return
		}
		defer fs.Umount()
		b, err := fs.ReadFile(name)
		read <- result{b, err}
	}()
	var got []byte
	var err error
	select {
	case r := <-read:
		got, err = r.b, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("a second connection could not read while the first was stalled")
	}
	if err != nil {
		t.Fatalf("reading %s beside the stalled connection: %v", name, err)
	}
	if !bytes.Equal(got, Content(name, 8<<20+1)) {
		t.Fatalf("%s read beside the stalled connection: %d bytes, not the file's", name, len(got))
	}
	t.Logf("read %d bytes in %v beside a connection stalled after %d responses", len(got), time.Since(start), stalled.Responses-before.Responses)

	// The stalled connection does not hold a shutdown past its deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- tg.Server.Shutdown(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown with a stalled connection: %v, want the deadline to cut it", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown hung on the stalled connection")
	}
}
