package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"syscall"
	"testing"
	"time"

	smb2 "github.com/hirochachacha/go-smb2"

	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/smb"
)

// startRun runs zsmbd's main loop with args and returns the lines it writes and its exit code.
func startRun(t *testing.T, args ...string) (lines <-chan string, exit <-chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	out, code := make(chan string, 100), make(chan int, 1)
	go func() {
		code <- run(args, pw)
		pw.Close()
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out <- sc.Text()
		}
		close(out)
	}()
	return out, code
}

// waitLine returns the first line matching re, failing after 10 s.
func waitLine(t *testing.T, lines <-chan string, re *regexp.Regexp) []string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("zsmbd stopped before printing %v", re)
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-timeout:
			t.Fatalf("no line matching %v", re)
		}
	}
}

// stop sends SIGTERM and checks zsmbd drains, logs its read-path counters and exits 0.
func stop(t *testing.T, lines <-chan string, exit <-chan int) {
	t.Helper()
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	waitLine(t, lines, regexp.MustCompile(`"read path counters"`))
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit code %d after SIGTERM, want 0", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("zsmbd did not exit after SIGTERM")
	}
}

func dialGo(t *testing.T, addr, user, password string) *smb2.Session {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	s, err := (&smb2.Dialer{Initiator: &smb2.NTLMInitiator{User: user, Password: password}}).Dial(nc)
	if err != nil {
		t.Fatalf("logon as %q: %v", user, err)
	}
	return s
}

// TestDefaultShare: with no configuration zsmbd serves the current directory as guest share "share",
// says how to reach it, and stops cleanly on SIGTERM.
func TestDefaultShare(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644)
	t.Chdir(dir)
	lines, exit := startRun(t, "-listen", "127.0.0.1:0")
	m := waitLine(t, lines, regexp.MustCompile(`smbclient //(127\.0\.0\.1)/share -p (\d+) -U guest%`))
	s := dialGo(t, net.JoinHostPort(m[1], m[2]), "guest", "")
	fs, err := s.Mount("share")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile("hello.txt"); err != nil || string(b) != "hello\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	stop(t, lines, exit)
}

// TestReloadOnSIGHUP: SIGHUP picks up a new share and a new user while an existing session keeps
// working on the same connection.
func TestReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
		os.WriteFile(filepath.Join(dir, d, "f.txt"), []byte("in "+d), 0o644)
	}
	pw := filepath.Join(dir, "smbpasswd")
	if err := passdb.SetPassword(pw, "alice", "pw-a"); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "smb.conf")
	base := "[global]\nsmb passwd file = " + pw + "\n[a]\npath = " + filepath.Join(dir, "a") + "\n"
	os.WriteFile(conf, []byte(base), 0o644)

	lines, exit := startRun(t, "-config", conf, "-listen", "127.0.0.1:0")
	m := waitLine(t, lines, regexp.MustCompile(`"addr":"(127\.0\.0\.1:\d+)".*"listening"`))
	addr := m[1]
	alice := dialGo(t, addr, "alice", "pw-a")
	var re *smb2.ResponseError
	if _, err := alice.Mount("b"); !errors.As(err, &re) || smb.Status(re.Code) != smb.StatusBadNetworkName {
		t.Fatalf("share b before the reload: %v, want STATUS_BAD_NETWORK_NAME", err)
	}

	os.WriteFile(conf, []byte(base+"[b]\npath = "+filepath.Join(dir, "b")+"\n"), 0o644)
	if err := passdb.SetPassword(pw, "bob", "pw-b"); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitLine(t, lines, regexp.MustCompile(`configuration and users reloaded`))

	fs, err := alice.Mount("b") // same connection, same session
	if err != nil {
		t.Fatalf("share b after the reload: %v", err)
	}
	if b, err := fs.ReadFile("f.txt"); err != nil || string(b) != "in b" {
		t.Fatalf("read %q, %v", b, err)
	}
	if _, err := dialGo(t, addr, "bob", "pw-b").Mount("a"); err != nil {
		t.Fatalf("new user after the reload: %v", err)
	}
	stop(t, lines, exit)
}

