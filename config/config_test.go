package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const full = `# A Samba-style file
[global]
   workgroup = example
   netbios name = fileserver
   server string = Files \
      and more
   Server Signing = mandatory
   server min protocol = SMB2_10
   SERVER_MAX_PROTOCOL = SMB3_02
   smb ports = 445 8445
   interfaces = lo 10.0.0.0/8 "eth 0"
   bind interfaces only = yes
   map to guest = Bad User
   smb passwd file = /etc/zsmbd/smbpasswd
   log level = 3 auth:5
   smb2 max read = 1m
   smb2 max credits = 512
   use sendfile = no
   max open files = 100
   vfs objects = acl_xattr
; a comment
[data]
   path = /srv/data
   comment = The data
   readonly = yes
   guest ok = Yes
   valid users = alice, @staff "Domain Users"
   browsable = no
   create mask = 0644
include = testdata/include.conf
`

func TestParseFull(t *testing.T) {
	c, err := Parse(strings.NewReader(full), "full.conf")
	if err != nil {
		t.Fatal(err)
	}
	g := c.Global
	if g.Workgroup != "EXAMPLE" || g.NetBIOSName != "FILESERVER" || g.ServerString != "Files       and more" {
		t.Errorf("names: %q %q %q", g.Workgroup, g.NetBIOSName, g.ServerString)
	}
	if g.ServerSigning != SigningMandatory || g.MinProtocol != 0x0210 || g.MaxProtocol != 0x0302 {
		t.Errorf("signing/protocols: %v %x %x", g.ServerSigning, g.MinProtocol, g.MaxProtocol)
	}
	if !slices.Equal(g.SMBPorts, []int{445, 8445}) || !g.BindInterfacesOnly || !slices.Equal(g.Interfaces, []string{"lo", "10.0.0.0/8", "eth 0"}) {
		t.Errorf("listen: %v %v %v", g.SMBPorts, g.BindInterfacesOnly, g.Interfaces)
	}
	if g.MapToGuest != MapToGuestBadUser || g.SMBPasswdFile != "/etc/zsmbd/smbpasswd" || g.LogLevel != 3 {
		t.Errorf("auth: %v %q %d", g.MapToGuest, g.SMBPasswdFile, g.LogLevel)
	}
	if g.SMB2MaxRead != 1<<20 || g.SMB2MaxCredits != 512 || g.UseSendfile || g.MaxOpenFiles != 100 {
		t.Errorf("limits: %d %d %v %d", g.SMB2MaxRead, g.SMB2MaxCredits, g.UseSendfile, g.MaxOpenFiles)
	}
	if len(c.Shares) != 2 {
		t.Fatalf("shares: %+v", c.Shares)
	}
	s, ok := c.Share("DATA")
	if !ok || s.Path != "/srv/data" || s.Comment != "The data" || !s.ReadOnly || !s.GuestOK || s.Browseable ||
		!slices.Equal(s.ValidUsers, []string{"alice", "@staff", "Domain Users"}) || s.Line != 22 {
		t.Errorf("share: %+v", s)
	}
	if e, ok := c.Share("extra"); !ok || e.Path != "/srv/extra" || !e.ReadOnly || !e.Browseable || e.GuestOK {
		t.Errorf("included share: %+v", e)
	}
	want := []string{`full.conf:20: unknown parameter "vfsobjects"`, `full.conf:29: unknown parameter "createmask"`}
	if !slices.Equal(c.Warnings, want) {
		t.Errorf("warnings:\n%q\nwant\n%q", c.Warnings, want)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse(strings.NewReader("[s]\npath=/x\n"), "d.conf")
	if err != nil {
		t.Fatal(err)
	}
	g := c.Global
	if g.SMB2MaxRead != 8<<20 || g.SMB2MaxCredits != 8192 || !g.UseSendfile || g.ServerSigning != SigningAuto ||
		g.MinProtocol != 0x0202 || g.MaxProtocol != 0x0311 || g.MapToGuest != MapToGuestNever || g.Workgroup != "WORKGROUP" {
		t.Errorf("defaults: %+v", g)
	}
	s := c.Shares[0]
	if !s.ReadOnly || s.GuestOK || !s.Browseable {
		t.Errorf("share defaults: %+v", s)
	}
}

func TestErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"[s]\npath=/x\nread only = no\n", "bad.conf:3: share \"s\": read only = no is not supported"},
		{"[s]\npath=/x\nwriteable = yes\n", "bad.conf:3: share \"s\": read only = no"},
		{"[global]\nuse sendfile = maybe\n", "bad.conf:2: usesendfile: bad boolean"},
		{"\n\n[global]\nsmb2 max credits = lots\n", "bad.conf:4: smb2maxcredits"},
		{"[global]\nserver max protocol = NT1\n", "bad.conf:2: servermaxprotocol: protocol NT1 is SMB1"},
		{"[global]\nserver signing = sometimes\n", "bad.conf:2: serversigning"},
		{"[global]\nthis line has no equals\n", "bad.conf:2: expected"},
		{"[broken\n", "bad.conf:1: section header"},
		{"[a/b]\npath=/x\n", "bad.conf:1: invalid section name"},
		{"[nopath]\ncomment = x\n", "bad.conf:1: share \"nopath\" has no path"},
		{"[global]\nsmb ports = 70000\n", "bad.conf:2: smb ports"},
		{"[global]\nserver min protocol = SMB3_11\nserver max protocol = SMB2_10\n", "server min protocol SMB3_11 is above"},
	} {
		_, err := Parse(strings.NewReader(c.in), "bad.conf")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
}

func TestRepeatedSectionExtends(t *testing.T) {
	c, err := Parse(strings.NewReader("[s]\npath=/a\n[S]\ncomment=c\n[homes]\npath=/h\n"), "r.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Shares) != 1 || c.Shares[0].Path != "/a" || c.Shares[0].Comment != "c" {
		t.Errorf("shares: %+v", c.Shares)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "[homes]") {
		t.Errorf("warnings: %q", c.Warnings)
	}
}

func TestIncludeLoop(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.conf")
	os.WriteFile(p, []byte("include = a.conf\n"), 0o644)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "include loop") {
		t.Fatalf("got %v", err)
	}
}

// TestSambaTestsuiteConf parses a real Samba smb.conf shipped by Debian, when present: every line
// must either parse or be a warning.
func TestSambaDefaultConf(t *testing.T) {
	const path = "/usr/share/samba/smb.conf"
	if _, err := os.Stat(path); err != nil {
		t.Skip("Debian's samba-common smb.conf is not installed")
	}
	c, err := Load(path)
	if err != nil {
		// Debian's sample has writable [homes]-style shares only as comments; its printers are ignored.
		t.Fatalf("Debian's smb.conf: %v", err)
	}
	if c.Global.Workgroup != "WORKGROUP" {
		t.Errorf("workgroup %q", c.Global.Workgroup)
	}
}

func TestProtocolNames(t *testing.T) {
	for _, p := range protocols {
		got, err := ParseProtocol(strings.ToLower(p.name))
		if err != nil || got != p.id || ProtocolName(p.id) != p.name {
			t.Errorf("%s: %x %v %s", p.name, got, err, ProtocolName(p.id))
		}
	}
}
