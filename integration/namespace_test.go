package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	smb2 "github.com/hirochachacha/go-smb2"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// localRoot returns the share's directory, skipping the test against a remote server whose files
// this process cannot see.
func localRoot(t testing.TB, tg *target) string {
	t.Helper()
	if tg.Root == "" {
		t.Skip("needs the share's directory (ZSMBD_ROOT) to compare with the disk")
	}
	return tg.Root
}

// addLinks adds symbolic links to the share at root: in-link stays inside (-> dir), out-abs and
// out-rel leave it, loop1 and loop2 point at each other. A link already there with the same target is
// kept: against a remote server (ZSMBD_ROOT) every test shares one tree.
func addLinks(t testing.TB, root string) {
	t.Helper()
	for name, target := range map[string]string{
		"in-link": "dir",
		"out-abs": "/etc/passwd",
		"out-rel": strings.Repeat("../", 12) + "etc",
		"loop1":   "loop2",
		"loop2":   "loop1",
	} {
		p := filepath.Join(root, name)
		if old, err := os.Readlink(p); err == nil && old == target {
			continue
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
}

// withShare adds a read-only guest share of the given name over a fresh directory and returns the
// option and that directory.
func withShare(t testing.TB, name string) (serverOption, string) {
	dir := t.TempDir()
	return func(c *config.Config) {
		c.Shares = append(c.Shares, config.Share{Name: name, Path: dir, ReadOnly: true, GuestOK: true, Browseable: true})
	}, dir
}

// treeDigest describes everything under root a client could have changed: every name, type,
// permission, size, modification time, link target and content hash, and the directories' times.
func treeDigest(t testing.TB, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&b, "%q %v %d %d", rel, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " -> %q", target)
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			b.WriteString(" " + hex.EncodeToString(sum[:]))
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// sameTime reports whether an SMB time (100 ns FILETIME resolution) is the disk's time.
func sameTime(smbTime, disk time.Time) bool { return smbTime.UnixNano()/100 == disk.UnixNano()/100 }

// TestListSharenames: srvsvc NetShareEnumAll lists the browseable shares and IPC$ (as Samba does;
// clients hide $ shares themselves), never a `browseable = no` share, to users and guests alike; the
// unlisted share still opens by name.
func TestListSharenames(t *testing.T) {
	tg := startServer(t)
	for _, o := range []dialOpts{userOpts(tg, 0, true), {}} {
		s, err := dial(t, tg, o)
		if err != nil {
			t.Fatal(err)
		}
		names, err := s.ListSharenames()
		if err != nil {
			t.Fatalf("ListSharenames as %q: %v", o.user, err)
		}
		sort.Strings(names)
		if want := []string{"IPC$", "data", "private", "public"}; !slices.Equal(names, want) {
			t.Errorf("ListSharenames as %q = %q, want %q", o.user, names, want)
		}
	}
	// Not listed is not locked: a client that knows the name connects.
	if _, err := mustMount(t, tg, dialOpts{}, "hidden").Stat("hello.txt"); err != nil {
		t.Errorf("stat in the hidden share: %v", err)
	}
}

// checkListing compares a go-smb2 directory listing with the disk: the same names (no "." or ".."),
// and for each its size, type and modification time.
func checkListing(t *testing.T, got []os.FileInfo, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileInfo{}
	for _, e := range ents {
		fi, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // a link that leads nowhere is not listed
		}
		want[e.Name()] = fi
	}
	seen := map[string]bool{}
	for _, g := range got {
		w, ok := want[g.Name()]
		if !ok {
			t.Errorf("%s: listed %q, not on disk (or a link leaving the share)", dir, g.Name())
			continue
		}
		if seen[g.Name()] {
			t.Errorf("%s: %q listed twice", dir, g.Name())
		}
		seen[g.Name()] = true
		if g.IsDir() != w.IsDir() || !w.IsDir() && g.Size() != w.Size() || !sameTime(g.ModTime(), w.ModTime()) {
			t.Errorf("%s: %q listed as dir=%v size=%d mtime=%v, disk dir=%v size=%d mtime=%v", dir, g.Name(),
				g.IsDir(), g.Size(), g.ModTime(), w.IsDir(), w.Size(), w.ModTime())
		}
	}
	if len(seen) != len(want) {
		for n := range want {
			if !seen[n] {
				t.Errorf("%s: %q on disk, not listed", dir, n)
			}
		}
	}
}

func TestReadDir(t *testing.T) {
	tg := startServer(t)
	root := localRoot(t, tg)
	fs := mustMount(t, tg, userOpts(tg, 0, true), tg.Share)
	for _, dir := range []string{"", "dir", `dir\nested`} {
		got, err := fs.ReadDir(dir)
		if err != nil {
			t.Fatalf("ReadDir(%q): %v", dir, err)
		}
		checkListing(t, got, filepath.Join(root, filepath.FromSlash(strings.ReplaceAll(dir, `\`, "/"))))
	}
}

// TestReadDirLarge lists a directory of 5000 files, more than one QUERY_DIRECTORY answer holds.
func TestReadDirLarge(t *testing.T) {
	opt, dir := withShare(t, "big")
	const n = 5000
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file %05d.txt", i)), []byte(fmt.Sprint(i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tg := startServer(t, opt)
	fs := mustMount(t, tg, dialOpts{}, "big")
	got, err := fs.ReadDir("")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Errorf("listed %d entries, want %d", len(got), n)
	}
	checkListing(t, got, dir)
}

// TestStat: files and directories report the disk's size, type and modification time.
func TestStat(t *testing.T) {
	tg := startServer(t)
	root := localRoot(t, tg)
	fs := mustMount(t, tg, userOpts(tg, 0, true), tg.Share)
	names := []string{"dir", "dir/nested"}
	for _, f := range DataFiles {
		names = append(names, f.Name)
	}
	for _, name := range names {
		got, err := fs.Stat(strings.ReplaceAll(name, "/", `\`))
		if err != nil {
			t.Errorf("Stat(%q): %v", name, err)
			continue
		}
		want, err := os.Stat(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if got.IsDir() != want.IsDir() || !want.IsDir() && got.Size() != want.Size() || !sameTime(got.ModTime(), want.ModTime()) {
			t.Errorf("Stat(%q): dir=%v size=%d mtime=%v, disk dir=%v size=%d mtime=%v", name,
				got.IsDir(), got.Size(), got.ModTime(), want.IsDir(), want.Size(), want.ModTime())
		}
		if path.Base(name) != got.Name() {
			t.Errorf("Stat(%q).Name() = %q", name, got.Name())
		}
	}
}

// TestNames: names with spaces and non-ASCII letters, and any case of a name, open the file.
func TestNames(t *testing.T) {
	tg := startServer(t)
	fs := mustMount(t, tg, dialOpts{}, tg.Share)
	for _, c := range []struct{ ask, file string }{
		{"Mixed Case Name.txt", "Mixed Case Name.txt"},
		{"MIXED CASE NAME.TXT", "Mixed Case Name.txt"},
		{"mixed case name.txt", "Mixed Case Name.txt"},
		{"ünïcödé ñame.txt", "ünïcödé ñame.txt"},
		{"ÜNÏCÖDÉ ÑAME.TXT", "ünïcödé ñame.txt"},
		{`DIR\Nested\DEEP.txt`, "dir/nested/deep.txt"},
		{`dir\.\nested\..\nested\deep.txt`, "dir/nested/deep.txt"},
	} {
		var size int64
		for _, f := range DataFiles {
			if f.Name == c.file {
				size = f.Size
			}
		}
		got, err := fs.ReadFile(c.ask)
		if err != nil {
			t.Errorf("ReadFile(%q): %v", c.ask, err)
			continue
		}
		if !bytes.Equal(got, Content(c.file, size)) {
			t.Errorf("ReadFile(%q): %d bytes that are not %s", c.ask, len(got), c.file)
		}
	}
	_, err := fs.Stat("no such file.txt")
	wantStatus(t, err, smb.StatusObjectNameNotFound)
}

// TestRefused: every change go-smb2 can ask for is STATUS_ACCESS_DENIED on a read-only share, unless the
// name answers first, as from smbd 4.17 (creating a name that exists is STATUS_OBJECT_NAME_COLLISION,
// removing one that does not STATUS_OBJECT_NAME_NOT_FOUND), and nothing on disk changes.
func TestRefused(t *testing.T) {
	tg := startServer(t)
	root := localRoot(t, tg)
	fs := mustMount(t, tg, userOpts(tg, 0, true), tg.Share)
	before := treeDigest(t, root)
	open := func(name string, flag int) error {
		f, err := fs.OpenFile(name, flag, 0o644)
		if err == nil {
			f.Close()
		}
		return err
	}
	onOpen := func(do func(f *smb2.File) error) error {
		f, err := fs.Open("page.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return do(f)
	}
	answersFirst := map[string]smb.Status{
		"OpenFile O_CREATE|O_EXCL existing": smb.StatusObjectNameCollision,
		"Remove missing":                    smb.StatusObjectNameNotFound,
	}
	now := time.Now()
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"Create new", func() error { _, err := fs.Create("new.txt"); return err }},
		{"Create existing", func() error { _, err := fs.Create("one.bin"); return err }},
		{"OpenFile O_WRONLY", func() error { return open("one.bin", os.O_WRONLY) }},
		{"OpenFile O_RDWR", func() error { return open("one.bin", os.O_RDWR) }},
		{"OpenFile O_CREATE new", func() error { return open("new.txt", os.O_RDONLY|os.O_CREATE) }},
		{"OpenFile O_CREATE|O_EXCL existing", func() error { return open("one.bin", os.O_RDONLY|os.O_CREATE|os.O_EXCL) }},
		{"OpenFile O_TRUNC", func() error { return open("one.bin", os.O_RDONLY|os.O_TRUNC) }},
		{"OpenFile O_APPEND", func() error { return open("one.bin", os.O_WRONLY|os.O_APPEND) }},
		{"WriteFile existing", func() error { return fs.WriteFile("one.bin", []byte("x"), 0o644) }},
		{"WriteFile new", func() error { return fs.WriteFile(`dir\new.txt`, []byte("x"), 0o644) }},
		{"Write on a read open", func() error { return onOpen(func(f *smb2.File) error { _, err := f.Write([]byte("x")); return err }) }},
		{"Truncate on a read open", func() error { return onOpen(func(f *smb2.File) error { return f.Truncate(0) }) }},
		{"Chmod on a read open", func() error { return onOpen(func(f *smb2.File) error { return f.Chmod(0o600) }) }},
		{"Remove file", func() error { return fs.Remove("one.bin") }},
		{"Remove nested file", func() error { return fs.Remove(`dir\nested\deep.txt`) }},
		{"Remove dir", func() error { return fs.Remove(`dir\nested`) }},
		{"Remove missing", func() error { return fs.Remove("no-such-file") }},
		{"RemoveAll", func() error { return fs.RemoveAll("dir") }},
		{"Rename", func() error { return fs.Rename("one.bin", "two.bin") }},
		{"Rename dir", func() error { return fs.Rename("dir", "dir2") }},
		{"Mkdir new", func() error { return fs.Mkdir("newdir", 0o755) }},
		{"Mkdir existing", func() error { return fs.Mkdir("dir", 0o755) }},
		{"MkdirAll", func() error { return fs.MkdirAll(`a\b\c`, 0o755) }},
		{"Chmod", func() error { return fs.Chmod("one.bin", 0o444) }},
		{"Chmod dir", func() error { return fs.Chmod("dir", 0o700) }},
		{"Chtimes", func() error { return fs.Chtimes("one.bin", now, now) }},
		{"Truncate", func() error { return fs.Truncate("page.bin", 1) }},
		{"Symlink", func() error { return fs.Symlink("one.bin", "link.bin") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.do()
			if err == nil {
				t.Fatal("succeeded on a read-only share")
			}
			want, ok := answersFirst[c.name]
			if !ok {
				want = smb.StatusAccessDenied
			}
			wantStatus(t, err, want)
		})
	}
	if after := treeDigest(t, root); after != before {
		t.Errorf("the share changed on disk:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestEscapes: no name reaches outside the share. A ".." above the root is
// STATUS_OBJECT_PATH_SYNTAX_BAD, links that leave the share look missing and are not listed (Samba
// 4.17 with `wide links = no`), and a link inside the share is followed.
func TestEscapes(t *testing.T) {
	tg := startServer(t)
	root := localRoot(t, tg)
	addLinks(t, root)
	fs := mustMount(t, tg, dialOpts{}, tg.Share)
	for _, name := range []string{`..\..\etc\passwd`, `..\data\one.bin`, `dir\..\..\etc\passwd`, `dir\nested\..\..\..\one.bin`} {
		_, err := fs.ReadFile(name)
		wantStatus(t, err, smb.StatusObjectPathSyntaxBad)
	}
	for _, name := range []string{"out-abs", `out-rel\passwd`, "out-rel", "loop1", `loop2\x`} {
		_, err := fs.ReadFile(name)
		wantStatus(t, err, smb.StatusObjectNameNotFound) // go-smb2 folds PATH_NOT_FOUND in too; rawclient_test checks which
		_, err = fs.Stat(name)
		wantStatus(t, err, smb.StatusObjectNameNotFound)
	}
	_, err := fs.ReadDir("out-rel")
	wantStatus(t, err, smb.StatusObjectNameNotFound)

	got, err := fs.ReadFile(`in-link\nested\deep.txt`)
	if err != nil || !bytes.Equal(got, Content("dir/nested/deep.txt", 1000)) {
		t.Errorf("through in-link: %d bytes, %v", len(got), err)
	}
	if fi, err := fs.Stat("in-link"); err != nil || !fi.IsDir() {
		t.Errorf("Stat(in-link) = %v, %v; want the directory it points at", fi, err)
	}
	list, err := fs.ReadDir("")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range list {
		names = append(names, fi.Name())
	}
	if !slices.Contains(names, "in-link") {
		t.Errorf("root listing %q lacks in-link", names)
	}
	for _, hidden := range []string{"out-abs", "out-rel", "loop1", "loop2"} {
		if slices.Contains(names, hidden) {
			t.Errorf("root listing shows %s, a link that leads outside the share or nowhere", hidden)
		}
	}
}

// TestAccessBasedShareEnum: with `access based share enum`, a share is listed only to sessions that may
// connect to it (here: valid users names the test user, so guests do not see it); without, every
// browseable share is listed, as smbclient -L showed from smbd 4.17 for a user and for guests.
func TestAccessBasedShareEnum(t *testing.T) {
	dir := t.TempDir()
	tg := startServer(t, func(c *config.Config) {
		c.Shares = append(c.Shares,
			config.Share{Name: "abe", Path: dir, ReadOnly: true, Browseable: true, ValidUsers: []string{testUser}, AccessBasedShareEnum: true},
			config.Share{Name: "noabe", Path: dir, ReadOnly: true, Browseable: true, ValidUsers: []string{testUser}},
			config.Share{Name: "abeguest", Path: dir, ReadOnly: true, Browseable: true, GuestOK: true, AccessBasedShareEnum: true})
	})
	for _, x := range []struct {
		o    dialOpts
		want []string
	}{
		{userOpts(tg, 0, true), []string{"abe", "abeguest", "noabe"}},
		{dialOpts{}, []string{"abeguest", "noabe"}},
	} {
		s, err := dial(t, tg, x.o)
		if err != nil {
			t.Fatal(err)
		}
		names, err := s.ListSharenames()
		if err != nil {
			t.Fatalf("ListSharenames as %q: %v", x.o.user, err)
		}
		var got []string
		for _, n := range names {
			if strings.HasPrefix(n, "abe") || n == "noabe" {
				got = append(got, n)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, x.want) {
			t.Errorf("ListSharenames as %q: %q, want %q", x.o.user, got, x.want)
		}
	}
}
