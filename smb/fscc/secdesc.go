package fscc

import (
	"encoding/binary"

	"github.com/zsmbd/zsmbd/smb"
)

// SecurityInformation flags of QUERY_INFO's AdditionalInformation
// (MS-SMB2 2.2.37, MS-DTYP 2.4.7).
const (
	OWNER_SECURITY_INFORMATION uint32 = 0x00000001
	GROUP_SECURITY_INFORMATION uint32 = 0x00000002
	DACL_SECURITY_INFORMATION  uint32 = 0x00000004
	SACL_SECURITY_INFORMATION  uint32 = 0x00000008
)

// SECURITY_DESCRIPTOR Control bits (MS-DTYP 2.4.6).
const (
	SE_DACL_PRESENT   uint16 = 0x0004
	SE_SACL_PRESENT   uint16 = 0x0010
	SE_DACL_PROTECTED uint16 = 0x1000
	SE_SELF_RELATIVE  uint16 = 0x8000
)

// ACCESS_ALLOWED_ACE_TYPE is the ACE type of MS-DTYP 2.4.4.1 every ACE here has.
const ACCESS_ALLOWED_ACE_TYPE uint8 = 0x00

// ModeAccess is the access mask that smbd's ACL made from a Unix mode gives
// one class (owner, group or others) for its three permission bits rwx: read
// FILE_GENERIC_READ, write FILE_GENERIC_WRITE, execute FILE_GENERIC_EXECUTE,
// and all three FILE_ALL_ACCESS, without DELETE on a file (deleting it is up
// to its directory).
func ModeAccess(rwx uint32, isDir bool) uint32 {
	switch {
	case rwx&7 == 7 && isDir:
		return smb.FileAllAccess
	case rwx&7 == 7:
		return smb.FileAllAccess &^ smb.Delete
	}
	var m uint32
	if rwx&4 != 0 {
		m |= smb.FileGenericRead
	}
	if rwx&2 != 0 {
		m |= smb.FileGenericWrite
	}
	if rwx&1 != 0 {
		m |= smb.FileGenericExecute
	}
	return m
}

const (
	sdHeaderSize  = 20 // MS-DTYP 2.4.6
	aclHeaderSize = 8  // MS-DTYP 2.4.5
	aclRevision   = 2  // ACL_REVISION
)

// SecurityDescriptor returns the self-relative security descriptor
// (MS-DTYP 2.4.6) of a file owned by uid and gid with permission bits perm
// (0o777), with the parts additionalInfo asks for, laid out as smbd 4.17 makes
// it from a Unix mode:
//
//   - owner S-1-22-1-uid and group S-1-22-2-gid, Samba's SIDs for unmapped
//     Unix users and groups;
//   - a protected DACL of three ACEs, the owner's, the group's and Everyone's,
//     each allowing what its class's bits allow (ModeAccess), even none. The
//     share being read-only takes the write rights out of every open, not out
//     of the file's ACL, as with smbd;
//   - never a SACL: SACL_SECURITY_INFORMATION adds nothing (Samba refuses it
//     without SeSecurityPrivilege; zsmbd keeps no audit ACEs).
//
// Parts are laid out owner, group, DACL after the header, as Samba does.
// Flags not in MS-SMB2 2.2.37 are ignored (MS-SMB2 3.3.5.20.3).
func SecurityDescriptor(uid, gid, perm uint32, isDir bool, additionalInfo uint32) []byte {
	owner := UnixUserSID(uid)
	group := UnixGroupSID(gid)
	aces := [...]struct {
		sid  SID
		mask uint32
	}{
		{owner, ModeAccess(perm>>6, isDir)},
		{group, ModeAccess(perm>>3, isDir)},
		{EveryoneSID(), ModeAccess(perm, isDir)},
	}

	b := make([]byte, sdHeaderSize, 128)
	control := SE_SELF_RELATIVE
	var offOwner, offGroup, offDacl uint32
	if additionalInfo&OWNER_SECURITY_INFORMATION != 0 {
		offOwner = uint32(len(b))
		b = owner.AppendTo(b)
	}
	if additionalInfo&GROUP_SECURITY_INFORMATION != 0 {
		offGroup = uint32(len(b))
		b = group.AppendTo(b)
	}
	if additionalInfo&DACL_SECURITY_INFORMATION != 0 {
		control |= SE_DACL_PRESENT | SE_DACL_PROTECTED
		offDacl = uint32(len(b))
		aclSize := aclHeaderSize
		for _, a := range aces {
			aclSize += 8 + a.sid.Len()
		}
		b = append(b, aclRevision, 0)
		b = le16(b, uint16(aclSize))
		b = le16(b, uint16(len(aces)))
		b = le16(b, 0) // Sbz2
		for _, a := range aces {
			// ACCESS_ALLOWED_ACE (MS-DTYP 2.4.4.2), no inheritance flags, as from smbd.
			b = append(b, ACCESS_ALLOWED_ACE_TYPE, 0)
			b = le16(b, uint16(8+a.sid.Len()))
			b = le32(b, a.mask)
			b = a.sid.AppendTo(b)
		}
	}
	b[0] = 1 // Revision
	b[1] = 0 // Sbz1
	binary.LittleEndian.PutUint16(b[2:], control)
	binary.LittleEndian.PutUint32(b[4:], offOwner)
	binary.LittleEndian.PutUint32(b[8:], offGroup)
	binary.LittleEndian.PutUint32(b[12:], 0) // OffsetSacl
	binary.LittleEndian.PutUint32(b[16:], offDacl)
	return b
}

// SecurityInfo answers QUERY_INFO for SMB2_0_INFO_SECURITY: the descriptor
// of SecurityDescriptor when it fits in maxLen, and otherwise a
// *BufferTooSmallError (errors.Is ErrBufferTooSmall) carrying the length
// needed, never a truncated descriptor (MS-SMB2 3.3.5.20.3).
func SecurityInfo(uid, gid, perm uint32, isDir bool, additionalInfo uint32, maxLen int) ([]byte, error) {
	sd := SecurityDescriptor(uid, gid, perm, isDir, additionalInfo)
	if len(sd) > maxLen {
		return nil, &BufferTooSmallError{Required: uint32(len(sd))}
	}
	return sd, nil
}
