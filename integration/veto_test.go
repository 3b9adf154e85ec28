package integration

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hirochachacha/go-smb2"

	"github.com/zsmbd/zsmbd/config"
)

// withVetoShare adds share "veto" (veto files = /secret*/*.tmp/, hide files = /hideme*/) and "showdot"
// (hide dot files = no) over one directory, with the files the expectations below were taken from
// against Samba's smbd 4.17 with the same two sections.
func withVetoShare(t testing.TB) serverOption {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"secret.txt": "s", "a.tmp": "t", "secretdir/inner.txt": "i", "normal.txt": "n", "sub/secret2.txt": "u",
		"sub/kept.txt": "k", "Secret3.TXT": "U", "hideme.txt": "h", ".dotfile": "d",
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return func(c *config.Config) {
		c.Shares = append(c.Shares,
			config.Share{Name: "veto", Path: dir, ReadOnly: true, GuestOK: true, Browseable: true,
				VetoFiles: config.ParseNames("/secret*/*.tmp/"), HideFiles: config.ParseNames("/hideme*/")},
			config.Share{Name: "showdot", Path: dir, ReadOnly: true, GuestOK: true, Browseable: true, ShowDotFiles: true})
	}
}

// TestVetoFiles: vetoed names are neither listed nor found, in any case and in any directory, with the
// statuses Samba gives a name that does not exist; hide files and dot files are listed HIDDEN.
func TestVetoFiles(t *testing.T) {
	if remote() {
		t.Skip("adds shares to an in-process server")
	}
	tg := startServer(t, withVetoShare(t))
	fs := mustMount(t, tg, dialOpts{}, "veto")

	list := func(dir string) map[string]uint32 {
		fis, err := fs.ReadDir(dir)
		if err != nil {
			t.Fatalf("list %q: %v", dir, err)
		}
		got := map[string]uint32{}
		for _, fi := range fis {
			got[fi.Name()] = fi.Sys().(*smb2.FileStat).FileAttributes
		}
		return got
	}
	root := list("")
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range root {
			if !yield(n) {
				return
			}
		}
	})
	if want := []string{".dotfile", "hideme.txt", "normal.txt", "sub"}; !slices.Equal(names, want) {
		t.Errorf("listing: %q, want %q", names, want)
	}
	for _, n := range []string{".dotfile", "hideme.txt"} {
		if root[n]&0x2 == 0 {
			t.Errorf("%s: attributes %#x, want HIDDEN", n, root[n])
		}
	}
	if root["normal.txt"]&0x2 != 0 {
		t.Errorf("normal.txt: attributes %#x, HIDDEN", root["normal.txt"])
	}
	if sub := list("sub"); len(sub) != 1 || sub["kept.txt"] == 0 {
		t.Errorf("listing sub: %v, want only kept.txt", sub)
	}

	// go-smb2 folds OBJECT_PATH_NOT_FOUND into "does not exist" too; TestSmbclientVetoFiles tells them apart.
	for _, name := range []string{"secret.txt", "SECRET.TXT", "Secret3.TXT", "a.tmp", `sub\secret2.txt`,
		`secretdir\inner.txt`, `nodir\secret.txt`, "secretdir"} {
		if _, err := fs.Open(name); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("open %s: %v, want it not to exist", name, err)
		}
	}
	if b, err := fs.ReadFile(`sub\kept.txt`); err != nil || string(b) != "k" {
		t.Errorf("sub\\kept.txt: %q, %v", b, err)
	}
	if b, err := fs.ReadFile("hideme.txt"); err != nil || string(b) != "h" {
		t.Errorf("hideme.txt (hidden, not vetoed): %q, %v", b, err)
	}

	// The same directory through a share without veto files and with hide dot files = no.
	show := mustMount(t, tg, dialOpts{}, "showdot")
	fi, err := show.Stat(".dotfile")
	if err != nil {
		t.Fatal(err)
	}
	if a := fi.Sys().(*smb2.FileStat).FileAttributes; a&0x2 != 0 {
		t.Errorf(".dotfile with hide dot files = no: attributes %#x, HIDDEN", a)
	}
	if b, err := show.ReadFile("secret.txt"); err != nil || string(b) != "s" {
		t.Errorf("secret.txt through the other share: %q, %v", b, err)
	}
}

