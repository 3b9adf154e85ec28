package integration

import (
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
)

// rawClient is a small SMB2 client for requests go-smb2 cannot express: other sessions' FileIds,
// unknown SessionIds, chosen information classes and output buffer lengths. It speaks 2.0.2 to 3.0.2
// (no negotiate contexts), logs on as guest (no signing) and sends one request at a time.
type rawClient struct {
	t     testing.TB
	nc    net.Conn
	tg    *target
	msgID uint64
}

func dialRawClient(t testing.TB, tg *target) *rawClient {
	t.Helper()
	return dialRawClientWith(t, tg, &net.Dialer{Timeout: 5 * time.Second})
}

// dialRawClientWith connects with d (to set socket options before connecting) and negotiates.
func dialRawClientWith(t testing.TB, tg *target, d *net.Dialer) *rawClient {
	t.Helper()
	nc, err := d.Dial("tcp", tg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(60 * time.Second))
	c := &rawClient{t: t, nc: nc, tg: tg}
	neg := smb.NegotiateRequest{SecurityMode: smb.SecurityModeSigningEnabled,
		Dialects: []uint16{smb.Dialect202, smb.Dialect210, smb.Dialect300, smb.Dialect302}}
	if h, _ := c.call(smb.Header{Command: smb.Negotiate}, neg.AppendTo); h.Status != smb.StatusSuccess {
		t.Fatalf("NEGOTIATE: %v", h.Status)
	}
	return c
}

// framed puts the 4-byte transport header in front of msg (one request or a compound chain).
func framed(msg []byte) []byte {
	frame := make([]byte, smb.TransportHeaderSize, smb.TransportHeaderSize+len(msg))
	smb.PutTransportHeader(frame, len(msg))
	return append(frame, msg...)
}

// call sends one request with the next MessageId and returns the response header and message. The
// request is charged h.CreditCharge credits, or one if that is 0.
func (c *rawClient) call(h smb.Header, body func([]byte) []byte) (smb.Header, []byte) {
	c.t.Helper()
	h.MessageID, h.Credits = c.msgID, 8
	if h.Command != smb.Negotiate {
		h.CreditCharge = max(h.CreditCharge, 1)
	}
	c.msgID += uint64(max(h.CreditCharge, 1))
	if _, err := c.nc.Write(framed(body(h.AppendTo(nil)))); err != nil {
		c.t.Fatal(err)
	}
	resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
	if err != nil {
		c.t.Fatalf("%v: reading the response: %v", h.Command, err)
	}
	rh, err := smb.DecodeHeader(resp)
	if err != nil {
		c.t.Fatal(err)
	}
	if rh.MessageID != h.MessageID || rh.Command != h.Command {
		c.t.Fatalf("sent %v #%d, got %v #%d", h.Command, h.MessageID, rh.Command, rh.MessageID)
	}
	return rh, resp
}

// logonGuest sets up a session with bare NTLMSSP as a user the server does not know, which
// `map to guest = bad user` makes a guest, and returns its SessionId.
func (c *rawClient) logonGuest() uint64 {
	c.t.Helper()
	return c.setupGuest(0)
}

