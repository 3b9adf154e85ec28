package integration

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/zerocopy"
)

// The Linux kernel's SMB client (fs/smb/client, "cifs") runs in a virtual machine: qemu boots a
// Debian kernel with an initramfs holding busybox, the cifs module and a script that mounts the
// test server's shares through qemu's user-mode network, where 10.0.2.2 is this machine's
// 127.0.0.1. The script prints what it saw on lines starting "ZS "; the test compares them with the
// disk. Under emulation (no KVM needed) a boot takes a few seconds.

// linuxDir returns the directory holding an unpacked Debian linux-image package (boot/vmlinuz-*,
// lib/modules/*): $ZSMBD_LINUX, or the one integration/get-linux fills in the user's cache.
func linuxDir() string {
	if d := os.Getenv("ZSMBD_LINUX"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "zsmbd", "linux")
}

// linuxKernel returns the kernel image and its module directory, skipping (failing under CI=true)
// when none is unpacked.
func linuxKernel(t *testing.T) (vmlinuz, modDir string) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("the VM is an x86-64 one, with Debian's amd64 kernel")
	}
	dir := linuxDir()
	k, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*"))
	m, _ := filepath.Glob(filepath.Join(dir, "lib", "modules", "*"))
	if len(k) != 1 || len(m) != 1 {
		skipUnlessCI(t, "no Linux kernel unpacked in %s (integration/get-linux puts one there)", dir)
	}
	return k[0], m[0]
}

// kernelCase is one mount of a share by the kernel client.
type kernelCase struct {
	name  string
	tg    *target
	share string
	opts  string // mount -o options after port=
	ops   string // shell commands run in the mounted share
}

// kernelOps are the commands run in the data share: list and stat every name, hash every file, read
// a range, and try five ways of changing the read-only share.
const kernelOps = `find . | while read -r p; do stat -c 'ZS stat %s %Y %f %n' "$p"; done
find . -type f -exec sha256sum {} + | sed 's/^/ZS sha /'
dd if=8m+1.bin bs=1000 skip=4321 count=3000 2>/dev/null | sha256sum | sed 's/^/ZS range 8m+1.bin 4321000 3000000 /'
o=$(touch new.txt 2>&1); echo "ZS write touch $? $o"
o=$( (echo x >> one.bin) 2>&1); echo "ZS write append $? $o"
o=$(mkdir newdir 2>&1); echo "ZS write mkdir $? $o"
o=$(rm page.bin 2>&1); echo "ZS write rm $? $o"
o=$(mv one.bin moved.bin 2>&1); echo "ZS write mv $? $o"
`

// kernelScript is the VM's /init: load the modules, bring up the network, run each case, print the
// kernel's cifs messages and power off.
func kernelScript(cases []kernelCase) string {
	var b strings.Builder
	b.WriteString(`#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in /modules/*.ko; do insmod "$m" || echo "ZS insmod $m failed"; done
ip link set lo up; ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2
`)
	for _, c := range cases {
		fmt.Fprintf(&b, "echo 'ZS case %s'\n", c.name)
		_, port, _ := strings.Cut(c.tg.Addr, ":")
		fmt.Fprintf(&b, "if mount -t cifs //10.0.2.2/%s /mnt -o 'port=%s,%s'; then\n", c.share, port, c.opts)
		fmt.Fprintf(&b, "echo 'ZS mount 0'; cd /mnt\n%s\ncd /; umount /mnt; echo \"ZS umount $?\"\n", c.ops)
		b.WriteString("else echo \"ZS mount $?\"; fi\n")
	}
	b.WriteString(`echo 'ZS done'
dmesg | grep -i -e cifs -e smb | sed 's/^/ZS dmesg /'
poweroff -f
`)
	return b.String()
}

