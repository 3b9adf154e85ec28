package integration

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	smb2 "github.com/hirochachacha/go-smb2"
	"golang.org/x/sys/unix"

	"github.com/zsmbd/zsmbd/config"
)

// TestStoredDOSAttributes: files a Samba share stored DOS attributes for (user.DOSATTRIB, as smbd
// 4.17 wrote them for smbclient's setmode +h and +r, and a directory +h) are listed with those
// attributes and creation times, as smbd lists them; a file without is NORMAL; with `store dos
// attributes = no` the stored values are not read.
func TestStoredDOSAttributes(t *testing.T) {
	if remote() {
		t.Skip("adds shares to an in-process server")
	}
	dosShare, dir := withShare(t, "dos")
	tg := startServer(t, dosShare, func(c *config.Config) {
		c.Shares = append(c.Shares, config.Share{Name: "nodos", Path: dir, ReadOnly: true, GuestOK: true, NoDOSAttributes: true})
	})
	stored := map[string]string{
		"h.txt": "00000500050000001100000022000000dc7c6d9d3885dd01",
		"r.txt": "0000050005000000110000002100000072f26d9d3885dd01",
		"d":     "00000500050000001100000012000000c1a16e9d3885dd01",
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"h.txt", "r.txt", "plain.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for n, v := range stored {
		b, _ := hex.DecodeString(v)
		if err := unix.Setxattr(filepath.Join(dir, n), "user.DOSATTRIB", b, 0); err != nil {
			skipUnlessCI(t, "no user extended attributes on %s: %v", dir, err)
		}
	}
	created := time.Date(2026, 12, 6, 4, 16, 49, 684399600, time.UTC)

	list := func(share string) map[string]*smb2.FileStat {
		fs := mustMount(t, tg, dialOpts{}, share)
		fis, err := fs.ReadDir("")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*smb2.FileStat{}
		for _, fi := range fis {
			got[fi.Name()] = fi.Sys().(*smb2.FileStat)
		}
		return got
	}
	got := list("dos")
	for name, want := range map[string]uint32{"h.txt": 0x22, "r.txt": 0x21, "d": 0x12, "plain.txt": 0x80} {
		if got[name] == nil || got[name].FileAttributes != want {
			t.Errorf("dos: %s attributes %+v, want %#x", name, got[name], want)
		}
	}
	if c := got["h.txt"].CreationTime; !c.Equal(created) {
		t.Errorf("dos: h.txt created %v, want %v (stored)", c.UTC(), created)
	}
	got = list("nodos")
	for name, want := range map[string]uint32{"h.txt": 0x80, "r.txt": 0x80, "d": 0x10, "plain.txt": 0x80} {
		if got[name] == nil || got[name].FileAttributes != want {
			t.Errorf("nodos: %s attributes %+v, want %#x", name, got[name], want)
		}
	}
	if c := got["h.txt"].CreationTime; c.Equal(created) {
		t.Errorf("nodos: h.txt has the stored creation time")
	}
}
