package vfs

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	long := strings.Repeat("x", 256)
	tests := []struct {
		name string
		want []string
		err  error
	}{
		{"", nil, nil},
		{`\`, nil, nil},
		{`\\`, nil, nil},
		{`a`, []string{"a"}, nil},
		{`\a\b`, []string{"a", "b"}, nil},
		{`a\\b\`, []string{"a", "b"}, nil},
		{`a/b`, []string{"a", "b"}, nil},
		{`a\.\b`, []string{"a", "b"}, nil},
		{`a\..\b`, []string{"b"}, nil},
		{`a\b\..\..`, nil, nil},
		{`..`, nil, ErrAboveRoot},
		{`a\..\..\b`, nil, ErrAboveRoot},
		{`\..\a`, nil, ErrAboveRoot},
		{`...`, []string{"..."}, nil},
		{"a\x00b", nil, ErrNameInvalid},
		{"a\\\x00", nil, ErrNameInvalid},
		{"a:\x00", nil, ErrNameInvalid},
		{"a\x01", nil, ErrNameInvalid},
		{`a*`, nil, ErrNameInvalid},
		{`a?`, nil, ErrNameInvalid},
		{`a<`, nil, ErrNameInvalid},
		{`a>`, nil, ErrNameInvalid},
		{`a"`, nil, ErrNameInvalid},
		{`a|`, nil, ErrNameInvalid},
		{long, nil, ErrNameInvalid},
		{long[:255], []string{long[:255]}, nil},
		// Streams (MS-FSCC 2.1.5.1): only the unnamed $DATA stream.
		{`d\f::$DATA`, []string{"d", "f"}, nil},
		{`f::$data`, []string{"f"}, nil},
		{`d\::$DATA`, []string{"d"}, nil},
		{`f:s`, nil, ErrStream},
		{`f:s:$DATA`, nil, ErrStream},
		{`f:s:$data`, nil, ErrStream},
		{`f:`, nil, ErrNameInvalid},
		{`f::`, nil, ErrNameInvalid},
		{`f::$INDEX_ALLOCATION`, nil, ErrNameInvalid},
		{`f:s:$FOO`, nil, ErrNameInvalid},
		{`f:a:b:c`, nil, ErrNameInvalid},
		{`d:x\f`, nil, ErrNameInvalid},
	}
	for _, tt := range tests {
		got, err := parseName(tt.name)
		if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("parseName(%q) error = %v, want %v", tt.name, err, tt.err)
			continue
		}
		if tt.err == nil && !slices.Equal(got, tt.want) {
			t.Errorf("parseName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestErrAboveRootIsEscapes(t *testing.T) {
	if !errors.Is(ErrAboveRoot, ErrEscapes) {
		t.Fatal("ErrAboveRoot does not match ErrEscapes")
	}
	if errors.Is(ErrEscapes, ErrAboveRoot) {
		t.Fatal("ErrEscapes matches ErrAboveRoot")
	}
}

func TestFoldKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"abc", "ABC"},
		{"École", "éCOLE"},
		{"straße", "STRAßE"},
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ"},
	}
	for _, tt := range tests {
		if foldKey(tt.a) != foldKey(tt.b) {
			t.Errorf("foldKey(%q) = %q != foldKey(%q) = %q", tt.a, foldKey(tt.a), tt.b, foldKey(tt.b))
		}
	}
	// Invalid UTF-8 bytes stay distinct from each other and from U+FFFD.
	if foldKey("a\xff") == foldKey("a\xfe") || foldKey("a\xff") == foldKey("a\uFFFD") {
		t.Error("invalid bytes collide after folding")
	}
	if foldKey("ab") == foldKey("abc") {
		t.Error("different names fold equal")
	}
}
