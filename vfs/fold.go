package vfs

import (
	"unicode"
	"unicode/utf8"
)

// upcase maps a rune the way Windows compares names: through its upcase
// table, which is the simple uppercase mapping of Unicode.
func upcase(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}
	return unicode.ToUpper(r)
}

// foldKey returns a key that is equal for two names exactly when they are
// equal under upcase. Bytes that are not valid UTF-8 (possible on Linux)
// are kept as they are, so two different invalid names never collide.
func foldKey(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('a' <= c && c <= 'z') {
			break
		}
	}
	if i == len(s) {
		return s // ASCII without lower case letters: already folded
	}
	b := make([]byte, i, len(s)+4)
	copy(b, s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[i])
		} else {
			b = utf8.AppendRune(b, upcase(r))
		}
		i += size
	}
	return string(b)
}
