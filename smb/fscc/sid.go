package fscc

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// maxSubAuthorities is the most sub-authorities a SID may have (MS-DTYP 2.4.2).
const maxSubAuthorities = 15

// SID is a security identifier (MS-DTYP 2.4.2).
type SID struct {
	Revision  uint8
	Authority uint64 // IdentifierAuthority, 48 bits
	Sub       []uint32
}

// EveryoneSID returns S-1-1-0, the Everyone group (MS-DTYP 2.4.2.4). It is a
// function so that no caller can change a shared value.
func EveryoneSID() SID { return SID{Revision: 1, Authority: 1, Sub: []uint32{0}} }

// UnixUserSID is Samba's SID for a Unix user without a mapping,
// S-1-22-1-uid.
func UnixUserSID(uid uint32) SID { return SID{Revision: 1, Authority: 22, Sub: []uint32{1, uid}} }

// UnixGroupSID is Samba's SID for a Unix group without a mapping,
// S-1-22-2-gid.
func UnixGroupSID(gid uint32) SID { return SID{Revision: 1, Authority: 22, Sub: []uint32{2, gid}} }

// ParseSID parses the string form "S-R-I-S-S..." of MS-DTYP 2.4.2.1. The
// authority is decimal, or hexadecimal with a 0x prefix as String writes it
// for values of 2^32 and above.
func ParseSID(s string) (SID, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || (parts[0] != "S" && parts[0] != "s") {
		return SID{}, fmt.Errorf("%w: %q", ErrInvalidSID, s)
	}
	rev, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil {
		return SID{}, fmt.Errorf("%w: revision in %q", ErrInvalidSID, s)
	}
	var auth uint64
	if a := parts[2]; len(a) > 2 && (a[:2] == "0x" || a[:2] == "0X") {
		auth, err = strconv.ParseUint(a[2:], 16, 48)
	} else {
		auth, err = strconv.ParseUint(a, 10, 48)
	}
	if err != nil {
		return SID{}, fmt.Errorf("%w: authority in %q", ErrInvalidSID, s)
	}
	subs := parts[3:]
	if len(subs) > maxSubAuthorities {
		return SID{}, fmt.Errorf("%w: %d sub-authorities in %q", ErrInvalidSID, len(subs), s)
	}
	sid := SID{Revision: uint8(rev), Authority: auth, Sub: make([]uint32, 0, len(subs))}
	for _, p := range subs {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return SID{}, fmt.Errorf("%w: sub-authority %q in %q", ErrInvalidSID, p, s)
		}
		sid.Sub = append(sid.Sub, uint32(v))
	}
	return sid, nil
}

// String returns the MS-DTYP 2.4.2.1 string form, e.g. "S-1-22-1-1000".
func (s SID) String() string {
	var b strings.Builder
	b.WriteString("S-")
	b.WriteString(strconv.FormatUint(uint64(s.Revision), 10))
	if s.Authority < 1<<32 {
		b.WriteString("-")
		b.WriteString(strconv.FormatUint(s.Authority, 10))
	} else {
		fmt.Fprintf(&b, "-0x%012X", s.Authority&(1<<48-1))
	}
	for _, v := range s.Sub {
		b.WriteString("-")
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	}
	return b.String()
}

// Len is the encoded length of s: 8 bytes plus 4 per sub-authority.
func (s SID) Len() int { return 8 + 4*len(s.Sub) }

// AppendTo appends the binary form of MS-DTYP 2.4.2.2: Revision,
// SubAuthorityCount, the 48-bit authority big-endian, then the
// sub-authorities little-endian. A SID with more than 15 sub-authorities is
// not valid; only the first 15 are written.
func (s SID) AppendTo(b []byte) []byte {
	sub := s.Sub
	if len(sub) > maxSubAuthorities {
		sub = sub[:maxSubAuthorities]
	}
	b = append(b, s.Revision, byte(len(sub)))
	a := s.Authority
	b = append(b, byte(a>>40), byte(a>>32), byte(a>>24), byte(a>>16), byte(a>>8), byte(a))
	for _, v := range sub {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// DecodeSID decodes a binary SID from the start of b and returns it with the
// number of bytes it used.
func DecodeSID(b []byte) (SID, int, error) {
	if len(b) < 8 {
		return SID{}, 0, fmt.Errorf("%w: %d bytes", ErrInvalidSID, len(b))
	}
	n := int(b[1])
	if n > maxSubAuthorities {
		return SID{}, 0, fmt.Errorf("%w: %d sub-authorities", ErrInvalidSID, n)
	}
	size := 8 + 4*n
	if len(b) < size {
		return SID{}, 0, fmt.Errorf("%w: %d bytes for %d sub-authorities", ErrInvalidSID, len(b), n)
	}
	var a uint64
	for _, c := range b[2:8] {
		a = a<<8 | uint64(c)
	}
	sid := SID{Revision: b[0], Authority: a, Sub: make([]uint32, n)}
	for i := range sid.Sub {
		sid.Sub[i] = binary.LittleEndian.Uint32(b[8+4*i:])
	}
	return sid, size, nil
}
