package server

import (
	"encoding/binary"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
)

// contextSizes are the data lengths MS-SMB2 2.2.13.2 gives the create contexts that have a fixed size,
// each a list of the sizes allowed. smbd 4.17 refuses any other with STATUS_INVALID_PARAMETER, before
// it looks the name up (measured with impacket, every context at 0 to 64 bytes), whether or not it acts
// on the context; zsmbd acts on MxAc, QFid, DHnC and DH2C and ignores the others.
var contextSizes = map[string][]int{
	"DHnQ": {16},     // durable handle request (2.2.13.2.3)
	"DHnC": {16},     // durable handle reconnect (2.2.13.2.4)
	"DH2Q": {32},     // durable handle request v2 (2.2.13.2.11)
	"DH2C": {36},     // durable handle reconnect v2 (2.2.13.2.12)
	"AlSi": {8},      // allocation size (2.2.13.2.6)
	"MxAc": {0, 8},   // maximal access, with or without a timestamp (2.2.13.2.5)
	"QFid": {0},      // query on-disk id (2.2.13.2.9)
	"TWrp": {8},      // timewarp token (2.2.13.2.7)
	"RqLs": {32, 52}, // lease request v1 or v2 (2.2.13.2.8, 2.2.13.2.10)
}

// validateContexts checks a CREATE's contexts as smbd does first of all: a fixed-size context of another
// size, an extended attribute list (ExtA) that does not parse, or a security descriptor (SecD) that
// does not, is STATUS_INVALID_PARAMETER. Contexts zsmbd does not know are ignored (MS-SMB2 3.3.5.9).
func validateContexts(ccs []smb.CreateContext) error {
	for _, cc := range ccs {
		ok := true
		switch cc.Name {
		case "ExtA":
			ok = validEAList(cc.Data)
		case "SecD":
			ok = validSecurityDescriptor(cc.Data)
		default:
			if sizes, fixed := contextSizes[cc.Name]; fixed {
				ok = false
				for _, n := range sizes {
					ok = ok || len(cc.Data) == n
				}
			}
		}
		if !ok {
			return smb.StatusInvalidParameter
		}
	}
	return nil
}

// validEAList reports whether b is a FILE_FULL_EA_INFORMATION list (MS-FSCC 2.4.15) as smbd reads one:
// at least one entry; each with its header, a NUL-terminated name and its value inside the buffer.
// The list ends at a NextEntryOffset of 0 or where the next entry's offset field would not fit.
func validEAList(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	for off := 0; off+4 <= len(b); {
		e := b[off+4:]
		if len(e) < 6 {
			return false
		}
		nameLen, valueLen := int(e[1]), int(binary.LittleEndian.Uint16(e[2:]))
		if 4+nameLen+1+valueLen > len(e) || e[4+nameLen] != 0 {
			return false
		}
		next := int(binary.LittleEndian.Uint32(b[off:]))
		if next == 0 {
			break
		}
		off += next
	}
	return true
}

// validSecurityDescriptor reports whether b is a self-relative security descriptor (MS-DTYP 2.4.6)
// whose owner and group SIDs and whose ACLs lie inside it.
func validSecurityDescriptor(b []byte) bool {
	const header = 20
	if len(b) < header {
		return false
	}
	for i := range 4 { // owner, group, SACL, DACL
		off := int(binary.LittleEndian.Uint32(b[4+4*i:]))
		switch {
		case off == 0:
		case off < header || off >= len(b):
			return false
		case i < 2:
			if _, _, err := fscc.DecodeSID(b[off:]); err != nil {
				return false
			}
		default: // ACL header (MS-DTYP 2.4.5): AclSize covers its ACEs
			if off+8 > len(b) {
				return false
			}
			if size := int(binary.LittleEndian.Uint16(b[off+2:])); size < 8 || off+size > len(b) {
				return false
			}
		}
	}
	return true
}

// reconnectsDurable reports whether a CREATE asks to reconnect a durable open (DHnC or DH2C), at any
// dialect, as smbd reads them.
func reconnectsDurable(req *smb.CreateRequest) bool {
	return hasContext(req, "DHnC") || hasContext(req, "DH2C")
}

// hasContext reports whether the request carries the create context name.
func hasContext(req *smb.CreateRequest, name string) bool {
	for _, cc := range req.Contexts {
		if cc.Name == name {
			return true
		}
	}
	return false
}
