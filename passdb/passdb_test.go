package passdb

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustHex(t *testing.T, s string) [16]byte {
	t.Helper()
	var h [16]byte
	if n, err := hex.Decode(h[:], []byte(s)); err != nil || n != 16 {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return h
}

func TestNTHash(t *testing.T) {
	for _, tc := range []struct {
		password, want string
	}{
		// MS-NLMP 4.2.1 (Common Values): NTOWFv1("Password").
		{"Password", "a4f49c406510bdcab6824ee7c30fd852"},
		// The well-known hash of the empty password.
		{"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
		// Written by Samba 4.17's smbpasswd into testdata/smbpasswd.
		{"Secret123", "63647965f13544c6551d5fdb7ffd13e0"},
		{"x", "a9f0dd57e1edab5bb55a9ac0a99c15ec"},
		{"y", "53c1bf6deaede22fa6110ff189023576"},
		{"pässwörd€", "7f20bf6e69d97371914a8807579cab5c"},
	} {
		if got := NTHash(tc.password); got != mustHex(t, tc.want) {
			t.Errorf("NTHash(%q) = %x, want %s", tc.password, got, tc.want)
		}
	}
}

// testdata/smbpasswd was written by Samba 4.17's own tool, with a config holding
// "passdb backend = smbpasswd" and "smb passwd file = ...":
//
//	printf 'Password\nPassword\n'   | smbpasswd -c smb.conf -a -s root
//	printf 'Secret123\nSecret123\n' | smbpasswd -c smb.conf -a -s daemon
//	printf 'x\nx\n' | smbpasswd -c smb.conf -a -s bin; smbpasswd -c smb.conf -d bin
//	printf 'y\ny\n' | smbpasswd -c smb.conf -a -s sys; smbpasswd -c smb.conf -n sys
//	printf 'pässwörd€\npässwörd€\n' | smbpasswd -c smb.conf -a -s cloudsdk
func TestLoadSambaFile(t *testing.T) {
	db, err := Load("testdata/smbpasswd")
	if err != nil {
		t.Fatal(err)
	}
	lct := time.Unix(0x6B0A5D78, 0).UTC()
	want := []Entry{
		{Name: "root", UID: 0, NTHash: NTHash("Password"), HasNT: true, Flags: "U", LastChange: lct},
		{Name: "daemon", UID: 1, NTHash: NTHash("Secret123"), HasNT: true, Flags: "U", LastChange: lct},
		{Name: "bin", UID: 2, NTHash: NTHash("x"), HasNT: true, Flags: "DU", Disabled: true, LastChange: lct},
		// smbpasswd -n writes "NO PASSWORD" into the LM field and the N flag, and keeps the NT hash.
		{Name: "sys", UID: 3, NTHash: NTHash("y"), HasNT: true, Flags: "NU", NoPassword: true, LastChange: lct},
		{Name: "cloudsdk", UID: 1000, NTHash: NTHash("pässwörd€"), HasNT: true, Flags: "U", LastChange: lct},
	}
	if got := db.Users(); !reflect.DeepEqual(got, []string{"root", "daemon", "bin", "sys", "cloudsdk"}) {
		t.Errorf("Users() = %q", got)
	}
	for _, w := range want {
		got, ok := db.Lookup(w.Name)
		if !ok {
			t.Errorf("Lookup(%q) found nothing", w.Name)
			continue
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("Lookup(%q) =\n %+v\nwant\n %+v", w.Name, got, w)
		}
	}
}

func TestLookupIsCaseInsensitive(t *testing.T) {
	db, err := Load("testdata/smbpasswd")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ROOT", "Root", "cloudSDK"} {
		e, ok := db.Lookup(name)
		if !ok || e.Name != strings.ToLower(name) {
			t.Errorf("Lookup(%q) = %q, %v", name, e.Name, ok)
		}
	}
	if _, ok := db.Lookup("nobody"); ok {
		t.Error("Lookup(nobody) found an entry")
	}
	var nilDB *DB
	if _, ok := nilDB.Lookup("root"); ok {
		t.Error("nil DB found an entry")
	}
}

func TestParseFormats(t *testing.T) {
	const h = "A4F49C406510BDCAB6824EE7C30FD852"
	const xs = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	for _, tc := range []struct {
		name, line string
		want       Entry
	}{
		{"samba", "alice:1001:" + xs + ":" + h + ":[UX         ]:LCT-00000001:",
			Entry{Name: "alice", UID: 1001, NTHash: NTHash("Password"), HasNT: true, Flags: "UX", LastChange: time.Unix(1, 0).UTC()}},
		{"lower-case hex and CRLF", "alice:1001:" + xs + ":" + strings.ToLower(h) + ":[U          ]:LCT-00000001:\r",
			Entry{Name: "alice", UID: 1001, NTHash: NTHash("Password"), HasNT: true, Flags: "U", LastChange: time.Unix(1, 0).UTC()}},
		{"no NT hash", "bob:7:" + xs + ":" + xs + ":[DU         ]:LCT-00000000:",
			Entry{Name: "bob", UID: 7, Flags: "DU", Disabled: true, LastChange: time.Unix(0, 0).UTC()}},
		{"star means none", "bob:7:" + strings.Repeat("*", 32) + ":" + strings.Repeat("*", 32) + ":[U          ]:",
			Entry{Name: "bob", UID: 7, Flags: "U"}},
		{"empty flags are a normal account", "bob:7:" + xs + ":" + h + ":[           ]:LCT-bogus:",
			Entry{Name: "bob", UID: 7, NTHash: NTHash("Password"), HasNT: true, Flags: "U"}},
		{"old format", "carol:8:" + xs + ":" + h + ":",
			Entry{Name: "carol", UID: 8, NTHash: NTHash("Password"), HasNT: true, Flags: "U"}},
		{"old format no password", "carol:8:NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:" + xs + ":Carol:/home/carol:/bin/sh",
			Entry{Name: "carol", UID: 8, Flags: "NU", NoPassword: true}},
		{"old format trust account", "ws1$:9:" + xs + ":" + h,
			Entry{Name: "ws1$", UID: 9, NTHash: NTHash("Password"), HasNT: true, Flags: "W"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Parse(strings.NewReader("# comment\n\n   \n"+tc.line+"\n"), "f")
			if err != nil {
				t.Fatal(err)
			}
			got, ok := db.Lookup(tc.want.Name)
			if !ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, %v\nwant %+v", got, ok, tc.want)
			}
		})
	}
}

