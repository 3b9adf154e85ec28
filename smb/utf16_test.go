package smb

import (
	"errors"
	"testing"
)

func TestDecodeUTF16(t *testing.T) {
	tests := []struct {
		in   string // hex
		want string
		err  error
	}{
		{"", "", nil},
		{"61005c006200", `a\b`, nil},
		{"e900", "é", nil},
		{"3d d8 00 de", "😀", nil},         // U+1F600 as the pair D83D DE00
		{"6100 3dd8", "", ErrInvalidName}, // high surrogate at the end
		{"3dd8 6100", "", ErrInvalidName}, // high surrogate followed by a non-surrogate
		{"00de 6100", "", ErrInvalidName}, // low surrogate first
		{"3dd8 3dd8", "", ErrInvalidName}, // two high surrogates
		{"610062", "", ErrInvalidName},    // odd length
		{"0000", "\x00", nil},             // NUL is left to the caller to reject
		{"ffff", "\uffff", nil},           // a noncharacter is still valid UTF-16
		{"41004200430044004500", "ABCDE", nil},
	}
	for _, tc := range tests {
		got, err := DecodeUTF16(unhex(t, tc.in))
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("DecodeUTF16(%s) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestAppendUTF16(t *testing.T) {
	for _, s := range []string{"", "share", `\\srv\ipc$`, "é😀x", "\x00"} {
		b := AppendUTF16(nil, s)
		if len(b) != utf16Len(s) {
			t.Errorf("%q: %d bytes, utf16Len %d", s, len(b), utf16Len(s))
		}
		got, err := DecodeUTF16(b)
		if err != nil || got != s {
			t.Errorf("%q: round trip %q, %v", s, got, err)
		}
	}
	if got := AppendUTF16(nil, "😀"); string(got) != "\x3d\xd8\x00\xde" {
		t.Errorf("surrogate pair %x", got)
	}
}
