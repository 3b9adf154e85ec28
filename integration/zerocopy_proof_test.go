//go:build linux

package integration

// The zero-copy proof: the zsmbd binary, run under strace, serves an unsigned 64 MiB read with
// sendfile(2) alone (no pread or read of the file), and a signed one through the copy path; its own
// counters, logged at shutdown, say the same.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/passdb"
)

const proofName, proofSize = "proof64m.bin", 64 << 20

// buildZsmbd builds cmd/zsmbd into a temporary directory and returns its path.
func buildZsmbd(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	bin := filepath.Join(t.TempDir(), "zsmbd")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, "github.com/zsmbd/zsmbd/cmd/zsmbd").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// syscallTotals are what one traced server did to the test file's descriptors.
type syscallTotals struct {
	sendfileCalls, sendfileBytes int64 // sendfile from the file
	preadCalls, preadBytes       int64 // pread64 or preadv2 of the file
	readCalls, readBytes         int64 // read of the file
	opens                        int   // openat/openat2 of the file
}

var (
	// strace -y follows each descriptor with its file: 7</tmp/.../proof.bin>, 5<TCP:[a->b]>.
	straceCall = regexp.MustCompile(`^(\w+)\((\d+(?:<.*?>)?), (.*) = (-?\d+)(?: \w+ \(.*\))?$`)
	straceOpen = regexp.MustCompile(`^openat2?\(\S+, "([^"]*)",.* = (\d+)`)
)

// parseStrace sums the calls on the descriptors of file name in the per-thread traces prefix.*,
// which strace -y wrote. A call is the file's when strace names the file as its descriptor's: a
// descriptor number alone would not do, since the server reuses numbers (the logon's reads of
// /etc/passwd had the number the file got later).
func parseStrace(t *testing.T, prefix, name string) syscallTotals {
	t.Helper()
	files, err := filepath.Glob(prefix + ".*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no strace output %s.*: %v", prefix, err)
	}
	isFile := func(fd string) bool { return strings.HasSuffix(fd, "/"+name+">") }
	var tot syscallTotals
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if m := straceOpen.FindStringSubmatch(l); m != nil {
				if filepath.Base(m[1]) == name {
					tot.opens++
				}
				continue
			}
			m := straceCall.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			n, _ := strconv.ParseInt(m[4], 10, 64)
			n = max(n, 0)
			switch m[1] {
			case "sendfile":
				if isFile(strings.SplitN(m[3], ", ", 2)[0]) {
					tot.sendfileCalls++
					tot.sendfileBytes += n
				}
			case "pread64", "preadv2":
				if isFile(m[2]) {
					tot.preadCalls++
					tot.preadBytes += n
				}
			case "read":
				if isFile(m[2]) {
					tot.readCalls++
					tot.readBytes += n
				}
			}
		}
	}
	return tot
}

