package passdb

import (
	"slices"
	"strings"
	"testing"
)

// TestUsernameMap: Samba's map file syntax and order: comments, quoted names, continued lines, '*',
// the last match winning, and '!' stopping at its match.
func TestUsernameMap(t *testing.T) {
	m, err := ParseUsernameMap(strings.NewReader(`# a comment = not a rule
; another = not a rule
no equals sign here
alice = winuser "Win User",  w2
  bob=builder \
    @staff
!carol = stopper
dave = stopper
erin = winuser
guest = *
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(m), 6; got != want {
		t.Fatalf("%d rules, want %d: %+v", got, want, m)
	}
	if !slices.Equal(m[1].names, []string{"builder", "@staff"}) {
		t.Errorf("continued line: %q", m[1].names)
	}
	inStaff := func(names []string, user string) bool {
		for _, n := range names {
			if strings.EqualFold(n, user) || n == "@staff" && user == "sam" {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct{ in, out string }{
		{"Win User", "guest"}, // alice's line matches, then "guest = *" (last match wins)
		{"stopper", "carol"},  // '!' stops before dave's and guest's lines
		{"sam", "guest"},
	} {
		if got, ok := m.Map(tc.in, inStaff); got != tc.out || !ok {
			t.Errorf("Map(%q) = %q, %v; want %q", tc.in, got, ok, tc.out)
		}
	}
	m = m[:5] // without "guest = *"
	for _, tc := range []struct {
		in, out string
		mapped  bool
	}{
		{"Win User", "alice", true}, {"WINUSER", "erin", true}, {"w2", "alice", true},
		{"sam", "bob", true}, {"nobody", "nobody", false}, {"alice", "alice", false},
	} {
		if got, ok := m.Map(tc.in, inStaff); got != tc.out || ok != tc.mapped {
			t.Errorf("Map(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.out, tc.mapped)
		}
	}
}
