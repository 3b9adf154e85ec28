package vfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func readAll(t *testing.T, file *File, batch int) []Info {
	t.Helper()
	var all []Info
	for {
		infos, err := file.ReadDir(batch)
		if len(infos) > batch {
			t.Fatalf("ReadDir(%d) returned %d entries", batch, len(infos))
		}
		all = append(all, infos...)
		if err == io.EOF {
			if len(infos) != 0 {
				t.Fatal("io.EOF with entries")
			}
			return all
		}
		mustDo(t, err)
		if len(infos) == 0 {
			t.Fatal("no entries and no io.EOF")
		}
	}
}

func TestReadDirRoot(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		dir, err := f.share.Open(nil, "")
		mustDo(t, err)
		defer dir.Close()
		got := readAll(t, dir, 3)
		rootIno := hostIno(t, f, "share")
		if got[0].Name != "." || got[1].Name != ".." || got[0].Inode != rootIno || got[1].Inode != rootIno {
			t.Fatalf("first entries %+v %+v, want . and .. of the root (ino %d)", got[0], got[1], rootIno)
		}
		byName := map[string]Info{}
		for _, in := range got[2:] {
			byName[in.Name] = in
		}
		// Links that leave the share, dangle or loop are not listed.
		var names []string
		for n := range byName {
			names = append(names, n)
		}
		slices.Sort(names)
		want := []string{"Dir", "Mixed", "a", "file.txt", "link_in", "linkdir", "selfdir"}
		if !slices.Equal(names, want) {
			t.Errorf("listed %q, want %q", names, want)
		}
		// A link inside is reported with its target's metadata.
		if in := byName["link_in"]; in.Inode != hostIno(t, f, "share/Dir/inner.txt") || in.Mode&os.ModeSymlink != 0 || in.Size != 5 {
			t.Errorf("link_in listed as %+v", in)
		}
		if in := byName["linkdir"]; !in.IsDir || in.Inode != hostIno(t, f, "share/Dir") {
			t.Errorf("linkdir listed as %+v", in)
		}
		if in := byName["file.txt"]; in.Size != 5 || in.IsDir || in.Inode != hostIno(t, f, "share/file.txt") {
			t.Errorf("file.txt listed as %+v", in)
		}

		// Rewind starts over with the same entries.
		mustDo(t, dir.Rewind())
		again, err := dir.ReadDir(-1)
		mustDo(t, err)
		if len(again) != len(got) {
			t.Errorf("after Rewind: %d entries, before %d", len(again), len(got))
		}
		if _, err := dir.ReadDir(1); err != io.EOF {
			t.Errorf("ReadDir after ReadDir(-1): %v, want io.EOF", err)
		}
	})
}

func TestReadDirDotDot(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		for _, tc := range []struct{ name, dot, dotdot string }{
			{`Dir`, "share/Dir", "share"},
			{`dir\sub`, "share/Dir/Sub", "share/Dir"},
			// ".." is the lexical parent in the share, not the link
			// target's physical parent.
			{`linkdir\Sub`, "share/Dir/Sub", "share/Dir"},
			{`Dir\rootup`, "share", "share/Dir"},
		} {
			dir, err := f.share.Open(nil, tc.name)
			mustDo(t, err)
			infos, err := dir.ReadDir(2)
			dir.Close()
			mustDo(t, err)
			if infos[0].Name != "." || infos[0].Inode != hostIno(t, f, tc.dot) ||
				infos[1].Name != ".." || infos[1].Inode != hostIno(t, f, tc.dotdot) {
				t.Errorf("%q: . = %s/%d, .. = %s/%d", tc.name, infos[0].Name, infos[0].Inode, infos[1].Name, infos[1].Inode)
			}
		}
	})
}

func TestReadDirOnFile(t *testing.T) {
	f := newFixture(t)
	file, err := f.share.Open(nil, "file.txt")
	mustDo(t, err)
	defer file.Close()
	if _, err := file.ReadDir(1); !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("ReadDir on a file: %v", err)
	}
}

