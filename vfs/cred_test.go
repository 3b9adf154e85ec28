package vfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var nobody = &Cred{UID: 65534, GID: 65534}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("switching the file-system identity needs root; running as uid %d, where the kernel applies that uid's own rights", os.Geteuid())
	}
}

// threadIDs reads the calling thread's fsuid, fsgid and groups from /proc/thread-self/status: the
// fourth field of the Uid: and Gid: lines is the file-system id.
func threadIDs(t *testing.T) (fsuid, fsgid string, groups []string) {
	t.Helper()
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		key, rest, _ := strings.Cut(line, ":")
		f := strings.Fields(rest)
		switch key {
		case "Uid":
			fsuid = f[3]
		case "Gid":
			fsgid = f[3]
		case "Groups":
			groups = f
		}
	}
	return fsuid, fsgid, groups
}

// TestCredSwitchRestores: during a switched call the thread has the Cred's fsuid, fsgid and groups;
// after it, still on the same locked thread, the process's own again.
func TestCredSwitchRestores(t *testing.T) {
	requireRoot(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	own := processIDs()
	_, _, ownGroups := threadIDs(t)

	c := &Cred{UID: 65534, GID: 65533, Groups: []uint32{65533, 4242}}
	var uid, gid string
	var groups []string
	// The test's own lock keeps this goroutine on the thread after run unlocks its own.
	if err := c.run(func() error {
		uid, gid, groups = threadIDs(t)
		return nil
	}); err != nil {
		t.Fatalf("run: %v", err)
	}
	if uid != "65534" || gid != "65533" || !slices.Equal(groups, []string{"4242", "65533"}) {
		t.Errorf("during the call: fsuid %s fsgid %s groups %v; want 65534 65533 [4242 65533]", uid, gid, groups)
	}
	uid, gid, groups = threadIDs(t)
	if uid != "0" || gid != "0" && own.gid == 0 || !slices.Equal(groups, ownGroups) {
		t.Errorf("after the call: fsuid %s fsgid %s groups %v; want 0 %d %v", uid, gid, groups, own.gid, ownGroups)
	}
}

// TestCredRights: what the kernel refuses a Cred is refused through the share, with an error that
// matches fs.ErrPermission, and root's Cred reads the same files.
func TestCredRights(t *testing.T) {
	requireRoot(t)
	forEachResolver(t, func(t *testing.T, f *fixture) {
		write := func(name string, mode os.FileMode) {
			p := filepath.Join(f.root, name)
			mustDo(t, os.MkdirAll(filepath.Dir(p), 0o755))
			mustDo(t, os.WriteFile(p, []byte("only root\n"), 0o644))
			mustDo(t, os.Chmod(p, mode))
		}
		write("rootonly.txt", 0o600)
		write("noperm.txt", 0)
		write("secret/inside.txt", 0o644)
		mustDo(t, os.Chmod(filepath.Join(f.root, "secret"), 0o700))
		write("nosearch/inside.txt", 0o644) // names readable, entries not
		mustDo(t, os.Chmod(filepath.Join(f.root, "nosearch"), 0o744))
		write("nolist/Inner.txt", 0o644) // entries reachable by their exact name only
		mustDo(t, os.Chmod(filepath.Join(f.root, "nolist"), 0o711))

		for _, name := range []string{"rootonly.txt", "noperm.txt", "secret", `secret\inside.txt`} {
			if file, err := f.share.Open(nobody, name); !errors.Is(err, fs.ErrPermission) {
				t.Errorf("Open(nobody, %q) = %v, %v; want permission denied", name, file, err)
				if file != nil {
					file.Close()
				}
			}
		}
		if _, err := f.share.Stat(nobody, `secret\inside.txt`); !errors.Is(err, fs.ErrPermission) {
			t.Errorf(`Stat(nobody, secret\inside.txt) = %v; want permission denied`, err)
		}
		if _, err := f.share.Stat(nobody, "rootonly.txt"); err != nil {
			t.Errorf("Stat(nobody, rootonly.txt) = %v; stat needs no read permission", err)
		}

		root := &Cred{}
		for _, name := range []string{"rootonly.txt", `secret\inside.txt`} {
			file, err := f.share.Open(root, name)
			if err != nil {
				t.Fatalf("Open(root, %q): %v", name, err)
			}
			b, err := io.ReadAll(file)
			file.Close()
			if err != nil || string(b) != "only root\n" {
				t.Errorf("root reads %q: %q, %v", name, b, err)
			}
		}

		// A directory whose names nobody may read but not search: the listing fails at the first
		// entry it stats, or already at Open with the walk (see the end of walk).
		dir, err := f.share.Open(nobody, "nosearch")
		switch {
		case err == nil:
			defer dir.Close()
			if infos, err := dir.ReadDir(-1); !errors.Is(err, fs.ErrPermission) {
				t.Errorf("ReadDir of nosearch as nobody = %v, %v; want permission denied", infos, err)
			}
		case !errors.Is(err, fs.ErrPermission) || !f.share.noOpenat2.Load():
			t.Errorf("Open(nobody, nosearch) = %v; want a directory whose entries cannot be stat'ed", err)
		}

		// The case-insensitive cache is shared: root's scan of nolist must not let nobody, who may
		// not list it, find a name there in another spelling. The exact name still works.
		time.Sleep(100 * time.Millisecond) // the cache keeps only directories that settled (see settled)
		if _, err := f.share.Stat(root, `nolist\inner.txt`); err != nil {
			t.Fatalf(`Stat(root, nolist\inner.txt): %v`, err)
		}
		before := f.share.ci.scans.Load()
		if _, err := f.share.Stat(root, `nolist\INNER.txt`); err != nil || f.share.ci.scans.Load() != before {
			t.Fatalf(`Stat(root, nolist\INNER.txt) = %v, after %d scans; want it found in the cache`, err, f.share.ci.scans.Load()-before)
		}
		if _, err := f.share.Stat(nobody, `nolist\inner.txt`); !errors.Is(err, fs.ErrPermission) {
			t.Errorf(`Stat(nobody, nolist\inner.txt) = %v; want permission denied (nobody cannot list nolist)`, err)
		}
		if _, err := f.share.Stat(nobody, `nolist\Inner.txt`); err != nil {
			t.Errorf(`Stat(nobody, nolist\Inner.txt) = %v; the exact name needs only search permission`, err)
		}
	})
}

// otherThreadFsuids returns the fsuid of every thread of the process but the caller's, by thread id.
func otherThreadFsuids(t *testing.T) map[string]string {
	t.Helper()
	self := strconv.Itoa(unix.Gettid())
	out := map[string]string{}
	tasks, _ := filepath.Glob("/proc/self/task/*")
	for _, task := range tasks {
		if filepath.Base(task) == self {
			continue
		}
		b, err := os.ReadFile(task + "/status")
		if err != nil {
			continue // the thread has ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
				out[filepath.Base(task)] = strings.Fields(rest)[3]
			}
		}
	}
	return out
}

