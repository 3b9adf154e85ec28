package vfs

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"", `\`, `a\b`, `a\..\b`, `..`, "a\x00", `f::$DATA`, `f:s:$DATA`, `a\\b\`, `d:x\f`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		comps, err := parseName(name)
		if err != nil {
			for _, e := range []error{ErrNameInvalid, ErrAboveRoot, ErrStream} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("parseName(%q): unexpected error %v", name, err)
		}
		for _, c := range comps {
			if c == "" || c == "." || c == ".." || strings.ContainsAny(c, "\\/:\x00*?<>\"|") || len(c) > maxComponent {
				t.Fatalf("parseName(%q) produced component %q", name, c)
			}
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("*.txt", "a.txt")
	f.Add(`<"*`, "a.b.c")
	f.Add(">>.>", "ab.c")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		Match(pattern, name) // must not panic
		if name == "" || strings.ContainsAny(name, `*?<>"`) {
			return
		}
		if !Match(name, name) || !Match(strings.Map(upcase, name), name) {
			t.Fatalf("%q does not match itself", name)
		}
		if !Match("*", name) || !Match("*.*", name) {
			t.Fatalf("%q not matched by * or *.*", name)
		}
	})
}

// Lookups from many goroutines share the case-folding cache.
func TestConcurrentLookups(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for g := range 8 {
		f.share.noOpenat2.Store(g%2 == 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				for _, name := range []string{`DIR\sub\DEEP.txt`, `mixed\CASEFILE.txt`, `nothere`, `linkdir\INNER.TXT`} {
					file, err := f.share.Open(nil, name)
					if err == nil {
						file.Close()
					} else if !errors.Is(err, ErrNotFound) {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