// bootKernel boots the kernel with an initramfs running script and returns what it printed.
func bootKernel(t *testing.T, script string) string {
	t.Helper()
	qemu := requireTool(t, "qemu-system-x86_64", "qemu-system-x86")
	busybox := requireTool(t, "busybox", "busybox-static")
	if !isStatic(busybox) {
		skipUnlessCI(t, "%s is not statically linked (Debian package busybox-static)", busybox)
	}
	vmlinuz, modDir := linuxKernel(t)
	// sha512 for 3.1.1's preauthentication hash, cmac, ccm and gcm for 3.x signing and sealing.
	mods, err := kernelModules(modDir, "virtio_pci", "virtio_net", "cifs", "cmac", "ccm", "gcm",
		"sha512_generic", "aesni_intel", "nls_utf8")
	if err != nil {
		t.Fatal(err)
	}
	initrd := filepath.Join(t.TempDir(), "initramfs.cpio")
	if err := writeInitramfs(initrd, busybox, mods, script); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, "-nodefaults", "-no-user-config", "-display", "none",
		"-serial", "stdio", "-accel", "tcg", "-cpu", "max", "-m", "512", "-no-reboot",
		"-kernel", vmlinuz, "-initrd", initrd,
		"-append", "console=ttyS0 loglevel=1 panic=-1",
		"-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,romfile=")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("the VM ran for %v", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	return string(out)
}

// kernelReport is what the script printed for one case.
type kernelReport struct {
	mount, umount string
	stat          map[string]string // name ("./a/b") -> "size mtime type" (type: 010 file, 04 directory)
	sha           map[string]string // name -> hex SHA-256
	lines         map[string]string // "range name off len", "list dir" -> hash; "write op" -> "status message"
}

// parseKernelOutput splits the VM's "ZS " lines by case.
func parseKernelOutput(t *testing.T, out string) map[string]*kernelReport {
	t.Helper()
	reports := map[string]*kernelReport{}
	var cur *kernelReport
	done := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimRight(sc.Text(), "\r"), "ZS ")
		if !ok {
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		switch kind {
		case "case":
			cur = &kernelReport{stat: map[string]string{}, sha: map[string]string{}, lines: map[string]string{}}
			reports[rest] = cur
		case "done":
			done = true
		case "dmesg", "insmod":
			t.Log(line)
		case "mount":
			cur.mount = rest
		case "umount":
			cur.umount = rest
		case "stat": // size mtime mode name
			f := strings.SplitN(rest, " ", 4)
			if mode, err := strconv.ParseUint(f[min(2, len(f)-1)], 16, 32); err == nil && len(f) == 4 {
				cur.stat[f[3]] = fmt.Sprintf("%s %s %o", f[0], f[1], mode>>12) // the file type only
			}
		case "sha": // hash, two spaces, name
			if sum, name, ok := strings.Cut(rest, "  "); ok {
				cur.sha[name] = sum
			}
		case "range": // name off len, the hash, "  -"
			if f := strings.Fields(rest); len(f) >= 4 {
				cur.lines["range "+strings.Join(f[:3], " ")] = f[3]
			}
		case "list": // directory, the hash of ls -1, "  -"
			if f := strings.Fields(rest); len(f) >= 2 {
				cur.lines["list "+f[0]] = f[1]
			}
		case "write": // op, exit status, what the command printed
			op, res, _ := strings.Cut(rest, " ")
			cur.lines["write "+op] = res
		}
	}
	if !done {
		t.Fatalf("the VM did not finish its script:\n%s", out)
	}
	return reports
}

// diskStat is p's "size mtime type" as a kernelReport holds it.
func diskStat(t *testing.T, p string) string {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	size, typ := fi.Size(), "10"
	if fi.IsDir() {
		size, typ = 0, "4" // the server reports a directory's size as 0
	}
	return fmt.Sprintf("%d %d %s", size, fi.ModTime().Unix(), typ)
}

