package integration

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// This file makes the initramfs the Linux kernel client test boots: a static busybox, the kernel
// modules the cifs client needs (in the order insmod must load them), and the test's own /init.

// cpioFile is one entry of a newc archive.
type cpioFile struct {
	name string // without a leading "/"
	mode uint32 // type and permission bits, as in stat(2)
	data []byte
}

// writeNewc writes files as a cpio archive in the "newc" format the kernel unpacks into its rootfs
// (Documentation/driver-api/early-userspace/buffer-format.rst).
func writeNewc(w io.Writer, files []cpioFile) error {
	var b bytes.Buffer
	pad := func() {
		for b.Len()%4 != 0 {
			b.WriteByte(0)
		}
	}
	entry := func(ino int, f cpioFile) {
		// magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor,
		// rdevminor, namesize (with its NUL), check
		fmt.Fprintf(&b, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			ino, f.mode, 0, 0, 1, 0, len(f.data), 0, 0, 0, 0, len(f.name)+1, 0)
		b.WriteString(f.name)
		b.WriteByte(0)
		pad()
		b.Write(f.data)
		pad()
	}
	for i, f := range files {
		entry(i+1, f)
	}
	entry(0, cpioFile{name: "TRAILER!!!"})
	_, err := w.Write(b.Bytes())
	return err
}

// kernelModules returns the module files under modDir (a kernel's /lib/modules/<version>) that the
// named modules need, dependencies first, read from each module's .modinfo "depends=" field. A name
// built into the kernel (modules.builtin) needs no file; a name found neither way is an error.
func kernelModules(modDir string, names ...string) ([]string, error) {
	byName := map[string]string{}
	err := filepath.WalkDir(filepath.Join(modDir, "kernel"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".ko") {
			byName[modName(filepath.Base(p))] = p
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	builtin := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(modDir, "modules.builtin")); err == nil {
		for _, l := range strings.Fields(string(b)) {
			builtin[modName(filepath.Base(l))] = true
		}
	}
	var order []string
	done := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		name = modName(name)
		if done[name] || builtin[name] {
			return nil
		}
		done[name] = true
		p, ok := byName[name]
		if !ok {
			return fmt.Errorf("kernel module %s: not under %s", name, modDir)
		}
		deps, err := modDepends(p)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		order = append(order, p)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// modName is a module's name as the kernel compares it: no ".ko", '-' read as '_'.
func modName(s string) string {
	return strings.ReplaceAll(strings.TrimSuffix(s, ".ko"), "-", "_")
}

// modDepends reads the "depends=" list from a module's .modinfo section.
func modDepends(path string) ([]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("%s: no .modinfo section", path)
	}
	info, err := sec.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(info, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok && len(v) > 0 {
			return strings.Split(string(v), ","), nil
		}
	}
	return nil, nil
}

// isStatic reports whether the ELF executable at path has no program interpreter, so it runs in an
// initramfs without a C library.
func isStatic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// writeInitramfs writes to dst an archive holding busybox as /bin/busybox, the modules as
// /modules/NN-name.ko (NN their load order) and init as /init.
func writeInitramfs(dst, busybox string, modules []string, init string) error {
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return err
	}
	files := []cpioFile{
		{name: "bin", mode: 0o40755}, {name: "dev", mode: 0o40755}, {name: "proc", mode: 0o40755},
		{name: "sys", mode: 0o40755}, {name: "mnt", mode: 0o40755}, {name: "modules", mode: 0o40755},
		{name: "bin/busybox", mode: 0o100755, data: bb},
		{name: "init", mode: 0o100755, data: []byte(init)},
	}
	for i, m := range modules {
		data, err := os.ReadFile(m)
		if err != nil {
			return err
		}
		files = append(files, cpioFile{name: fmt.Sprintf("modules/%02d-%s", i, filepath.Base(m)), mode: 0o100644, data: data})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].name < files[j].name })
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if err := writeNewc(f, files); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
