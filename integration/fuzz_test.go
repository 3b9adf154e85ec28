package integration

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/internal/le"
	"github.com/zsmbd/zsmbd/smb"
)

// Placeholders a fuzzed request names the live file and directory by; FuzzRequest puts the real FileIds
// in their place.
var (
	fuzzFile = smb.FileID{Persistent: 0x0807060504030201, Volatile: 0x1817161514131211}
	fuzzDir  = smb.FileID{Persistent: 0x2827262524232221, Volatile: 0x3837363534333231}
)

// FuzzRequest sends one fuzzed frame (one request or a compound chain) on a connection with a guest
// session, a tree on the test share, an open file and an open directory. Each header of the chain gets
// the next MessageIds, and the live SessionId and TreeId unless it is related; the placeholder FileIds
// become the opens'. Whatever the bytes, the server must not panic (the harness counts the panics it
// recovers from), and once the connection is closed it must hold no descriptor it opened for it.
// `go test` runs the seeds; `go test -run XXX -fuzz FuzzRequest ./integration` explores.
func FuzzRequest(f *testing.F) {
	tg := startServer(f)
	if tg.Server == nil {
		f.Skip("needs the in-process server")
	}
	hdr := func(cmd smb.Command, related bool, charge uint16) []byte {
		h := smb.Header{Command: cmd, CreditCharge: charge, Credits: 8}
		if related {
			h.Flags = smb.FlagRelatedOps
			h.SessionID, h.TreeID = ^uint64(0), ^uint32(0)
		}
		return h.AppendTo(nil)
	}
	chain := func(msgs ...[]byte) []byte { return compound(msgs...)[smb.TransportHeaderSize:] }
	create := func(name string, related bool) []byte {
		return (&smb.CreateRequest{ImpersonationLevel: smb.ImpersonationImpersonation, DesiredAccess: smb.GenericRead,
			ShareAccess: smb.FileShareRead, CreateDisposition: smb.FileOpen, Name: name}).AppendTo(hdr(smb.Create, related, 1))
	}
	for _, seed := range [][]byte{
		(&smb.ReadRequest{FileID: fuzzFile, Length: 4096, Offset: 100, MinimumCount: 1}).AppendTo(hdr(smb.Read, false, 1)),
		(&smb.ReadRequest{FileID: fuzzFile, Length: 1 << 20, Offset: 8 << 20}).AppendTo(hdr(smb.Read, false, 16)),
		(&smb.QueryInfoRequest{InfoType: smb.InfoFile, FileInfoClass: 18, OutputBufferLength: 4096, FileID: fuzzFile}).AppendTo(hdr(smb.QueryInfo, false, 1)),
		(&smb.QueryInfoRequest{InfoType: smb.InfoFilesystem, FileInfoClass: 5, OutputBufferLength: 12, FileID: fuzzDir}).AppendTo(hdr(smb.QueryInfo, false, 1)),
		(&smb.QueryInfoRequest{InfoType: smb.InfoSecurity, AdditionalInformation: 7, OutputBufferLength: 100, FileID: fuzzFile}).AppendTo(hdr(smb.QueryInfo, false, 1)),
		(&smb.QueryDirectoryRequest{FileInformationClass: 37, FileID: fuzzDir, OutputBufferLength: 65536, FileName: "*"}).AppendTo(hdr(smb.QueryDirectory, false, 1)),
		(&smb.IoctlRequest{CtlCode: smb.FsctlDfsGetReferrals, FileID: smb.FileID{Persistent: ^uint64(0), Volatile: ^uint64(0)}, MaxOutputResponse: 4096, Flags: smb.IoctlIsFsctl,
			Input: append([]byte{4, 0}, utf16le(`\\127.0.0.1\data`)...)}).AppendTo(hdr(smb.Ioctl, false, 1)),
		(&smb.WriteRequest{FileID: fuzzFile, Length: 5, Offset: 0, Data: []byte("hello")}).AppendTo(hdr(smb.Write, false, 1)),
		(&smb.SetInfoRequest{InfoType: smb.InfoFile, FileInfoClass: 20, Buffer: le.AppendU64(nil, 0), FileID: fuzzFile}).AppendTo(hdr(smb.SetInfo, false, 1)),
		(&smb.CloseRequest{Flags: smb.ClosePostQueryAttrib, FileID: fuzzFile}).AppendTo(hdr(smb.Close, false, 1)),
		create("dir/nested/deep.txt", false),
		create(`..\..\etc\passwd`, false),
		chain(create("64k+1.bin", false), (&smb.ReadRequest{Length: 70000, FileID: smb.RelatedFileID}).AppendTo(hdr(smb.Read, true, 2)),
			(&smb.CloseRequest{FileID: smb.RelatedFileID}).AppendTo(hdr(smb.Close, true, 1))),
		chain((&smb.ReadRequest{FileID: fuzzFile, Length: 10}).AppendTo(hdr(smb.Read, false, 1)),
			(&smb.ReadRequest{FileID: fuzzFile, Length: 10, Offset: 10}).AppendTo(hdr(smb.Read, false, 1))),
		(&smb.EchoRequest{}).AppendTo(hdr(smb.Echo, false, 1)),
		(&smb.LogoffRequest{}).AppendTo(hdr(smb.Logoff, false, 1)),
		(&smb.TreeDisconnectRequest{}).AppendTo(hdr(smb.TreeDisconnect, false, 1)),
	} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, msg []byte) {
		if len(msg) < smb.HeaderSize || len(msg) > 1<<20 {
			return
		}
		fds, panics := openFDs(t), tg.Server.Panics()
		c := dialRawClient(t, tg)
		on := handle{sess: c.logonGuest()}
		on.tree = c.treeConnect(on.sess, tg.Share)
		file := c.mustCreate(on, "8m+1.bin")
		dir := c.mustCreate(on, "dir")
		msg = bytes.ReplaceAll(msg, fuzzFile.AppendTo(nil), file.AppendTo(nil))
		msg = bytes.ReplaceAll(msg, fuzzDir.AppendTo(nil), dir.AppendTo(nil))
		last := c.patchChain(msg, on)

		frame := make([]byte, smb.TransportHeaderSize, smb.TransportHeaderSize+len(msg))
		smb.PutTransportHeader(frame, len(msg))
		if _, err := c.nc.Write(append(frame, msg...)); err != nil {
			t.Fatal(err)
		}
		c.readUntil(last, time.Second)
		c.nc.Close()
		if tg.Server.Panics() > panics {
			t.Fatalf("the server panicked on % x", msg)
		}
		waitFDs(t, fds)
	})
}

