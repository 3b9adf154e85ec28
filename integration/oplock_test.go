package integration

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/seal"
)

// createOplock opens name for reading asking for oplock level asked and returns the open and the level
// granted.
func (c *rawClient) createOplock(on handle, name string, asked uint8) (smb.FileID, uint8) {
	c.t.Helper()
	req := openForReading(name)
	req.RequestedOplockLevel = asked
	h, resp := c.call(c.header(on, smb.Create), req.AppendTo)
	if h.Status != smb.StatusSuccess {
		c.t.Fatalf("CREATE %q asking for oplock %#x: %v", name, asked, h.Status)
	}
	var cr smb.CreateResponse
	if err := cr.Decode(resp); err != nil {
		c.t.Fatal(err)
	}
	return cr.FileID, cr.OplockLevel
}

// TestOplocks: a file open that asks for any oplock gets level II, with which a client caches what it
// reads; a directory gets none, as smbd answers (4.17.12: none for a directory asking for batch), and so
// does a lease request, since leasing is not offered. smbd gives a lone open the batch oplock it asks for
// and breaks it to level II when the next open comes; zsmbd grants level II from the start, which no SMB
// client can break on a read-only share. No break is ever acknowledged (a level II break needs none), so
// an acknowledgment is STATUS_INVALID_OPLOCK_PROTOCOL, or STATUS_FILE_CLOSED when it names no open, and a
// lease acknowledgment STATUS_OBJECT_NAME_NOT_FOUND: smbd 4.17.12's answers, checked with impacket.
func TestOplocks(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	var first smb.FileID
	for i, tc := range []struct {
		name       string
		asked, got uint8
	}{
		{"one.bin", smb.OplockLevelBatch, smb.OplockLevelII},
		{"one.bin", smb.OplockLevelBatch, smb.OplockLevelII}, // a second open, the first still open
		{"one.bin", smb.OplockLevelExclusive, smb.OplockLevelII},
		{"one.bin", smb.OplockLevelII, smb.OplockLevelII},
		{"one.bin", smb.OplockLevelNone, smb.OplockLevelNone},
		{"one.bin", smb.OplockLevelLease, smb.OplockLevelNone},
		{"dir", smb.OplockLevelBatch, smb.OplockLevelNone},
	} {
		id, got := c.createOplock(on, tc.name, tc.asked)
		if got != tc.got {
			t.Errorf("%s asking for %#x: granted %#x, want %#x", tc.name, tc.asked, got, tc.got)
		}
		if i == 0 {
			first = id
		}
	}
	data, st := c.read(on, first, 1)
	if st != smb.StatusSuccess || !bytes.Equal(data, Content("one.bin", 1)) {
		t.Fatalf("READ on the oplocked open: %v, % x", st, data)
	}
	ack := smb.OplockBreakAck{OplockLevel: smb.OplockLevelNone, FileID: first}
	if h, _ := c.call(c.header(on, smb.OplockBreak), ack.AppendTo); h.Status != smb.StatusInvalidOplockProtocol {
		t.Errorf("OPLOCK_BREAK acknowledgment with no break: %v, want STATUS_INVALID_OPLOCK_PROTOCOL", h.Status)
	}
	ack.FileID = smb.FileID{Persistent: 77, Volatile: 77}
	if h, _ := c.call(c.header(on, smb.OplockBreak), ack.AppendTo); h.Status != smb.StatusFileClosed {
		t.Errorf("OPLOCK_BREAK acknowledgment naming no open: %v, want STATUS_FILE_CLOSED", h.Status)
	}
	lease := smb.LeaseBreakAck{LeaseKey: [16]byte{1}}
	if h, _ := c.call(c.header(on, smb.OplockBreak), lease.AppendTo); h.Status != smb.StatusObjectNameNotFound {
		t.Errorf("lease break acknowledgment: %v, want STATUS_OBJECT_NAME_NOT_FOUND", h.Status)
	}
}

// TestOplocksOff: `oplocks = no` and `level2 oplocks = no` each leave every open without an oplock.
func TestOplocksOff(t *testing.T) {
	for _, off := range []func(*config.Share){
		func(s *config.Share) { s.NoOplocks = true },
		func(s *config.Share) { s.NoLevel2Oplocks = true },
	} {
		tg := startServer(t, func(c *config.Config) { off(&c.Shares[0]) })
		c, on := rawShare(t, tg)
		if _, got := c.createOplock(on, "one.bin", smb.OplockLevelBatch); got != smb.OplockLevelNone {
			t.Errorf("granted %#x with oplocks off", got)
		}
	}
}

