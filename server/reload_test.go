package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
)

// descriptorsUnder counts this process's descriptors open on dir or below it.
func descriptorsUnder(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(target, dir) {
			n++
		}
	}
	return n
}

// A share whose path a reload changes, or that a reload removes, gives its old root descriptor back
// once no tree uses it: the old file system can then be unmounted, and reloads do not leak descriptors.
func TestReloadReleasesOldRoots(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, n := range []string{"a", "b", "c"} {
		p := filepath.Join(dir, n)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	cfgFor := func(path string) *config.Config {
		c := config.Default()
		if path != "" {
			c.Shares = []config.Share{{Name: "s", Path: path, ReadOnly: true, Browseable: true}}
		}
		return c
	}
	srv, err := New(cfgFor(paths[0]), nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for i := range 10 {
		if err := srv.Reload(cfgFor(paths[1+i%2]), nil); err != nil {
			t.Fatal(err)
		}
		if n := descriptorsUnder(t, dir); n != 1 {
			t.Fatalf("after reload %d: %d share roots open, want 1", i, n)
		}
	}
	if err := srv.Reload(cfgFor(""), nil); err != nil { // the share removed
		t.Fatal(err)
	}
	if n := descriptorsUnder(t, dir); n != 0 {
		t.Fatalf("share removed, no tree connected: %d root descriptors still open", n)
	}
}
