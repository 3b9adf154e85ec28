package integration

// Compound READs on the wire: go-smb2 logs on and connects the tree, then the test takes its
// connection over and sends CREATE + READ + CLOSE as one related compound, the way Windows opens and
// reads a small file, and checks the single response frame byte by byte.

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/internal/le"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// takeoverConn sits under go-smb2: it passes frames both ways and remembers the last request header
// go-smb2 sent; after takeover, frames from the server go to the test instead of go-smb2.
type takeoverConn struct {
	net.Conn
	toClient *io.PipeReader

	mu       sync.Mutex
	last     smb.Header // the last request go-smb2 sent
	wbuf     []byte     // go-smb2's bytes not yet a whole frame
	taken    bool
	frames   chan []byte // server frames after takeover
	pipeSide *io.PipeWriter
}

func newTakeoverConn(nc net.Conn) *takeoverConn {
	pr, pw := io.Pipe()
	c := &takeoverConn{Conn: nc, toClient: pr, pipeSide: pw, frames: make(chan []byte, 4)}
	go func() {
		for {
			frame, err := smb.ReadFrame(nc, nil, 64<<20)
			if err != nil {
				pw.CloseWithError(err)
				close(c.frames)
				return
			}
			c.mu.Lock()
			taken := c.taken
			c.mu.Unlock()
			if taken {
				c.frames <- frame
				continue
			}
			var th [4]byte
			binary.BigEndian.PutUint32(th[:], uint32(len(frame)))
			if _, err := pw.Write(append(th[:], frame...)); err != nil {
				return
			}
		}
	}()
	return c
}

func (c *takeoverConn) Read(b []byte) (int, error) { return c.toClient.Read(b) }

func (c *takeoverConn) Write(b []byte) (int, error) {
	// go-smb2 may write a frame in pieces: follow the stream frame by frame.
	c.mu.Lock()
	c.wbuf = append(c.wbuf, b...)
	for len(c.wbuf) >= smb.TransportHeaderSize {
		n := smb.TransportHeaderSize + int(binary.BigEndian.Uint32(c.wbuf)&0xFFFFFF)
		if len(c.wbuf) < n {
			break
		}
		if h, err := smb.DecodeHeader(c.wbuf[smb.TransportHeaderSize:n]); err == nil {
			c.last = h
		}
		c.wbuf = c.wbuf[n:]
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// takeover stops passing server frames to go-smb2 (which must be idle) and returns the header of
// its last request, whose session, tree and MessageId the test continues from.
func (c *takeoverConn) takeover() smb.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.taken = true
	return c.last
}

// compound builds one frame of related requests: each message 8-byte aligned, NextCommand set.
func compound(msgs ...[]byte) []byte {
	frame := make([]byte, smb.TransportHeaderSize)
	for i, m := range msgs {
		start := len(frame)
		frame = append(frame, m...)
		if i < len(msgs)-1 {
			for (len(frame)-smb.TransportHeaderSize)%8 != 0 {
				frame = append(frame, 0)
			}
			le.PutU32(frame[start:], smb.OffNextCommand, uint32(len(frame)-start))
		}
	}
	smb.PutTransportHeader(frame, len(frame)-smb.TransportHeaderSize)
	return frame
}

// TestCompoundOverLargestFrame: two 8 MiB READs in one compound (each within MaxReadSize and paid for)
// would need a response longer than a transport header can announce (16 MiB - 1). The server closes the
// connection, as Samba does, instead of sending a frame whose length is cut to 24 bits.
func TestCompoundOverLargestFrame(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg) // 3.0.2: MaxReadSize 8 MiB
	id := c.mustCreate(on, "8m+1.bin")
	echo := smb.Header{Command: smb.Echo, CreditCharge: 1, Credits: 1000, MessageID: c.msgID}
	c.msgID++
	c.sendFrame(echoBody(echo.AppendTo(nil))) // credits for two 128-credit READs
	read := func() []byte {
		h := smb.Header{Command: smb.Read, CreditCharge: 128, Credits: 1, MessageID: c.msgID, SessionID: on.sess, TreeID: on.tree}
		c.msgID += 128
		return (&smb.ReadRequest{FileID: id, Length: 8 << 20}).AppendTo(h.AppendTo(nil))
	}
	if _, err := c.nc.Write(compound(read(), read())); err != nil {
		t.Fatal(err)
	}
	if resp, err := smb.ReadFrame(c.nc, nil, 1<<25); err != io.EOF {
		t.Errorf("got a %d-byte frame (%v); want the connection closed", len(resp), err)
	}
}

