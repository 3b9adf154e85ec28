package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/smb"
)

// startTestServer serves an empty guest share on 127.0.0.1:0 and returns its address.
func startTestServer(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.Global.MapToGuest = config.MapToGuestBadUser
	_, addr := serveTest(t, cfg, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel))
	return addr
}

// serveTest serves cfg with an empty guest share "data" and no users on 127.0.0.1:0.
func serveTest(t *testing.T, cfg *config.Config, log zerolog.Logger) (*Server, string) {
	t.Helper()
	cfg.Shares = []config.Share{{Name: "data", Path: t.TempDir(), ReadOnly: true, GuestOK: true, Browseable: true}}
	users, err := passdb.Parse(strings.NewReader(""), "empty")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, users, log)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return srv, l.Addr().String()
}

// rawConn is a test client that writes frames byte for byte and reads whole frames back.
type rawConn struct {
	t  *testing.T
	nc net.Conn
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{t, nc}
}

func (c *rawConn) send(msg []byte) {
	c.t.Helper()
	frame := make([]byte, 4, 4+len(msg))
	smb.PutTransportHeader(frame, len(msg))
	if _, err := c.nc.Write(append(frame, msg...)); err != nil {
		c.t.Fatal(err)
	}
}

// recv returns the next message, or the read error (io.EOF when the server closed the connection).
func (c *rawConn) recv() ([]byte, error) {
	return smb.ReadFrame(c.nc, nil, 1<<24)
}

