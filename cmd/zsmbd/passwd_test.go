package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsmbd/zsmbd/passdb"
)

func TestPasswd(t *testing.T) {
	file := filepath.Join(t.TempDir(), "private", "smbpasswd")
	for _, tc := range []struct {
		stdin   string
		code    int
		stderr  string
		current string // the password in the file afterwards
	}{
		{"secret 1\n", 0, "", "secret 1"},
		{"again\r\nagain\r\n", 0, "", "again"}, // like `smbpasswd -s`: the password twice
		{"last line without newline", 0, "", "last line without newline"},
		{"one\ntwo\n", 1, "zsmbd passwd: passwords do not match\n", "last line without newline"},
		{"", 1, "zsmbd passwd: no password on standard input\n", "last line without newline"},
		{"\n\n", 1, "zsmbd passwd: empty password refused\n", "last line without newline"},
	} {
		var out, errb bytes.Buffer
		code := runPasswd([]string{"-file", file, "carol"}, strings.NewReader(tc.stdin), &out, &errb)
		if code != tc.code || errb.String() != tc.stderr {
			t.Errorf("stdin %q: exit %d, stderr %q; want %d, %q", tc.stdin, code, errb.String(), tc.code, tc.stderr)
		}
		if code == 0 && out.String() != "Password for carol set in "+file+"\n" {
			t.Errorf("stdin %q: stdout %q", tc.stdin, out.String())
		}
		db, err := passdb.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := db.Lookup("CAROL")
		if !ok || e.NTHash != passdb.NTHash(tc.current) {
			t.Errorf("stdin %q: entry %+v, want the hash of %q", tc.stdin, e, tc.current)
		}
	}
	if users := mustLoad(t, file).Users(); len(users) != 1 {
		t.Errorf("users %q, want carol once", users)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("smbpasswd mode %v, %v", st.Mode(), err)
	}
}

func mustLoad(t *testing.T, path string) *passdb.DB {
	t.Helper()
	db, err := passdb.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestPasswdConfig checks that without -file the config's smb passwd file is used.
func TestPasswdConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users", "smbpasswd")
	conf := filepath.Join(dir, "smb.conf")
	if err := os.WriteFile(conf, []byte("[global]\nsmb passwd file = "+file+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := runPasswd([]string{"-config", conf, "dave"}, strings.NewReader("Password\n"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if e, ok := mustLoad(t, file).Lookup("dave"); !ok || e.NTHash != passdb.NTHash("Password") {
		t.Errorf("dave: %+v, %v", e, ok)
	}

	// A broken config is reported, not silently replaced by the default file.
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("[global]\nsmb ports = none\n"), 0o644)
	errb.Reset()
	if code := runPasswd([]string{"-config", bad, "dave"}, strings.NewReader("x\n"), &out, &errb); code != 1 ||
		errb.String() != "zsmbd passwd: "+bad+`:2: smb ports: bad port "none"`+"\n" {
		t.Errorf("bad config: exit %d, stderr %q", code, errb.String())
	}

	for _, tc := range []struct{ file, conf, def, want string }{
		{"/f", conf, conf, "/f"},
		{"", conf, "/nonexistent", file},
		{"", "", conf, file},
		{"", "", filepath.Join(dir, "missing.conf"), "/var/lib/samba/private/smbpasswd"},
	} {
		got, err := passwdFile(tc.file, tc.conf, tc.def)
		if err != nil || got != tc.want {
			t.Errorf("passwdFile(%q, %q, %q) = %q, %v; want %q", tc.file, tc.conf, tc.def, got, err, tc.want)
		}
	}
}

func TestPasswdUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"a", "b"}, {"-bogus", "a"}} {
		var out, errb bytes.Buffer
		if code := runPasswd(args, strings.NewReader("pw\n"), &out, &errb); code != 2 ||
			!strings.Contains(errb.String(), "usage: zsmbd passwd [-file F] [-config C] USER") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errb.String())
		}
	}
}