// TestCompoundRead: CREATE + READ + CLOSE, related, in one frame come back as one frame of three
// 8-byte aligned responses with the file's bytes in the READ; a READ in the middle of a compound is
// copied (counted as the compound fallback), one that ends the compound keeps the zero-copy path.
func TestCompoundRead(t *testing.T) {
	tg := startServer(t)
	name := "64k+1.bin"
	want := Content(name, 65537)
	var tc *takeoverConn
	o := dialOpts{dialect: 0x0311, wrap: func(nc net.Conn) net.Conn { tc = newTakeoverConn(nc); return tc }}
	fs := mustMount(t, tg, o, tg.Share)
	if _, err := fs.Stat(name); err != nil { // one more request on the tree, so go-smb2's last names it
		t.Fatal(err)
	}
	last := tc.takeover()
	next := last.MessageID + uint64(max(last.CreditCharge, 1))

	for _, withClose := range []bool{true, false} {
		hdr := func(cmd smb.Command, related bool, charge uint16) []byte {
			h := smb.Header{Command: cmd, CreditCharge: charge, Credits: 64, MessageID: next, SessionID: last.SessionID, TreeID: last.TreeID}
			next += uint64(charge)
			if related {
				h.Flags = smb.FlagRelatedOps
				h.SessionID, h.TreeID = ^uint64(0), ^uint32(0)
			}
			return h.AppendTo(nil)
		}
		create := (&smb.CreateRequest{ImpersonationLevel: smb.ImpersonationImpersonation, DesiredAccess: smb.GenericRead,
			ShareAccess: smb.FileShareRead, CreateDisposition: smb.FileOpen, Name: name}).AppendTo(hdr(smb.Create, false, 1))
		read := (&smb.ReadRequest{Length: 70000, FileID: smb.RelatedFileID}).AppendTo(hdr(smb.Read, true, 2))
		msgs := [][]byte{create, read}
		if withClose {
			msgs = append(msgs, (&smb.CloseRequest{FileID: smb.RelatedFileID}).AppendTo(hdr(smb.Close, true, 1)))
		}
		// A remote server's counters are out of reach (and its strategy may not be sendfile).
		var before zerocopy.Snapshot
		if tg.Server != nil {
			before = tg.Server.Stats()
		}
		if _, err := tc.Conn.Write(compound(msgs...)); err != nil {
			t.Fatal(err)
		}
		var frame []byte
		select {
		case frame = <-tc.frames:
		case <-time.After(10 * time.Second):
			t.Fatal("no response to the compound")
		}
		parts, err := smb.SplitCompound(nil, frame)
		if err != nil {
			t.Fatalf("response frame: %v", err)
		}
		if len(parts) != len(msgs) {
			t.Fatalf("%d responses in the frame, want %d", len(parts), len(msgs))
		}
		off := 0
		for i, p := range parts {
			h, err := smb.DecodeHeader(p)
			if err != nil {
				t.Fatal(err)
			}
			if off%8 != 0 {
				t.Errorf("response %d starts at %d, not 8-byte aligned", i, off)
			}
			if h.Status != smb.StatusSuccess {
				t.Fatalf("response %d (%v): %v", i, h.Command, h.Status)
			}
			if i > 0 && h.Flags&smb.FlagRelatedOps == 0 {
				t.Errorf("response %d lacks SMB2_FLAGS_RELATED_OPERATIONS", i)
			}
			off += int(h.NextCommand)
			if h.Command == smb.Read {
				var rr smb.ReadResponse
				if err := rr.Decode(p); err != nil {
					t.Fatal(err)
				}
				if rr.DataOffset != 0x50 || !bytes.Equal(rr.Data, want) {
					t.Fatalf("READ in the compound: DataOffset %#x, %d bytes, equal to the file: %v", rr.DataOffset, len(rr.Data), bytes.Equal(rr.Data, want))
				}
			}
		}
		if tg.Server == nil {
			continue
		}
		// The Sender counts a response after its last system call returns, which can be after the
		// client has the bytes: wait a moment for the counters to settle.
		what, wantComp, wantSF := "ending", int64(0), int64(len(want))
		if withClose {
			what, wantComp, wantSF = "inside", 1, 0
		}
		var comp, sf int64
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			after := tg.Server.Stats()
			comp = after.Fallback(zerocopy.FallbackCompound) - before.Fallback(zerocopy.FallbackCompound)
			sf = after.Strategy(zerocopy.Sendfile).FileBytes - before.Strategy(zerocopy.Sendfile).FileBytes
			if (comp == wantComp && sf == wantSF) || time.Now().After(deadline) {
				break
			}
		}
		if comp != wantComp || sf != wantSF {
			t.Errorf("READ %s the compound: %d compound fallbacks, sendfile moved %d bytes; want %d and %d", what, comp, sf, wantComp, wantSF)
		}
	}
}

