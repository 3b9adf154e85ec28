package integration

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	smb2 "github.com/hirochachacha/go-smb2"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// mangledNames are names on disk no Windows client could use, with the names smbd 4.17 listed them
// under (Samba's default `mangled names = illegal`, `mangle prefix = 1`).
var mangledNames = map[string]string{
	"colon:name.txt": "C69YSY~1.TXT", ".hid:den": "_GOGO0~J", "trailingdot.": "TKHODF~4",
	"con.txt": "CSHOFG~F.TXT", "ünï:cödé.txt": "_Q9OQC~Y.TXT", `back\slash.txt`: "BAYTAM~F.TXT",
}

// TestMangledNames: go-smb2 and smbclient see each such name under smbd's mangled name, which opens
// the file; the mangled dot file is hidden, as smbd shows it. On a share with `mangled names = no`
// the names clients cannot open are left out, the others listed as they are, and mangled names are
// not found.
func TestMangledNames(t *testing.T) {
	if remote() {
		t.Skip("adds shares to an in-process server")
	}
	odd, dir := withShare(t, "odd")
	plain, plainDir := withShare(t, "plain")
	tg := startServer(t, odd, plain, func(c *config.Config) {
		for i := range c.Shares {
			c.Shares[i].NoMangledNames = c.Shares[i].Name == "plain"
		}
	})
	for _, d := range []string{dir, plainDir} {
		for n := range mangledNames {
			if err := os.WriteFile(filepath.Join(d, n), []byte("I am "+n), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(d, "ok.txt"), []byte("ok"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	fs := mustMount(t, tg, dialOpts{}, "odd")
	fis, err := fs.ReadDir("")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint32{}
	for _, fi := range fis {
		got[fi.Name()] = fi.Sys().(*smb2.FileStat).FileAttributes
	}
	want := append(slices.Collect(maps.Values(mangledNames)), "ok.txt")
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, slices.Sorted(slices.Values(want))) {
		t.Errorf("listed %q, want %q", names, slices.Sorted(slices.Values(want)))
	}
	if got["_GOGO0~J"]&0x2 == 0 || got["C69YSY~1.TXT"]&0x2 != 0 {
		t.Errorf("attributes %#x for .hid:den, %#x for colon:name.txt; want hidden, not hidden", got["_GOGO0~J"], got["C69YSY~1.TXT"])
	}
	for disk, shown := range mangledNames {
		for _, ask := range []string{shown, strings.ToLower(shown)} {
			if b, err := fs.ReadFile(ask); err != nil || string(b) != "I am "+disk {
				t.Errorf("read %s: %q, %v; want the content of %q", ask, b, err, disk)
			}
		}
	}

	out, err := smbclient(t, tg, "odd", "-U", "guest%", "-c", "ls; get C69YSY~1.TXT -")
	if err != nil {
		t.Fatalf("smbclient: %v\n%s", err, out)
	}
	for _, shown := range mangledNames {
		if !strings.Contains(out, "  "+shown+" ") {
			t.Errorf("smbclient ls does not show %s:\n%s", shown, out)
		}
	}
	if !strings.Contains(out, "I am colon:name.txt") {
		t.Errorf("smbclient get C69YSY~1.TXT -: no content:\n%s", out)
	}

	fs = mustMount(t, tg, dialOpts{}, "plain")
	fis, err = fs.ReadDir("")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range fis {
		names = append(names, fi.Name())
	}
	// Names a client can still open stay, as they are; the others are left out.
	if want := []string{"con.txt", "ok.txt", "trailingdot."}; !slices.Equal(slices.Sorted(slices.Values(names)), want) {
		t.Errorf("mangled names = no: listed %q, want %q", names, want)
	}
	_, err = fs.Stat("C69YSY~1.TXT")
	wantStatus(t, err, smb.StatusObjectNameNotFound)
}