// patchChain gives each header of the chain in msg the client's next MessageIds, and the live SessionId
// and TreeId when it is not related, and returns the last MessageId used.
func (c *rawClient) patchChain(msg []byte, on handle) uint64 {
	last := c.msgID
	for off, i := 0, 0; i < 32 && off+smb.HeaderSize <= len(msg); i++ {
		h := msg[off:]
		if !bytes.Equal(h[:4], []byte("\xfeSMB")) {
			break
		}
		last = c.msgID
		le.PutU64(h, 24, c.msgID)
		c.msgID += uint64(max(binary.LittleEndian.Uint16(h[6:]), 1))
		if binary.LittleEndian.Uint32(h[16:])&smb.FlagRelatedOps == 0 {
			le.PutU32(h, 36, on.tree)
			le.PutU64(h, 40, on.sess)
		}
		next := int(binary.LittleEndian.Uint32(h[20:]))
		if next == 0 || next > len(h) {
			break
		}
		off += next
	}
	return last
}

// readUntil reads response frames until one holds a final response to MessageId last, the connection
// ends, or d passes.
func (c *rawClient) readUntil(last uint64, d time.Duration) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	for {
		resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
		if err != nil {
			return // closed by the server (an allowed answer to a bad frame), or no final answer in time
		}
		for off := 0; off+smb.HeaderSize <= len(resp); {
			h, err := smb.DecodeHeader(resp[off:])
			if err != nil {
				return
			}
			if h.MessageID == last && h.Status != smb.StatusPending {
				return
			}
			if h.NextCommand == 0 {
				break
			}
			off += int(h.NextCommand)
		}
	}
}

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

// waitFDs waits for the process to be back to n open descriptors: the server closes a connection's
// socket and files after the client has gone, on its own goroutine.
func waitFDs(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := openFDs(t)
		if got <= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open after the connection closed, %d before it was made", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