// TestCompoundFailureInMiddle: in CREATE + QUERY_INFO + CLOSE, related, a QUERY_INFO that fails does not
// fail the CLOSE (only a failed CREATE carries its status down the chain, as with Samba and Windows):
// the CLOSE closes the open, so none is left behind. A failed CREATE still fails the rest.
func TestCompoundFailureInMiddle(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	send := func(name string, class uint8) []smb.Status {
		t.Helper()
		hdr := func(cmd smb.Command, related bool) []byte {
			h := smb.Header{Command: cmd, CreditCharge: 1, Credits: 1, MessageID: c.msgID, SessionID: on.sess, TreeID: on.tree}
			c.msgID++
			if related {
				h.Flags = smb.FlagRelatedOps
				h.SessionID, h.TreeID = ^uint64(0), ^uint32(0)
			}
			return h.AppendTo(nil)
		}
		req := openForReading(name)
		msgs := [][]byte{
			req.AppendTo(hdr(smb.Create, false)),
			(&smb.QueryInfoRequest{InfoType: 1, FileInfoClass: class, OutputBufferLength: 4096, FileID: smb.RelatedFileID}).AppendTo(hdr(smb.QueryInfo, true)),
			(&smb.CloseRequest{FileID: smb.RelatedFileID}).AppendTo(hdr(smb.Close, true)),
		}
		if _, err := c.nc.Write(compound(msgs...)); err != nil {
			t.Fatal(err)
		}
		frame, err := smb.ReadFrame(c.nc, nil, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		parts, err := smb.SplitCompound(nil, frame)
		if err != nil || len(parts) != 3 {
			t.Fatalf("%d responses, %v", len(parts), err)
		}
		var got []smb.Status
		for _, p := range parts {
			h, err := smb.DecodeHeader(p)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, h.Status)
			if h.Command == smb.Create && h.Status == smb.StatusSuccess {
				var cr smb.CreateResponse
				if err := cr.Decode(p); err != nil {
					t.Fatal(err)
				}
				defer func() {
					if st := c.close(on, cr.FileID); st != smb.StatusFileClosed {
						t.Errorf("closing the compound's open again: %v, want STATUS_FILE_CLOSED (the CLOSE in the compound left it open)", st)
					}
				}()
			}
		}
		return got
	}
	if got, want := send("page.bin", 0xEE), []smb.Status{smb.StatusSuccess, smb.StatusInvalidInfoClass, smb.StatusSuccess}; !slices.Equal(got, want) {
		t.Errorf("CREATE + failing QUERY_INFO + CLOSE: %v, want %v", got, want)
	}
	if got, want := send("page.bin", 5), []smb.Status{smb.StatusSuccess, smb.StatusSuccess, smb.StatusSuccess}; !slices.Equal(got, want) {
		t.Errorf("CREATE + QUERY_INFO (FileStandardInformation) + CLOSE: %v, want %v", got, want)
	}
	nf := smb.StatusObjectNameNotFound
	if got, want := send("nosuch.bin", 5), []smb.Status{nf, nf, nf}; !slices.Equal(got, want) {
		t.Errorf("failing CREATE + QUERY_INFO + CLOSE: %v, want %v", got, want)
	}
}
