package integration

import (
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
)

// TestCreateParameterChecks: the CREATE fields MS-SMB2 2.2.13/3.3.5.9 and MS-FSA 2.1.5.1 have the
// server validate before any look-up, each answered with Samba 4.17's status.
func TestCreateParameterChecks(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	for _, x := range []struct {
		why  string
		edit func(*smb.CreateRequest)
		want smb.Status
	}{
		{"as sent", func(*smb.CreateRequest) {}, smb.StatusSuccess},
		{"reserved DesiredAccess bit 0x00400000", func(r *smb.CreateRequest) { r.DesiredAccess |= 0x00400000 }, smb.StatusAccessDenied},
		{"reserved DesiredAccess bit 0x04000000", func(r *smb.CreateRequest) { r.DesiredAccess |= 0x04000000 }, smb.StatusAccessDenied},
		{"ImpersonationLevel 4", func(r *smb.CreateRequest) { r.ImpersonationLevel = 4 }, smb.StatusBadImpersonationLevel},
		// A leading backslash, checked right after the impersonation level, as smbd orders it
		// (smbtorture's smb2.create.leading-slash, and impacket against smbd 4.17.12).
		{"a leading backslash", func(r *smb.CreateRequest) { r.Name = `\one.bin` }, smb.StatusInvalidParameter},
		{"a lone backslash", func(r *smb.CreateRequest) { r.Name = `\` }, smb.StatusInvalidParameter},
		// NTFS's quota file: smbd's fake file, ACCESS_DENIED but to root (smbtorture's
		// smb2.create.quota-fake-file); in another case it is a bad stream name.
		{"the quota file", func(r *smb.CreateRequest) { r.Name = `$Extend\$Quota:$Q:$INDEX_ALLOCATION` }, smb.StatusAccessDenied},
		{"the quota file in lower case", func(r *smb.CreateRequest) { r.Name = `$extend\$quota:$q:$index_allocation` }, smb.StatusObjectNameInvalid},
		{"a leading backslash and ImpersonationLevel 4", func(r *smb.CreateRequest) {
			r.Name, r.ImpersonationLevel = `\one.bin`, 4
		}, smb.StatusBadImpersonationLevel},
		{"a leading backslash and FILE_OPEN_BY_FILE_ID", func(r *smb.CreateRequest) {
			r.Name, r.CreateOptions = `\one.bin`, r.CreateOptions|smb.FileOpenByFileID
		}, smb.StatusInvalidParameter},
		{"DELETE_ON_CLOSE without DELETE", func(r *smb.CreateRequest) { r.CreateOptions |= smb.FileDeleteOnClose }, smb.StatusInvalidParameter},
		{"reserved CreateOptions bit 0x01000000", func(r *smb.CreateRequest) { r.CreateOptions |= 0x01000000 }, smb.StatusInvalidParameter},
		{"FILE_RESERVE_OPFILTER", func(r *smb.CreateRequest) { r.CreateOptions |= smb.FileReserveOpfilter }, smb.StatusInvalidParameter},
		// The name of such an open is an 8-byte file id, not a path.
		{"FILE_OPEN_BY_FILE_ID", func(r *smb.CreateRequest) { r.CreateOptions |= smb.FileOpenByFileID }, smb.StatusNotSupported},
		{"a trailing backslash with FILE_NON_DIRECTORY_FILE", func(r *smb.CreateRequest) {
			r.Name += `\`
			r.CreateOptions |= smb.FileNonDirectoryFile
		}, smb.StatusObjectNameInvalid},
		{"a trailing backslash", func(r *smb.CreateRequest) { r.Name = `dir\` }, smb.StatusSuccess},
		{"FILE_DIRECTORY_FILE with FILE_OVERWRITE_IF", func(r *smb.CreateRequest) {
			r.Name, r.CreateOptions, r.CreateDisposition = "dir", smb.FileDirectoryFile, smb.FileOverwriteIf
		}, smb.StatusInvalidParameter},
		{"FILE_DIRECTORY_FILE with FILE_OPEN_IF", func(r *smb.CreateRequest) {
			r.Name, r.CreateOptions, r.CreateDisposition = "dir", smb.FileDirectoryFile, smb.FileOpenIf
		}, smb.StatusSuccess},
		// A durable reconnect names an open to take back; there never is one (MS-SMB2 3.3.5.9.7, and
		// smbd 4.17.12's answer). The raw client speaks 3.0.2, where DH2C counts too.
		{"DHnC (durable reconnect)", func(r *smb.CreateRequest) {
			r.Contexts = []smb.CreateContext{{Name: "DHnC", Data: make([]byte, 16)}}
		}, smb.StatusObjectNameNotFound},
		{"DH2C (durable reconnect v2)", func(r *smb.CreateRequest) {
			r.Contexts = []smb.CreateContext{{Name: "DH2C", Data: make([]byte, 36)}}
		}, smb.StatusObjectNameNotFound},
		{"DHnQ (durable request): ignored, no durable handle is granted", func(r *smb.CreateRequest) {
			r.Contexts = []smb.CreateContext{{Name: "DHnQ", Data: make([]byte, 16)}}
		}, smb.StatusSuccess},
	} {
		req := openForReading("one.bin")
		x.edit(&req)
		id, st := c.createReq(a, req)
		if st == smb.StatusSuccess {
			c.close(a, id)
		}
		if st != x.want {
			t.Errorf("%s: %v, want %v", x.why, st, x.want)
		}
	}
}

// TestGrantedAccessChecked: an open is used within the access it was granted. MS-SMB2 3.3.5.20.1 asks
// FILE_READ_ATTRIBUTES for the attribute classes, 3.3.5.20.3 READ_CONTROL for a security descriptor, and
// listing a directory FILE_LIST_DIRECTORY (Samba 4.17 refuses all three with STATUS_ACCESS_DENIED).
func TestGrantedAccessChecked(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	open := func(name string, access uint32) smb.FileID {
		t.Helper()
		req := openForReading(name)
		req.DesiredAccess = access
		id, st := c.createReq(a, req)
		if st != smb.StatusSuccess {
			t.Fatalf("CREATE %s with access %#x: %v", name, access, st)
		}
		return id
	}
	const secInfo = smb.OwnerSecurityInformation | smb.DACLSecurityInformation
	dataOnly := open("one.bin", smb.FileReadData)
	attrs := open("one.bin", smb.FileReadAttributes|smb.ReadControl)
	for _, class := range []uint8{fscc.FileBasicInformation, fscc.FileAllInformation, fscc.FileNetworkOpenInformation, fscc.FileAttributeTagInformation} {
		if _, st := c.queryInfo(a, dataOnly, smb.InfoFile, class, 0, 4096); st != smb.StatusAccessDenied {
			t.Errorf("class %d without FILE_READ_ATTRIBUTES: %v, want STATUS_ACCESS_DENIED", class, st)
		}
		if _, st := c.queryInfo(a, attrs, smb.InfoFile, class, 0, 4096); st != smb.StatusSuccess {
			t.Errorf("class %d with FILE_READ_ATTRIBUTES: %v", class, st)
		}
	}
	// FileStandardInformation needs no particular right.
	if _, st := c.queryInfo(a, dataOnly, smb.InfoFile, 5, 0, 4096); st != smb.StatusSuccess {
		t.Errorf("FileStandardInformation with FILE_READ_DATA only: %v", st)
	}
	if _, st := c.queryInfo(a, dataOnly, smb.InfoSecurity, 0, secInfo, 4096); st != smb.StatusAccessDenied {
		t.Errorf("security descriptor without READ_CONTROL: %v, want STATUS_ACCESS_DENIED", st)
	}
	if _, st := c.queryInfo(a, attrs, smb.InfoSecurity, 0, secInfo, 4096); st != smb.StatusSuccess {
		t.Errorf("security descriptor with READ_CONTROL: %v", st)
	}
	if _, st := c.queryDir(a, open("dir", smb.FileReadAttributes), "*", 0); st != smb.StatusAccessDenied {
		t.Errorf("listing without FILE_LIST_DIRECTORY: %v, want STATUS_ACCESS_DENIED", st)
	}
	// FILE_LIST_DIRECTORY is FILE_READ_DATA's bit.
	if names, st := c.queryDir(a, open("dir", smb.FileReadData), "*", 0); st != smb.StatusSuccess || len(names) != 3 {
		t.Errorf("listing with FILE_LIST_DIRECTORY: %v %q", st, names)
	}
}

// TestNormalizedNameNeeds311: MS-SMB2 3.3.5.20.1 refuses FileNormalizedNameInformation before 3.1.1 with
// STATUS_NOT_SUPPORTED; the raw client speaks 3.0.2.
func TestNormalizedNameNeeds311(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	id := c.mustCreate(a, "one.bin")
	if _, st := c.queryInfo(a, id, smb.InfoFile, fscc.FileNormalizedNameInformation, 0, 4096); st != smb.StatusNotSupported {
		t.Errorf("FileNormalizedNameInformation on 3.0.2: %v, want STATUS_NOT_SUPPORTED", st)
	}
}

// TestQueryDirectoryPattern: a search pattern is one name component (MS-FSA 2.1.5.6.3: anything else is
// STATUS_OBJECT_NAME_INVALID, as Samba answers), so a listing never reaches into another directory; and a
// buffer too small for one entry is STATUS_INFO_LENGTH_MISMATCH without using the search up.
func TestQueryDirectoryPattern(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	for _, x := range []struct{ dir, pattern string }{
		{"", `dir\nested`},
		{"dir", `nested\deep.txt`},
		{"dir", `..\one.bin`},
		{`dir\nested`, `..\..\dir`},
		{"dir", `nested/deep.txt`},
		{"dir", "nest:ed"},
	} {
		id := c.mustCreate(a, x.dir)
		if names, st := c.queryDir(a, id, x.pattern, 0); st != smb.StatusObjectNameInvalid {
			t.Errorf("listing %q with pattern %q: %v %q, want STATUS_OBJECT_NAME_INVALID", x.dir, x.pattern, st, names)
		}
		c.close(a, id)
	}
	for _, pattern := range []string{"nested", "n*"} {
		id := c.mustCreate(a, "dir")
		if _, st := c.queryDirRaw(a, id, fscc.FileIdBothDirectoryInformation, pattern, 0, 10); st != smb.StatusInfoLengthMismatch {
			t.Errorf("pattern %q into 10 bytes: %v, want STATUS_INFO_LENGTH_MISMATCH", pattern, st)
		}
		if names, st := c.queryDir(a, id, pattern, 0); st != smb.StatusSuccess || strings.Join(names, ",") != "nested" {
			t.Errorf("pattern %q after the short buffer: %v %q, want nested", pattern, st, names)
		}
		c.close(a, id)
	}
}

// TestCreditCharge: a request whose CreditCharge does not pay for its payload, or for the most its
// response may carry, is STATUS_INVALID_PARAMETER (one credit per started 64 KiB, MS-SMB2 3.3.5.2.5),
// after an unknown FileId's STATUS_FILE_CLOSED except on IOCTL, whose FileId may be all ones. Paid
// for, the same request gets its usual answer. smbd 4.17 answered each case the same (impacket).
func TestCreditCharge(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	file, dir := c.mustCreate(on, "one.bin"), c.mustCreate(on, "dir")
	const big = 64<<10 + 1 // two credits' worth
	for _, tc := range []struct {
		name string
		cmd  smb.Command
		dir  bool
		body func(id smb.FileID) func([]byte) []byte
		paid smb.Status // the answer to a charge of 2
	}{
		{"READ", smb.Read, false, func(id smb.FileID) func([]byte) []byte {
			return (&smb.ReadRequest{FileID: id, Length: big}).AppendTo
		}, smb.StatusSuccess},
		{"WRITE", smb.Write, false, func(id smb.FileID) func([]byte) []byte {
			return (&smb.WriteRequest{FileID: id, Data: make([]byte, big)}).AppendTo
		}, smb.StatusAccessDenied},
		{"SET_INFO", smb.SetInfo, false, func(id smb.FileID) func([]byte) []byte {
			return (&smb.SetInfoRequest{InfoType: smb.InfoFile, FileInfoClass: fscc.FileBasicInformation, FileID: id,
				Buffer: make([]byte, big)}).AppendTo
		}, smb.StatusAccessDenied},
		{"QUERY_INFO output", smb.QueryInfo, false, func(id smb.FileID) func([]byte) []byte {
			return (&smb.QueryInfoRequest{InfoType: smb.InfoFile, FileInfoClass: fscc.FileBasicInformation, FileID: id,
				OutputBufferLength: big}).AppendTo
		}, smb.StatusSuccess},
		{"QUERY_INFO input", smb.QueryInfo, false, func(id smb.FileID) func([]byte) []byte {
			return (&smb.QueryInfoRequest{InfoType: smb.InfoFile, FileInfoClass: fscc.FileBasicInformation, FileID: id,
				OutputBufferLength: 4096, Input: make([]byte, big)}).AppendTo
		}, smb.StatusSuccess},
		{"QUERY_DIRECTORY", smb.QueryDirectory, true, func(id smb.FileID) func([]byte) []byte {
			return (&smb.QueryDirectoryRequest{FileInformationClass: fscc.FileNamesInformation, Flags: smb.RestartScans,
				FileID: id, OutputBufferLength: big, FileName: "*"}).AppendTo
		}, smb.StatusSuccess},
		{"IOCTL output", smb.Ioctl, false, func(id smb.FileID) func([]byte) []byte {
			return (&smb.IoctlRequest{CtlCode: smb.FsctlGetCompression, FileID: id, Flags: smb.IoctlIsFsctl,
				MaxOutputResponse: big}).AppendTo
		}, smb.StatusSuccess},
		{"IOCTL input", smb.Ioctl, false, func(id smb.FileID) func([]byte) []byte {
			return (&smb.IoctlRequest{CtlCode: smb.FsctlGetCompression, FileID: id, Flags: smb.IoctlIsFsctl,
				MaxOutputResponse: 8, Input: make([]byte, big)}).AppendTo
		}, smb.StatusSuccess},
		// Last: paid for, it waits for a change (the interim response), and nothing else is sent after it.
		{"CHANGE_NOTIFY", smb.ChangeNotify, true, func(id smb.FileID) func([]byte) []byte {
			return (&smb.ChangeNotifyRequest{FileID: id, OutputBufferLength: big, CompletionFilter: 0xFFF}).AppendTo
		}, smb.StatusPending},
	} {
		id := file
		if tc.dir {
			id = dir
		}
		send := func(id smb.FileID, charge uint16) smb.Status {
			t.Helper()
			h := c.header(on, tc.cmd)
			h.CreditCharge = charge
			rh, _ := c.call(h, tc.body(id))
			return rh.Status
		}
		unknown := smb.FileID{Persistent: 7, Volatile: 7}
		wantUnknown := smb.StatusFileClosed
		if tc.cmd == smb.Ioctl {
			wantUnknown = smb.StatusInvalidParameter
		}
		if st := send(unknown, 1); st != wantUnknown {
			t.Errorf("%s, unknown FileId, charge 1: %v, want %v", tc.name, st, wantUnknown)
		}
		if st := send(id, 1); st != smb.StatusInvalidParameter {
			t.Errorf("%s, charge 1: %v, want STATUS_INVALID_PARAMETER", tc.name, st)
		}
		if st := send(id, 2); st != tc.paid {
			t.Errorf("%s, charge 2: %v, want %v", tc.name, st, tc.paid)
		}
	}
}

// TestCreateRefusals: on a read-only share a CREATE that may not open its name is refused with the status
// smbd 4.17 answers, which depends on the name as much as on the request: the way to the name is looked
// up first, an open that reaches a directory meets the share's write rights first, and an open of a file
// first what its disposition says about the name being there. (A side-by-side impacket run of 2116
// combinations of names, dispositions, options and access rights agrees with smbd in every one but
// the unnamed stream, see the README.)
func TestCreateRefusals(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	const (
		dirOpt    = smb.FileDirectoryFile
		nonDirOpt = smb.FileNonDirectoryFile
	)
	for _, x := range []struct {
		name        string
		disposition uint32
		access      uint32
		options     uint32
		want        smb.Status
	}{
		{"missing", smb.FileOpen, smb.FileWriteData, 0, smb.StatusObjectNameNotFound},
		{"missing", smb.FileOverwrite, smb.GenericAll, 0, smb.StatusObjectNameNotFound},
		{"missing", smb.FileCreate, smb.FileReadData, 0, smb.StatusObjectNameNotFound},
		{"missing", smb.FileCreate, smb.FileWriteData, 0, smb.StatusAccessDenied},
		{"missing", smb.FileOpenIf, smb.FileReadData, dirOpt, smb.StatusAccessDenied},
		{"missing", smb.FileSupersede, smb.FileReadData, dirOpt, smb.StatusInvalidParameter},
		{"missing", smb.FileOpen, 0x00000200, 0, smb.StatusObjectNameNotFound}, // a reserved right
		{`missing\x`, smb.FileCreate, smb.FileWriteData, 0, smb.StatusObjectPathNotFound},
		{`missing\x`, 7, smb.FileReadData, 0, smb.StatusObjectPathNotFound},
		{`..\x`, smb.FileOpen, smb.AccessSystemSecurity, 0, smb.StatusObjectPathSyntaxBad},
		{"one.bin", smb.FileCreate, smb.GenericWrite, 0, smb.StatusObjectNameCollision},
		{"one.bin", smb.FileCreate, smb.FileWriteData, dirOpt, smb.StatusAccessDenied},
		{"one.bin", smb.FileOpen, smb.Delete, dirOpt, smb.StatusNotADirectory},
		{"one.bin", smb.FileOpen, smb.Delete, 0, smb.StatusAccessDenied},
		{"one.bin", smb.FileOverwrite, smb.FileReadData, 0, smb.StatusAccessDenied},
		{"one.bin", smb.FileOpen, smb.AccessSystemSecurity, 0, smb.StatusPrivilegeNotHeld},
		{"one.bin", 7, smb.FileReadData, 0, smb.StatusInvalidParameter},
		{"dir", smb.FileSupersede, smb.FileReadData, 0, smb.StatusInvalidParameter},
		{"dir", smb.FileSupersede, smb.FileWriteAttributes, 0, smb.StatusAccessDenied},
		{"dir", smb.FileCreate, smb.FileWriteData, nonDirOpt, smb.StatusFileIsADirectory},
		{"dir", smb.FileOpen, smb.FileReadData, nonDirOpt, smb.StatusFileIsADirectory},
		{"dir", smb.FileOpen, smb.WriteDAC, 0, smb.StatusAccessDenied},
		{"dir", smb.FileCreate, smb.MaximumAllowed | smb.Delete, smb.FileDeleteOnClose, smb.StatusAccessDenied},
		{"dir", smb.FileCreate, smb.FileReadData | smb.Delete, smb.FileDeleteOnClose, smb.StatusObjectNameCollision},
		{"dir", smb.FileOpen, smb.FileReadData, dirOpt, smb.StatusSuccess},
	} {
		req := openForReading(x.name)
		req.CreateDisposition, req.DesiredAccess, req.CreateOptions = x.disposition, x.access, x.options
		id, st := c.createReq(a, req)
		if st == smb.StatusSuccess {
			c.close(a, id)
		}
		if st != x.want {
			t.Errorf("%s, disposition %d, access %#x, options %#x: %v, want %v", x.name, x.disposition, x.access, x.options, st, x.want)
		}
	}
}

// TestCreateExecute: FILE_EXECUTE on a file is granted only with execute permission for the session's
// Unix identity, as smbd's ACL made from the mode bits grants it.
func TestCreateExecute(t *testing.T) {
	if remote() {
		t.Skip("adds files to the share")
	}
	tg := startServer(t, func(c *config.Config) { // the data share again, with `acl allow execute always`
		exa := c.Shares[0]
		exa.Name, exa.AclAllowExecuteAlways = "exa", true
		c.Shares = append(c.Shares, exa)
	})
	root := localRoot(t, tg)
	for name, mode := range map[string]os.FileMode{"plain.txt": 0o644, "tool.sh": 0o755} {
		if err := os.WriteFile(filepath.Join(root, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(root, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	c, a := rawShare(t, tg)
	for _, x := range []struct {
		name   string
		access uint32
		want   smb.Status
	}{
		{"plain.txt", smb.FileExecute, smb.StatusAccessDenied},
		{"plain.txt", smb.GenericExecute, smb.StatusAccessDenied},
		{"plain.txt", smb.FileReadData, smb.StatusSuccess},
		{"tool.sh", smb.FileExecute | smb.FileReadData, smb.StatusSuccess},
		{"dir", smb.FileExecute, smb.StatusSuccess}, // search permission on a directory
	} {
		req := openForReading(x.name)
		req.DesiredAccess = x.access
		id, st := c.createReq(a, req)
		if st == smb.StatusSuccess {
			c.close(a, id)
		}
		if st != x.want {
			t.Errorf("%s with access %#x: %v, want %v", x.name, x.access, st, x.want)
		}
	}
	// MAXIMUM_ALLOWED grants execute where the mode does (FileAccessInformation, MS-FSCC 2.4.1).
	for name, want := range map[string]uint32{"plain.txt": 0x00120089, "tool.sh": 0x001200A9} {
		req := openForReading(name)
		req.DesiredAccess = smb.MaximumAllowed
		id := c.mustCreateReq(a, req)
		got, st := c.queryInfo(a, id, smb.InfoFile, 8, 0, 4)
		c.close(a, id)
		if st != smb.StatusSuccess || len(got) != 4 || binary.LittleEndian.Uint32(got) != want {
			t.Errorf("%s opened with MAXIMUM_ALLOWED: %v, access % x, want %#x", name, st, got, want)
		}
	}
	// With `acl allow execute always`, FILE_EXECUTE on a readable file is granted whatever its mode.
	s := c.logonGuest()
	exa := handle{s, c.treeConnect(s, "exa")}
	req := openForReading("plain.txt")
	req.DesiredAccess = smb.FileExecute
	if id, st := c.createReq(exa, req); st != smb.StatusSuccess {
		t.Errorf("plain.txt for FILE_EXECUTE with acl allow execute always: %v, want success", st)
	} else {
		c.close(exa, id)
	}
}

// TestDirectoryOneLink: a directory reports one link (FileStandardInformation), as smbd 4.17 and NTFS do,
// whatever its Unix link count (two plus its subdirectories); a file reports its own.
func TestDirectoryOneLink(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	for name, want := range map[string]uint32{"dir": 1, "": 1, "one.bin": 1} {
		id := c.mustCreate(a, name)
		// FILE_STANDARD_INFORMATION (MS-FSCC 2.4.47): AllocationSize, EndOfFile, NumberOfLinks, ...
		got, st := c.queryInfo(a, id, smb.InfoFile, 5, 0, 24)
		c.close(a, id)
		if st != smb.StatusSuccess || len(got) < 20 || binary.LittleEndian.Uint32(got[16:]) != want {
			t.Errorf("%q: %v, % x, want NumberOfLinks %d", name, st, got, want)
		}
	}
}

// TestTreeMaximalAccess: a TREE_CONNECT reports full access less the rights a read-only share takes out
// of every open (0x001F00A9), on a disk share and on IPC$, as smbd 4.17 reports for both.
func TestTreeMaximalAccess(t *testing.T) {
	tg := startServer(t)
	c := dialRawClient(t, tg)
	s := c.logonGuest()
	host, _, _ := net.SplitHostPort(tg.Addr)
	for _, share := range []string{tg.Share, "IPC$"} {
		req := smb.TreeConnectRequest{Path: `\\` + host + `\` + share}
		h, resp := c.call(smb.Header{Command: smb.TreeConnect, SessionID: s}, req.AppendTo)
		var tr smb.TreeConnectResponse
		if h.Status != smb.StatusSuccess || tr.Decode(resp) != nil || tr.MaximalAccess != 0x001F00A9 {
			t.Errorf("TREE_CONNECT %s: %v, MaximalAccess %#x, want 0x1f00a9", share, h.Status, tr.MaximalAccess)
		}
	}
}

// TestCreateContextChecks: a create context of MS-SMB2 2.2.13.2 with a fixed size and another size, an
// extended attribute list or a security descriptor that does not parse, is STATUS_INVALID_PARAMETER
// before the name is looked up, as from smbd 4.17 (impacket, each context at 0 to 64 bytes, agreed in
// every case); the right sizes open the file, or, for a durable reconnect, find nothing to reconnect.
func TestCreateContextChecks(t *testing.T) {
	tg := startServer(t)
	c, a := rawShare(t, tg)
	ea := func(name, value string) []byte { // FILE_FULL_EA_INFORMATION (MS-FSCC 2.4.15)
		b := []byte{0, 0, 0, 0, 0, byte(len(name)), byte(len(value)), 0}
		return append(append(append(b, name...), 0), value...)
	}
	sd := make([]byte, 20) // an empty self-relative descriptor
	sd[0], sd[3] = 1, 0x80
	badSD := append([]byte(nil), sd...)
	badSD[4] = 200 // an owner past the end
	for _, x := range []struct {
		name string
		ctx  smb.CreateContext
		want smb.Status
	}{
		{"one.bin", smb.CreateContext{Name: "DHnQ", Data: make([]byte, 16)}, smb.StatusSuccess},
		{"one.bin", smb.CreateContext{Name: "DHnQ", Data: make([]byte, 8)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "DHnC", Data: make([]byte, 16)}, smb.StatusObjectNameNotFound},
		{"one.bin", smb.CreateContext{Name: "DHnC", Data: make([]byte, 20)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "DH2Q", Data: make([]byte, 32)}, smb.StatusSuccess},
		{"one.bin", smb.CreateContext{Name: "DH2Q", Data: make([]byte, 16)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "DH2C", Data: make([]byte, 32)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "AlSi", Data: make([]byte, 8)}, smb.StatusSuccess},
		{"one.bin", smb.CreateContext{Name: "AlSi", Data: make([]byte, 4)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "MxAc", Data: make([]byte, 8)}, smb.StatusSuccess},
		{"one.bin", smb.CreateContext{Name: "MxAc", Data: make([]byte, 4)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "QFid", Data: make([]byte, 8)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "TWrp", Data: make([]byte, 4)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "RqLs", Data: make([]byte, 52)}, smb.StatusSuccess},
		{"one.bin", smb.CreateContext{Name: "RqLs", Data: make([]byte, 40)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "ExtA", Data: ea("user.x", "v")}, smb.StatusSuccess},
		{"one.bin", smb.CreateContext{Name: "ExtA", Data: make([]byte, 8)}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "SecD", Data: sd}, smb.StatusSuccess},
		{"one.bin", smb.CreateContext{Name: "SecD", Data: badSD}, smb.StatusInvalidParameter},
		{"one.bin", smb.CreateContext{Name: "Zzzz", Data: make([]byte, 3)}, smb.StatusSuccess},
		{`missing\x`, smb.CreateContext{Name: "TWrp", Data: make([]byte, 4)}, smb.StatusInvalidParameter},
	} {
		req := openForReading(x.name)
		req.Contexts = []smb.CreateContext{x.ctx}
		id, st := c.createReq(a, req)
		if st == smb.StatusSuccess {
			c.close(a, id)
		}
		if st != x.want {
			t.Errorf("%s with %s of %d bytes: %v, want %v", x.name, x.ctx.Name, len(x.ctx.Data), st, x.want)
		}
	}
}

// TestCompoundFirstRelated: a compound whose first request claims to be related to one before it is
// invalid: that request and every related one after it fail with STATUS_INVALID_PARAMETER, and an
// unrelated one is served, as smbd answers (smbtorture's smb2.compound.invalid1). A lone request with
// the flag fails the same way.
func TestCompoundFirstRelated(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	hdr := func(cmd smb.Command, related bool) []byte {
		h := smb.Header{Command: cmd, CreditCharge: 1, Credits: 8, MessageID: c.msgID, SessionID: on.sess, TreeID: on.tree}
		c.msgID++
		if related {
			h.Flags = smb.FlagRelatedOps
		}
		return h.AppendTo(nil)
	}
	create := func(related bool) []byte {
		req := openForReading("one.bin")
		return req.AppendTo(hdr(smb.Create, related))
	}
	closeReq := func(related bool) []byte {
		return (&smb.CloseRequest{FileID: smb.RelatedFileID}).AppendTo(hdr(smb.Close, related))
	}
	for _, tc := range []struct {
		name string
		msgs [][]byte
		want []smb.Status
	}{
		{"compound", [][]byte{create(true), closeReq(true), closeReq(false)},
			[]smb.Status{smb.StatusInvalidParameter, smb.StatusInvalidParameter, smb.StatusFileClosed}},
		{"alone", [][]byte{create(true)}, []smb.Status{smb.StatusInvalidParameter}},
		{"related as it should be", [][]byte{create(false), closeReq(true)}, []smb.Status{smb.StatusSuccess, smb.StatusSuccess}},
	} {
		if _, err := c.nc.Write(compound(tc.msgs...)); err != nil {
			t.Fatal(err)
		}
		frame, err := smb.ReadFrame(c.nc, nil, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		parts, err := smb.SplitCompound(nil, frame)
		if err != nil || len(parts) != len(tc.want) {
			t.Fatalf("%s: %d responses, %v; want %d", tc.name, len(parts), err, len(tc.want))
		}
		for i, p := range parts {
			if h, err := smb.DecodeHeader(p); err != nil || h.Status != tc.want[i] {
				t.Errorf("%s: response %d: %v %v, want %v", tc.name, i, h.Status, err, tc.want[i])
			}
		}
	}
}
