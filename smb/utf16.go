package smb

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/zsmbd/zsmbd/internal/le"
)

// DecodeUTF16 decodes UTF-16LE, the encoding of every SMB2 name (MS-SMB2 2.2.13: "Unicode"). An odd
// length or an unpaired surrogate returns ErrInvalidName: such a name cannot be turned into a host path
// faithfully, and replacing it with U+FFFD would let two different client names open the same file.
func DecodeUTF16(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", ErrInvalidName
	}
	ascii := true
	for i := 0; i < len(b); i += 2 {
		if b[i+1] != 0 || b[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii { // the common case: one allocation, no rune decoding
		s := make([]byte, len(b)/2)
		for i := range s {
			s[i] = b[2*i]
		}
		return string(s), nil
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	for i := 0; i < len(b); i += 2 {
		u := rune(uint16(b[i]) | uint16(b[i+1])<<8)
		switch {
		case utf16.IsSurrogate(u):
			if u >= 0xDC00 || i+3 >= len(b) {
				return "", ErrInvalidName // low surrogate first, or high surrogate at the end
			}
			u2 := rune(uint16(b[i+2]) | uint16(b[i+3])<<8)
			r := utf16.DecodeRune(u, u2)
			if r == utf8.RuneError {
				return "", ErrInvalidName
			}
			out = utf8.AppendRune(out, r)
			i += 2
		default:
			out = utf8.AppendRune(out, u)
		}
	}
	return string(out), nil
}

// AppendUTF16 appends s encoded as UTF-16LE. Invalid UTF-8 in s is encoded as U+FFFD.
func AppendUTF16(b []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = le.AppendU16(b, uint16(r1))
			b = le.AppendU16(b, uint16(r2))
			continue
		}
		b = le.AppendU16(b, uint16(r))
	}
	return b
}

// utf16Len returns the byte length of s encoded by AppendUTF16.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 4
		} else {
			n += 2
		}
	}
	return n
}