// setupGuest runs the two SESSION_SETUP legs as that unknown user on session sid: 0 for a new session,
// or a logged-on session's id to re-authenticate it. It returns the SessionId of the answer.
func (c *rawClient) setupGuest(sid uint64) uint64 {
	c.t.Helper()
	const flags = 0x00000001 | 0x00000004 | 0x00000200 | 0x00080000 // UNICODE, REQUEST_TARGET, NTLM, EXTENDED_SESSIONSECURITY
	// NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1) with empty domain and workstation fields.
	negotiate := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32([]byte("NTLMSSP\x00"), 1), flags)
	negotiate = append(negotiate, make([]byte, 16)...)
	setup := smb.SessionSetupRequest{SecurityMode: smb.SecurityModeSigningEnabled, SecurityBuffer: negotiate}
	h, _ := c.call(smb.Header{Command: smb.SessionSetup, SessionID: sid}, setup.AppendTo)
	if h.Status != smb.StatusMoreProcessingRequired {
		c.t.Fatalf("SESSION_SETUP 1: %v", h.Status)
	}
	// AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3): an NTLMv2-shaped response (NTProofStr, the fixed
	// client challenge, MsvAvEOL) for an unknown user; no proof is checked for a name without a password.
	user := utf16le("raw-guest")
	nt := make([]byte, 16+28+4)
	nt[16], nt[17] = 1, 1 // RespType, HiRespType
	field := func(b []byte, n, off int) []byte {
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
		return binary.LittleEndian.AppendUint32(b, uint32(off))
	}
	const payload = 64
	auth := binary.LittleEndian.AppendUint32([]byte("NTLMSSP\x00"), 3)
	auth = field(auth, 0, payload)                 // LmChallengeResponse
	auth = field(auth, len(nt), payload)           // NtChallengeResponse
	auth = field(auth, 0, payload)                 // DomainName
	auth = field(auth, len(user), payload+len(nt)) // UserName
	auth = field(auth, 0, payload)                 // Workstation
	auth = field(auth, 0, payload)                 // EncryptedRandomSessionKey
	auth = binary.LittleEndian.AppendUint32(auth, flags)
	auth = append(append(auth, nt...), user...)
	setup.SecurityBuffer = auth
	h, resp := c.call(smb.Header{Command: smb.SessionSetup, SessionID: h.SessionID}, setup.AppendTo)
	var sr smb.SessionSetupResponse
	if h.Status != smb.StatusSuccess || sr.Decode(resp) != nil || sr.SessionFlags&smb.SessionFlagIsGuest == 0 {
		c.t.Fatalf("SESSION_SETUP 2: %v, flags %#x", h.Status, sr.SessionFlags)
	}
	return h.SessionID
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// treeConnect connects session sess to share and returns the TreeId.
func (c *rawClient) treeConnect(sess uint64, share string) uint32 {
	c.t.Helper()
	host, _, _ := net.SplitHostPort(c.tg.Addr)
	req := smb.TreeConnectRequest{Path: `\\` + host + `\` + share}
	h, _ := c.call(smb.Header{Command: smb.TreeConnect, SessionID: sess}, req.AppendTo)
	if h.Status != smb.StatusSuccess {
		c.t.Fatalf("TREE_CONNECT %s: %v", share, h.Status)
	}
	return h.TreeID
}

// handle is a session and tree to send requests on.
type handle struct {
	sess uint64
	tree uint32
}

func (c *rawClient) header(on handle, cmd smb.Command) smb.Header {
	return smb.Header{Command: cmd, SessionID: on.sess, TreeID: on.tree}
}

// create opens name for reading (FILE_OPEN) and returns its FileId and the status.
func (c *rawClient) create(on handle, name string) (smb.FileID, smb.Status) {
	c.t.Helper()
	return c.createReq(on, openForReading(name))
}

// openForReading is the CREATE request create sends; tests change a field of it to probe the checks.
func openForReading(name string) smb.CreateRequest {
	return smb.CreateRequest{
		ImpersonationLevel: smb.ImpersonationImpersonation,
		DesiredAccess:      smb.FileReadData | smb.FileReadAttributes | smb.ReadControl,
		ShareAccess:        smb.FileShareRead | smb.FileShareWrite | smb.FileShareDelete,
		CreateDisposition:  smb.FileOpen,
		Name:               name,
	}
}

// createReq sends req and returns the FileId and the status.
func (c *rawClient) createReq(on handle, req smb.CreateRequest) (smb.FileID, smb.Status) {
	c.t.Helper()
	h, resp := c.call(c.header(on, smb.Create), req.AppendTo)
	var cr smb.CreateResponse
	if h.Status == smb.StatusSuccess {
		if err := cr.Decode(resp); err != nil {
			c.t.Fatal(err)
		}
	}
	return cr.FileID, h.Status
}

func (c *rawClient) mustCreate(on handle, name string) smb.FileID {
	c.t.Helper()
	return c.mustCreateReq(on, openForReading(name))
}

func (c *rawClient) mustCreateReq(on handle, req smb.CreateRequest) smb.FileID {
	c.t.Helper()
	id, st := c.createReq(on, req)
	if st != smb.StatusSuccess {
		c.t.Fatalf("CREATE %q: %v", req.Name, st)
	}
	return id
}

// read reads n bytes at offset 0.
func (c *rawClient) read(on handle, id smb.FileID, n uint32) ([]byte, smb.Status) {
	c.t.Helper()
	h, resp := c.call(c.header(on, smb.Read), (&smb.ReadRequest{FileID: id, Length: n}).AppendTo)
	var rr smb.ReadResponse
	if h.Status == smb.StatusSuccess {
		if err := rr.Decode(resp); err != nil {
			c.t.Fatal(err)
		}
	}
	return rr.Data, h.Status
}

// queryInfo asks one information class with the given OutputBufferLength and returns the response
// buffer (for a success or STATUS_BUFFER_OVERFLOW) or the ERROR response's data.
func (c *rawClient) queryInfo(on handle, id smb.FileID, infoType, class uint8, addl, max uint32) ([]byte, smb.Status) {
	c.t.Helper()
	req := smb.QueryInfoRequest{InfoType: infoType, FileInfoClass: class, OutputBufferLength: max, AdditionalInformation: addl, FileID: id}
	h, resp := c.call(c.header(on, smb.QueryInfo), req.AppendTo)
	if smb.IsErrorResponse(resp) {
		var er smb.ErrorResponse
		if err := er.Decode(resp); err != nil {
			c.t.Fatal(err)
		}
		return er.ErrorData, h.Status
	}
	var qr smb.QueryInfoResponse
	if err := qr.Decode(resp); err != nil {
		c.t.Fatal(err)
	}
	return qr.Buffer, h.Status
}

// queryDir sends one QUERY_DIRECTORY (FileNamesInformation) and returns the names it lists.
func (c *rawClient) queryDir(on handle, id smb.FileID, pattern string, flags uint8) ([]string, smb.Status) {
	c.t.Helper()
	buf, st := c.queryDirRaw(on, id, fscc.FileNamesInformation, pattern, flags, 64<<10)
	if st != smb.StatusSuccess {
		return nil, st
	}
	// FILE_NAMES_INFORMATION (MS-FSCC 2.4.28): NextEntryOffset, FileIndex, FileNameLength, FileName.
	var names []string
	for b := buf; len(b) >= 12; {
		next, n := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[8:])
		u := make([]uint16, n/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[12+2*i:])
		}
		names = append(names, string(utf16.Decode(u)))
		if next == 0 {
			break
		}
		b = b[next:]
	}
	return names, st
}

// queryDirRaw sends one QUERY_DIRECTORY and returns the status and, on success, the entries' bytes.
func (c *rawClient) queryDirRaw(on handle, id smb.FileID, class uint8, pattern string, flags uint8, max uint32) ([]byte, smb.Status) {
	c.t.Helper()
	req := smb.QueryDirectoryRequest{FileInformationClass: class, Flags: flags, FileID: id, OutputBufferLength: max, FileName: pattern}
	h, resp := c.call(c.header(on, smb.QueryDirectory), req.AppendTo)
	if h.Status != smb.StatusSuccess {
		return nil, h.Status
	}
	var qr smb.QueryDirectoryResponse
	if err := qr.Decode(resp); err != nil {
		c.t.Fatal(err)
	}
	return qr.Buffer, h.Status
}

func (c *rawClient) close(on handle, id smb.FileID) smb.Status {
	c.t.Helper()
	h, _ := c.call(c.header(on, smb.Close), (&smb.CloseRequest{FileID: id}).AppendTo)
	return h.Status
}

// rawShare logs a raw client on as guest and connects it to the data share.
func rawShare(t *testing.T, tg *target) (*rawClient, handle) {
	c := dialRawClient(t, tg)
	s := c.logonGuest()
	return c, handle{s, c.treeConnect(s, tg.Share)}
}

// TestForeignFileID: an open belongs to its session and tree. Another session, another tree of the same
// session and another connection get STATUS_FILE_CLOSED for its FileId, and the open still works for
// its owner afterwards.
func TestForeignFileID(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	id := c.mustCreate(a, "one.bin")
	s2 := c.logonGuest()
	otherSession := handle{s2, c.treeConnect(s2, tg.Share)}
	otherTree := handle{a.sess, c.treeConnect(a.sess, tg.Share)}
	c2, otherConn := rawShare(t, tg)
	for _, x := range []struct {
		name string
		c    *rawClient
		on   handle
	}{{"other session", c, otherSession}, {"other tree", c, otherTree}, {"other connection", c2, otherConn}} {
		if _, st := x.c.read(x.on, id, 1); st != smb.StatusFileClosed {
			t.Errorf("%s: READ: %v, want STATUS_FILE_CLOSED", x.name, st)
		}
		if _, st := x.c.queryInfo(x.on, id, smb.InfoFile, fscc.FileBasicInformation, 0, 4096); st != smb.StatusFileClosed {
			t.Errorf("%s: QUERY_INFO: %v, want STATUS_FILE_CLOSED", x.name, st)
		}
		if _, st := x.c.queryDir(x.on, id, "*", 0); st != smb.StatusFileClosed {
			t.Errorf("%s: QUERY_DIRECTORY: %v, want STATUS_FILE_CLOSED", x.name, st)
		}
		if st := x.c.close(x.on, id); st != smb.StatusFileClosed {
			t.Errorf("%s: CLOSE: %v, want STATUS_FILE_CLOSED", x.name, st)
		}
	}
	if data, st := c.read(a, id, 1); st != smb.StatusSuccess || string(data) != string(Content("one.bin", 1)) {
		t.Errorf("owner's READ after the refusals: %v %x", st, data)
	}
	if st := c.close(a, id); st != smb.StatusSuccess {
		t.Errorf("owner's CLOSE: %v", st)
	}
	if _, st := c.read(a, id, 1); st != smb.StatusFileClosed {
		t.Errorf("READ after CLOSE: %v, want STATUS_FILE_CLOSED", st)
	}
}

// TestReauthentication: a SESSION_SETUP exchange on a session that is logged on re-authenticates it
// (MS-SMB2 3.3.5.5.3): it succeeds as the same identity, keeps the SessionId, and the session's tree and
// open go on working, with the file's bytes.
func TestReauthentication(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	const name, size = "page-1.bin", 4095
	id := c.mustCreate(on, name)
	if got := c.setupGuest(on.sess); got != on.sess {
		t.Fatalf("re-authentication answered for session %#x, want %#x", got, on.sess)
	}
	if data, st := c.read(on, id, size); st != smb.StatusSuccess || string(data) != string(Content(name, size)) {
		t.Fatalf("READ on the open after re-authentication: %v, %d bytes, equal to the file: %v", st, len(data), string(data) == string(Content(name, size)))
	}
	id2, st := c.create(on, "one.bin")
	if st != smb.StatusSuccess {
		t.Fatalf("CREATE on the tree after re-authentication: %v", st)
	}
	for _, f := range []smb.FileID{id, id2} {
		if st := c.close(on, f); st != smb.StatusSuccess {
			t.Errorf("CLOSE after re-authentication: %v", st)
		}
	}
}

// TestUnknownSessionID: a SessionId the server never gave (or one logged off) is
// STATUS_USER_SESSION_DELETED.
func TestUnknownSessionID(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	bogus := handle{a.sess ^ 0xdead_beef_0000, a.tree}
	if _, st := c.create(bogus, "one.bin"); st != smb.StatusUserSessionDeleted {
		t.Errorf("CREATE: %v, want STATUS_USER_SESSION_DELETED", st)
	}
	host, _, _ := net.SplitHostPort(tg.Addr)
	h, _ := c.call(c.header(bogus, smb.TreeConnect), (&smb.TreeConnectRequest{Path: `\\` + host + `\` + tg.Share}).AppendTo)
	if h.Status != smb.StatusUserSessionDeleted {
		t.Errorf("TREE_CONNECT: %v, want STATUS_USER_SESSION_DELETED", h.Status)
	}
	if h, _ := c.call(c.header(a, smb.Logoff), func(b []byte) []byte { return append(b, 4, 0, 0, 0) }); h.Status != smb.StatusSuccess {
		t.Fatalf("LOGOFF: %v", h.Status)
	}
	if _, st := c.create(a, "one.bin"); st != smb.StatusUserSessionDeleted {
		t.Errorf("CREATE after LOGOFF: %v, want STATUS_USER_SESSION_DELETED", st)
	}
}

// TestCreateStatuses: the exact status of each kind of bad name (go-smb2 folds the not-found ones into
// one error): Samba 4.17's answers with `wide links = no`, checked against smbd.
func TestCreateStatuses(t *testing.T) {
	tg := startServer(t)
	addLinks(t, localRoot(t, tg))
	c, a := rawShare(t, tg)
	for _, x := range []struct {
		name string
		want smb.Status
	}{
		{`one.bin`, smb.StatusSuccess},
		{`\dir\nested\deep.txt`, smb.StatusInvalidParameter}, // a leading separator, as smbd answers it
		{`one.bin::$DATA`, smb.StatusSuccess},
		{`in-link\nested`, smb.StatusSuccess},
		// A named stream, on a server that offers none: smbd 4.17 without a streams module answers
		// OBJECT_NAME_INVALID for each, with or without the file.
		{`one.bin:stream`, smb.StatusObjectNameInvalid},
		{`one.bin:Zone.Identifier:$DATA`, smb.StatusObjectNameInvalid},
		{`missing:stream`, smb.StatusObjectNameInvalid},
		{`dir\missing:stream`, smb.StatusObjectNameInvalid},
		{`dir\missing`, smb.StatusObjectNameNotFound},
		{`missing\deep.txt`, smb.StatusObjectPathNotFound},
		{`one.bin\x`, smb.StatusObjectPathNotFound},
		{`..\..\etc\passwd`, smb.StatusObjectPathSyntaxBad},
		{`dir\..\..\one.bin`, smb.StatusObjectPathSyntaxBad},
		{`out-abs`, smb.StatusObjectNameNotFound},
		{`out-abs\x`, smb.StatusObjectPathNotFound},
		{`out-rel`, smb.StatusObjectNameNotFound},
		{`out-rel\passwd`, smb.StatusObjectPathNotFound},
		{`loop1`, smb.StatusObjectNameNotFound},
		{`loop1\x`, smb.StatusObjectPathNotFound},
		{"one\x00.bin", smb.StatusObjectNameInvalid},
		{`a*b`, smb.StatusObjectNameInvalid},
	} {
		id, st := c.create(a, x.name)
		if st != x.want {
			t.Errorf("CREATE %q: %v, want %v", x.name, st, x.want)
		}
		if st == smb.StatusSuccess {
			c.close(a, id)
		}
	}
}

// TestQueryInfoStatuses: an unknown class is STATUS_INVALID_INFO_CLASS; an output buffer below a class's
// fixed size is STATUS_INFO_LENGTH_MISMATCH with no data; one that cuts a variable-length name is
// STATUS_BUFFER_OVERFLOW with exactly the bytes that fit (MS-FSCC, MS-FSA 2.1.5.12); a security
// descriptor that does not fit is STATUS_BUFFER_TOO_SMALL with the size it needs (MS-SMB2 3.3.5.20.3);
// the quota settings are STATUS_ACCESS_DENIED.
func TestQueryInfoStatuses(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	id := c.mustCreate(a, `dir\nested\deep.txt`)
	for _, q := range []struct {
		typ, class uint8
	}{{smb.InfoFile, 0}, {smb.InfoFile, 200}, {smb.InfoFilesystem, 0}, {smb.InfoFilesystem, 200}} {
		if _, st := c.queryInfo(a, id, q.typ, q.class, 0, 4096); st != smb.StatusInvalidInfoClass {
			t.Errorf("type %d class %d: %v, want STATUS_INVALID_INFO_CLASS", q.typ, q.class, st)
		}
	}
	for _, q := range []struct {
		name       string
		typ, class uint8
		variable   bool // ends in a name that can be cut
	}{
		{"FileBasicInformation", smb.InfoFile, fscc.FileBasicInformation, false},
		{"FileStandardInformation", smb.InfoFile, 5, false},
		{"FileNetworkOpenInformation", smb.InfoFile, 34, false},
		{"FileAllInformation", smb.InfoFile, fscc.FileAllInformation, true},
		{"FileFsVolumeInformation", smb.InfoFilesystem, fscc.FileFsVolumeInformation, true},
		{"FileFsAttributeInformation", smb.InfoFilesystem, 5, true},
		{"FileFsFullSizeInformation", smb.InfoFilesystem, 7, false},
	} {
		full, st := c.queryInfo(a, id, q.typ, q.class, 0, 4096)
		if st != smb.StatusSuccess || len(full) == 0 {
			t.Errorf("%s: %v, %d bytes", q.name, st, len(full))
			continue
		}
		if got, st := c.queryInfo(a, id, q.typ, q.class, 0, 0); st != smb.StatusInfoLengthMismatch || len(got) > 1 {
			t.Errorf("%s in 0 bytes: %v with %d bytes, want STATUS_INFO_LENGTH_MISMATCH and none", q.name, st, len(got))
		}
		// Two bytes short: one UTF-16 code unit of a name is cut. (One byte short, Samba 4.17 returns the
		// odd byte count, as MS-FSA says; zsmbd's fscc cuts whole code units.)
		short := len(full) - 2
		got, st := c.queryInfo(a, id, q.typ, q.class, 0, uint32(short))
		switch {
		case !q.variable && st != smb.StatusInfoLengthMismatch:
			t.Errorf("%s in %d of %d bytes: %v, want STATUS_INFO_LENGTH_MISMATCH", q.name, short, len(full), st)
		case q.variable && (st != smb.StatusBufferOverflow || string(got) != string(full[:short])):
			t.Errorf("%s in %d of %d bytes: %v with %d bytes, want STATUS_BUFFER_OVERFLOW and the first %d",
				q.name, short, len(full), st, len(got), short)
		}
	}
	// The quota settings (FileFsControlInformation): ACCESS_DENIED, as smbd answers anyone but root.
	if _, st := c.queryInfo(a, id, smb.InfoFilesystem, fscc.FileFsControlInformation, 0, 4096); st != smb.StatusAccessDenied {
		t.Errorf("FileFsControlInformation: %v, want STATUS_ACCESS_DENIED", st)
	}
	// Extended attributes: none on any file (FileEaInformation's EaSize is 0), as smbd answers.
	if _, st := c.queryInfo(a, id, smb.InfoFile, fscc.FileFullEaInformation, 0, 4096); st != smb.StatusNoEasOnFile {
		t.Errorf("FileFullEaInformation: %v, want STATUS_NO_EAS_ON_FILE", st)
	}
	const secInfo = smb.OwnerSecurityInformation | smb.GroupSecurityInformation | smb.DACLSecurityInformation
	need, st := c.queryInfo(a, id, smb.InfoSecurity, 0, secInfo, 8)
	if st != smb.StatusBufferTooSmall || len(need) != 4 {
		t.Fatalf("security descriptor in 8 bytes: %v with %d bytes of error data, want STATUS_BUFFER_TOO_SMALL and 4", st, len(need))
	}
	n := binary.LittleEndian.Uint32(need)
	if sd, st := c.queryInfo(a, id, smb.InfoSecurity, 0, secInfo, n); st != smb.StatusSuccess || uint32(len(sd)) != n {
		t.Errorf("security descriptor in the %d bytes asked for: %v with %d bytes", n, st, len(sd))
	}
	// The SACL needs ACCESS_SYSTEM_SECURITY on the open (MS-SMB2 3.3.5.20.3; Samba answers the same).
	if _, st := c.queryInfo(a, id, smb.InfoSecurity, 0, secInfo|smb.SACLSecurityInformation, 4096); st != smb.StatusAccessDenied {
		t.Errorf("security descriptor with the SACL: %v, want STATUS_ACCESS_DENIED", st)
	}
}

// TestQueryDirectoryStatuses: a first query that matches nothing is STATUS_NO_SUCH_FILE, the query after
// that or after the last entry STATUS_NO_MORE_FILES; RESTART_SCANS starts again.
func TestQueryDirectoryStatuses(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	dir := c.mustCreate(a, "dir")
	if _, st := c.queryDir(a, dir, "nomatch*", 0); st != smb.StatusNoSuchFile {
		t.Errorf("no match: %v, want STATUS_NO_SUCH_FILE", st)
	}
	// The same search asked again: MS-FSA 2.1.5.6.3 and Samba say there is nothing more.
	if _, st := c.queryDir(a, dir, "nomatch*", 0); st != smb.StatusNoMoreFiles {
		t.Errorf("no match, asked again: %v, want STATUS_NO_MORE_FILES", st)
	}
	// On a fresh open: after a RESTART_SCANS with a new name Samba says NO_MORE_FILES, zsmbd (as MS-FSA
	// 2.1.5.6.3 restarts the query) NO_SUCH_FILE.
	fresh := c.mustCreate(a, "dir")
	if _, st := c.queryDir(a, fresh, "missing.txt", 0); st != smb.StatusNoSuchFile {
		t.Errorf("exact missing name: %v, want STATUS_NO_SUCH_FILE", st)
	}
	if _, st := c.queryDir(a, fresh, "missing.txt", 0); st != smb.StatusNoMoreFiles {
		t.Errorf("exact missing name, asked again: %v, want STATUS_NO_MORE_FILES", st)
	}
	for round := range 2 {
		names, st := c.queryDir(a, dir, "*", smb.RestartScans)
		if st != smb.StatusSuccess || strings.Join(names, ",") != ".,..,nested" {
			t.Errorf("round %d: %v %q, want . .. nested", round, st, names)
		}
		if names, st := c.queryDir(a, dir, "*", 0); st != smb.StatusNoMoreFiles {
			t.Errorf("round %d: after the last entry: %v %q, want STATUS_NO_MORE_FILES", round, st, names)
		}
	}
	if names, st := c.queryDir(a, dir, "NESTED", smb.RestartScans); st != smb.StatusSuccess || len(names) != 1 || names[0] != "nested" {
		t.Errorf("exact name in another case: %v %q", st, names)
	}
	if _, st := c.queryDir(a, dir, "*", 0); st != smb.StatusNoMoreFiles {
		t.Errorf("after the exact name: %v, want STATUS_NO_MORE_FILES", st)
	}
	// OutputBufferLength: 0 or past MaxTransactSize (8 MiB here) is STATUS_INVALID_PARAMETER, as smbd
	// 4.17.12 answers; room for less than one entry STATUS_INFO_LENGTH_MISMATCH (MS-FSA 2.1.5.6.3).
	for _, tc := range []struct {
		max  uint32
		want smb.Status
	}{{0, smb.StatusInvalidParameter}, {8<<20 + 1, smb.StatusInvalidParameter}, {8, smb.StatusInfoLengthMismatch}} {
		if _, st := c.queryDirRaw(a, dir, fscc.FileDirectoryInformation, "*", smb.RestartScans, tc.max); st != tc.want {
			t.Errorf("OutputBufferLength %d: %v, want %v", tc.max, st, tc.want)
		}
	}
	// MS-SMB2 3.3.5.18 (Samba 4.17 says STATUS_NOT_SUPPORTED).
	file := c.mustCreate(a, "one.bin")
	if _, st := c.queryDir(a, file, "*", 0); st != smb.StatusInvalidParameter {
		t.Errorf("QUERY_DIRECTORY of a file: %v, want STATUS_INVALID_PARAMETER", st)
	}
}

// TestIoctlOutputLimit: an FSCTL whose answer is longer than the client's MaxOutputResponse is
// STATUS_BUFFER_TOO_SMALL (as Samba answers), and a VALIDATE_NEGOTIATE_INFO that leaves no room for
// its 24-byte answer closes the connection (MS-SMB2 3.3.5.15.12), where room enough gets the answer.
func TestIoctlOutputLimit(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	ioctl := func(code uint32, input []byte, max uint32) (smb.Header, []byte) {
		t.Helper()
		req := smb.IoctlRequest{CtlCode: code, FileID: smb.RelatedFileID, MaxOutputResponse: max, Flags: smb.IoctlIsFsctl, Input: input}
		return c.call(c.header(on, smb.Ioctl), req.AppendTo)
	}
	h, resp := ioctl(smb.FsctlQueryNetworkInterfaceInfo, nil, 64<<10)
	var ir smb.IoctlResponse
	if h.Status != smb.StatusSuccess || ir.Decode(resp) != nil || len(ir.Output) == 0 {
		t.Fatalf("network interfaces: %v, %d bytes", h.Status, len(ir.Output))
	}
	if h, _ := ioctl(smb.FsctlQueryNetworkInterfaceInfo, nil, uint32(len(ir.Output)-1)); h.Status != smb.StatusBufferTooSmall {
		t.Errorf("network interfaces into %d bytes: %v, want STATUS_BUFFER_TOO_SMALL", len(ir.Output)-1, h.Status)
	}

	// What dialRawClientWith negotiated with.
	vn := smb.ValidateNegotiateInfoRequest{SecurityMode: smb.SecurityModeSigningEnabled,
		Dialects: []uint16{smb.Dialect202, smb.Dialect210, smb.Dialect300, smb.Dialect302}}
	h, resp = ioctl(smb.FsctlValidateNegotiateInfo, vn.AppendTo(nil), smb.ValidateNegotiateInfoResponseSize)
	var out smb.ValidateNegotiateInfoResponse
	if h.Status != smb.StatusSuccess || ir.Decode(resp) != nil || out.Decode(ir.Output) != nil || out.Dialect != smb.Dialect302 {
		t.Fatalf("VALIDATE_NEGOTIATE_INFO: %v, dialect %#x", h.Status, out.Dialect)
	}
	req := smb.IoctlRequest{CtlCode: smb.FsctlValidateNegotiateInfo, FileID: smb.RelatedFileID, MaxOutputResponse: 10,
		Flags: smb.IoctlIsFsctl, Input: vn.AppendTo(nil)}
	hdr := c.header(on, smb.Ioctl)
	hdr.MessageID, hdr.CreditCharge, hdr.Credits = c.msgID, 1, 1
	if _, err := c.nc.Write(framed(req.AppendTo(hdr.AppendTo(nil)))); err != nil {
		t.Fatal(err)
	}
	if resp, err := smb.ReadFrame(c.nc, nil, 1<<20); err == nil {
		h, _ := smb.DecodeHeader(resp)
		t.Errorf("VALIDATE_NEGOTIATE_INFO into 10 bytes: answered %v, want the connection closed", h.Status)
	}
}

// TestZeroLengthRead: a READ of Length 0 succeeds with no data wherever it points, past the end of the
// file too (as Samba answers: END_OF_FILE only when bytes were asked for and none exist), unless
// MinimumCount asks for more.
func TestZeroLengthRead(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	id := c.mustCreate(on, "page.bin")
	read := func(off uint64, length, minimum uint32) (smb.Status, int) {
		t.Helper()
		h, resp := c.call(c.header(on, smb.Read), (&smb.ReadRequest{FileID: id, Offset: off, Length: length, MinimumCount: minimum}).AppendTo)
		var rr smb.ReadResponse
		if h.Status == smb.StatusSuccess {
			if err := rr.Decode(resp); err != nil {
				t.Fatal(err)
			}
		}
		return h.Status, len(rr.Data)
	}
	for _, off := range []uint64{0, 4095, 4096, 1 << 40} {
		if st, n := read(off, 0, 0); st != smb.StatusSuccess || n != 0 {
			t.Errorf("Length 0 at %d: %v, %d bytes; want success with none", off, st, n)
		}
	}
	if st, _ := read(4096, 1, 0); st != smb.StatusEndOfFile {
		t.Errorf("Length 1 at the end: %v, want STATUS_END_OF_FILE", st)
	}
	if st, _ := read(0, 0, 1); st != smb.StatusEndOfFile {
		t.Errorf("Length 0 with MinimumCount 1: %v, want STATUS_END_OF_FILE", st)
	}
	if st, n := read(4095, 10, 0); st != smb.StatusSuccess || n != 1 {
		t.Errorf("across the end: %v, %d bytes; want the last byte", st, n)
	}
	// A range that would end past the largest file offset (2^63-1) is STATUS_INVALID_PARAMETER, as smbd
	// 4.17.12 answers; a zero-length READ there stays a READ of nothing.
	const maxOff = 1<<63 - 1
	if st, _ := read(maxOff, 1, 0); st != smb.StatusInvalidParameter {
		t.Errorf("Length 1 at 2^63-1: %v, want STATUS_INVALID_PARAMETER", st)
	}
	if st, _ := read(maxOff-1, 1, 0); st != smb.StatusEndOfFile {
		t.Errorf("Length 1 at 2^63-2: %v, want STATUS_END_OF_FILE", st)
	}
	if st, n := read(maxOff, 0, 0); st != smb.StatusSuccess || n != 0 {
		t.Errorf("Length 0 at 2^63-1: %v, %d bytes", st, n)
	}
}

// TestTreeConnectsBounded: a session holds at most 1024 tree connects; the next TREE_CONNECT is
// STATUS_INSUFFICIENT_RESOURCES, and one more fits once a tree is disconnected.
func TestTreeConnectsBounded(t *testing.T) {
	tg := startServer(t)
	c := dialRawClient(t, tg)
	s := c.logonGuest()
	host, _, _ := net.SplitHostPort(tg.Addr)
	connect := func() smb.Header {
		h, _ := c.call(smb.Header{Command: smb.TreeConnect, SessionID: s}, (&smb.TreeConnectRequest{Path: `\\` + host + `\` + tg.Share}).AppendTo)
		return h
	}
	var last uint32
	for i := range 1024 {
		h := connect()
		if h.Status != smb.StatusSuccess {
			t.Fatalf("TREE_CONNECT %d: %v", i+1, h.Status)
		}
		last = h.TreeID
	}
	if h := connect(); h.Status != smb.StatusInsufficientResources {
		t.Fatalf("TREE_CONNECT 1025: %v, want STATUS_INSUFFICIENT_RESOURCES", h.Status)
	}
	if h, _ := c.call(smb.Header{Command: smb.TreeDisconnect, SessionID: s, TreeID: last}, (&smb.TreeDisconnectRequest{}).AppendTo); h.Status != smb.StatusSuccess {
		t.Fatalf("TREE_DISCONNECT: %v", h.Status)
	}
	if h := connect(); h.Status != smb.StatusSuccess {
		t.Fatalf("TREE_CONNECT after a disconnect: %v", h.Status)
	}
}
