package integration

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
)

// TestSetInfoStatuses: SET_INFO on a read-only share answers as smbd 4.17.12 does (measured with impacket
// against both, every class below 70 with 0, 8 and 64 zero bytes): no data or too little is
// STATUS_INVALID_PARAMETER, a class that cannot be set STATUS_INVALID_INFO_CLASS, a change
// STATUS_ACCESS_DENIED, and what changes nothing (position, mode, a disposition that deletes nothing)
// succeeds. The file is the same on disk afterwards.
func TestSetInfoStatuses(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	id := c.mustCreate(on, "one.bin")
	var before os.FileInfo
	if tg.Root != "" {
		before, _ = os.Stat(filepath.Join(tg.Root, "one.bin"))
	}
	rename := make([]byte, 20)
	binary.LittleEndian.PutUint32(rename[16:], 10)
	rename = append(rename, utf16le("x.bin")...)
	quota := make([]byte, 48)
	binary.LittleEndian.PutUint32(quota[4:], 8)
	for _, tc := range []struct {
		what       string
		typ, class uint8
		buf        []byte
		want       smb.Status
	}{
		{"no data", smb.InfoFile, fscc.FileBasicInformation, nil, smb.StatusInvalidParameter},
		{"basic, short", smb.InfoFile, fscc.FileBasicInformation, make([]byte, 8), smb.StatusInvalidParameter},
		{"basic", smb.InfoFile, fscc.FileBasicInformation, make([]byte, 40), smb.StatusAccessDenied},
		{"rename to no name", smb.InfoFile, 10, make([]byte, 64), smb.StatusInvalidParameter},
		{"rename", smb.InfoFile, 10, rename, smb.StatusAccessDenied},
		{"link", smb.InfoFile, 11, rename, smb.StatusAccessDenied},
		{"delete", smb.InfoFile, 13, []byte{1}, smb.StatusAccessDenied},
		{"no delete", smb.InfoFile, 13, []byte{0}, smb.StatusSuccess},
		{"position", smb.InfoFile, fscc.FilePositionInformation, make([]byte, 8), smb.StatusSuccess},
		{"mode", smb.InfoFile, fscc.FileModeInformation, make([]byte, 4), smb.StatusSuccess},
		{"extended attributes, short", smb.InfoFile, fscc.FileFullEaInformation, make([]byte, 8), smb.StatusInvalidParameter},
		{"extended attributes", smb.InfoFile, fscc.FileFullEaInformation, make([]byte, 64), smb.StatusAccessDenied},
		{"allocation", smb.InfoFile, 19, make([]byte, 8), smb.StatusAccessDenied},
		{"end of file", smb.InfoFile, 20, make([]byte, 8), smb.StatusAccessDenied},
		{"valid data length", smb.InfoFile, 39, make([]byte, 8), smb.StatusNotSupported},
		{"a query-only class", smb.InfoFile, fscc.FileStandardInformation, make([]byte, 64), smb.StatusInvalidInfoClass},
		{"unknown class", smb.InfoFile, 200, make([]byte, 64), smb.StatusInvalidInfoClass},
		{"volume label", smb.InfoFilesystem, 2, make([]byte, 64), smb.StatusInvalidInfoClass},
		{"file system control", smb.InfoFilesystem, 6, make([]byte, 64), smb.StatusAccessDenied},
		{"security", smb.InfoSecurity, 0, make([]byte, 64), smb.StatusAccessDenied},
		{"quota without a SID", smb.InfoQuota, 0, make([]byte, 64), smb.StatusInvalidParameter},
		{"quota", smb.InfoQuota, 0, quota, smb.StatusAccessDenied},
	} {
		req := smb.SetInfoRequest{InfoType: tc.typ, FileInfoClass: tc.class, Buffer: tc.buf, FileID: id}
		if tc.typ == smb.InfoSecurity {
			req.AdditionalInformation = smb.OwnerSecurityInformation | smb.GroupSecurityInformation | smb.DACLSecurityInformation
		}
		if h, _ := c.call(c.header(on, smb.SetInfo), req.AppendTo); h.Status != tc.want {
			t.Errorf("SET_INFO %s: %v, want %v", tc.what, h.Status, tc.want)
		}
	}
	if before != nil {
		after, err := os.Stat(filepath.Join(tg.Root, "one.bin"))
		if err != nil || !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() || after.Mode() != before.Mode() {
			t.Errorf("the file changed on disk: %v, %v", after, err)
		}
	}
}
