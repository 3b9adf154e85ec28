package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadFile(t *testing.T) {
	c, err := Load("testdata/smb.conf")
	if err != nil {
		t.Fatal(err)
	}
	wantGlobal := Global{
		SMBPorts:           []int{445, 8445},
		Interfaces:         []string{"lo", "127.0.0.1/8", "eth 0"},
		BindInterfacesOnly: true,
		ServerSigning:      SigningMandatory,
		MinProtocol:        0x0210,
		MaxProtocol:        0x0302,
		SMBPasswdFile:      "/etc/zsmbd/smbpasswd", // from passdb backend = smbpasswd:PATH
		MapToGuest:         MapToGuestBadUser,
		GuestAccount:       "nobody",
		NetBIOSName:        "FILESERVER",
		Workgroup:          "EXAMPLE",
		ServerString:       "Files and more", // white space runs fold to one, as in loadparm
		LogLevel:           3,
		SMB2MaxRead:        1 << 20,
		SMB2MaxCredits:     512,
		UseSendfile:        false,
		ReadPath:           "copy",
		MaxOpenFiles:       100,
		Deadtime:           15 * time.Minute,
	}
	if !reflect.DeepEqual(c.Global, wantGlobal) {
		t.Errorf("Global =\n%+v\nwant\n%+v", c.Global, wantGlobal)
	}
	wantShares := []Share{{
		Name: "data", Path: "/srv/data files", Comment: "The data", ReadOnly: true, GuestOK: true,
		// browseable = no in [global] is the default; the repeated [DATA] section turns it on again.
		Browseable:     true,
		ValidUsers:     []string{"alice", "@staff", "Domain Users", "+grp"},
		HostsAllow:     Hosts{words: []string{"127.0.0.1"}},
		MaxConnections: 2,
		File:           "testdata/smb.conf", Line: 28,
	}, {
		Name: "extra", Path: "/srv/extra", Comment: "set on [extra], the section open where the include stands",
		ReadOnly: true, GuestOK: true, Browseable: false, MaxConnections: 10, // [global]'s default
		File: "testdata/conf.d/extra.conf", Line: 2,
	}}
	if !reflect.DeepEqual(c.Shares, wantShares) {
		t.Errorf("Shares =\n%+v\nwant\n%+v", c.Shares, wantShares)
	}
	wantWarnings := []string{
		`testdata/smb.conf:8: parameter "server role" is not used by zsmbd; ignored`,
		`testdata/smb.conf:9: parameter "log file" is not used by zsmbd; ignored`,
		`testdata/smb.conf:25: parameter "vfs objects" is not used by zsmbd; ignored`,
		`testdata/smb.conf:34: parameter "create mask" is not used by zsmbd; ignored`,
		`testdata/smb.conf:37: [homes] is not supported; section ignored`,
	}
	if !reflect.DeepEqual(c.Warnings, wantWarnings) {
		t.Errorf("Warnings =\n%q\nwant\n%q", c.Warnings, wantWarnings)
	}
	if s, ok := c.Share("DaTa"); !ok || s != &c.Shares[0] {
		t.Errorf("Share(DaTa) = %v, %v", s, ok)
	}
	if _, ok := c.Share("homes"); ok {
		t.Error("[homes] became a share")
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	host, _ := os.Hostname()
	host, _, _ = strings.Cut(host, ".")
	host = strings.ToUpper(host)
	if len(host) > 15 {
		host = host[:15]
	}
	want := Global{
		SMBPorts: []int{445}, ServerSigning: SigningAuto, MinProtocol: 0x0202, MaxProtocol: 0x0311,
		SMBPasswdFile: "/var/lib/samba/private/smbpasswd", MapToGuest: MapToGuestNever, GuestAccount: "nobody",
		NetBIOSName: host, Workgroup: "WORKGROUP", ServerString: "zsmbd", LogLevel: 1,
		SMB2MaxRead: 8 << 20, SMB2MaxCredits: 8192, UseSendfile: true, ReadPath: "sendfile", MaxOpenFiles: 16384,
		Deadtime: 10080 * time.Minute,
	}
	if !reflect.DeepEqual(c.Global, want) || c.Shares != nil || c.Warnings != nil {
		t.Errorf("Default() =\n%+v\nwant\n%+v", c, want)
	}
	// An empty file is the defaults too.
	e, err := Parse(strings.NewReader(""), "empty.conf")
	if err != nil || !reflect.DeepEqual(e, c) {
		t.Errorf("Parse(empty) = %+v, %v", e, err)
	}
}

func TestSyntax(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		check    func(*Config) bool
	}{
		{"parameter before any section is global", "workgroup = early\n",
			func(c *Config) bool { return c.Global.Workgroup == "EARLY" }},
		{"byte order mark", "\uFEFF[global]\nworkgroup = bom\n",
			func(c *Config) bool { return c.Global.Workgroup == "BOM" }},
		{"key spelling", "[s]\nPath=/x\nRead_Only = Yes\nGUESTOK=on\nBrowse able = off\n",
			func(c *Config) bool { s := c.Shares[0]; return s.ReadOnly && s.GuestOK && !s.Browseable }},
		{"synonyms", "[s]\ndirectory = /d\nwritable = no\npublic = true\nbrowsable = 0\n",
			func(c *Config) bool {
				s := c.Shares[0]
				return s.Path == "/d" && s.ReadOnly && s.GuestOK && !s.Browseable
			}},
		{"section name white space", "[  my \t  share ]  trailing words\npath = /x\n",
			func(c *Config) bool { return c.Shares[0].Name == "my share" }},
		{"comments only at line start", "[s]\npath = /x ; not a comment\n  # comment\n\t; comment\n",
			func(c *Config) bool { return c.Shares[0].Path == "/x ; not a comment" }},
		{"a comment does not continue", "# a comment \\\nworkgroup = seen\n",
			func(c *Config) bool { return c.Global.Workgroup == "SEEN" }},
		{"continuation joins directly", "workgroup = x\\\ny\nserver string = a    b\tc\n",
			func(c *Config) bool { return c.Global.Workgroup == "XY" && c.Global.ServerString == "a b\tc" }},
		{"continuation at end of file", "[s]\npath = /x\ncomment = a \\",
			func(c *Config) bool { return c.Shares[0].Comment == "a" }},
		{"quotes kept inside", `[s]` + "\n" + `path = /x` + "\n" + `comment = say "hi"` + "\n",
			func(c *Config) bool { return c.Shares[0].Comment == `say "hi"` }},
		{"list separators", "[s]\npath=/x\nvalid users = a,b;c\t\"d e\"  ,, f\n",
			func(c *Config) bool {
				return reflect.DeepEqual(c.Shares[0].ValidUsers, []string{"a", "b", "c", "d e", "f"})
			}},
		{"global share defaults apply to later sections only", "[a]\npath=/a\n[global]\nguest ok = yes\n[b]\npath=/b\n",
			func(c *Config) bool { return !c.Shares[0].GuestOK && c.Shares[1].GuestOK }},
		{"repeated section keeps first position", "[a]\npath=/a\n[b]\npath=/b\n[A]\ncomment=x\n",
			func(c *Config) bool {
				return len(c.Shares) == 2 && c.Shares[0].Name == "a" && c.Shares[0].Comment == "x"
			}},
		{"print$ is an ordinary share", "[print$]\npath=/p\n",
			func(c *Config) bool { return len(c.Shares) == 1 && c.Shares[0].Name == "print$" }},
		{"SMB2 and SMB3 as in Samba", "server min protocol = SMB2\nserver max protocol = smb3\n",
			func(c *Config) bool { return c.Global.MinProtocol == 0x0210 && c.Global.MaxProtocol == 0x0311 }},
		{"default protocols", "server min protocol = default\nserver max protocol = Default\n",
			func(c *Config) bool { return c.Global.MinProtocol == 0x0202 && c.Global.MaxProtocol == 0x0311 }},
		{"only per-class log levels", "log level = auth:5\n",
			func(c *Config) bool { return c.Global.LogLevel == 1 }},
		{"read path beats use sendfile", "read path = splice\nuse sendfile = no\n",
			func(c *Config) bool { return c.Global.ReadPath == "splice" }},
		{"use sendfile = yes keeps sendfile", "use sendfile = yes\n",
			func(c *Config) bool { return c.Global.ReadPath == "sendfile" }},
		{"signing synonyms", "server signing = Forced\n",
			func(c *Config) bool { return c.Global.ServerSigning == SigningMandatory }},
		{"signing off", "server signing = off\n",
			func(c *Config) bool { return c.Global.ServerSigning == SigningDisabled }},
		{"size suffix", "smb2 max read = 4M\n",
			func(c *Config) bool { return c.Global.SMB2MaxRead == 4<<20 }},
		{"quoted smb passwd file", "smb passwd file = \"/a b/smbpasswd\"\n",
			func(c *Config) bool { return c.Global.SMBPasswdFile == "/a b/smbpasswd" }},
		{"guest account", "guest account = smbguest\n",
			func(c *Config) bool { return c.Global.GuestAccount == "smbguest" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tc.in), "s.conf")
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("got %+v", c)
			}
		})
	}
}

