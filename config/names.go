package config

import "strings"

// Names is `veto files` or `hide files`: file names in Samba's form, each between slashes,
// with * and ? wildcards ("/*.tmp/.git/Thumbs.db/"). Entries compare case-insensitively with
// each component of a path, as Samba's do under its default `case sensitive = auto`.
type Names struct {
	patterns []string // lower-cased
}

// ParseNames reads a slash-separated list.
func ParseNames(value string) Names {
	var n Names
	for _, p := range strings.Split(value, "/") {
		if p = strings.TrimSpace(p); p != "" {
			n.patterns = append(n.patterns, strings.ToLower(p))
		}
	}
	return n
}

// IsSet reports whether the list names anything.
func (n Names) IsSet() bool { return len(n.patterns) > 0 }

// String returns the list as written in smb.conf.
func (n Names) String() string {
	if !n.IsSet() {
		return ""
	}
	return "/" + strings.Join(n.patterns, "/") + "/"
}

// Match reports whether a file name (one path component) is on the list. "." and ".." never are.
func (n Names) Match(name string) bool {
	if len(n.patterns) == 0 || name == "." || name == ".." {
		return false
	}
	name = strings.ToLower(name)
	for _, p := range n.patterns {
		if wildMatch(p, name) {
			return true
		}
	}
	return false
}
