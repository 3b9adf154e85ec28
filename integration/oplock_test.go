package integration

import (
	"bytes"
	"testing"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
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
// client can break on a read-only share. No oplock is ever breaking, so an acknowledgment is
// STATUS_INVALID_OPLOCK_PROTOCOL.
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
