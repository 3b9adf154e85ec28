package vfs

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mangled names: a name on disk that a Windows client could not use is listed under an 8.3 name made
// from it, which opens the file again. The names are Samba's "hash2" names (source3/smbd/mangle_hash2.c,
// Samba's default `mangling method`), so a client sees the same name from zsmbd as from smbd:
// "colon:name.txt" is "C69YSY~1.TXT" from both.

// mustMangle reports whether Samba lists name under a mangled name: it holds a character Windows
// forbids in names (control characters and \ / : * ? " < > |), ends in a space, ends in a dot (but is
// not "." or ".."), or is a reserved DOS device name such as "con" or "LPT1.txt".
func mustMangle(name string) bool {
	if reservedDOSName(name) {
		return true
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || strings.IndexByte(`\/:*?"<>|`, c) >= 0 {
			return true
		}
	}
	switch {
	case name == "." || name == "..":
		return false
	case strings.HasSuffix(name, " "), strings.HasSuffix(name, "."):
		return true
	}
	return false
}

// reservedDOSNames are the device names Windows reserves, with or without an extension.
var reservedDOSNames = []string{"AUX", "CON", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
	"COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "NUL", "PRN"}

func reservedDOSName(name string) bool {
	for _, r := range reservedDOSNames {
		if len(name) >= len(r) && strings.EqualFold(name[:len(r)], r) && (len(name) == len(r) || name[len(r)] == '.') {
			return true
		}
	}
	return false
}

// mangleChar reports whether c may appear in a mangled name as it is: Samba's FLAG_ASCII.
func mangleChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_-$~", c) >= 0
}

// mangle returns the 8.3 name Samba's hash2 gives name, with prefix (`mangle prefix`, 1 to 6)
// characters of the name leading it: those characters (upper-cased, '_' for any but letters, digits
// and _-$~), base-36 digits of a hash of the name up to its extension, '~' and one more digit as the
// eighth character, then '.' and up to three characters of the extension, upper-cased. An extension
// of more than three characters, or with other characters, counts as part of the name.
func mangle(name string, prefix int) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	prefix = min(max(prefix, 1), 6)
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		e := name[i+1:]
		ok := len(e) >= 1 && len(e) <= 3
		for j := 0; ok && j < len(e); j++ {
			ok = mangleChar(e[j])
		}
		if ok {
			stem, ext = name[:i], strings.ToUpper(e)
		}
	}
	var b [12]byte
	for i := range prefix {
		c := byte('_')
		if i < len(name) && mangleChar(name[i]) {
			c = name[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
		}
		b[i] = c
	}
	v := mangleHash(stem)
	b[7] = digits[v%36]
	b[6] = '~'
	for i := 5; i >= prefix; i-- {
		v /= 36
		b[i] = digits[v%36]
	}
	n := 8
	if ext != "" {
		b[8] = '.'
		n = 9 + copy(b[9:], ext)
	}
	return string(b[:n])
}

// mangleHash is Samba's mangle_hash: 32-bit FNV-1 over the upper-cased UTF-8 bytes, sign-extended (one code point
// at a time, through the simple mapping, as Samba's table; only the Basic Multilingual Plane has
// upper cases there), with the top bit cleared.
func mangleHash(s string) uint32 {
	const fnvInit, fnvPrime = 0xa6b93095, 0x01000193
	up := make([]byte, 0, len(s)+utf8.UTFMax)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if u := unicode.ToUpper(r); u != r && r <= 0xFFFF && u <= 0xFFFF {
			up = utf8.AppendRune(up, u)
		} else {
			up = append(up, s[i:i+size]...) // as it is, invalid bytes included
		}
		i += size
	}
	v := uint32(fnvInit)
	for _, c := range up {
		v *= fnvPrime
		v ^= uint32(int8(c)) // Samba's bytes are C chars, signed on x86: 0xC3 is 0xFFFFFFC3
	}
	return v &^ 0x80000000
}
