package fscc

import "encoding/binary"

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

// ACE types and flags (MS-DTYP 2.4.4.1).
const (
	ACCESS_ALLOWED_ACE_TYPE uint8 = 0x00
	OBJECT_INHERIT_ACE      uint8 = 0x01
	CONTAINER_INHERIT_ACE   uint8 = 0x02
)

// ReadOnlyAccess is FILE_GENERIC_READ | FILE_GENERIC_EXECUTE (0x001200a9,
// MS-SMB2 2.2.13.1.1): what every ACE of a read-only share grants.
const ReadOnlyAccess uint32 = 0x001200a9

const (
	sdHeaderSize  = 20 // MS-DTYP 2.4.6
	aclHeaderSize = 8  // MS-DTYP 2.4.5
	aclRevision   = 2  // ACL_REVISION
)

// SecurityDescriptor returns the self-relative security descriptor
// (MS-DTYP 2.4.6) of a file owned by uid and gid on a read-only share, with
// the parts additionalInfo asks for:
//
//   - owner S-1-22-1-uid and group S-1-22-2-gid, Samba's SIDs for unmapped
//     Unix users and groups;
//   - a protected DACL allowing ReadOnlyAccess to the owner and to Everyone,
//     inheritable (object and container inherit) on directories so Windows
//     shows it as applying to the folder's contents;
//   - never a SACL: SACL_SECURITY_INFORMATION adds nothing (Samba refuses it
//     without SeSecurityPrivilege; zsmbd keeps no audit ACEs).
//
// Parts are laid out owner, group, DACL after the header, as Samba does.
// Flags not in MS-SMB2 2.2.37 are ignored (MS-SMB2 3.3.5.20.3).
func SecurityDescriptor(uid, gid uint32, isDir bool, additionalInfo uint32) []byte {
	owner := UnixUserSID(uid)
	group := UnixGroupSID(gid)
	var aceFlags uint8
	if isDir {
		aceFlags = OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE
	}
	aces := [...]SID{owner, EveryoneSID()}

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
		for _, s := range aces {
			aclSize += 8 + s.Len()
		}
		b = append(b, aclRevision, 0)
		b = le16(b, uint16(aclSize))
		b = le16(b, uint16(len(aces)))
		b = le16(b, 0) // Sbz2
		for _, s := range aces {
			// ACCESS_ALLOWED_ACE (MS-DTYP 2.4.4.2).
			b = append(b, ACCESS_ALLOWED_ACE_TYPE, aceFlags)
			b = le16(b, uint16(8+s.Len()))
			b = le32(b, ReadOnlyAccess)
			b = s.AppendTo(b)
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
func SecurityInfo(uid, gid uint32, isDir bool, additionalInfo uint32, maxLen int) ([]byte, error) {
	sd := SecurityDescriptor(uid, gid, isDir, additionalInfo)
	if len(sd) > maxLen {
		return nil, &BufferTooSmallError{Required: uint32(len(sd))}
	}
	return sd, nil
}
