package passdb

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func noUnixUser(string) (int, bool) { return 0, false }

var t0 = time.Unix(0x6B0A6000, 0)

// lines splits b after each '\n'.
func lines(b []byte) []string {
	return strings.SplitAfter(string(b), "\n")
}

func TestSetPasswordKeepsOtherLines(t *testing.T) {
	samba, err := os.ReadFile("testdata/smbpasswd")
	if err != nil {
		t.Fatal(err)
	}
	// A comment and a CRLF line must survive untouched too.
	orig := append([]byte("# kept as is\r\n"), samba...)
	path := filepath.Join(t.TempDir(), "smbpasswd")
	if err := os.WriteFile(path, orig, 0o640); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		user, password string
		replaced       int // index into lines(orig) of the line that changes; -1 for appended
		want           string
	}{
		// Samba clears D and N when a password is set (checked against its tool in
		// TestSetPasswordAgainstSamba); the name keeps its written spelling, the uid stays.
		{"BIN", "new-bin", 3, "bin:2:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]:LCT-6B0A6000:\n"},
		{"sys", "new-sys", 4, "sys:3:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]:LCT-6B0A6000:\n"},
		// No Unix account: one past the largest uid in the file (cloudsdk has 1000).
		{"zoe", "Password", -1, "zoe:1001:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]:LCT-6B0A6000:\n"},
	} {
		before, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := setPassword(path, tc.user, tc.password, t0, noUnixUser); err != nil {
			t.Fatalf("setPassword(%s): %v", tc.user, err)
		}
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		nt := NTHash(tc.password)
		want := fmt.Sprintf(tc.want, strings.ToUpper(fmt.Sprintf("%x", nt[:])))
		bl, al := lines(before), lines(after)
		if tc.replaced < 0 {
			if !bytes.HasPrefix(after, before) || string(after[len(before):]) != want {
				t.Errorf("%s: appended %q, want %q", tc.user, after[len(before):], want)
			}
		} else {
			if len(al) != len(bl) {
				t.Fatalf("%s: %d lines became %d", tc.user, len(bl), len(al))
			}
			for i := range bl {
				if i == tc.replaced {
					if al[i] != want {
						t.Errorf("%s: line %d = %q, want %q", tc.user, i, al[i], want)
					}
				} else if al[i] != bl[i] {
					t.Errorf("%s: line %d changed from %q to %q", tc.user, i, bl[i], al[i])
				}
			}
		}
		db, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := db.Lookup(tc.user); !ok || e.NTHash != nt || e.Disabled || e.NoPassword {
			t.Errorf("%s: after SetPassword Lookup = %+v, %v", tc.user, e, ok)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the original 0640 kept", fi.Mode().Perm())
	}
	if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(tmps) != 0 {
		t.Errorf("temporary files left behind: %q", tmps)
	}
}

func TestSetPasswordCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "private")
	path := filepath.Join(dir, "smbpasswd")
	unixUID := func(name string) (int, bool) { return 4242, name == "alice" }
	if err := setPassword(path, "alice", "Password", t0, unixUID); err != nil {
		t.Fatal(err)
	}
	if err := setPassword(path, "bob", "pw", t0, unixUID); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "alice:4242:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:A4F49C406510BDCAB6824EE7C30FD852:[U          ]:LCT-6B0A6000:\n" +
		"bob:4243:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:" + strings.ToUpper(fmt.Sprintf("%x", NTHash("pw"))) + ":[U          ]:LCT-6B0A6000:\n"
	if string(got) != want {
		t.Errorf("file =\n%s\nwant\n%s", got, want)
	}
	for p, perm := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != perm {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), perm)
		}
	}
}

func TestSetPasswordAppendsAfterMissingNewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "smbpasswd")
	const first = "root:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:A4F49C406510BDCAB6824EE7C30FD852:[U          ]:LCT-6B0A5D78:"
	if err := os.WriteFile(path, []byte(first), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := setPassword(path, "x", "y", t0, noUnixUser); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(got), first+"\nx:1000:") {
		t.Errorf("file = %q", got)
	}
}

func TestSetPasswordRefuses(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	const corrupt = "root:zero:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:[U          ]:\n"
	if err := os.WriteFile(bad, []byte(corrupt), 0o600); err != nil {
		t.Fatal(err)
	}
	err := SetPassword(bad, "alice", "pw")
	if want := `not rewriting ` + bad + `: ` + bad + `:1: user "root": bad uid "zero"`; err == nil || err.Error() != want {
		t.Errorf("corrupt file: err = %v, want %s", err, want)
	}
	if got, _ := os.ReadFile(bad); string(got) != corrupt {
		t.Errorf("corrupt file was changed to %q", got)
	}
	for _, name := range []string{"", "a:b", "a\nb", "#x", " a"} {
		if err := SetPassword(filepath.Join(dir, "ok"), name, "pw"); err == nil {
			t.Errorf("SetPassword accepted user name %q", name)
		}
	}
}

func TestSetPasswordConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "smbpasswd")
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- setPassword(path, fmt.Sprintf("user%d", i), fmt.Sprint(i), t0, noUnixUser)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	uids := map[int]bool{}
	for i := range n {
		e, ok := db.Lookup(fmt.Sprintf("user%d", i))
		if !ok || e.NTHash != NTHash(fmt.Sprint(i)) {
			t.Errorf("user%d lost: %+v %v", i, e, ok)
		}
		if uids[e.UID] {
			t.Errorf("uid %d given twice", e.UID)
		}
		uids[e.UID] = true
	}
}