func TestBooleans(t *testing.T) {
	for _, v := range []string{"yes", "YES", "true", "True", "1", "on", "On"} {
		if b, err := parseBool(v); err != nil || !b {
			t.Errorf("parseBool(%q) = %v, %v", v, b, err)
		}
	}
	for _, v := range []string{"no", "No", "false", "FALSE", "0", "off"} {
		if b, err := parseBool(v); err != nil || b {
			t.Errorf("parseBool(%q) = %v, %v", v, b, err)
		}
	}
	for _, v := range []string{"", "y", "2", "enabled", "yes please"} {
		if _, err := parseBool(v); err == nil {
			t.Errorf("parseBool(%q) accepted", v)
		}
	}
}

func TestErrors(t *testing.T) {
	long := strings.Repeat("n", 81)
	for _, tc := range []struct{ in, want string }{
		{"[s]\npath=/x\nread only = no\n", `bad.conf:3: share "s": read only = no is not supported: zsmbd serves read-only shares`},
		{"[s]\npath=/x\nwriteable = yes\n", `bad.conf:3: share "s": read only = no is not supported: zsmbd serves read-only shares`},
		{"[s]\npath=/x\nwrite ok = 1\n", `bad.conf:3: share "s": read only = no is not supported: zsmbd serves read-only shares`},
		{"[global]\nread only = no\n", `bad.conf:2: read only = no is not supported: zsmbd serves read-only shares`},
		{"[global]\nuse sendfile = maybe\n", `bad.conf:2: use sendfile: bad boolean "maybe" (want yes or no)`},
		{"[s]\npath=/x\nguest  ok = maybe\n", `bad.conf:3: share "s": guest ok: bad boolean "maybe" (want yes or no)`},
		{"\n\n[global]\nsmb2 max credits = lots\n", `bad.conf:4: smb2 max credits: bad number "lots"`},
		{"smb2 max read = 1x\n", `bad.conf:1: smb2 max read: bad size "1x"`},
		{"smb2 max read = 99999999999g\n", `bad.conf:1: smb2 max read: bad size "99999999999g"`},
		{"max open files = 0\n", `bad.conf:1: max open files: want a positive number, got 0`},
		{"log level = loud\n", `bad.conf:1: log level: bad number "loud"`},
		{"[s]\npath=/x\nmax connections = many\n", `bad.conf:3: share "s": max connections: bad number "many"`},
		{"log level = -1\n", `bad.conf:1: log level: negative level -1`},
		{"server max protocol = NT1\n", `bad.conf:1: server max protocol: protocol NT1 is SMB1, which zsmbd does not serve`},
		{"server min protocol = LANMAN2\n", `bad.conf:1: server min protocol: protocol LANMAN2 is SMB1, which zsmbd does not serve`},
		{"server min protocol = SMB2_22\n", `bad.conf:1: server min protocol: unknown protocol "SMB2_22" (want SMB2_02, SMB2_10, SMB3_00, SMB3_02 or SMB3_11)`},
		{"server signing = sometimes\n", `bad.conf:1: server signing: bad value "sometimes" (want auto, mandatory or disabled)`},
		{"map to guest = always\n", `bad.conf:1: map to guest: bad value "always" (want never or bad user)`},
		{"read path = fast\n", `bad.conf:1: read path: bad value "fast" (want sendfile, splice, copy or mmap)`},
		{"netbios name = a-very-long-netbios-name\n", `bad.conf:1: netbios name: "a-very-long-netbios-name": want 1 to 15 characters`},
		{"smb ports = 70000\n", `bad.conf:1: smb ports: bad port "70000"`},
		{"smb ports = 139\n", `bad.conf:1: smb ports: no usable port`},
		{"[global]\nthis line has no equals\n", `bad.conf:2: expected "parameter = value"`},
		{" = value\n", `bad.conf:1: expected "parameter = value"`},
		{"[broken\npath=/x\n", `bad.conf:1: section header without ]`},
		{"[a/b]\npath=/x\n", `bad.conf:1: invalid section name "a/b"`},
		{"[]\n", `bad.conf:1: invalid section name ""`},
		{"[" + long + "]\n", `bad.conf:1: invalid section name "` + long + `"`},
		{"[IPC$]\npath=/x\n", `bad.conf:1: [IPC$] is reserved: the server provides IPC$ itself`},
		{"[ok]\npath=/x\n[nopath]\ncomment = x\n", `bad.conf:3: share "nopath" has no path`},
		{"server min protocol = SMB3_11\nserver max protocol = SMB2_10\n", `server min protocol SMB3_11 is above server max protocol SMB2_10`},
		{"include = does-not-exist.conf\n", `bad.conf:1: include: open does-not-exist.conf: no such file or directory`},
	} {
		_, err := Parse(strings.NewReader(tc.in), "bad.conf")
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
}

func TestWarnings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   func(*Config) bool
	}{
		{"[s]\npath=/x\nguest only = yes\nfoo = 1\n", `w.conf:4: unknown parameter "foo"`,
			func(c *Config) bool { return c.Shares[0].GuestOnly }},
		{"[s]\npath=/x\nWorkgroup = x\n", `w.conf:3: global parameter "Workgroup" in share section "s" is ignored`,
			func(c *Config) bool { return c.Global.Workgroup == "WORKGROUP" }},
		{"smb ports = 139 445\n", `w.conf:1: smb ports: 139 (NetBIOS session service) is not served; ignored`,
			func(c *Config) bool { return reflect.DeepEqual(c.Global.SMBPorts, []int{445}) }},
		{"smb2 max credits = 10\n", `w.conf:1: smb2 max credits: clamped to Samba's range 128..65528`,
			func(c *Config) bool { return c.Global.SMB2MaxCredits == 128 }},
		{"smb2 max credits = 70000\n", `w.conf:1: smb2 max credits: clamped to Samba's range 128..65528`,
			func(c *Config) bool { return c.Global.SMB2MaxCredits == 65528 }},
		{"smb2 max read = 1k\n", `w.conf:1: smb2 max read: clamped to 64 KiB..8 MiB`,
			func(c *Config) bool { return c.Global.SMB2MaxRead == 64<<10 }},
		{"map to guest = bad password\n", `w.conf:1: map to guest = bad password is not supported; using never`,
			func(c *Config) bool { return c.Global.MapToGuest == MapToGuestNever }},
		{"passdb backend = tdbsam\n", `w.conf:1: passdb backend = tdbsam: zsmbd reads only smbpasswd files (smb passwd file = /var/lib/samba/private/smbpasswd)`, nil},
		{"security = ads\n", `w.conf:1: security = ads is not supported; zsmbd authenticates users from its smbpasswd file`, nil},
		{"[printers]\npath = /var/tmp\nprintable = yes\n", `w.conf:1: [printers] is not supported; section ignored`,
			func(c *Config) bool { return len(c.Shares) == 0 }},
		{"foo  bar = 1\n", `w.conf:1: unknown parameter "foo bar"`, nil},
		{"[s]\npath=/x\nread list = bob\n", `w.conf:3: parameter "read list" changes nothing here: every share is read-only, for everyone`, nil},
		{"[s]\npath=/x\nwrite list = @staff\n", `w.conf:3: parameter "write list" is not supported: zsmbd's shares are read-only, for these users too`, nil},
		{"admin users = root\n", `w.conf:1: parameter "admin users" is not supported: these users keep their own rights, not root's`, nil},
		{"deadtime = 0\nfoo = 1\n", `w.conf:2: unknown parameter "foo"`, // 0 is smbd's fallback, a week
			func(c *Config) bool { return c.Global.Deadtime == 7*24*time.Hour }},
		{"deadtime = 99999999999\nfoo = 1\n", `w.conf:2: unknown parameter "foo"`,
			func(c *Config) bool { return c.Global.Deadtime == 1<<27*time.Minute }},
		{"max smbd processes = -1\n", `w.conf:1: max smbd processes: a negative limit is no limit`,
			func(c *Config) bool { return c.Global.MaxConnections == 0 }},
		{"[s]\npath=/x\nmax connections = -1\n", `w.conf:3: max connections: a negative limit is no limit, as in Samba`,
			func(c *Config) bool { return c.Shares[0].MaxConnections == 0 }},
		{"[s]\npath=/x\nmax  connections = 3\nfoo = 1\n", `w.conf:4: unknown parameter "foo"`,
			func(c *Config) bool { return c.Shares[0].MaxConnections == 3 }},
		{"invalid users = root\n[s]\npath=/x\nonly guest = no\nfoo = 1\n", `w.conf:5: unknown parameter "foo"`,
			func(c *Config) bool {
				return reflect.DeepEqual(c.Shares[0].InvalidUsers, []string{"root"}) && !c.Shares[0].GuestOnly
			}},
	} {
		c, err := Parse(strings.NewReader(tc.in), "w.conf")
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if len(c.Warnings) != 1 || c.Warnings[0] != tc.want {
			t.Errorf("%q: warnings %q, want %q", tc.in, c.Warnings, tc.want)
		}
		if tc.ok != nil && !tc.ok(c) {
			t.Errorf("%q: got %+v", tc.in, c.Global)
		}
	}
}

func TestIncludeLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.conf"), filepath.Join(dir, "sub", "b.conf")
	if err := os.MkdirAll(filepath.Dir(b), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(a, []byte("[s]\npath=/x\ninclude = sub/b.conf\n"), 0o644)
	os.WriteFile(b, []byte("# b\ninclude = ../a.conf\n"), 0o644)
	_, err := Load(a)
	if want := a + ": include loop"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestProtocolNames(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint16
	}{
		{"SMB2_02", 0x0202}, {"smb2_10", 0x0210}, {"SMB3_00", 0x0300}, {"SMB3_02", 0x0302}, {"SMB3_11", 0x0311},
		{"SMB2", 0x0210}, {"SMB3", 0x0311}, {"2.0.2", 0x0202}, {"2.1", 0x0210}, {"3.0", 0x0300},
		{"3.0.2", 0x0302}, {"3.1.1", 0x0311}, {"0x0311", 0x0311}, {"0X0202", 0x0202},
	} {
		if got, err := ParseProtocol(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseProtocol(%q) = %#x, %v; want %#x", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "default", "SMB1", "NT1", "SMB3_10", "0x02FF", "3.1"} {
		if got, err := ParseProtocol(in); err == nil {
			t.Errorf("ParseProtocol(%q) = %#x, want an error", in, got)
		}
	}
	for d, want := range map[uint16]string{0x0202: "SMB2_02", 0x0210: "SMB2_10", 0x0300: "SMB3_00",
		0x0302: "SMB3_02", 0x0311: "SMB3_11", 0x02FF: "0x02FF"} {
		if got := ProtocolName(d); got != want {
			t.Errorf("ProtocolName(%#x) = %q, want %q", d, got, want)
		}
	}
}

// testparm returns Samba's reading of one parameter value, or "error" when Samba refuses it.
func testparm(t *testing.T, bin, param, value string) string {
	t.Helper()
	conf := filepath.Join(t.TempDir(), "smb.conf")
	if err := os.WriteFile(conf, []byte("[global]\n"+param+" = "+value+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-s", "--parameter-name="+param, conf).Output()
	if err != nil {
		return "error"
	}
	return strings.TrimSpace(string(out))
}

// TestSambaAgrees checks the enumerated values against Samba's own parser: what testparm
// accepts we map to the same meaning, and what it refuses we refuse.
// TestEncryptLevels checks where `server smb encrypt` applies: in [global] to sessions and as every
// share's default, in a share to that share alone; `smb encrypt` is its older name.
func TestEncryptLevels(t *testing.T) {
	c, err := Parse(strings.NewReader(`[global]
server smb encrypt = desired
[a]
path = /a
[b]
path = /b
smb encrypt = mandatory
[c]
path = /c
server smb encrypt = off
`), "e.conf")
	if err != nil {
		t.Fatal(err)
	}
	if c.Global.ServerSMBEncrypt != EncryptDesired {
		t.Errorf("global: %v, want desired", c.Global.ServerSMBEncrypt)
	}
	for name, want := range map[string]Encrypt{"a": EncryptDesired, "b": EncryptRequired, "c": EncryptOff} {
		if s, _ := c.Share(name); s.SMBEncrypt != want {
			t.Errorf("share %s: %v, want %v", name, s.SMBEncrypt, want)
		}
	}
	c, err = Parse(strings.NewReader("[s]\npath = /s\nserver smb encrypt = required\n"), "e.conf")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Share("s"); c.Global.ServerSMBEncrypt != EncryptIfRequired || s.SMBEncrypt != EncryptRequired {
		t.Errorf("a share's setting changed the sessions' level (%v) or was lost (%v)", c.Global.ServerSMBEncrypt, s.SMBEncrypt)
	}
	if d := Default(); d.Global.ServerSMBEncrypt != EncryptIfRequired {
		t.Errorf("default %v, want if_required", d.Global.ServerSMBEncrypt)
	}
	if _, err := Parse(strings.NewReader("server smb encrypt = sometimes\n"), "e.conf"); err == nil || !strings.Contains(err.Error(), "e.conf:1") {
		t.Errorf("bad value: %v", err)
	}
}

func TestSambaAgrees(t *testing.T) {
	bin, err := exec.LookPath("testparm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("testparm not installed (apt-get install samba-common-bin)")
		}
		t.Skip("testparm not installed (apt-get install samba-common-bin)")
	}
	sambaSigning := map[string]Signing{"default": SigningAuto, "if_required": SigningAuto, "desired": SigningAuto,
		"required": SigningMandatory, "No": SigningDisabled}
	for _, v := range []string{"default", "auto", "Auto", "mandatory", "required", "disabled", "no", "off", "yes",
		"if_required", "desired", "force", "forced", "enforced", "true", "1", "0", "on", "enabled", "sometimes"} {
		samba := testparm(t, bin, "server signing", v)
		got, err := parseSigning(v)
		if samba == "error" {
			if err == nil {
				t.Errorf("server signing = %s: Samba refuses it, we read %v", v, got)
			}
			continue
		}
		if want, ok := sambaSigning[samba]; !ok || err != nil || got != want {
			t.Errorf("server signing = %s: Samba reads %q, we read %v, %v", v, samba, got, err)
		}
	}

	sambaProtocol := map[string]uint16{"SMB2_02": 0x0202, "SMB2": 0x0210, "SMB3_00": 0x0300, "SMB3_02": 0x0302, "SMB3": 0x0311}
	for _, v := range []string{"SMB2_02", "SMB2_10", "SMB2", "smb2", "SMB3_00", "SMB3_02", "SMB3_11", "SMB3", "smb3_11",
		"SMB2_22", "SMB3_10", "bogus", "NT1", "LANMAN1", "CORE"} {
		samba := testparm(t, bin, "server max protocol", v)
		got, err := ParseProtocol(v)
		want, ok := sambaProtocol[samba]
		switch {
		case ok && (err != nil || got != want):
			t.Errorf("server max protocol = %s: Samba reads %q, we read %#x, %v", v, samba, got, err)
		case !ok && err == nil:
			t.Errorf("server max protocol = %s: Samba reads %q (not SMB2/3), we accept %#x", v, samba, got)
		}
	}

	sambaEncrypt := map[string]Encrypt{"default": EncryptIfRequired, "if_required": EncryptIfRequired,
		"desired": EncryptDesired, "required": EncryptRequired, "No": EncryptOff}
	for _, v := range []string{"default", "auto", "if_required", "If_Required", "desired", "required", "mandatory",
		"force", "forced", "enforced", "no", "off", "false", "0", "disabled", "yes", "true", "1", "on", "enabled",
		"sometimes"} {
		samba := testparm(t, bin, "server smb encrypt", v)
		got, err := parseEncrypt(v)
		if samba == "error" {
			if err == nil {
				t.Errorf("server smb encrypt = %s: Samba refuses it, we read %v", v, got)
			}
			continue
		}
		if want, ok := sambaEncrypt[samba]; !ok || err != nil || got != want {
			t.Errorf("server smb encrypt = %s: Samba reads %q, we read %v, %v", v, samba, got, err)
		}
	}

	sambaGuest := map[string]MapToGuest{"Never": MapToGuestNever, "Bad User": MapToGuestBadUser,
		"Bad Password": MapToGuestNever, "Bad Uid": MapToGuestNever}
	for _, v := range []string{"never", "Never", "bad user", "Bad User", "baduser", "bad password", "bad uid", "always"} {
		samba := testparm(t, bin, "map to guest", v)
		c, err := Parse(strings.NewReader("map to guest = "+v+"\n"), "g.conf")
		if samba == "error" {
			if err == nil {
				t.Errorf("map to guest = %s: Samba refuses it, we accept it", v)
			}
			continue
		}
		if want, ok := sambaGuest[samba]; !ok || err != nil || c.Global.MapToGuest != want {
			t.Errorf("map to guest = %s: Samba reads %q, we read %v", v, samba, err)
		}
	}
}

// FuzzParse checks that no input panics and that a parsed configuration satisfies the
// invariants the server relies on.
func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/smb.conf")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("[s]\npath=/x\nvalid users = \"a b\", c\\\n d\n")
	f.Add("[global]\nsmb ports = 1 2 3\nlog level = 2 auth:3\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(strings.NewReader(in), "fuzz.conf")
		if err != nil {
			return
		}
		g := c.Global
		if g.MinProtocol > g.MaxProtocol || len(g.SMBPorts) == 0 || g.SMB2MaxCredits < 128 || g.SMB2MaxRead < 64<<10 ||
			g.MaxOpenFiles < 1 || g.ReadPath == "" || len(g.NetBIOSName) > 15 {
			t.Fatalf("invariant broken: %+v", g)
		}
		for _, s := range c.Shares {
			if s.Path == "" || !s.ReadOnly || s.Name == "" || strings.EqualFold(s.Name, "ipc$") {
				t.Fatalf("bad share %+v", s)
			}
		}
	})
}