// TestSmbclientVetoFiles: smbclient's view of the veto share, what it printed against Samba 4.17, attribute
// letters included.
func TestSmbclientVetoFiles(t *testing.T) {
	if remote() {
		t.Skip("adds shares to an in-process server")
	}
	tg := startServer(t, withVetoShare(t))
	out, err := smbclient(t, tg, "veto", "-N", "-c", "ls")
	if err != nil {
		t.Fatalf("ls: %v\n%s", err, out)
	}
	var listed []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && strings.HasPrefix(line, "  ") {
			listed = append(listed, f[0]+" "+f[1])
		}
	}
	slices.Sort(listed)
	if want := []string{". D", ".. D", ".dotfile H", "hideme.txt H", "normal.txt N", "sub D"}; !slices.Equal(listed, want) {
		t.Errorf("ls: %q, want %q\n%s", listed, want, out)
	}
	for cmd, want := range map[string]string{
		"get secret.txt /dev/null":          `NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \secret.txt`,
		`get secretdir\inner.txt /dev/null`: `NT_STATUS_OBJECT_PATH_NOT_FOUND opening remote file \secretdir\inner.txt`,
		`get nodir\secret.txt /dev/null`:    `NT_STATUS_OBJECT_PATH_NOT_FOUND opening remote file \nodir\secret.txt`,
		"get SECRET3.txt /dev/null":         `NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \SECRET3.txt`,
		"cd secretdir":                      `cd \secretdir\: NT_STATUS_OBJECT_NAME_NOT_FOUND`,
		"ls secret.txt":                     `NT_STATUS_NO_SUCH_FILE listing \secret.txt`,
		"ls secret*":                        `NT_STATUS_NO_SUCH_FILE listing \secret*`,
	} {
		out, _ := smbclient(t, tg, "veto", "-N", "-c", cmd)
		if !strings.Contains(out, want) {
			t.Errorf("%s: want %q\n%s", cmd, want, out)
		}
	}
}

// TestSmbclientFollowSymlinksNo: with `follow symlinks = no` smbclient sees no link, in listings or by
// name, the same lines as against Samba's smbd 4.17 (but for the attribute letters); the same tree
// through a share that follows lists and reads through them.
func TestSmbclientFollowSymlinksNo(t *testing.T) {
	if remote() {
		t.Skip("adds shares to an in-process server")
	}
	dir := t.TempDir()
	for _, err := range []error{
		os.Mkdir(filepath.Join(dir, "d"), 0o755),
		os.WriteFile(filepath.Join(dir, "d", "in.txt"), []byte("in\n"), 0o644),
		os.WriteFile(filepath.Join(dir, "target.txt"), []byte("t\n"), 0o644),
		os.Symlink("target.txt", filepath.Join(dir, "link.txt")),
		os.Symlink("d", filepath.Join(dir, "dlink")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	tg := startServer(t, func(c *config.Config) {
		c.Shares = append(c.Shares,
			config.Share{Name: "nofollow", Path: dir, ReadOnly: true, GuestOK: true, Browseable: true, NoFollowSymlinks: true},
			config.Share{Name: "follow", Path: dir, ReadOnly: true, GuestOK: true, Browseable: true})
	})
	out, err := smbclient(t, tg, "nofollow", "-N", "-c", "ls")
	if err != nil {
		t.Fatalf("ls: %v\n%s", err, out)
	}
	if strings.Contains(out, "link") || !strings.Contains(out, "target.txt") {
		t.Errorf("ls without following links:\n%s", out)
	}
	for cmd, want := range map[string]string{
		"get link.txt /dev/null":     `NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \link.txt`,
		`get dlink\in.txt /dev/null`: `NT_STATUS_OBJECT_PATH_NOT_FOUND opening remote file \dlink\in.txt`,
		`ls dlink\*`:                 `NT_STATUS_OBJECT_NAME_NOT_FOUND listing \dlink\*`,
		`get target.txt /dev/null`:   `getting file \target.txt of size 2`,
	} {
		if out, _ := smbclient(t, tg, "nofollow", "-N", "-c", cmd); !strings.Contains(out, want) {
			t.Errorf("%s: want %q\n%s", cmd, want, out)
		}
	}
	out, err = smbclient(t, tg, "follow", "-N", "-c", `ls; get dlink\in.txt /dev/null`)
	if err != nil || !strings.Contains(out, "link.txt") || !strings.Contains(out, `getting file \dlink\in.txt of size 3`) {
		t.Errorf("the share that follows links: err=%v\n%s", err, out)
	}
}
