package passdb

import (
	"bufio"
	"io"
	"os"
	"strings"
)

// UsernameMap is Samba's `username map` file: it maps the names clients log on with to the Unix
// (and smbpasswd) names of their accounts. Each line reads
//
//	unixname = name1 "Full Name" @group *
//
// A client name that matches a name on the right (in any case), is in a Unix group named with @, +
// or &, or any name when the right side holds a '*', maps to the name on the left. Every line is
// tried against the name the client gave, and the last match wins, unless its line starts with '!':
// then mapping stops there. Lines whose left side starts with '#' or ';', and lines without '=',
// are skipped; a '\' at the end of a line continues it. This is map_username in Samba's
// source3/auth/user_util.c.
type UsernameMap []mapLine

type mapLine struct {
	unix  string
	stop  bool     // '!': stop after a match
	any   bool     // the right side holds a '*'
	names []string // the right side's names, @groups as written
}

// LoadUsernameMap reads the map at path.
func LoadUsernameMap(path string) (UsernameMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseUsernameMap(f)
}

// ParseUsernameMap reads a map from r.
func ParseUsernameMap(r io.Reader) (UsernameMap, error) {
	var m UsernameMap
	sc := bufio.NewScanner(r)
	var line string
	for sc.Scan() {
		if l, more := strings.CutSuffix(sc.Text(), `\`); more {
			line += l
			continue
		}
		line += sc.Text()
		if l, ok := parseMapLine(line); ok {
			m = append(m, l)
		}
		line = ""
	}
	if l, ok := parseMapLine(line); ok {
		m = append(m, l)
	}
	return m, sc.Err()
}

func parseMapLine(line string) (mapLine, bool) {
	left, right, ok := strings.Cut(line, "=")
	if !ok {
		return mapLine{}, false
	}
	left = strings.TrimSpace(left)
	l := mapLine{any: strings.Contains(right, "*"), names: splitNames(right)}
	if rest, ok := strings.CutPrefix(left, "!"); ok {
		l.stop, left = true, strings.TrimSpace(rest)
	}
	if left == "" || left[0] == '#' || left[0] == ';' {
		return mapLine{}, false
	}
	l.unix = left
	return l, true
}

// splitNames splits a list at spaces, tabs and commas outside double quotes, as Samba's
// str_list_make_v3 does.
func splitNames(s string) []string {
	var names []string
	var cur strings.Builder
	quoted, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, have = !quoted, true
		case !quoted && (r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n'):
			if have {
				names = append(names, cur.String())
			}
			cur.Reset()
			have = false
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		names = append(names, cur.String())
	}
	return names
}

// Map returns the Unix name for the client name user, and whether a line mapped it. listed
// reports whether user is one of names, the way `valid users` lists are read (a name in any case,
// or a member of an @group).
func (m UsernameMap) Map(user string, listed func(names []string, user string) bool) (string, bool) {
	out, mapped := user, false
	for _, l := range m {
		if l.any || listed(l.names, user) {
			out, mapped = l.unix, true
			if l.stop {
				break
			}
		}
	}
	return out, mapped
}