// tracedServer runs the built zsmbd under strace with the given arguments, returns its address, and
// on stop shuts it down with SIGTERM and returns the read-path counters it logged.
func tracedServer(t *testing.T, strace, bin, trace string, args ...string) (addr string, stop func() map[string]any) {
	t.Helper()
	full := append([]string{"-f", "-ff", "-qq", "-y", "-e", "signal=none",
		"-e", "trace=sendfile,pread64,preadv2,read,writev,sendmsg,openat,openat2", "-o", trace, bin, "-log-level", "info"}, args...)
	cmd := exec.Command(strace, full...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	var mu sync.Mutex
	var counters map[string]any
	var logged bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var e map[string]any
			line := sc.Bytes()
			mu.Lock()
			logged.Write(line)
			logged.WriteByte('\n')
			mu.Unlock()
			if json.Unmarshal(line, &e) != nil {
				continue
			}
			switch e["message"] {
			case "listening":
				if a, ok := e["addr"].(string); ok {
					addrc <- a
				}
			case "read path counters":
				mu.Lock()
				counters, _ = e["read_path"].(map[string]any)
				mu.Unlock()
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	stopped := false
	stop = func() map[string]any {
		if stopped {
			return nil
		}
		stopped = true
		// strace does not pass SIGTERM on: signal the server, strace's child, itself.
		server := childOf(t, cmd.Process.Pid)
		syscall.Kill(server, syscall.SIGTERM)
		<-done
		cmd.Wait()
		mu.Lock()
		defer mu.Unlock()
		if counters == nil {
			t.Fatalf("zsmbd logged no read path counters:\n%s", logged.String())
		}
		return counters
	}
	t.Cleanup(func() {
		if !stopped {
			if pid := childOf(t, cmd.Process.Pid); pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	select {
	case addr = <-addrc:
	case <-done:
		t.Fatalf("zsmbd under strace exited:\n%s", logged.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("zsmbd under strace did not listen within a minute:\n%s", logged.String())
	}
	return addr, stop
}

// childOf returns the pid of the one child of process pid (the server strace started), 0 if none.
func childOf(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	child, _ := strconv.Atoi(f[0])
	return child
}

// counter returns counters[strategy][name] (or counters[name] with strategy "") as a number.
func counter(c map[string]any, strategy, name string) int64 {
	m := c
	if strategy != "" {
		m, _ = c[strategy].(map[string]any)
	}
	v, _ := m[name].(float64)
	return int64(v)
}

// TestZeroCopyProof: an unsigned 64 MiB read through `read path = sendfile` moves every byte of the
// file with sendfile(2) and none with pread(2) or read(2), by strace and by zsmbd's counters; a
// signed read of the same file takes the copy path (pread) and counts the "signed" fallback.
func TestZeroCopyProof(t *testing.T) {
	if remote() {
		t.Skip("traces a zsmbd binary it starts itself")
	}
	strace := requireTool(t, "strace", "strace")
	bin := buildZsmbd(t)
	dir := t.TempDir()
	share := filepath.Join(dir, "data")
	os.MkdirAll(share, 0o755)
	data := bigOnce()[:proofSize]
	if err := os.WriteFile(filepath.Join(share, proofName), data, 0o644); err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(dir, "smbpasswd")
	if err := passdb.SetPassword(pw, testUser, testPassword); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "smb.conf")
	os.WriteFile(conf, fmt.Appendf(nil, "[global]\nsmb passwd file = %s\nmap to guest = bad user\nread path = sendfile\n"+
		"[data]\npath = %s\nread only = yes\nguest ok = yes\n", pw, share), 0o644)

	for _, m := range authModes {
		t.Run(m.name, func(t *testing.T) {
			trace := filepath.Join(t.TempDir(), "trace")
			addr, stop := tracedServer(t, strace, bin, trace, "-config", conf, "-listen", "127.0.0.1:0")
			tg := &target{Addr: addr, Share: "data", User: testUser, Password: testPassword}
			fs := mustMount(t, tg, tg.opts(0x0311, m.signed), "data")
			f, err := fs.Open(proofName)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := readAt(f, proofName, data, 0, proofSize); err != nil {
				t.Fatal(err)
			}
			f.Close()
			fs.Umount()
			c := stop()
			sys := parseStrace(t, trace, proofName)
			t.Logf("strace: %+v", sys)
			t.Logf("counters: %v", c)
			if sys.opens == 0 {
				t.Fatal("strace saw no open of the file: the trace is not what this test expects")
			}
			if m.signed {
				if sys.preadBytes < proofSize {
					t.Errorf("signed: pread64 moved %d bytes of the file, want at least %d", sys.preadBytes, proofSize)
				}
				if sys.sendfileCalls != 0 {
					t.Errorf("signed: %d sendfile calls from the file", sys.sendfileCalls)
				}
				if got := counter(c, "", "fallback_signed"); got < proofSize>>20 {
					t.Errorf("signed: fallback_signed %d, want at least one per 1 MiB READ (%d)", got, proofSize>>20)
				}
				if got := counter(c, "copy", "file_bytes"); got != proofSize {
					t.Errorf("signed: the copy path moved %d bytes, want %d", got, proofSize)
				}
				if got := counter(c, "sendfile", "file_bytes"); got != 0 {
					t.Errorf("signed: sendfile moved %d bytes", got)
				}
				return
			}
			if sys.sendfileBytes < proofSize {
				t.Errorf("sendfile moved %d bytes of the file, want at least %d", sys.sendfileBytes, proofSize)
			}
			if sys.preadCalls != 0 || sys.readCalls != 0 {
				t.Errorf("the file was read into user space: %d pread64 (%d bytes), %d read (%d bytes)",
					sys.preadCalls, sys.preadBytes, sys.readCalls, sys.readBytes)
			}
			if got := counter(c, "sendfile", "file_bytes"); got != proofSize {
				t.Errorf("counters: sendfile file_bytes %d, want %d", got, proofSize)
			}
			if got := counter(c, "sendfile", "pread"); got != 0 {
				t.Errorf("counters: sendfile pread %d", got)
			}
			if got := counter(c, "copy", "file_bytes"); got != 0 {
				t.Errorf("counters: copy file_bytes %d", got)
			}
			for k := range c {
				if strings.HasPrefix(k, "fallback_") {
					t.Errorf("counters: %s = %v", k, c[k])
				}
			}
		})
	}
}
