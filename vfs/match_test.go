package vfs

import (
	"strings"
	"testing"
)

// Cases follow MS-FSA 2.1.4.4: the part 1 special cases, then the wildcard
// rules of part 2. '<' is DOS_STAR, '>' DOS_QM, '"' DOS_DOT.
func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// Part 1.
		{"", "", true},
		{"*", "", false},
		{"", "a", false},
		{"*", "anything.at.all", true},
		{"*.*", "noext", true}, // "*.*" is a special case: everything
		{"*.*", ".hidden", true},
		{"*.*", "a.b", true},
		{"*abc", "xxABC", true},
		{"*abc", "abcx", false},
		// '*' and '?'.
		{"*.txt", "a.txt", true},
		{"*.txt", "A.TXT", true},
		{"*.txt", ".txt", true},
		{"*.txt", "a.txt.bak", false},
		{"*.txt", "atxt", false},
		{"?", "a", true},
		{"?", "ab", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"a*b*c", "abc", true},
		{"*.*.*", "a.b", false},
		{"*.*.*", "a.b.c", true},
		{"A.TXT", "a.txt", true},
		{"a.txt", "a.txt2", false},
		// Case folding beyond ASCII.
		{"É*", "école", true},
		{"ΣΊΣ*", "σίσυφος", true},
		// DOS_QM: one character, or nothing at a '.' or the end.
		{">>>", "ab", true},
		{">>>", "abc", true},
		{">>>", "abcd", false},
		{"a>", "a", true},
		{"a>.txt", "a.txt", true},
		{"a>.txt", "ab.txt", true},
		{"a>.txt", "abc.txt", false},
		{">", ".", false}, // matches nothing at the '.', which is then left over
		{">.", ".", true},
		// DOS_DOT: a '.', or nothing at the end.
		{`a"`, "a", true},
		{`a"`, "a.", true},
		{`a"`, "ab", false},
		{`foo"*`, "foo", true},
		{`foo"*`, "foo.bar", true},
		{`foo"*`, "foobar", false},
		// DOS_STAR: anything up to, not including, the final '.'.
		{"<", "noext", true},
		{"<", "a.b", false},
		{"<.b", "a.b", true},
		{"<.b", "a.c.b", true},
		{"<.b", "a.b.c", false},
		{`<"*`, "a.b.c", true},
		{`<"*`, "noext", true},
		{"<.<", "a.b.c", true}, // the first '<' may eat dots that are not the final one
		{"<.<", "abc", false},
		{"<.*", "a.b.c", true},
		{"<a", "xa", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

// A pattern with many stars must not backtrack exponentially, and patterns
// longer than the stack buffer must work.
func TestMatchLong(t *testing.T) {
	name := strings.Repeat("a", 200)
	if Match(strings.Repeat("*a", 100)+"b", name) {
		t.Error("long star pattern matched")
	}
	if !Match(strings.Repeat("*a", 100), name) {
		t.Error("long star pattern did not match")
	}
	pat := strings.Repeat("?", 600)
	if !Match(pat, strings.Repeat("x", 600)) || Match(pat, strings.Repeat("x", 601)) {
		t.Error("600-character pattern")
	}
}

func BenchmarkPatternMatch(b *testing.B) {
	p := CompilePattern("<.txt")
	b.ReportAllocs()
	for b.Loop() {
		p.Match("some_rather_long_file_name.v2.TXT")
	}
}