// TestSignalsCaughtOnceListening: a SIGHUP and a SIGTERM sent the moment zsmbd says it is listening
// reload and stop it; neither kills the process with the signal's default action.
func TestSignalsCaughtOnceListening(t *testing.T) {
	for range 20 {
		lines, exit := startRun(t, "-share", "s="+t.TempDir(), "-listen", "127.0.0.1:0")
		waitLine(t, lines, regexp.MustCompile(`"listening"`))
		syscall.Kill(os.Getpid(), syscall.SIGHUP)
		waitLine(t, lines, regexp.MustCompile(`configuration and users reloaded`))
		stop(t, lines, exit)
	}
}

// TestDebugCounters: at debug level a connection that ends logs the read path's counters, so a client's
// run shows which path moved its bytes while the server keeps running.
func TestDebugCounters(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("zsmbd"), 60<<10) // 300 KiB: one READ, past the copy path's 16 KiB
	os.WriteFile(filepath.Join(dir, "data.bin"), data, 0o644)
	t.Chdir(dir)
	lines, exit := startRun(t, "-listen", "127.0.0.1:0", "-log-level", "debug")
	m := waitLine(t, lines, regexp.MustCompile(`smbclient //(127\.0\.0\.1)/share -p (\d+) -U guest%`))
	nc, err := net.Dial("tcp", net.JoinHostPort(m[1], m[2]))
	if err != nil {
		t.Fatal(err)
	}
	s, err := (&smb2.Dialer{Initiator: &smb2.NTLMInitiator{User: "guest"}}).Dial(nc)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.Mount("share")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile("data.bin"); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("read %d bytes, %v; want the file's %d", len(b), err, len(data))
	}
	fs.Umount()
	s.Logoff()
	nc.Close()

	line := waitLine(t, lines, regexp.MustCompile(`^.*"message":"disconnected".*$`))[0]
	var logged struct {
		ReadPath struct {
			Sendfile struct {
				Responses int64 `json:"responses"`
				FileBytes int64 `json:"file_bytes"`
			} `json:"sendfile"`
		} `json:"read_path"`
	}
	if err := json.Unmarshal([]byte(line), &logged); err != nil {
		t.Fatalf("%v in %s", err, line)
	}
	if sf := logged.ReadPath.Sendfile; sf.Responses != 1 || sf.FileBytes != int64(len(data)) {
		t.Errorf("disconnect logged sendfile responses=%d file_bytes=%d, want 1 and %d: %s", sf.Responses, sf.FileBytes, len(data), line)
	}
	stop(t, lines, exit)
}

// With bind interfaces only, zsmbd binds the listed addresses and nothing else, as smbd does
// (smb.conf(5): list 127.0.0.1 for local clients): it used to add 127.0.0.1 as well, which took port
// 445 on loopback from another server and served the shares to local users the configuration left out.
func TestInterfaceHostsOnlyListed(t *testing.T) {
	for _, tc := range []struct {
		entries []string
		want    []string
	}{
		{[]string{"127.0.0.71"}, []string{"127.0.0.71"}},
		{[]string{"192.168.1.10/24", "127.0.0.71"}, []string{"192.168.1.10", "127.0.0.71"}},
		{[]string{"127.0.0.1", "127.0.0.1/8"}, []string{"127.0.0.1"}},
	} {
		got, err := interfaceHosts(tc.entries)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("interfaceHosts(%q) = %q, %v; want %q", tc.entries, got, err, tc.want)
		}
	}
	// An interface name stands for its own addresses: lo's are loopback ones.
	got, err := interfaceHosts([]string{"lo"})
	if err != nil || len(got) == 0 {
		t.Fatalf("interfaceHosts(lo) = %q, %v", got, err)
	}
	for _, h := range got {
		if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
			t.Errorf("interfaceHosts(lo): %q is not a loopback address", h)
		}
	}
}