// TestOplockBreak: a file changed on the server's disk breaks the level II oplocks of its opens to
// none, so that clients drop what they cached: one Oplock Break Notification per open (MessageId
// 0xFFFFFFFFFFFFFFFF, no session or tree, unsigned, as smbd sends it), none for an open without an
// oplock or one already closed, and no acknowledgment is expected. The open keeps working and reads the
// new content.
func TestOplockBreak(t *testing.T) {
	tg := startServer(t)
	if tg.Root == "" {
		t.Skip("changes the share's files on disk: needs ZSMBD_ROOT")
	}
	path := filepath.Join(tg.Root, "oplock-break.txt")
	if err := os.WriteFile(path, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	c, on := rawShare(t, tg)
	plain, _ := c.createOplock(on, "oplock-break.txt", smb.OplockLevelNone)
	id, level := c.createOplock(on, "oplock-break.txt", smb.OplockLevelBatch)
	if level != smb.OplockLevelII {
		t.Fatalf("granted %#x", level)
	}
	closed, _ := c.createOplock(on, "oplock-break.txt", smb.OplockLevelII)
	c.close(on, closed)

	if err := os.WriteFile(path, []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := awaitBreak(t, c.nc)
	h, err := smb.DecodeHeader(msg)
	if err != nil {
		t.Fatal(err)
	}
	var brk smb.OplockBreakAck
	if err := brk.Decode(msg); err != nil {
		t.Fatal(err)
	}
	if h.Command != smb.OplockBreak || h.MessageID != ^uint64(0) || h.SessionID != 0 || h.TreeID != 0 ||
		h.Flags != smb.FlagServerToRedir || h.Status != smb.StatusSuccess || brk.OplockLevel != smb.OplockLevelNone || brk.FileID != id {
		t.Fatalf("break: %+v, level %#x for %v; want the oplocked open %v to level none", h, brk.OplockLevel, brk.FileID, id)
	}
	// Nothing more: the oplock is broken, the other opens had none.
	if err := os.WriteFile(path, []byte("v3"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !quiet(c.nc, 300*time.Millisecond) {
		t.Fatal("a second message came unasked")
	}
	c.nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	if data, st := c.read(on, id, 16); st != smb.StatusSuccess || string(data) != "v3" {
		t.Errorf("READ after the break: %v, %q", st, data)
	}
	c.close(on, plain)
	c.close(on, id)
}

// quiet reports whether nothing arrives on nc for d.
func quiet(nc net.Conn, d time.Duration) bool {
	nc.SetReadDeadline(time.Now().Add(d))
	_, err := nc.Read(make([]byte, 1))
	return isTimeout(err)
}

// TestOplockBreakEncrypted: on a share that asks for encryption the Oplock Break Notification is
// encrypted with the open's session key, as every message of that tree is; it names no session inside.
func TestOplockBreakEncrypted(t *testing.T) {
	tg := startServer(t, withEncrypt("", config.EncryptDesired))
	path := filepath.Join(tg.Root, "oplock-sealed.txt")
	if err := os.WriteFile(path, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := dialEncrypting(t, tg)
	h, _ := c.sealedCall(c.sealer, c.message(smb.Header{Command: smb.TreeConnect, SessionID: c.sid}, treeConnectBody(tg, tg.Share), nil))
	if h.Status != smb.StatusSuccess {
		t.Fatalf("TREE_CONNECT: %v", h.Status)
	}
	req := openForReading("oplock-sealed.txt")
	req.RequestedOplockLevel = smb.OplockLevelBatch
	h, plain := c.sealedCall(c.sealer, c.message(smb.Header{Command: smb.Create, SessionID: c.sid, TreeID: h.TreeID}, req.AppendTo, nil))
	var cr smb.CreateResponse
	if h.Status != smb.StatusSuccess || cr.Decode(plain) != nil || cr.OplockLevel != smb.OplockLevelII {
		t.Fatalf("CREATE: %v, oplock %#x", h.Status, cr.OplockLevel)
	}
	if err := os.WriteFile(path, []byte("v2"), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := awaitBreak(t, c.nc)
	if !seal.IsTransform(msg) {
		t.Fatal("the oplock break came in the clear")
	}
	plain, err := c.sealer.Open(msg)
	if err != nil {
		t.Fatalf("opening the break: %v", err)
	}
	bh, err := smb.DecodeHeader(plain)
	var brk smb.OplockBreakAck
	if err != nil || brk.Decode(plain) != nil || bh.Command != smb.OplockBreak || bh.MessageID != ^uint64(0) ||
		bh.SessionID != 0 || brk.FileID != cr.FileID || brk.OplockLevel != smb.OplockLevelNone {
		t.Fatalf("break: %+v %+v, %v", bh, brk, err)
	}
}

// awaitBreak reads the next frame the server sends unasked: the oplock break a change on disk causes.
func awaitBreak(t *testing.T, nc net.Conn) []byte {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	msg, err := smb.ReadFrame(nc, nil, 1<<16)
	if err != nil {
		t.Fatalf("no oplock break after the file changed: %v", err)
	}
	return msg
}