// TestSocketOptions: `socket options` is read as smbd reads it (blanks or commas between entries, names
// in any case, 1 when no value is given); names smbd does not know, and those zsmbd does not set, are
// warnings and left out.
func TestSocketOptions(t *testing.T) {
	c, err := Parse(strings.NewReader("socket options = TCP_NODELAY, so_sndbuf=131072\tSO_RCVBUF=65536 IPTOS_LOWDELAY SO_SNDTIMEO=5 FOO=1 TCP_KEEPIDLE=-3\n"), "s.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := []SocketOption{{"TCP_NODELAY", 1}, {"SO_SNDBUF", 131072}, {"SO_RCVBUF", 65536}, {"IPTOS_LOWDELAY", 1}, {"TCP_KEEPIDLE", -3}}
	if !reflect.DeepEqual(c.Global.SocketOptions, want) {
		t.Errorf("SocketOptions = %v, want %v", c.Global.SocketOptions, want)
	}
	wantWarnings := []string{
		`s.conf:1: socket options: SO_SNDTIMEO is not set on zsmbd's connections; ignored`,
		`s.conf:1: socket options: unknown socket option "FOO=1"; ignored`,
	}
	if !reflect.DeepEqual(c.Warnings, wantWarnings) {
		t.Errorf("Warnings = %q, want %q", c.Warnings, wantWarnings)
	}
	if _, err := Parse(strings.NewReader("socket options = SO_SNDBUF=big\n"), "s.conf"); err == nil ||
		!strings.Contains(err.Error(), `s.conf:1: socket options: SO_SNDBUF: bad number "big"`) {
		t.Errorf("a value that is not a number: %v", err)
	}
}

// TestOplockParams: `oplocks` and `level2 oplocks` are share parameters, defaults in [global] too.
func TestOplockParams(t *testing.T) {
	c, err := Parse(strings.NewReader("oplocks = no\n[a]\npath=/a\n[b]\npath=/b\noplocks = yes\nlevel2 oplocks = no\n[c]\npath=/c\noplocks = yes\n"), "o.conf")
	if err != nil || len(c.Warnings) > 0 {
		t.Fatal(err, c.Warnings)
	}
	for i, want := range [][2]bool{{true, false}, {false, true}, {false, false}} {
		if got := [2]bool{c.Shares[i].NoOplocks, c.Shares[i].NoLevel2Oplocks}; got != want {
			t.Errorf("[%s]: NoOplocks, NoLevel2Oplocks = %v, want %v", c.Shares[i].Name, got, want)
		}
	}
}

// TestForceUserGroup: `force user`, `force group` and its synonym `group`, in a share or as [global]
// defaults, as written (a leading "+" kept: members only).
func TestForceUserGroup(t *testing.T) {
	c, err := Parse(strings.NewReader("[global]\nforce group = users\n[a]\npath = /a\nforce user = daemon\n"+
		"[b]\npath = /b\nforce group = +staff\n[c]\npath = /c\ngroup = \"www-data\"\n"), "f.conf")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{"a": {"daemon", "users"}, "b": {"", "+staff"}, "c": {"", "www-data"}}
	for _, s := range c.Shares {
		if got := [2]string{s.ForceUser, s.ForceGroup}; got != want[s.Name] {
			t.Errorf("[%s]: force user %q, force group %q; want %q", s.Name, got[0], got[1], want[s.Name])
		}
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
}

// TestHideUnreadableAvailable: `hide unreadable` and `available`, in a share or as [global] defaults.
func TestHideUnreadableAvailable(t *testing.T) {
	c, err := Parse(strings.NewReader("[global]\nhide unreadable = yes\n[a]\npath = /a\n[b]\npath = /b\nhide unreadable = no\navailable = no\n"), "f.conf")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := c.Shares[0], c.Shares[1]; !a.HideUnreadable || a.Unavailable || b.HideUnreadable || !b.Unavailable {
		t.Errorf("[a] hide %v unavailable %v, [b] hide %v unavailable %v; want true false, false true",
			a.HideUnreadable, a.Unavailable, b.HideUnreadable, b.Unavailable)
	}
	if abe, err := Parse(strings.NewReader("[a]\npath = /a\naccess based share enum = yes\nacl allow execute always = yes\n"), "h.conf"); err != nil ||
		!abe.Shares[0].AccessBasedShareEnum || !abe.Shares[0].AclAllowExecuteAlways || len(abe.Warnings) != 0 {
		t.Errorf("access based share enum = yes: %v, %+v", err, abe)
	}
	if _, err := Parse(strings.NewReader("[a]\npath = /a\navailable = maybe\n"), "g.conf"); err == nil {
		t.Error("available = maybe accepted")
	}
}

// TestMangledNames: `store dos attributes` and `mangled names` per share (illegal, Samba's default, and yes mangle; no hides)
// and the global `mangle prefix`, clamped to 1-6 with a warning, as Samba clamps it.
func TestMangledNames(t *testing.T) {
	c, err := Parse(strings.NewReader("[global]\nmangle prefix = 3\nmangled names = no\n[a]\npath = /a\n"+
		"[b]\npath = /b\nmangled names = illegal\n[c]\npath = /c\nmangled names = yes\n"), "m.conf")
	if err != nil || len(c.Warnings) != 0 {
		t.Fatal(err, c.Warnings)
	}
	if c.Global.ManglePrefix != 3 {
		t.Errorf("mangle prefix %d, want 3", c.Global.ManglePrefix)
	}
	for i, want := range []bool{true, false, false} {
		if got := c.Shares[i].NoMangledNames; got != want {
			t.Errorf("[%s]: NoMangledNames %v, want %v", c.Shares[i].Name, got, want)
		}
	}
	if c, err := Parse(strings.NewReader("mangle prefix = 9\n[a]\npath = /a\n"), "p.conf"); err != nil ||
		c.Global.ManglePrefix != 6 || len(c.Warnings) != 1 {
		t.Errorf("mangle prefix = 9: %v, prefix %d, warnings %q; want 6 and one warning", err, c.Global.ManglePrefix, c.Warnings)
	}
	if d := Default(); d.Global.ManglePrefix != 0 {
		t.Errorf("default mangle prefix %d, want 0 (read as 1)", d.Global.ManglePrefix)
	}
	if c, err := Parse(strings.NewReader("[a]\npath = /a\nstore dos attributes = no\n[b]\npath = /b\n"), "d.conf"); err != nil ||
		!c.Shares[0].NoDOSAttributes || c.Shares[1].NoDOSAttributes || len(c.Warnings) != 0 {
		t.Errorf("store dos attributes = no: %v, %+v", err, c)
	}
	if _, err := Parse(strings.NewReader("[a]\npath = /a\nmangled names = sometimes\n"), "n.conf"); err == nil {
		t.Error("mangled names = sometimes accepted")
	}
}