// TestCredNoOtherThreadSwitched: while a switched call blocks in system calls and wakes goroutines that
// block in theirs (so the runtime starts threads and hands Ps off), no other thread ever has the Cred's
// fsuid, and after a panic inside the call the thread has the process's identity again.
func TestCredNoOtherThreadSwitched(t *testing.T) {
	requireRoot(t)
	c := &Cred{UID: 54321, GID: 54321}
	for range 20 {
		if err := c.run(func() error {
			var wg sync.WaitGroup
			for range 50 {
				wg.Go(func() { unix.Nanosleep(&unix.Timespec{Nsec: 2e6}, nil) })
			}
			unix.Nanosleep(&unix.Timespec{Nsec: 5e6}, nil)
			for tid, u := range otherThreadFsuids(t) {
				if u == "54321" {
					t.Errorf("thread %s has the switched fsuid", tid)
				}
			}
			wg.Wait()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for tid, u := range otherThreadFsuids(t) {
		if u != "0" {
			t.Errorf("after the switched calls, thread %s has fsuid %s", tid, u)
		}
	}
	runtime.LockOSThread() // keeps this goroutine on the thread the panicking call used
	defer runtime.UnlockOSThread()
	func() {
		defer func() { recover() }()
		c.run(func() error { panic("in the switched call") })
	}()
	if fsuid, _, _ := threadIDs(t); fsuid != "0" {
		t.Errorf("after a panic in the switched call the thread's fsuid is %s", fsuid)
	}
}

// TestMayExecute: execute permission is the opener's, from the mode bits: nobody may not execute a
// 0644 file, may a 0755 one and may search a 0755 directory; root may execute a file with any x bit.
func TestMayExecute(t *testing.T) {
	requireRoot(t)
	forEachResolver(t, func(t *testing.T, f *fixture) {
		for _, x := range []struct {
			name string
			mode os.FileMode
		}{{"plain.txt", 0o644}, {"tool", 0o755}, {"owner-only", 0o744}} {
			mustDo(t, os.WriteFile(filepath.Join(f.root, x.name), nil, 0o644))
			mustDo(t, os.Chmod(filepath.Join(f.root, x.name), x.mode))
		}
		mustDo(t, os.Mkdir(filepath.Join(f.root, "searchable"), 0o755))
		for _, x := range []struct {
			cred *Cred
			name string
			want bool
		}{
			{nobody, "plain.txt", false},
			{nobody, "tool", true},
			{nobody, "owner-only", false},
			{nobody, "searchable", true},
			{&Cred{}, "plain.txt", false},
			{&Cred{}, "owner-only", true},
		} {
			file, err := f.share.Open(x.cred, x.name)
			if err != nil {
				t.Fatal(err)
			}
			if got := file.MayExecute(); got != x.want {
				t.Errorf("uid %d: MayExecute(%s) = %v, want %v", x.cred.UID, x.name, got, x.want)
			}
			file.Close()
		}
	})
}

// TestOpenPath: OpenPath opens what the Cred may not read (its metadata only) where Open is refused,
// still needs search permission on the way, and gives no data or listing.
func TestOpenPath(t *testing.T) {
	requireRoot(t)
	forEachResolver(t, func(t *testing.T, f *fixture) {
		mustDo(t, os.WriteFile(filepath.Join(f.root, "private.txt"), []byte("root's\n"), 0o600))
		mustDo(t, os.Mkdir(filepath.Join(f.root, "closed"), 0o700))
		mustDo(t, os.Mkdir(filepath.Join(f.root, "sealed"), 0o711))
		mustDo(t, os.WriteFile(filepath.Join(f.root, "sealed", "in.txt"), []byte("x"), 0o644))
		if file, err := f.share.Open(nobody, "private.txt"); !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("Open(nobody, private.txt) = %v, %v; want permission denied", file, err)
		}
		file, err := f.share.OpenPath(nobody, "private.txt")
		if err != nil {
			t.Fatalf("OpenPath(nobody, private.txt): %v", err)
		}
		if !file.PathOnly() || file.Info.Size != 7 || file.MayRead() {
			t.Errorf("OpenPath(nobody, private.txt): path only %v, size %d, may read %v", file.PathOnly(), file.Info.Size, file.MayRead())
		}
		if n, err := file.Size(); err != nil || n != 7 {
			t.Errorf("Size = %d, %v", n, err)
		}
		if _, err := file.Read(make([]byte, 8)); err == nil {
			t.Error("read data through an O_PATH descriptor")
		}
		file.Close()

		dir, err := f.share.OpenPath(nobody, "closed")
		if err != nil {
			t.Fatalf("OpenPath(nobody, closed): %v", err)
		}
		if _, err := dir.ReadDir(-1); err == nil {
			t.Error("listed a directory opened with OpenPath")
		}
		dir.Close()
		if _, err := f.share.OpenPath(nobody, `closed\anything`); !errors.Is(err, fs.ErrPermission) {
			t.Errorf(`OpenPath(nobody, closed\anything) = %v; want permission denied (no search permission)`, err)
		}
		in, err := f.share.OpenPath(nobody, `sealed\in.txt`)
		if err != nil || !in.MayRead() {
			t.Fatalf(`OpenPath(nobody, sealed\in.txt) = %v; may read: a searchable directory's readable file`, err)
		}
		in.Close()
	})
}

// TestKeepReadable: `hide unreadable`'s filter keeps what the Cred may read, "." and "..", in order.
func TestKeepReadable(t *testing.T) {
	requireRoot(t)
	forEachResolver(t, func(t *testing.T, f *fixture) {
		for name, mode := range map[string]os.FileMode{"a-open.txt": 0o644, "b-private.txt": 0o600, "e-exec-only": 0o111} {
			mustDo(t, os.WriteFile(filepath.Join(f.root, name), nil, 0o644))
			mustDo(t, os.Chmod(filepath.Join(f.root, name), mode))
		}
		for name, mode := range map[string]os.FileMode{"c-dir": 0o755, "d-closed": 0o700, "f-search-only": 0o711} {
			mustDo(t, os.Mkdir(filepath.Join(f.root, name), mode))
			mustDo(t, os.Chmod(filepath.Join(f.root, name), mode))
		}
		mustDo(t, os.Chmod(f.root, 0o755))
		dir, err := f.share.Open(nobody, "")
		if err != nil {
			t.Fatal(err)
		}
		defer dir.Close()
		all, err := dir.ReadDir(-1)
		if err != nil {
			t.Fatal(err)
		}
		mine := map[string]bool{".": true, "..": true, "a-open.txt": true, "b-private.txt": true, "c-dir": true,
			"d-closed": true, "e-exec-only": true, "f-search-only": true} // the fixture has names of its own
		var names []string
		for _, e := range dir.KeepReadable(all) {
			if mine[e.Name] {
				names = append(names, e.Name)
			}
		}
		slices.Sort(names)
		if want := []string{".", "..", "a-open.txt", "c-dir"}; !slices.Equal(names, want) {
			t.Errorf("KeepReadable as nobody: %q, want %q", names, want)
		}
	})
}
