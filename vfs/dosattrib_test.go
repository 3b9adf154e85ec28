package vfs

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// smbd 4.17.12 wrote these user.DOSATTRIB values (version 5) for a file set +h from smbclient and for
// a directory set +h.
const (
	dosattribHidden    = "00000500050000001100000022000000dc7c6d9d3885dd01"
	dosattribHiddenDir = "00000500050000001100000012000000c1a16e9d3885dd01"
)

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseDOSAttrib: smbd's version 5 values, a version 4 value, Samba 3.0's bare hex string, a hex
// string before an unknown version, and values that say nothing.
func TestParseDOSAttrib(t *testing.T) {
	created := time.Date(2026, 12, 6, 4, 16, 49, 684399600, time.UTC)
	v4 := mustHex(t, "3078323100"+"00"+"0400"+"0400"+"0000"+"11000000"+"21000000"+"0000000000000000"+"dc7c6d9d3885dd01")
	for _, tc := range []struct {
		name    string
		in      []byte
		attrs   uint32
		created time.Time
		ok      bool
	}{
		{"smbd file", mustHex(t, dosattribHidden), 0x22, created, true},
		{"smbd directory", mustHex(t, dosattribHiddenDir), 0x12, time.Date(2026, 12, 6, 4, 16, 49, 691897700, time.UTC), true},
		{"version 4 after 0x21", v4, 0x21, created, true},
		{"Samba 3.0", []byte("0x22"), 0x22, time.Time{}, true},
		{"hex then version 9", append([]byte("0x4\x00\x00"), 9, 0, 9, 0, 0, 0, 0, 0), 0x4, time.Time{}, true},
		{"attrib not valid", mustHex(t, "00000500050000001000000022000000dc7c6d9d3885dd01"), 0, time.Time{}, false},
		{"truncated", mustHex(t, "0000050005"), 0, time.Time{}, false},
		{"empty", nil, 0, time.Time{}, false},
		{"garbage", []byte("hello"), 0, time.Time{}, false},
	} {
		attrs, c, ok := parseDOSAttrib(tc.in)
		if attrs != tc.attrs || !c.Equal(tc.created) || ok != tc.ok {
			t.Errorf("%s: %#x, %v, %v; want %#x, %v, %v", tc.name, attrs, c.UTC(), ok, tc.attrs, tc.created, tc.ok)
		}
	}
}

// TestDOSAttributes: with ReadDOSAttributes, listings, opens and Stat carry the stored attributes and
// take the creation time from them; a file without the attribute has none; off, nothing is read.
func TestDOSAttributes(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.root, "dos")
	mustDo(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	mustDo(t, os.WriteFile(filepath.Join(dir, "h.txt"), nil, 0o644))
	mustDo(t, os.WriteFile(filepath.Join(dir, "plain.txt"), nil, 0o644))
	if err := unix.Setxattr(filepath.Join(dir, "h.txt"), "user.DOSATTRIB", mustHex(t, dosattribHidden), 0); err != nil {
		t.Skipf("no user extended attributes here: %v", err)
	}
	mustDo(t, unix.Setxattr(filepath.Join(dir, "sub"), "user.DOSATTRIB", mustHex(t, dosattribHiddenDir), 0))
	created := time.Date(2026, 12, 6, 4, 16, 49, 684399600, time.UTC)

	f.share.ReadDOSAttributes(true)
	for _, viaProc := range []bool{false, true} { // getxattrat(2), or the /proc link older kernels need
		noGetxattrat.Store(viaProc)
		d, err := f.share.Open(nil, "dos")
		mustDo(t, err)
		got := map[string]Info{}
		for _, in := range readAll(t, d, 10) {
			got[in.Name] = in
		}
		d.Close()
		if in := got["h.txt"]; !in.HasDOSAttributes || in.DOSAttributes != 0x22 || !in.Btime.Equal(created) {
			t.Errorf("h.txt listed (via /proc %v): %v %#x %v", viaProc, in.HasDOSAttributes, in.DOSAttributes, in.Btime)
		}
		if in := got["sub"]; !in.HasDOSAttributes || in.DOSAttributes != 0x12 {
			t.Errorf("sub listed (via /proc %v): %v %#x", viaProc, in.HasDOSAttributes, in.DOSAttributes)
		}
		if in := got["plain.txt"]; in.HasDOSAttributes {
			t.Errorf("plain.txt listed (via /proc %v) with %#x", viaProc, in.DOSAttributes)
		}
	}
	noGetxattrat.Store(false)
	for _, name := range []string{`dos\h.txt`, `dos\H.TXT`} {
		in, err := f.share.Stat(nil, name)
		if err != nil || in.DOSAttributes != 0x22 || !in.Btime.Equal(created) {
			t.Errorf("Stat %s: %#x %v %v", name, in.DOSAttributes, in.Btime, err)
		}
		o, err := f.share.OpenPath(nil, name)
		mustDo(t, err)
		if o.Info.DOSAttributes != 0x22 {
			t.Errorf("OpenPath %s: %#x", name, o.Info.DOSAttributes)
		}
		if in, err := o.Stat(); err != nil || in.DOSAttributes != 0x22 {
			t.Errorf("File.Stat %s: %#x %v", name, in.DOSAttributes, err)
		}
		o.Close()
	}
	f.share.ReadDOSAttributes(false)
	if in, err := f.share.Stat(nil, `dos\h.txt`); err != nil || in.HasDOSAttributes || in.Btime.Equal(created) {
		t.Errorf("off: %v %#x %v %v", in.HasDOSAttributes, in.DOSAttributes, in.Btime, err)
	}
}

// BenchmarkReadDirDOSAttributes lists 1000 files, half of them with a stored user.DOSATTRIB, with
// ReadDOSAttributes off and on: the price of the extra getxattr per entry.
func BenchmarkReadDirDOSAttributes(b *testing.B) {
	f := newFixture(b)
	dir := filepath.Join(f.root, "many")
	mustDo(b, os.Mkdir(dir, 0o755))
	v := mustHex(b, dosattribHidden)
	for i := range 1000 {
		p := filepath.Join(dir, "file"+strconv.Itoa(i))
		mustDo(b, os.WriteFile(p, nil, 0o644))
		if i%2 == 0 {
			if err := unix.Setxattr(p, "user.DOSATTRIB", v, 0); err != nil {
				b.Skipf("no user extended attributes here: %v", err)
			}
		}
	}
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "on"}[on], func(b *testing.B) {
			f.share.ReadDOSAttributes(on)
			for b.Loop() {
				d, err := f.share.Open(nil, "many")
				mustDo(b, err)
				for {
					if _, err := d.ReadDir(256); err != nil {
						break
					}
				}
				d.Close()
			}
		})
	}
}
