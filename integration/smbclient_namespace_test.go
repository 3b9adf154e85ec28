package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// smbclientProtocols are the -m values the namespace tests run at: the newest of SMB3 and SMB2, and
// the oldest dialect.
var smbclientProtocols = []string{"SMB3", "SMB2", "SMB2_02"}

// mustSmbclient runs smbclient and fails the test when it exits non-zero.
func mustSmbclient(t *testing.T, tg *target, service string, args ...string) string {
	t.Helper()
	out, err := smbclient(t, tg, service, args...)
	if err != nil {
		t.Fatalf("smbclient %q: %v\n%s", args, err, out)
	}
	return out
}

// TestSmbclientListShares: `smbclient -L` shows the browseable shares and IPC$, never a
// `browseable = no` share, to users and guests.
func TestSmbclientListShares(t *testing.T) {
	tg := startServer(t)
	host, _, _ := net.SplitHostPort(tg.Addr)
	for _, proto := range smbclientProtocols {
		for _, who := range [][]string{{"-U", tg.User + "%" + tg.Password}, {"-N"}} {
			t.Run(proto+"/"+who[0], func(t *testing.T) {
				out := mustSmbclient(t, tg, "IPC$", append(who, "-m", proto, "-L", host)...)
				types := map[string]string{}
				for _, line := range strings.Split(out, "\n") {
					if f := strings.Fields(line); len(f) >= 2 && (f[1] == "Disk" || f[1] == "IPC") {
						types[f[0]] = f[1]
					}
				}
				want := map[string]string{"data": "Disk", "private": "Disk", "public": "Disk", "IPC$": "IPC"}
				if fmt.Sprint(types) != fmt.Sprint(want) {
					t.Errorf("shares %v, want %v\n%s", types, want, out)
				}
				if !regexp.MustCompile(`(?m)^\s+data\s+Disk\s+test data$`).MatchString(out) {
					t.Errorf("data's comment is missing:\n%s", out)
				}
			})
		}
	}
}

// lsLine is one entry of smbclient's ls: name, attribute letters, size and date.
var lsLine = regexp.MustCompile(`^  (.*?\S)\s+([A-Z]*)\s+(\d+)  (\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})$`)

