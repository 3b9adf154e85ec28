package vfs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fixture is a share with symbolic links of every kind, next to a
// directory outside it.
type fixture struct {
	dir   string // holds share/ and outside/
	root  string
	share *Share
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "share")
	outside := filepath.Join(dir, "outside")
	files := map[string]string{
		"share/file.txt":             "hello",
		"share/Dir/inner.txt":        "inner",
		"share/Dir/Sub/deep.txt":     "deep",
		"share/Mixed/CaseFile.TXT":   "case",
		"share/a/b/c/d/e/nested.txt": "nested",
		"outside/secret.txt":         "secret",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		mustDo(t, os.MkdirAll(filepath.Dir(p), 0o755))
		mustDo(t, os.WriteFile(p, []byte(data), 0o644))
	}
	links := map[string]string{
		"link_in":      "Dir/inner.txt",    // relative, inside
		"linkdir":      "Dir",              // directory, inside
		"Dir/up":       "../file.txt",      // climbs, stays inside
		"Dir/Sub/up2":  "../../Dir/up",     // chain of links
		"selfdir":      ".",                // the directory itself
		"abs_out":      outside,            // absolute, outside
		"abs_in":       root + "/file.txt", // absolute, inside: RESOLVE_BENEATH refuses it
		"rel_out":      "../outside",       // relative, climbs out
		"Dir/rel_out2": "../../outside/secret.txt",
		"Dir/rootup":   "..",    // the share root
		"Dir/rootupup": "../..", // one above the root
		"loop1":        "loop2",
		"loop2":        "loop1",
		"dangling":     "nothere",
		"dangling_dir": "nothere/x",
		"casecheck":    "MIXED/casefile.txt", // link targets are case-sensitive
		"file_as_dir":  "file.txt/x",
	}
	for name, target := range links {
		mustDo(t, os.Symlink(target, filepath.Join(root, name)))
	}
	s, err := New(root)
	mustDo(t, err)
	t.Cleanup(func() { s.Close() })
	return &fixture{dir: dir, root: root, share: s}
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// resolveCases are checked with both resolvers. target is the host path
// (relative to the fixture dir) whose inode the result must have.
var resolveCases = []struct {
	name   string
	err    error
	canon  string
	target string
}{
	{"", nil, "", "share"},
	{`\`, nil, "", "share"},
	{`file.txt`, nil, "file.txt", "share/file.txt"},
	{`\file.txt`, nil, "file.txt", "share/file.txt"},
	{`\\Dir\\inner.txt`, nil, "Dir/inner.txt", "share/Dir/inner.txt"},
	{`Dir\`, nil, "Dir", "share/Dir"},
	{`Dir\Sub\..\inner.txt`, nil, "Dir/inner.txt", "share/Dir/inner.txt"},
	{`file.txt::$DATA`, nil, "file.txt", "share/file.txt"},
	{`file.txt::$data`, nil, "file.txt", "share/file.txt"},
	// Case-insensitive fallback, in the final and intermediate components.
	{`FILE.TXT`, nil, "file.txt", "share/file.txt"},
	{`dir\SUB\Deep.TXT`, nil, "Dir/Sub/deep.txt", "share/Dir/Sub/deep.txt"},
	{`mixed\casefile.txt`, nil, "Mixed/CaseFile.TXT", "share/Mixed/CaseFile.TXT"},
	{`LINKDIR\INNER.TXT`, nil, "linkdir/inner.txt", "share/Dir/inner.txt"},
	// Links that stay inside are followed; the name keeps the link.
	{`link_in`, nil, "link_in", "share/Dir/inner.txt"},
	{`linkdir\inner.txt`, nil, "linkdir/inner.txt", "share/Dir/inner.txt"},
	{`linkdir\Sub\deep.txt`, nil, "linkdir/Sub/deep.txt", "share/Dir/Sub/deep.txt"},
	{`Dir\up`, nil, "Dir/up", "share/file.txt"},
	{`Dir\Sub\up2`, nil, "Dir/Sub/up2", "share/file.txt"},
	{`selfdir\selfdir\file.txt`, nil, "selfdir/selfdir/file.txt", "share/file.txt"},
	{`Dir\rootup`, nil, "Dir/rootup", "share"},
	{`Dir\rootup\file.txt`, nil, "Dir/rootup/file.txt", "share/file.txt"},
	// Missing components.
	{`nothere`, ErrNotFound, "", ""},
	{`Dir\nothere`, ErrNotFound, "", ""},
	{`nothere\x`, ErrPathNotFound, "", ""},
	{`file.txt\x`, ErrPathNotFound, "", ""},
	{`dangling`, ErrNotFound, "", ""},
	{`dangling_dir`, ErrPathNotFound, "", ""},
	{`casecheck`, ErrPathNotFound, "", ""},
	{`file_as_dir`, ErrPathNotFound, "", ""},
	// Escapes.
	{`..`, ErrAboveRoot, "", ""},
	{`Dir\..\..\share\file.txt`, ErrAboveRoot, "", ""},
	{`abs_out`, ErrEscapes, "", ""},
	{`abs_out\secret.txt`, ErrEscapes, "", ""},
	{`abs_in`, ErrEscapes, "", ""},
	{`rel_out\secret.txt`, ErrEscapes, "", ""},
	{`Dir\rel_out2`, ErrEscapes, "", ""},
	{`Dir\rootupup`, ErrEscapes, "", ""},
	{`Dir\rootupup\outside\secret.txt`, ErrEscapes, "", ""},
	{`linkdir\rootupup`, ErrEscapes, "", ""},
	// Loops, bad names, streams.
	{`loop1`, ErrLoop, "", ""},
	{`loop2\x`, ErrLoop, "", ""},
	{"a\x00b", ErrNameInvalid, "", ""},
	{"Dir\\\x00", ErrNameInvalid, "", ""},
	{`file.txt:s`, ErrStream, "", ""},
	{`file.txt:s:$DATA`, ErrStream, "", ""},
	{`file.txt:`, ErrNameInvalid, "", ""},
	{`a*b`, ErrNameInvalid, "", ""},
	{strings.Repeat("n", 256), ErrNameInvalid, "", ""},
}

func forEachResolver(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, mode := range []string{"openat2", "walk"} {
		t.Run(mode, func(t *testing.T) {
			f := newFixture(t)
			if mode == "walk" {
				f.share.noOpenat2.Store(true)
			} else if f.share.noOpenat2.Load() {
				t.Skip("kernel has no openat2(2)")
			}
			fn(t, f)
		})
	}
}

func hostIno(t *testing.T, f *fixture, rel string) uint64 {
	t.Helper()
	var st unix.Stat_t
	mustDo(t, unix.Stat(filepath.Join(f.dir, rel), &st))
	return st.Ino
}

func TestOpenAndStat(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		for _, tc := range resolveCases {
			file, err := f.share.Open(nil, tc.name)
			info, serr := f.share.Stat(nil, tc.name)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !errors.Is(serr, tc.err) {
					t.Errorf("%q: Open error %v, Stat error %v, want %v", tc.name, err, serr, tc.err)
				}
				if file != nil {
					t.Errorf("%q: Open returned a file with an error", tc.name)
					file.Close()
				}
				continue
			}
			if err != nil || serr != nil {
				t.Errorf("%q: Open error %v, Stat error %v", tc.name, err, serr)
				continue
			}
			want := hostIno(t, f, tc.target)
			if file.Name != tc.canon || file.Info.Inode != want || info.Inode != want {
				t.Errorf("%q: Name %q ino %d, Stat ino %d; want %q ino %d", tc.name, file.Name, file.Info.Inode, info.Inode, tc.canon, want)
			}
			if wantBase := tc.canon[strings.LastIndexByte(tc.canon, '/')+1:]; file.Info.Name != wantBase || info.Name != wantBase {
				t.Errorf("%q: Info.Name %q / %q, want %q", tc.name, file.Info.Name, info.Name, wantBase)
			}
			checkDescriptor(t, tc.name, file)
			file.Close()
		}
	})
}

// checkDescriptor checks the open flags and that the descriptor works.
func checkDescriptor(t *testing.T, name string, file *File) {
	t.Helper()
	fd := int(file.Fd())
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	mustDo(t, err)
	if fl&unix.O_ACCMODE != unix.O_RDONLY || fl&unix.O_PATH != 0 || fl&unix.O_NONBLOCK != 0 {
		t.Errorf("%q: open flags %#x, want O_RDONLY without O_PATH and O_NONBLOCK", name, fl)
	}
	if fd, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); fd&unix.FD_CLOEXEC == 0 {
		t.Errorf("%q: descriptor is not close-on-exec", name)
	}
	if file.Info.IsDir {
		return
	}
	data, err := io.ReadAll(io.NewSectionReader(file, 0, 1<<20))
	if err != nil || int64(len(data)) != file.Info.Size || len(data) == 0 {
		t.Errorf("%q: read %q, %v; size %d", name, data, err, file.Info.Size)
	}
}

// The walking resolver must give the same answer as openat2 in every case,
// on the same tree.
func TestWalkAgreesWithOpenat2(t *testing.T) {
	f := newFixture(t)
	if f.share.noOpenat2.Load() {
		t.Skip("kernel has no openat2(2): only the walk can run")
	}
	walk, err := New(f.root)
	mustDo(t, err)
	defer walk.Close()
	walk.noOpenat2.Store(true)
	for _, tc := range resolveCases {
		a, aerr := f.share.Stat(nil, tc.name)
		b, berr := walk.Stat(nil, tc.name)
		if errKind(aerr) != errKind(berr) || a != b {
			t.Errorf("%q: openat2 (%+v, %v) != walk (%+v, %v)", tc.name, a.Inode, aerr, b.Inode, berr)
		}
	}
}

func errKind(err error) error {
	for _, e := range []error{ErrAboveRoot, ErrEscapes, ErrNotFound, ErrPathNotFound, ErrNameInvalid, ErrStream, ErrLoop} {
		if errors.Is(err, e) {
			return e
		}
	}
	return err
}

// Without O_NOFOLLOW the walk must still stop at 40 links, and a chain of
// exactly 40 must resolve in both resolvers, as in the kernel.
func TestSymlinkDepth(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		mustDo(t, os.Symlink("file.txt", filepath.Join(f.root, "chain0")))
		for i := 1; i < 41; i++ {
			mustDo(t, os.Symlink("chain"+strconv.Itoa(i-1), filepath.Join(f.root, "chain"+strconv.Itoa(i))))
		}
		if _, err := f.share.Stat(nil, "chain39"); err != nil {
			t.Errorf("40 links: %v", err)
		}
		if _, err := f.share.Stat(nil, "chain40"); !errors.Is(err, ErrLoop) {
			t.Errorf("41 links: %v, want ErrLoop", err)
		}
	})
}

// Two names that differ only in case: the exact one wins, otherwise the
// first in directory order.
func TestCaseCollision(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		dir := filepath.Join(f.root, "coll")
		mustDo(t, os.Mkdir(dir, 0o755))
		for _, n := range []string{"ab", "AB"} {
			mustDo(t, os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644))
		}
		for _, n := range []string{"ab", "AB"} {
			info, err := f.share.Stat(nil, `coll\`+n)
			if err != nil || info.Name != n {
				t.Errorf("exact %q: got %q, %v", n, info.Name, err)
			}
		}
		d, err := os.Open(dir)
		mustDo(t, err)
		order, err := d.Readdirnames(-1) // directory order, unsorted
		d.Close()
		mustDo(t, err)
		info, err := f.share.Stat(nil, `coll\Ab`)
		if err != nil || info.Name != order[0] {
			t.Errorf("folded: got %q, %v; want %q (first of %q)", info.Name, err, order[0], order)
		}
	})
}

func TestOpenFIFODoesNotBlock(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		mustDo(t, unix.Mkfifo(filepath.Join(f.root, "fifo"), 0o644))
		done := make(chan error, 1)
		go func() {
			file, err := f.share.Open(nil, "FIFO")
			if err == nil {
				if file.Info.Mode&os.ModeNamedPipe == 0 {
					err = errors.New("not reported as a named pipe")
				}
				file.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Open of a FIFO blocked")
		}
	})
}

func TestNewRejectsNonDirectory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	mustDo(t, os.WriteFile(p, nil, 0o644))
	if _, err := New(p); !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("New(file) = %v, want ENOTDIR", err)
	}
	if _, err := New(p + "-missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("New(missing) = %v, want ErrNotExist", err)
	}
}

func TestClosedShare(t *testing.T) {
	f := newFixture(t)
	file, err := f.share.Open(nil, "file.txt")
	mustDo(t, err)
	defer file.Close()
	mustDo(t, f.share.Close())
	if _, err := f.share.Open(nil, "file.txt"); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Open after Close: %v", err)
	}
	if _, err := f.share.Stat(nil, ""); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Stat after Close: %v", err)
	}
	if _, err := f.share.Statfs(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Statfs after Close: %v", err)
	}
	if err := f.share.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := file.ReadAt(make([]byte, 5), 0); err != nil {
		t.Errorf("open file unusable after the share closed: %v", err)
	}
}

func TestStatfs(t *testing.T) {
	f := newFixture(t)
	got, err := f.share.Statfs()
	mustDo(t, err)
	var want unix.Statfs_t
	mustDo(t, unix.Statfs(f.root, &want))
	if got.Type != int64(want.Type) || got.NameMax != uint32(want.Namelen) || got.TotalBlocks != want.Blocks ||
		got.BlockSize != uint64(want.Frsize) || got.FSID != uint64(uint32(want.Fsid.Val[0]))|uint64(uint32(want.Fsid.Val[1]))<<32 {
		t.Errorf("Statfs = %+v, statfs(2) = %+v", got, want)
	}
	if got.AvailBlocks > got.FreeBlocks || got.FreeBlocks > got.TotalBlocks {
		t.Errorf("inconsistent counts %+v", got)
	}
}

func TestInfoMatchesStat(t *testing.T) {
	f := newFixture(t)
	p := filepath.Join(f.root, "file.txt")
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 7000, time.UTC)
	mustDo(t, os.Chtimes(p, mtime, mtime))
	file, err := f.share.Open(nil, "file.txt")
	mustDo(t, err)
	defer file.Close()
	var st unix.Stat_t
	mustDo(t, unix.Stat(p, &st))
	in := file.Info
	if in.Size != 5 || in.Blocks != st.Blocks || in.Inode != st.Ino || in.Dev != st.Dev ||
		in.Nlink != uint32(st.Nlink) || in.Uid != st.Uid || in.Gid != st.Gid || in.IsDir ||
		in.Mode != 0o644 || !in.Mtime.Equal(mtime) || !in.Atime.Equal(mtime) {
		t.Errorf("Info %+v, stat %+v", in, st)
	}
	if in.Btime.IsZero() || in.Btime.After(in.Ctime) {
		t.Errorf("Btime %v, Ctime %v", in.Btime, in.Ctime)
	}
	mustDo(t, os.WriteFile(p, []byte("longer now"), 0o644))
	fresh, err := file.Stat()
	mustDo(t, err)
	if fresh.Size != 10 || fresh.Name != "file.txt" {
		t.Errorf("File.Stat after write: %+v", fresh)
	}
}

// fdCount counts this process's open descriptors.
func fdCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	mustDo(t, err)
	return len(ents)
}

func TestNoDescriptorLeaks(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		before := fdCount(t)
		for range 50 {
			for _, tc := range resolveCases {
				if file, err := f.share.Open(nil, tc.name); err == nil {
					if file.Info.IsDir {
						if _, err := file.ReadDir(-1); err != nil {
							t.Fatal(err)
						}
					}
					file.Close()
				}
				f.share.Stat(nil, tc.name)
			}
		}
		if after := fdCount(t); after != before {
			t.Errorf("descriptors: %d before, %d after", before, after)
		}
	})
}

func BenchmarkOpenNested(b *testing.B) {
	for _, mode := range []string{"openat2", "walk"} {
		b.Run(mode, func(b *testing.B) {
			f := newFixture(b)
			f.share.noOpenat2.Store(mode == "walk")
			b.ReportAllocs()
			for b.Loop() {
				file, err := f.share.Open(nil, `a\b\c\d\e\nested.txt`)
				if err != nil {
					b.Fatal(err)
				}
				file.Close()
			}
		})
	}
}

// TestVeto: a vetoed name is missing to lookups (ErrNotFound as the last component, ErrPathNotFound on
// the way or when its parent is missing too) and to listings; lifting the veto brings it back.
func TestVeto(t *testing.T) {
	dir := t.TempDir()
	mustDo(t, os.MkdirAll(filepath.Join(dir, "hid/sub"), 0o755))
	for _, n := range []string{"hid/f", "keep", "hid.txt", "sub-keep"} {
		mustDo(t, os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644))
	}
	s, err := New(dir)
	mustDo(t, err)
	defer s.Close()
	s.Veto(func(name string) bool { return strings.HasPrefix(name, "hid") })
	for name, want := range map[string]error{
		"hid": ErrNotFound, "hid.txt": ErrNotFound, `hid\f`: ErrPathNotFound, `hid\sub`: ErrPathNotFound,
		`nodir\hid.txt`: ErrPathNotFound, `keep\hid.txt`: ErrPathNotFound, `x\..\hid.txt`: ErrNotFound,
	} {
		if _, err := s.Stat(nil, name); !errors.Is(err, want) {
			t.Errorf("Stat %q: %v, want %v", name, err, want)
		}
		if f, err := s.Open(nil, name); !errors.Is(err, want) {
			t.Errorf("Open %q: %v, want %v", name, err, want)
			if f != nil {
				f.Close()
			}
		}
	}
	list := func() []string {
		root, err := s.Open(nil, "")
		mustDo(t, err)
		defer root.Close()
		infos, err := root.ReadDir(-1)
		mustDo(t, err)
		var names []string
		for _, i := range infos {
			names = append(names, i.Name)
		}
		slices.Sort(names)
		return names
	}
	if got, want := list(), []string{".", "..", "keep", "sub-keep"}; !slices.Equal(got, want) {
		t.Errorf("listing %q, want %q", got, want)
	}
	s.Veto(nil)
	if got := list(); len(got) != 6 {
		t.Errorf("listing without the veto: %q", got)
	}
	if _, err := s.Stat(nil, `hid\f`); err != nil {
		t.Errorf("hid\\f without the veto: %v", err)
	}
}

// TestNoFollow: with FollowSymlinks(false) a link is ErrLoop wherever it stands on a path, and left out
// of listings; the same tree resolves through it again once following is back on. Both resolvers.
func TestNoFollow(t *testing.T) {
	for _, walk := range []bool{false, true} {
		dir := t.TempDir()
		mustDo(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
		mustDo(t, os.WriteFile(filepath.Join(dir, "d", "in.txt"), []byte("x"), 0o644))
		mustDo(t, os.WriteFile(filepath.Join(dir, "target.txt"), []byte("t"), 0o644))
		mustDo(t, os.Symlink("target.txt", filepath.Join(dir, "link.txt")))
		mustDo(t, os.Symlink("d", filepath.Join(dir, "dlink")))
		s, err := New(dir)
		mustDo(t, err)
		s.noOpenat2.Store(s.noOpenat2.Load() || walk)
		s.FollowSymlinks(false)
		for _, name := range []string{"link.txt", `dlink\in.txt`, "dlink"} {
			if _, err := s.Stat(nil, name); !errors.Is(err, ErrLoop) {
				t.Errorf("walk=%v: Stat %q: %v, want ErrLoop", walk, name, err)
			}
			if f, err := s.Open(nil, name); !errors.Is(err, ErrLoop) {
				t.Errorf("walk=%v: Open %q: %v, want ErrLoop", walk, name, err)
				if f != nil {
					f.Close()
				}
			}
		}
		root, err := s.Open(nil, "")
		mustDo(t, err)
		infos, err := root.ReadDir(-1)
		mustDo(t, err)
		root.Close()
		var names []string
		for _, i := range infos {
			names = append(names, i.Name)
		}
		slices.Sort(names)
		if want := []string{".", "..", "d", "target.txt"}; !slices.Equal(names, want) {
			t.Errorf("walk=%v: listing %q, want %q", walk, names, want)
		}
		s.FollowSymlinks(true)
		if _, err := s.Stat(nil, `dlink\in.txt`); err != nil {
			t.Errorf("walk=%v: following again: %v", walk, err)
		}
		s.Close()
	}
}
