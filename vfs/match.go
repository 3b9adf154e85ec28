package vfs

import (
	"strings"
	"unicode/utf8"
)

// The DOS wildcards of MS-FSA 2.1.4.4. Win32 clients turn '?' and '*'
// around dots into these before the request reaches the server.
const (
	dosStar = '<' // DOS_STAR: zero or more characters, up to the final '.'
	dosQM   = '>' // DOS_QM: one character; zero at a '.' or the end of the name
	dosDot  = '"' // DOS_DOT: a '.', or zero characters at the end of the name
)

// Match reports whether name matches the SMB search pattern, following
// MS-FSA 2.1.4.4 with IgnoreCase TRUE. '*' matches zero or more characters,
// '?' exactly one, and the DOS wildcards '<', '>' and '"' behave as listed
// above. As the spec's special cases say, "*" and "*.*" match every
// non-empty name, including names without a dot; an empty name matches only
// an empty pattern. Case is compared through the simple uppercase mapping,
// as Windows's upcase table does. Characters are Unicode code points: '?'
// matches one code point where Windows would match one UTF-16 unit.
func Match(pattern, name string) bool {
	return CompilePattern(pattern).Match(name)
}

// Pattern is a compiled search pattern, for matching many names (a
// directory listing) against one pattern.
type Pattern struct {
	expr []rune // upcased, except wildcards
	all  bool   // "*" or "*.*"
}

// CompilePattern prepares pattern for Pattern.Match.
func CompilePattern(pattern string) Pattern {
	if pattern == "*" || pattern == "*.*" {
		return Pattern{all: true}
	}
	expr := make([]rune, 0, len(pattern))
	for _, r := range pattern {
		expr = append(expr, upcase(r))
	}
	return Pattern{expr: expr}
}

// Match reports whether name matches the pattern; see Match.
func (p Pattern) Match(name string) bool {
	// MS-FSA 2.1.4.4 part 1: the special cases.
	switch {
	case name == "":
		return len(p.expr) == 0 && !p.all
	case p.all:
		return true
	case len(p.expr) == 0:
		return false
	}

	// Part 2 as a nondeterministic automaton: state i means "expr[:i]
	// matched the name so far". Wildcards only ever move to i or i+1, so
	// one ascending pass computes the zero-width moves.
	m := len(p.expr)
	words := (m + 1 + 63) / 64
	var buf [8]uint64 // patterns up to 511 characters need no allocation
	var cur, next []uint64
	if 2*words <= len(buf) {
		cur, next = buf[:words], buf[words:2*words]
	} else {
		all := make([]uint64, 2*words)
		cur, next = all[:words], all[words:]
	}
	lastDot := strings.LastIndexByte(name, '.')

	set(cur, 0)
	p.closure(cur, name[0] == '.', false)
	for j := 0; j < len(name); {
		c, size := utf8.DecodeRuneInString(name[j:])
		uc := upcase(c)
		clear(next)
		for i := 0; i < m; i++ {
			if !has(cur, i) {
				continue
			}
			switch e := p.expr[i]; e {
			case '*':
				set(next, i)
			case dosStar:
				// It may not consume the name's final dot.
				if c != '.' || j != lastDot {
					set(next, i)
				}
			case '?':
				set(next, i+1)
			case dosQM:
				if c != '.' {
					set(next, i+1)
				}
			case dosDot:
				if c == '.' {
					set(next, i+1)
				}
			default:
				if e == uc {
					set(next, i+1)
				}
			}
		}
		j += size
		if empty(next) {
			return false
		}
		cur, next = next, cur
		atEnd := j == len(name)
		p.closure(cur, !atEnd && name[j] == '.', atEnd)
	}
	return has(cur, m)
}

// closure adds the states reachable without consuming a character.
func (p Pattern) closure(s []uint64, atDot, atEnd bool) {
	for i, e := range p.expr {
		if !has(s, i) {
			continue
		}
		switch {
		case e == '*', e == dosStar,
			e == dosQM && (atDot || atEnd),
			e == dosDot && atEnd:
			set(s, i+1)
		}
	}
}

func empty(s []uint64) bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

func set(s []uint64, i int)      { s[i/64] |= 1 << (i % 64) }
func has(s []uint64, i int) bool { return s[i/64]&(1<<(i%64)) != 0 }