func TestParseDuplicateFirstWins(t *testing.T) {
	const xs = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	db, err := Parse(strings.NewReader("a:1:"+xs+":"+xs+":[U          ]:\nA:2:"+xs+":"+xs+":[U          ]:\n"), "f")
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := db.Lookup("a"); e.UID != 1 {
		t.Errorf("got uid %d, want the first line's 1", e.UID)
	}
	if got := db.Users(); len(got) != 1 {
		t.Errorf("Users() = %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	const h = "A4F49C406510BDCAB6824EE7C30FD852"
	const xs = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	for _, tc := range []struct{ line, want string }{
		{"alice", "f:2: want name:uid:LMHASH:NTHASH:[flags]:LCT-time:, got 1 fields"},
		{"alice:1:" + xs, "f:2: want name:uid:LMHASH:NTHASH:[flags]:LCT-time:, got 3 fields"},
		{":1:" + xs + ":" + h + ":[U          ]:", "f:2: empty user name"},
		{"alice:-1:" + xs + ":" + h + ":[U          ]:", `f:2: user "alice": bad uid "-1"`},
		{"alice:x:" + xs + ":" + h + ":[U          ]:", `f:2: user "alice": bad uid "x"`},
		{"alice::" + xs + ":" + h + ":[U          ]:", `f:2: user "alice": bad uid ""`},
		{"alice:1:" + xs + ":" + h[:31] + ":[U          ]:", `f:2: user "alice": NT hash: want 32 characters, got 31`},
		{"alice:1:" + xs + ":" + h[:31] + "G:[U          ]:", `f:2: user "alice": NT hash: not hex: "A4F49C406510BDCAB6824EE7C30FD85G"`},
		{"alice:1:" + h[:30] + ":" + h + ":[U          ]:", `f:2: user "alice": LM hash: want 32 characters, got 30`},
		{"alice:1:" + xs + ":" + h + ":[U          :", `f:2: user "alice": flags "[U          " lack the closing ']'`},
		{"alice:1:" + xs + ":" + h + ":[u          ]:", `f:2: user "alice": bad flag 'u'`},
	} {
		_, err := Parse(strings.NewReader("# first\n"+tc.line+"\n"), "f")
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) error = %v, want %s", tc.line, err, tc.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); !os.IsNotExist(err) {
		t.Errorf("Load(missing) = %v, want a not-exist error", err)
	}
	long := strings.Repeat("a", maxLine+1)
	if _, err := Parse(strings.NewReader(long), "f"); err == nil || !strings.HasPrefix(err.Error(), "f:1: ") {
		t.Errorf("over-long line: %v", err)
	}
}

func TestFormatLineMatchesSamba(t *testing.T) {
	// The first line of testdata/smbpasswd, as Samba wrote it.
	samba, err := os.ReadFile("testdata/smbpasswd")
	if err != nil {
		t.Fatal(err)
	}
	first := samba[:bytes.IndexByte(samba, '\n')+1]
	got := formatLine("root", 0, NTHash("Password"), "U", time.Unix(0x6B0A5D78, 0))
	if !bytes.Equal(got, first) {
		t.Errorf("formatLine =\n%s\nSamba wrote\n%s", got, first)
	}
}

func FuzzParse(f *testing.F) {
	samba, err := os.ReadFile("testdata/smbpasswd")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(samba))
	for _, l := range strings.Split(string(samba), "\n") {
		f.Add(l)
	}
	f.Add("carol:8:NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:")
	f.Fuzz(func(t *testing.T, s string) {
		db, err := Parse(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		// Whatever parses must survive a write and re-read with the same hash and flags.
		for _, name := range db.Users() {
			e, _ := db.Lookup(name)
			if strings.ContainsAny(name, "\r\n") {
				continue
			}
			line := formatLine(e.Name, e.UID, e.NTHash, e.Flags, e.LastChange)
			e2, ok, err := parseLine(strings.TrimSuffix(string(line), "\n"))
			if err != nil || !ok {
				t.Fatalf("re-parse of %q: %v", line, err)
			}
			if e.HasNT && e2.NTHash != e.NTHash || e2.Flags != e.Flags {
				t.Fatalf("round trip changed %+v into %+v", e, e2)
			}
		}
	})
}