func (c *rawConn) mustRecv() (smb.Header, []byte) {
	c.t.Helper()
	msg, err := c.recv()
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	h, err := smb.DecodeHeader(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	return h, msg
}

// wantClosed fails unless the server closes the connection without answering.
func (c *rawConn) wantClosed() {
	c.t.Helper()
	msg, err := c.recv()
	if err == nil {
		h, _ := smb.DecodeHeader(msg)
		c.t.Fatalf("got a %v response (%v), want the connection closed", h.Command, h.Status)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "reset") {
		c.t.Fatalf("got %v, want the connection closed", err)
	}
}

func rawRequest(cmd smb.Command, id uint64, body func([]byte) []byte) []byte {
	h := smb.Header{Command: cmd, MessageID: id, Credits: 1, CreditCharge: 1}
	if cmd == smb.Negotiate {
		h.CreditCharge = 0
	}
	return body(h.AppendTo(nil))
}

func negotiate(dialects ...uint16) []byte {
	return rawRequest(smb.Negotiate, 0, (&smb.NegotiateRequest{SecurityMode: 1, Dialects: dialects}).AppendTo)
}

// smb1Negotiate is an SMB1 SMB_COM_NEGOTIATE offering the given dialect strings (MS-CIFS 2.2.4.52.1).
func smb1Negotiate(dialects ...string) []byte {
	var names []byte
	for _, d := range dialects {
		names = append(append(append(names, 0x02), d...), 0)
	}
	msg := []byte{0xFF, 'S', 'M', 'B', 0x72}
	msg = append(msg, make([]byte, 32-len(msg))...)
	msg = append(msg, 0) // WordCount
	msg = binary.LittleEndian.AppendUint16(msg, uint16(len(names)))
	return append(msg, names...)
}

// TestSMB1NegotiateUpgrade: MS-SMB2 3.3.5.3.1. An SMB1 NEGOTIATE offering "SMB 2.???" gets an SMB2
// NEGOTIATE response with dialect 0x02FF; one offering only "SMB 2.002" gets 2.0.2; SMB1 alone is refused.
func TestSMB1NegotiateUpgrade(t *testing.T) {
	addr := startTestServer(t)
	for _, tc := range []struct {
		dialects []string
		want     uint16
	}{
		{[]string{"NT LM 0.12", "SMB 2.002", "SMB 2.???"}, 0x02FF},
		{[]string{"NT LM 0.12", "SMB 2.002"}, smb.Dialect202},
	} {
		c := dialRaw(t, addr)
		c.send(smb1Negotiate(tc.dialects...))
		h, msg := c.mustRecv()
		var r smb.NegotiateResponse
		if err := r.Decode(msg); err != nil {
			t.Fatal(err)
		}
		if h.Command != smb.Negotiate || h.Status != smb.StatusSuccess || r.DialectRevision != tc.want {
			t.Errorf("%q: got %v %v dialect %#x, want NEGOTIATE success dialect %#x", tc.dialects, h.Command, h.Status, r.DialectRevision, tc.want)
		}
		if tc.want == 0x02FF {
			// The client follows with an SMB2 NEGOTIATE on the same connection; the SMB1 request used
			// MessageId 0.
			c.send(rawRequest(smb.Negotiate, 1, (&smb.NegotiateRequest{SecurityMode: 1, Dialects: []uint16{smb.Dialect210, smb.Dialect300}}).AppendTo))
			h, msg := c.mustRecv()
			if err := r.Decode(msg); err != nil || h.Status != smb.StatusSuccess || r.DialectRevision != smb.Dialect300 {
				t.Errorf("SMB2 NEGOTIATE after the upgrade: %v %v dialect %#x", err, h.Status, r.DialectRevision)
			}
		}
	}
	c := dialRaw(t, addr)
	c.send(smb1Negotiate("NT LM 0.12"))
	c.wantClosed()
}

// TestFrameLimits: a frame longer than the connection accepts, and bytes that are not SMB, close it.
func TestFrameLimits(t *testing.T) {
	addr := startTestServer(t)
	c := dialRaw(t, addr)
	c.nc.Write([]byte{0, 0x10, 0, 0}) // 1 MiB before NEGOTIATE, which allows 64 KiB
	c.wantClosed()

	c = dialRaw(t, addr)
	c.send(bytes.Repeat([]byte("GET / HTTP/1.1\r\n"), 8))
	c.wantClosed()
}

// TestMessageIDWindow: MS-SMB2 3.3.5.2.3. A reused MessageId closes the connection.
func TestMessageIDWindow(t *testing.T) {
	addr := startTestServer(t)
	c := dialRaw(t, addr)
	c.send(negotiate(smb.Dialect210))
	if h, _ := c.mustRecv(); h.Status != smb.StatusSuccess {
		t.Fatalf("negotiate: %v", h.Status)
	}
	c.send(negotiate(smb.Dialect210)) // MessageId 0 again
	c.wantClosed()

	c = dialRaw(t, addr)
	c.send(negotiate(smb.Dialect210))
	c.mustRecv()
	c.send(rawRequest(smb.Echo, 1<<40, (&smb.EchoRequest{}).AppendTo)) // far outside the granted window
	c.wantClosed()
}

// TestUnknownSession: a request naming a session that does not exist gets STATUS_USER_SESSION_DELETED.
func TestUnknownSession(t *testing.T) {
	addr := startTestServer(t)
	c := dialRaw(t, addr)
	c.send(negotiate(smb.Dialect210))
	c.mustRecv()
	req := smb.Header{Command: smb.TreeConnect, MessageID: 1, CreditCharge: 1, Credits: 1, SessionID: 0x1234}
	msg := (&smb.TreeConnectRequest{Path: `\\x\data`}).AppendTo(req.AppendTo(nil))
	c.send(msg)
	if h, _ := c.mustRecv(); h.Status != smb.StatusUserSessionDeleted {
		t.Fatalf("got %v, want STATUS_USER_SESSION_DELETED", h.Status)
	}
}

// TestMustSerializeBadNext: a NextCommand that points back or past the frame ends the walk (the frame
// is then refused as a bad compound). With a 32-bit int, 0xFFFFFFF8 read as -8 used to send the walk
// back and forth for ever, spinning the connection's reader.
func TestMustSerializeBadNext(t *testing.T) {
	c := &conn{}
	c.neg.done = true
	for _, next := range []uint32{0xFFFFFFF8, 8, 63, 1 << 20} {
		h := smb.Header{Command: smb.Read, MessageID: 1, CreditCharge: 1}
		msg := (&smb.ReadRequest{Length: 1}).AppendTo(h.AppendTo(nil))
		binary.LittleEndian.PutUint32(msg[smb.OffNextCommand:], next)
		done := make(chan bool)
		go func() { done <- c.mustSerialize(msg) }()
		select {
		case serialized := <-done:
			if !serialized {
				t.Errorf("NextCommand %#x: handed to a handler, want the reader to refuse it", next)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("NextCommand %#x: mustSerialize did not return", next)
		}
	}
}