// TestLinuxKernelClient: the Linux kernel client mounts the data share of three servers: as a guest
// at every dialect and with none given, signed as a user at 2.1 and 3.1.1, sealed at 3.0 and 3.1.1.
// Each time it lists and stats every name with the disk's sizes and times, reads every file byte for
// byte, reads a range at odd offsets, and cannot change the read-only share (each write is
// "Permission denied", and the disk is unchanged). The guest also reads a sparse 6 GiB file at 5 GiB
// and at its last byte, lists a directory of 1500 names, and reads a file whose name has a ':' by its
// mangled name. The servers' counters show the unsigned READs went by sendfile and the others by the
// copy path, signed or sealed.
func TestLinuxKernelClient(t *testing.T) {
	if remote() {
		t.Skip("the VM reaches in-process servers on 127.0.0.1")
	}
	big, bigDir := withShare(t, "big")
	plain := startServer(t, big)
	signed := startServer(t)
	sealed := startServer(t)
	writeSparseFile(t, filepath.Join(bigDir, sparseName))
	// A name Windows forbids, listed under its mangled name (TestMangledNames).
	colon := filepath.Join(bigDir, "colon:name.txt")
	if err := os.WriteFile(colon, []byte("I am colon:name.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Enough names that a listing takes several QUERY_DIRECTORY responses of the client's 64 KiB.
	var many strings.Builder
	if err := os.Mkdir(filepath.Join(bigDir, "many"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 1500 {
		name := fmt.Sprintf("file %04d with a name long enough to need several responses", i)
		if err := os.WriteFile(filepath.Join(bigDir, "many", name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		many.WriteString(name + "\n")
	}
	before := map[*target]string{}
	for _, tg := range []*target{plain, signed, sealed} {
		before[tg] = treeDigest(t, localRoot(t, tg))
	}

	guest := "username=guest,password="
	user := "username=" + testUser + ",password=" + testPassword
	cases := []kernelCase{
		{"guest 2.0.2", plain, "data", guest + ",vers=2.0", kernelOps},
		{"guest 2.1", plain, "data", guest + ",vers=2.1", kernelOps},
		{"guest 3.0", plain, "data", guest + ",vers=3.0", kernelOps},
		{"guest 3.0.2", plain, "data", guest + ",vers=3.02", kernelOps},
		{"guest 3.1.1", plain, "data", guest + ",vers=3.1.1", kernelOps},
		{"guest, dialect not given", plain, "data", guest, kernelOps}, // as most users mount
		{"sparse and many", plain, "big", guest + ",vers=3.1.1", fmt.Sprintf(
			"stat -c 'ZS stat %%s %%Y %%f %%n' %[1]s\n"+
				"dd if=%[1]s bs=4096 skip=%[2]d count=4 2>/dev/null | sha256sum | sed 's/^/ZS range %[1]s %[3]d 16384 /'\n"+
				"dd if=%[1]s bs=1 skip=%[4]d count=1 2>/dev/null | sha256sum | sed 's/^/ZS range %[1]s %[4]d 1 /'\n"+
				"ls -1 many | sha256sum | sed 's/^/ZS list many /'\n"+
				"ls -1 | sha256sum | sed 's/^/ZS list . /'\n"+
				"cat C69YSY~1.TXT | sha256sum | sed 's/^/ZS range C69YSY~1.TXT 0 19 /'\n",
			sparseName, sparseAt/4096, int64(sparseAt), int64(sparseSize-1))},
		{"user signed 2.1", signed, "data", user + ",sign,vers=2.1", kernelOps},
		{"user signed 3.1.1", signed, "data", user + ",sign,vers=3.1.1", kernelOps},
		{"user sealed 3.0", sealed, "data", user + ",seal,vers=3.0", kernelOps},
		{"user sealed 3.1.1 cache=none", sealed, "data", user + ",seal,cache=none,vers=3.1.1", kernelOps},
	}
	out := bootKernel(t, kernelScript(cases))
	reports := parseKernelOutput(t, out)

	rangeSum := func(p string, off, n int64) string {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b := make([]byte, n)
		k, _ := f.ReadAt(b, off)
		sum := sha256.Sum256(b[:k])
		return hex.EncodeToString(sum[:])
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := reports[c.name]
			if r == nil || r.mount != "0" || r.umount != "0" {
				t.Fatalf("mount: %+v\n%s", r, out)
			}
			if c.share == "big" {
				p := filepath.Join(bigDir, sparseName)
				if got, want := r.stat[sparseName], diskStat(t, p); got != want {
					t.Errorf("stat %s: %q, disk %q", sparseName, got, want)
				}
				for _, rg := range [][2]int64{{sparseAt, 16384}, {sparseSize - 1, 1}} {
					key := fmt.Sprintf("range %s %d %d", sparseName, rg[0], rg[1])
					if got, want := r.lines[key], rangeSum(p, rg[0], rg[1]); got != want {
						t.Errorf("%s: sha256 %s, disk %s", key, got, want)
					}
				}
				if got, want := r.lines["range C69YSY~1.TXT 0 19"], rangeSum(colon, 0, 19); got != want {
					t.Errorf("C69YSY~1.TXT: sha256 %s, want %s (colon:name.txt)", got, want)
				}
				if got, want := r.lines["list ."], sha256.Sum256([]byte("C69YSY~1.TXT\nmany\n"+sparseName+"\n")); got != hex.EncodeToString(want[:]) {
					t.Errorf("ls: sha256 %s, want %x", got, want)
				}
				if got, want := r.lines["list many"], sha256.Sum256([]byte(many.String())); got != hex.EncodeToString(want[:]) {
					t.Errorf("ls many: sha256 %s, want %x", got, want)
				}
				return
			}
			root := c.tg.Root
			// Every name on disk is listed with its size and time, and nothing else is.
			want := map[string]string{}
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				rel, _ := filepath.Rel(root, p)
				name := "./" + filepath.ToSlash(rel) // as find prints it
				if rel == "." {
					name = "."
				}
				want[name] = diskStat(t, p)
				return err
			})
			for name, w := range want {
				if got := r.stat[name]; got != w {
					t.Errorf("stat %q: %q, disk %q", name, got, w)
				}
			}
			for name := range r.stat {
				if _, ok := want[name]; !ok {
					t.Errorf("stat %q: not on disk", name)
				}
			}
			for _, f := range DataFiles {
				if got := r.sha["./"+f.Name]; got != SHA256(f.Name, f.Size) {
					t.Errorf("sha256 %s: %q, want %s", f.Name, got, SHA256(f.Name, f.Size))
				}
			}
			if len(r.sha) != len(DataFiles) {
				t.Errorf("hashed %d files, want %d", len(r.sha), len(DataFiles))
			}
			key := "range 8m+1.bin 4321000 3000000"
			if got, want := r.lines[key], rangeSum(filepath.Join(root, "8m+1.bin"), 4321000, 3000000); got != want {
				t.Errorf("%s: sha256 %s, disk %s", key, got, want)
			}
			for _, op := range []string{"touch", "append", "mkdir", "rm", "mv"} {
				if res := r.lines["write "+op]; !strings.HasPrefix(res, "1 ") || !strings.HasSuffix(res, "Permission denied") {
					t.Errorf("%s on the read-only share: %q, want exit status 1 and Permission denied", op, res)
				}
			}
		})
	}
	for _, tg := range []*target{plain, signed, sealed} {
		if after := treeDigest(t, tg.Root); after != before[tg] {
			t.Errorf("a read-only share changed on disk:\nbefore:\n%s\nafter:\n%s", before[tg], after)
		}
	}
	if strings.Contains(out, "ZS insmod") {
		t.Errorf("a module did not load (log above)")
	}

	// Six mounts read the 8 MiB file whole through sendfile; no READ of the signed or sealed
	// sessions did.
	const big8 = 6 * (8<<20 + 1)
	for _, s := range []struct {
		tg             *target
		sendfile       int64 // at least
		signed, sealed bool
	}{{plain, big8, false, false}, {signed, 0, true, false}, {sealed, 0, false, true}} {
		st := s.tg.Server.Stats()
		sf := st.Strategy(zerocopy.Sendfile).FileBytes
		if s.sendfile == 0 && sf != 0 || sf < s.sendfile {
			t.Errorf("%s: %d bytes by sendfile, want at least %d (0 exactly if 0)", s.tg.Addr, sf, s.sendfile)
		}
		if got := st.Fallback(zerocopy.FallbackSigned) > 0; got != s.signed {
			t.Errorf("%s: %d signed READs", s.tg.Addr, st.Fallback(zerocopy.FallbackSigned))
		}
		if got := st.Fallback(zerocopy.FallbackEncrypted) > 0; got != s.sealed {
			t.Errorf("%s: %d sealed READs", s.tg.Addr, st.Fallback(zerocopy.FallbackEncrypted))
		}
	}
}
