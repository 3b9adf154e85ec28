package server

import "testing"

// TestValidEAList: lists as smbd 4.17 reads them (read_nttrans_ea_list): the first entry must be whole,
// a chain is followed while an entry's offset field fits, and each entry's name is NUL-terminated.
func TestValidEAList(t *testing.T) {
	entry := func(next uint32, name, value string) []byte {
		b := []byte{byte(next), byte(next >> 8), 0, 0, 0, byte(len(name)), byte(len(value)), 0}
		b = append(append(append(b, name...), 0), value...)
		for next > 0 && uint32(len(b)) < next {
			b = append(b, 0)
		}
		return b
	}
	two := append(entry(16, "a", "b"), entry(0, "cd", "")...)
	for _, x := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"one entry", entry(0, "user.x", "v"), true},
		{"two entries", two, true},
		{"empty", nil, false},
		{"header only", make([]byte, 8), false},
		{"name without its NUL", entry(0, "abc", "")[:11], false},
		{"value past the end", entry(0, "a", "xyz")[:11], false},
		{"second entry cut", two[:20], false},
		{"next offset past the end", entry(64, "a", "")[:10], true}, // no room for another offset field
	} {
		if got := validEAList(x.b); got != x.want {
			t.Errorf("%s (% x): %v, want %v", x.name, x.b, got, x.want)
		}
	}
}