// A 100 000-entry directory: listed in bounded batches, and looked up
// case-insensitively with one scan for many lookups.
func TestLargeDirectory(t *testing.T) {
	const n = 100000
	f := newFixture(t)
	big := filepath.Join(f.root, "big")
	mustDo(t, os.Mkdir(big, 0o755))
	dfd, err := unix.Open(big, unix.O_PATH|unix.O_DIRECTORY, 0)
	mustDo(t, err)
	for i := range n {
		fd, err := unix.Openat(dfd, fmt.Sprintf("File%06d", i), unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
		mustDo(t, err)
		unix.Close(fd)
	}
	unix.Close(dfd)

	t.Run("list", func(t *testing.T) {
		dir, err := f.share.Open(nil, "big")
		mustDo(t, err)
		defer dir.Close()
		seen := make(map[string]bool, n)
		batches := 0
		for {
			infos, err := dir.ReadDir(1000)
			if err == io.EOF {
				break
			}
			mustDo(t, err)
			if len(infos) > 1000 {
				t.Fatalf("batch of %d", len(infos))
			}
			batches++
			for _, in := range infos {
				if seen[in.Name] {
					t.Fatalf("%q listed twice", in.Name)
				}
				seen[in.Name] = true
			}
		}
		if len(seen) != n+2 || !seen["."] || !seen[".."] || !seen["File099999"] || batches != (n+2+999)/1000 {
			t.Errorf("listed %d names in %d batches", len(seen), batches)
		}
	})

	t.Run("case-insensitive cache", func(t *testing.T) {
		// The cache trusts a directory's timestamps only when they are
		// older than the scan by a margin (see settled); the directory
		// was just filled.
		time.Sleep(100 * time.Millisecond)
		names := []string{`big\file000123`, `BIG\FILE099999`, `Big\file050000`}
		check := func(name string) {
			t.Helper()
			info, err := f.share.Stat(nil, name)
			if err != nil || info.Name != "File"+name[len(name)-6:] {
				t.Fatalf("%q: %+v, %v", name, info.Name, err)
			}
		}
		// Warm up: one scan of big (file000123) and one of the share root
		// (BIG), nothing else.
		start := f.share.ci.scans.Load()
		for _, name := range names {
			check(name)
		}
		if got := f.share.ci.scans.Load() - start; got != 2 {
			t.Fatalf("first lookups scanned %d directories, want 2 (big and the root)", got)
		}
		for _, walk := range []bool{false, true} {
			f.share.noOpenat2.Store(walk)
			before := f.share.ci.scans.Load()
			for i := range 1000 {
				check(fmt.Sprintf(`BIG\fILE%06d`, i*97))
			}
			// A miss is answered from the cache too.
			if _, err := f.share.Stat(nil, `big\nothere`); !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			if got := f.share.ci.scans.Load() - before; got != 0 {
				t.Fatalf("walk=%v: 1001 cached lookups rescanned %d times", walk, got)
			}
		}
		// Changing the directory invalidates its entry.
		mustDo(t, os.WriteFile(filepath.Join(big, "NewOne"), nil, 0o644))
		before := f.share.ci.scans.Load()
		info, err := f.share.Stat(nil, `big\newone`)
		if err != nil || info.Name != "NewOne" {
			t.Fatalf("new file: %+v, %v", info.Name, err)
		}
		if f.share.ci.scans.Load() != before+1 {
			t.Fatal("a changed directory was not rescanned")
		}
	})
}

func TestCICacheBounded(t *testing.T) {
	f := newFixture(t)
	for i := range ciCacheDirs + 5 {
		d := filepath.Join(f.root, fmt.Sprintf("d%02d", i))
		mustDo(t, os.Mkdir(d, 0o755))
		mustDo(t, os.WriteFile(filepath.Join(d, "X"), nil, 0o644))
	}
	time.Sleep(100 * time.Millisecond)
	for i := range ciCacheDirs + 5 {
		if _, err := f.share.Stat(nil, fmt.Sprintf(`d%02d\x`, i)); err != nil {
			t.Fatal(err)
		}
	}
	f.share.ci.mu.Lock()
	size := f.share.ci.lru.Len()
	f.share.ci.mu.Unlock()
	if size != ciCacheDirs {
		t.Errorf("cache holds %d directories, want %d", size, ciCacheDirs)
	}
	// The most recent is still cached, the oldest was evicted.
	before := f.share.ci.scans.Load()
	f.share.Stat(nil, fmt.Sprintf(`d%02d\x`, ciCacheDirs+4))
	f.share.Stat(nil, `d00\x`)
	if got := f.share.ci.scans.Load() - before; got != 1 {
		t.Errorf("%d scans, want 1 (for the evicted d00)", got)
	}
}

func TestSettled(t *testing.T) {
	now := time.Unix(1000, 500_000_000)
	ts := func(d time.Duration) unix.Timespec { return unix.NsecToTimespec(now.Add(d).UnixNano()) }
	tests := []struct {
		mtime, ctime unix.Timespec
		want         bool
	}{
		{ts(-time.Second), ts(-time.Second), true},
		{ts(-time.Second), ts(-10 * time.Millisecond), false},
		{ts(-10 * time.Millisecond), ts(-time.Second), false},
		{unix.Timespec{Sec: 999}, unix.Timespec{Sec: 999}, false}, // whole seconds: 2s margin
		{unix.Timespec{Sec: 990}, unix.Timespec{Sec: 990}, true},
	}
	for _, tt := range tests {
		if got := settled(tt.mtime, tt.ctime, now); got != tt.want {
			t.Errorf("settled(%v, %v) = %v, want %v", tt.mtime, tt.ctime, got, tt.want)
		}
	}
}

// With MangleNames, the names Samba mangles are listed under their mangled names (DiskName keeps
// the name on disk), and those names open the files; a name on disk that spells a mangled name wins,
// a vetoed name stays unreachable, names that are not UTF-8 stay out, and MangleNames(0) hides the
// rest again.
func TestReadDirMangles(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		dir := filepath.Join(f.root, "odd")
		mustDo(t, os.Mkdir(dir, 0o755))
		disk := map[string]string{ // name on disk -> listed as
			"colon:name.txt": "C69YSY~1.TXT", `back\slash.txt`: "BAYTAM~F.TXT", "trailingdot.": "TKHODF~4",
			"con.txt": "CSHOFG~F.TXT", "ok.txt": "ok.txt", "ünï:cödé.txt": "_Q9OQC~Y.TXT", "x:y": "X7PK8A~S",
			"a:b.html": "A7JGOS~V", "secret:x": "", "caf\xe9.txt": "",
		}
		for n := range disk {
			mustDo(t, os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644))
		}
		// A real file named as a:b.html's mangled name: a lookup finds it, not a:b.html.
		mustDo(t, os.WriteFile(filepath.Join(dir, "a7jgos~v"), []byte("real"), 0o644))
		disk["a7jgos~v"] = "a7jgos~v"
		time.Sleep(100 * time.Millisecond) // the directory settles, so its names stay cached (see settled)
		f.share.Veto(func(name string) bool { return name == "secret:x" })
		f.share.MangleNames(1)
		d, err := f.share.Open(nil, "odd")
		mustDo(t, err)
		defer d.Close()
		got := map[string]string{}
		for _, in := range readAll(t, d, 3) {
			if in.Name != "." && in.Name != ".." {
				got[in.OnDisk()] = in.Name
				if (in.DiskName != "") != (in.Name != in.OnDisk()) {
					t.Errorf("%q: DiskName %q", in.Name, in.DiskName)
				}
			}
		}
		for n, shown := range disk {
			if got[n] != shown {
				t.Errorf("%q listed as %q, want %q", n, got[n], shown)
			}
		}
		for n, shown := range disk {
			if shown == "" || shown == n || n == "a:b.html" {
				continue
			}
			for _, ask := range []string{shown, strings.ToLower(shown)} {
				file, err := f.share.Open(nil, `odd\`+ask)
				if err != nil {
					t.Errorf("open %q: %v", ask, err)
					continue
				}
				b, _ := io.ReadAll(file)
				file.Close()
				if string(b) != n || file.Info.Name != shown || file.Info.DiskName != n {
					t.Errorf("open %q: read %q, Info %q on disk %q; want %q, %q", ask, b, file.Info.Name, file.Info.DiskName, n, shown)
				}
			}
		}
		if b, err := readFileVia(f.share, `odd\A7JGOS~V`); err != nil || b != "real" {
			t.Errorf("A7JGOS~V: %q, %v; want the file of that name on disk", b, err)
		}
		mangledSecret := mangle("secret:x", 1)
		if _, err := f.share.Stat(nil, `odd\`+mangledSecret); !errors.Is(err, ErrNotFound) {
			t.Errorf("vetoed name by its mangled name %s: %v, want not found", mangledSecret, err)
		}
		f.share.MangleNames(0)
		if _, err := f.share.Stat(nil, `odd\C69YSY~1.TXT`); !errors.Is(err, ErrNotFound) {
			t.Errorf("mangled name with mangling off: %v, want not found", err)
		}
	})
}

func readFileVia(s *Share, name string) (string, error) {
	file, err := s.Open(nil, name)
	if err != nil {
		return "", err
	}
	defer file.Close()
	b, err := io.ReadAll(file)
	return string(b), err
}

// Names no SMB client can use are left out of listings: a '\' made
// smbclient abort the whole listing (NT_STATUS_INVALID_NETWORK_RESPONSE),
// and names with characters MS-FSCC 2.1.5.2 forbids, or that are not UTF-8,
// were listed but could not be opened.
func TestReadDirSkipsUnusableNames(t *testing.T) {
	forEachResolver(t, func(t *testing.T, f *fixture) {
		dir := filepath.Join(f.root, "odd")
		mustDo(t, os.Mkdir(dir, 0o755))
		bad := []string{`back\slash.txt`, "colon:name.txt", "star*.txt", "q?mark", `quote".txt`,
			"pipe|x", "lt<gt>", "ctl\x01char", "caf\xe9.txt"}
		good := []string{"ok.txt", "trailing space ", "trailingdot.", "ünïcödé.txt"}
		for _, n := range append(append([]string{}, bad...), good...) {
			mustDo(t, os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644))
		}
		d, err := f.share.Open(nil, "odd")
		mustDo(t, err)
		defer d.Close()
		var names []string
		for _, in := range readAll(t, d, 2) {
			if in.Name != "." && in.Name != ".." {
				names = append(names, in.Name)
			}
		}
		slices.Sort(names)
		want := slices.Clone(good)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("listed %q, want %q", names, want)
		}
		for _, n := range good {
			if _, err := f.share.Stat(nil, `odd\`+n); err != nil {
				t.Errorf("listed name %q does not open: %v", n, err)
			}
		}
	})
}
