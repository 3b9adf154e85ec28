package integration

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/server"
)

// smbnetfsAddr is where the smbnetfs test serves: libsmbclient under smbnetfs connects to port 445
// only, so the server gets its own loopback address.
const smbnetfsAddr = "127.0.0.41:445"

// skipUnlessCI skips the test for a missing prerequisite, or fails it when CI=true.
func skipUnlessCI(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format+" (required when CI=true)", args...)
	}
	t.Skipf(format, args...)
}

// serveOn starts a second server with tg's configuration on addr.
func serveOn(t *testing.T, cfg *config.Config, addr string) {
	t.Helper()
	users, err := passdb.Load(cfg.Global.SMBPasswdFile)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, users, zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		skipUnlessCI(t, "cannot listen on %s: %v", addr, err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
}

// mountSmbnetfs mounts smbnetfs (in the foreground, as a child of the test) on a temporary directory
// with a configuration in a temporary HOME that logs on to host as user, and unmounts it with
// fusermount3 when the test ends. It returns the mount point.
func mountSmbnetfs(t *testing.T, host, user, password string) string {
	t.Helper()
	bin := requireTool(t, "smbnetfs", "smbnetfs")
	fusermount := requireTool(t, "fusermount3", "fuse3")
	if _, err := os.Stat("/dev/fuse"); err != nil {
		skipUnlessCI(t, "no /dev/fuse: %v", err)
	}
	home := t.TempDir()
	dir := filepath.Join(home, ".smb")
	os.Mkdir(dir, 0o700)
	// An empty smb.conf keeps the machine's out of libsmbclient; smbnetfs refuses an auth line in a
	// file others can read.
	if err := os.WriteFile(filepath.Join(dir, "smb.conf"), []byte("[global]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "smbnetfs.conf")
	body := fmt.Sprintf("smb_query_browsers \"false\"\nauth %q %q %q\n", host, user, password)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	mnt := t.TempDir()
	logFile := filepath.Join(home, "smbnetfs.log")
	cmd := exec.Command(bin, mnt, "-f", "-o", "config="+conf+",log_file="+logFile)
	cmd.Env = append(os.Environ(), "HOME="+home)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if o, err := exec.Command(fusermount, "-u", mnt).CombinedOutput(); err != nil {
			t.Errorf("fusermount3 -u: %v\n%s", err, o)
		}
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("smbnetfs still running 10s after unmounting; killing pid %d", cmd.Process.Pid)
			cmd.Process.Kill()
			<-exited
		}
		if mounted(t, mnt) {
			t.Errorf("%s is still mounted", mnt)
		}
	})
	for deadline := time.Now().Add(30 * time.Second); !mounted(t, mnt); {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logFile)
			t.Fatalf("smbnetfs exited: %v\n%s\n%s", err, out.String(), log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("smbnetfs did not mount %s in 30s\n%s", mnt, out.String())
		}
	}
	return mnt
}

// mounted reports whether dir is a mount point in /proc/self/mounts.
func mounted(t *testing.T, dir string) bool {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == dir {
			return true
		}
	}
	return false
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("ls %s: %v", dir, err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// TestSmbnetfs mounts the server through FUSE (smbnetfs over libsmbclient) as a Linux user would:
// the host's share list, the share's listing, stat and sha256sum of every file match the disk, links
// out of the share are absent, and writes are refused with the disk unchanged.
func TestSmbnetfs(t *testing.T) {
	var cfg *config.Config
	tg := startServer(t, func(c *config.Config) { cfg = c })
	root := localRoot(t, tg)
	addLinks(t, root)
	serveOn(t, cfg, smbnetfsAddr)
	host, _, _ := net.SplitHostPort(smbnetfsAddr)
	// A file the session may not read (root's, 0600; zsmbd runs as root here and the session is the
	// test user's): listed, stat'ed with its size, not read, as through smbd.
	const private = "private-0600.bin"
	if os.Geteuid() == 0 {
		if err := os.WriteFile(filepath.Join(root, private), []byte("root's only\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := treeDigest(t, root)
	mnt := mountSmbnetfs(t, host, tg.User, tg.Password)

	// smbnetfs hides $ shares; the hidden share is not enumerated at all.
	if got, want := dirNames(t, filepath.Join(mnt, host)), []string{"data", "private", "public"}; !slices.Equal(got, want) {
		t.Errorf("ls %s = %q, want %q", host, got, want)
	}
	share := filepath.Join(mnt, host, tg.Share)
	var want []string
	for _, n := range dirNames(t, root) {
		if _, err := os.Stat(filepath.Join(root, n)); err == nil && !strings.HasPrefix(n, "loop") && !strings.HasPrefix(n, "out-") {
			want = append(want, n)
		}
	}
	if got := dirNames(t, share); !slices.Equal(got, want) {
		t.Errorf("ls of the share = %q, want %q", got, want)
	}

	args := []string{"--"}
	for _, f := range DataFiles {
		p := filepath.Join(share, filepath.FromSlash(f.Name))
		got, err := os.Stat(p)
		if err != nil {
			t.Errorf("stat %s: %v", f.Name, err)
			continue
		}
		disk, err := os.Stat(filepath.Join(root, filepath.FromSlash(f.Name)))
		if err != nil {
			t.Fatal(err)
		}
		// libsmbclient hands FUSE microseconds.
		if d := got.ModTime().Sub(disk.ModTime()); got.Size() != disk.Size() || got.IsDir() || d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("stat %s: size %d mtime %v, disk size %d mtime %v", f.Name, got.Size(), got.ModTime(), disk.Size(), disk.ModTime())
		}
		args = append(args, p)
	}
	out, err := exec.Command("sha256sum", args...).Output()
	if err != nil {
		t.Fatalf("sha256sum: %v", err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := DataFiles[i]
		if sum, _, _ := strings.Cut(line, " "); sum != SHA256(f.Name, f.Size) {
			t.Errorf("sha256sum %s = %s, want %s", f.Name, sum, SHA256(f.Name, f.Size))
		}
	}
	if os.Geteuid() == 0 {
		if fi, err := os.Stat(filepath.Join(share, private)); err != nil || fi.Size() != int64(len("root's only\n")) {
			t.Errorf("stat %s (0600, root's) through the mount: %v, %v; want its size", private, fi, err)
		}
		if b, err := os.ReadFile(filepath.Join(share, private)); !os.IsPermission(err) {
			t.Errorf("read %s (0600, root's) through the mount: %q, %v; want permission denied", private, b, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(share, "in-link", "nested", "deep.txt")); err != nil || fi.Size() != 1000 {
		t.Errorf("through in-link: %v, %v", fi, err)
	}
	for _, name := range []string{"out-abs", "out-rel", "loop1"} {
		if _, err := os.Stat(filepath.Join(share, name)); !os.IsNotExist(err) {
			t.Errorf("stat %s: %v, want it absent", name, err)
		}
	}

	for what, err := range map[string]error{
		"create": os.WriteFile(filepath.Join(share, "new.txt"), []byte("x"), 0o644),
		"mkdir":  os.Mkdir(filepath.Join(share, "newdir"), 0o755),
		"remove": os.Remove(filepath.Join(share, "one.bin")),
		"rename": os.Rename(filepath.Join(share, "one.bin"), filepath.Join(share, "two.bin")),
		"chmod":  os.Chmod(filepath.Join(share, "one.bin"), 0o600),
	} {
		if !os.IsPermission(err) {
			t.Errorf("%s through the mount: %v, want permission denied", what, err)
		}
	}
	if after := treeDigest(t, root); after != before {
		t.Errorf("the share changed on disk:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
