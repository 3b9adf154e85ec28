package fscc

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Len is the length in bytes of s encoded as UTF-16LE. Invalid UTF-8
// bytes count as U+FFFD, as appendUTF16 writes them.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r <= utf8.MaxRune {
			n += 4
		} else {
			n += 2
		}
	}
	return n
}

// appendUTF16 appends s as UTF-16LE without a terminating NUL.
func appendUTF16(b []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = binary.LittleEndian.AppendUint16(b, uint16(r1))
			b = binary.LittleEndian.AppendUint16(b, uint16(r2))
			continue
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

// sharePath turns a share-relative path into the form FileNameInformation
// carries: '\' separators and one leading '\' (MS-FSCC 2.1.5); the share root
// is "\".
func sharePath(p string) string {
	p = strings.ReplaceAll(p, "/", `\`)
	if !strings.HasPrefix(p, `\`) {
		p = `\` + p
	}
	return p
}

// is83 reports whether name is already a legal 8.3 name: "." or "..", or one
// to eight characters, optionally a dot and one to three more, all printable
// ASCII outside the set MS-FSCC 2.1.5.2.1 forbids in short names. Case is not
// checked: Samba's default (mangle case = no) accepts "hello.txt" as its own
// short name.
func is83(name string) bool {
	if name == "." || name == ".." {
		return true
	}
	base, ext, dotted := strings.Cut(name, ".")
	if len(base) < 1 || len(base) > 8 || len(ext) > 3 || (dotted && len(ext) == 0) {
		return false
	}
	for _, part := range [2]string{base, ext} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c <= ' ' || c >= 0x7f || strings.IndexByte(`"*+,./:;<=>?[\]|`, c) >= 0 {
				return false
			}
		}
	}
	return true
}