// sambaTool returns the path of one of Samba's tools, or skips the test when it is missing
// outside CI (CI=true must have it: the test is the proof that zsmbd reads Samba's files).
func sambaTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (apt-get install samba): %v", name, err)
		}
		t.Skipf("%s not installed (apt-get install samba)", name)
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s -a needs root", name)
		}
		t.Skipf("%s -a needs root", name)
	}
	return p
}

// sambaConf writes a minimal smb.conf that keeps all of Samba's state inside dir.
func sambaConf(t *testing.T, dir, passwdFile string) string {
	t.Helper()
	conf := filepath.Join(dir, "smb.conf")
	var b strings.Builder
	b.WriteString("[global]\npassdb backend = smbpasswd\n")
	fmt.Fprintf(&b, "smb passwd file = %s\n", passwdFile)
	for _, d := range []string{"private dir", "lock directory", "state directory", "cache directory", "ncalrpc dir"} {
		sub := filepath.Join(dir, strings.ReplaceAll(d, " ", "_"))
		if err := os.MkdirAll(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s = %s\n", d, sub)
	}
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

func runTool(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func currentUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// TestSambaWritesWeRead has Samba's smbpasswd write a file and checks Lookup sees the NT hash of
// the password it was given.
func TestSambaWritesWeRead(t *testing.T) {
	smbpasswd := sambaTool(t, "smbpasswd")
	dir := t.TempDir()
	file := filepath.Join(dir, "smbpasswd")
	conf := sambaConf(t, dir, file)
	name := currentUser(t)
	for _, pw := range []string{"Password", "sécurité ∆ 密码"} {
		runTool(t, pw+"\n"+pw+"\n", smbpasswd, "-c", conf, "-a", "-s", name)
		db, err := Load(file)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := db.Lookup(name)
		if !ok || !e.HasNT || e.NTHash != NTHash(pw) || e.Flags != "U" {
			t.Errorf("password %q: Lookup = %+v, %v; want NT hash %x", pw, e, ok, NTHash(pw))
		}
	}
}

// TestSetPasswordAgainstSamba applies the same change with Samba's tool and with SetPassword to
// copies of one file and expects the same bytes apart from the time stamp, then has Samba's
// pdbedit read what SetPassword wrote.
func TestSetPasswordAgainstSamba(t *testing.T) {
	smbpasswd := sambaTool(t, "smbpasswd")
	pdbedit := sambaTool(t, "pdbedit")
	name := currentUser(t)
	uid := os.Geteuid()
	const xs = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	for _, flags := range []string{"[U          ]", "[DU         ]", "[NU         ]", "[UX         ]"} {
		start := fmt.Sprintf("# c\nother:5000:%s:%s:[U          ]:LCT-00000010:\n%s:%d:%s:%s:%s:LCT-00000020:\n",
			xs, xs, name, uid, xs, xs, flags)
		sambaDir, ourDir := t.TempDir(), t.TempDir()
		sambaFile, ourFile := filepath.Join(sambaDir, "smbpasswd"), filepath.Join(ourDir, "smbpasswd")
		for _, f := range []string{sambaFile, ourFile} {
			if err := os.WriteFile(f, []byte(start), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		runTool(t, "Pass word\nPass word\n", smbpasswd, "-c", sambaConf(t, sambaDir, sambaFile), "-s", name)
		if err := SetPassword(ourFile, name, "Pass word"); err != nil {
			t.Fatal(err)
		}
		sambaOut, _ := os.ReadFile(sambaFile)
		ourOut, _ := os.ReadFile(ourFile)
		if stripLCT(sambaOut) != stripLCT(ourOut) {
			t.Errorf("flags %s: Samba wrote\n%s\nSetPassword wrote\n%s", flags, sambaOut, ourOut)
		}

		listed := runTool(t, "", pdbedit, "-s", sambaConf(t, ourDir, ourFile), "-L", "-w", "-u", name)
		nt := NTHash("Pass word")
		if !strings.Contains(listed, strings.ToUpper(fmt.Sprintf("%x", nt[:]))) {
			t.Errorf("pdbedit does not see our hash:\n%s", listed)
		}
	}
}

// stripLCT blanks the time stamp of lines that were rewritten now.
func stripLCT(b []byte) string {
	var out []string
	for _, l := range lines(b) {
		if i := strings.Index(l, ":LCT-"); i >= 0 && !strings.Contains(l, "LCT-000000") {
			l = l[:i] + ":LCT-now:\n"
		}
		out = append(out, l)
	}
	return strings.Join(out, "")
}

// The tests' uids do not depend on this machine's /etc/passwd.
func init() { unixUIDTaken = func(int) bool { return false } }

// A name without a Unix account gets a uid no Unix account has: zsmbd gives such a user that uid's
// file-system rights, and Debian's first user has 1000.
func TestNewUIDSkipsUnixAccounts(t *testing.T) {
	saved := unixUIDTaken
	t.Cleanup(func() { unixUIDTaken = saved })
	unixUIDTaken = func(uid int) bool { return uid == 1000 || uid == 1001 }
	path := filepath.Join(t.TempDir(), "smbpasswd")
	if err := setPassword(path, "carol", "pw", t0, noUnixUser); err != nil {
		t.Fatal(err)
	}
	db, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := db.Lookup("carol"); e.UID != 1002 {
		t.Errorf("carol got uid %d, want 1002 (1000 and 1001 are Unix accounts')", e.UID)
	}
}