// TestSmbclientRecursiveLs: `recurse; ls` lists every directory of the share, each with exactly the
// disk's entries, sizes and directory flags, names with spaces and non-ASCII letters included.
func TestSmbclientRecursiveLs(t *testing.T) {
	tg := startServer(t)
	root := localRoot(t, tg)
	want := map[string]string{} // `\dir\name` -> "D" or the size
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		key := `\` + strings.ReplaceAll(rel, "/", `\`)
		if d.IsDir() {
			want[key] = "D"
		} else {
			fi, _ := d.Info()
			want[key] = fmt.Sprint(fi.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range smbclientProtocols {
		t.Run(proto, func(t *testing.T) {
			out := mustSmbclient(t, tg, tg.Share, "-U", tg.User+"%"+tg.Password, "-m", proto, "-c", "recurse; ls")
			got := map[string]string{}
			dir := ""
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, `\`) {
					dir = line
					continue
				}
				m := lsLine.FindStringSubmatch(line)
				if m == nil || m[1] == "." || m[1] == ".." {
					continue
				}
				v := m[3]
				if strings.Contains(m[2], "D") {
					v = "D"
				}
				got[dir+`\`+m[1]] = v
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("recursive ls:\n got %v\nwant %v\n%s", got, want, out)
			}
		})
	}
}

// TestSmbclientAllinfo: `allinfo` (several file classes and the stream class) reports the file's
// write time, attributes and its one data stream with the disk's size.
func TestSmbclientAllinfo(t *testing.T) {
	t.Setenv("TZ", "UTC")
	tg := startServer(t)
	root := localRoot(t, tg)
	for _, name := range []string{"page.bin", "ünïcödé ñame.txt", `dir\nested\deep.txt`} {
		fi, err := os.Stat(filepath.Join(root, strings.ReplaceAll(name, `\`, "/")))
		if err != nil {
			t.Fatal(err)
		}
		for _, proto := range smbclientProtocols[:2] {
			out := mustSmbclient(t, tg, tg.Share, "-N", "-m", proto, "-c", fmt.Sprintf(`allinfo "%s"`, name))
			// smbclient prints times rounded to the second.
			wt := fi.ModTime().UTC().Round(time.Second).Format("Mon Jan _2 15:04:05 2006 MST")
			// An 8.3 name is its own alternate name; a long one has none (zsmbd does not mangle), which
			// must not stop allinfo.
			alt := "altname: \n"
			if base := name[strings.LastIndex(name, `\`)+1:]; len(base) <= 12 {
				alt = "altname: " + base + "\n"
			}
			for _, want := range []string{
				alt,
				"write_time:     " + wt,
				"attributes:  (80)", // NORMAL, as from smbd 4.17
				fmt.Sprintf("stream: [::$DATA], %d bytes", fi.Size()),
			} {
				if !strings.Contains(out, want) {
					t.Errorf("%s allinfo %q lacks %q:\n%s", proto, name, want, out)
				}
			}
		}
	}
	out := mustSmbclient(t, tg, tg.Share, "-N", "-c", `allinfo dir`)
	if !strings.Contains(out, "attributes: D (10)") {
		t.Errorf("allinfo dir:\n%s", out)
	}
}

// TestSmbclientGetOtherCase: every data file fetched by its name in upper case (non-ASCII letters
// folded too) has the expected SHA-256.
func TestSmbclientGetOtherCase(t *testing.T) {
	tg := startServer(t)
	for _, proto := range smbclientProtocols {
		t.Run(proto, func(t *testing.T) {
			dir := t.TempDir()
			var cmds []string
			for i, f := range DataFiles {
				remote := strings.ToUpper(strings.ReplaceAll(f.Name, "/", `\`))
				cmds = append(cmds, fmt.Sprintf(`get "%s" "%s/%d"`, remote, dir, i))
			}
			out := mustSmbclient(t, tg, tg.Share, "-U", tg.User+"%"+tg.Password, "-m", proto, "-c", strings.Join(cmds, "; "))
			for i, f := range DataFiles {
				data, err := os.ReadFile(fmt.Sprintf("%s/%d", dir, i))
				if err != nil {
					t.Errorf("%s: %v\n%s", f.Name, err, out)
					continue
				}
				sum := sha256.Sum256(data)
				if got := hex.EncodeToString(sum[:]); got != SHA256(f.Name, f.Size) {
					t.Errorf("%s fetched as %q: sha256 %s, want %s", f.Name, strings.ToUpper(f.Name), got, SHA256(f.Name, f.Size))
				}
			}
		})
	}
}

// TestSmbclientRefused: put, mkdir, del, rename, rmdir, deltree, setmode, utimes, hardlink and symlink
// are NT_STATUS_ACCESS_DENIED, as Samba answers them on a read-only share, unless the name answers first
// (mkdir of an existing directory, del or rename of a missing name), and the disk is unchanged.
func TestSmbclientRefused(t *testing.T) {
	tg := startServer(t)
	root := localRoot(t, tg)
	before := treeDigest(t, root)
	local := filepath.Join(t.TempDir(), "local.txt")
	if err := os.WriteFile(local, []byte("not for the share\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmds := []string{
		fmt.Sprintf(`put %s new.txt`, local),
		fmt.Sprintf(`put %s one.bin`, local),
		fmt.Sprintf(`put %s "Mixed Case Name.txt"`, local),
		`mkdir newdir`,
		`del one.bin`,
		`del "ünïcödé ñame.txt"`,
		`rename one.bin two.bin`,
		`rmdir dir\nested`,
		`deltree dir`,
		`setmode one.bin +r`,
		`utimes one.bin -1 -1 -1 -1`,
		`hardlink one.bin h.bin`,
		`symlink one.bin s.bin`,
	}
	for _, proto := range smbclientProtocols[:2] {
		for _, cmd := range cmds {
			out, _ := smbclient(t, tg, tg.Share, "-U", tg.User+"%"+tg.Password, "-m", proto, "-c", cmd)
			if !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
				t.Errorf("%s %q: want NT_STATUS_ACCESS_DENIED:\n%s", proto, cmd, out)
			}
		}
	}
	// An existing name, or a missing one, answers for itself first, as from smbd 4.17.
	for _, x := range []struct{ cmd, want string }{
		{`mkdir dir`, "NT_STATUS_OBJECT_NAME_COLLISION"},
		{`del no-such-file`, "NT_STATUS_NO_SUCH_FILE"},
		{`rename no-such-file two.bin`, "NT_STATUS_OBJECT_NAME_NOT_FOUND"},
	} {
		out, _ := smbclient(t, tg, tg.Share, "-U", tg.User+"%"+tg.Password, "-c", x.cmd)
		if !strings.Contains(out, x.want) {
			t.Errorf("%q: want %s:\n%s", x.cmd, x.want, out)
		}
	}
	if after := treeDigest(t, root); after != before {
		t.Errorf("the share changed on disk:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The names are still there, spelled as on disk.
	out := mustSmbclient(t, tg, tg.Share, "-N", "-c", "ls")
	for _, f := range DataFiles {
		if n, _, nested := strings.Cut(f.Name, "/"); !nested && !slices.ContainsFunc(strings.Split(out, "\n"), func(l string) bool {
			m := lsLine.FindStringSubmatch(l)
			return m != nil && m[1] == n
		}) {
			t.Errorf("ls lacks %q:\n%s", n, out)
		}
	}
}
