package config

import (
	"net/netip"
	"strings"
	"testing"
)

// TestHostsLikeSamba: the share lists of a configuration, and the clients each lets in, as Debian's
// smbd 4.17 decided them for the same lists (go-smb2 logging on from each source address on
// loopback; a connection refused by [global] never reaches a share). The global lists become each
// share's defaults, as in Samba.
func TestHostsLikeSamba(t *testing.T) {
	c, err := Parse(strings.NewReader(`[global]
hosts allow = 127.0.0. EXCEPT 127.0.0.4
[open]
path = /s
[closed]
path = /s
hosts deny = 127.0.0.1
[allowonly]
path = /s
hosts allow = 10.0.0.0/8
[both]
path = /s
hosts allow = 127.0.0.2
hosts deny = ALL
[mask]
path = /s
allow hosts = 127.0.0.0/255.255.255.254, 127.0.0.5/32
[wild]
path = /s
hosts allow = 127.0.0.?
`), "h.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	// share -> client -> allowed, for the clients [global] lets in.
	want := map[string]map[string]bool{
		"open":      {"127.0.0.1": true, "127.0.0.2": true, "127.0.0.5": true},
		"closed":    {"127.0.0.1": true, "127.0.0.2": true, "127.0.0.5": true}, // on the allow list it inherits
		"allowonly": {"127.0.0.1": true, "127.0.0.2": false, "127.0.0.5": false},
		"both":      {"127.0.0.1": false, "127.0.0.2": true, "127.0.0.5": false},
		"mask":      {"127.0.0.1": true, "127.0.0.2": false, "127.0.0.5": true},
		"wild":      {"127.0.0.1": true, "127.0.0.2": true, "127.0.0.5": true},
	}
	for share, clients := range want {
		s, ok := c.Share(share)
		if !ok {
			t.Fatalf("no share %s", share)
		}
		for client, allowed := range clients {
			if got := HostAllowed(s.HostsAllow, s.HostsDeny, netip.MustParseAddr(client)); got != allowed {
				t.Errorf("[%s] from %s: allowed %v, Samba %v", share, client, got, allowed)
			}
		}
	}
	for client, allowed := range map[string]bool{"127.0.0.1": true, "127.0.0.2": true, "127.0.0.4": false, "127.0.1.1": false} {
		if got := HostAllowed(c.Global.HostsAllow, c.Global.HostsDeny, netip.MustParseAddr(client)); got != allowed {
			t.Errorf("[global] from %s: allowed %v, Samba %v", client, got, allowed)
		}
	}
}

func TestHostAllowed(t *testing.T) {
	for _, tc := range []struct {
		allow, deny, client string
		want                bool
	}{
		{"", "", "192.0.2.1", true},
		{"192.0.2.", "", "192.0.2.77", true},
		{"192.0.2.", "", "192.0.20.1", false}, // a prefix of the written address: 192.0.2. is not 192.0.20.
		{"", "192.0.2.0/24", "192.0.2.9", false},
		{"", "192.0.2.0/24", "192.0.3.9", true},
		{"192.0.2.9", "ALL", "192.0.2.9", true}, // on both: the allow list wins
		{"192.0.2.9", "ALL", "192.0.2.10", false},
		{"10.", "192.0.2.", "172.16.0.1", true}, // on neither list, with both given: let in, as Samba does
		{"ALL EXCEPT 192.0.2.0/24", "", "192.0.2.1", false},
		{"ALL EXCEPT 192.0.2.0/24", "", "198.51.100.1", true},
		{"192.0.2.* EXCEPT 192.0.2.1? 192.0.2.3", "", "192.0.2.12", false},
		{"192.0.2.* EXCEPT 192.0.2.1? 192.0.2.3", "", "192.0.2.3", false},
		{"192.0.2.* EXCEPT 192.0.2.1? 192.0.2.3", "", "192.0.2.4", true},
		{"2001:db8::/32", "", "2001:db8::5", true},
		{"[2001:db8::]/32", "", "2001:db9::5", false},
		{"2001:db8:0:0::1", "", "2001:db8::1", true},
		{"::ffff:192.0.2.1", "", "::ffff:192.0.2.1", true},
		{"192.0.2.1", "", "::ffff:192.0.2.1", true},
		{"fileserver", "", "192.0.2.1", false}, // names match nothing: no lookups
		{"10.0.0.0/8", "", "127.0.0.1", true},  // the local host, unless denied by name
		{"10.0.0.0/8", "", "::1", true},
		{"", "127.0.0.1", "127.0.0.1", false},
		{"", "ALL", "127.0.0.2", false}, // only 127.0.0.1 and ::1 are the local host
	} {
		allow, _, err := ParseHosts(tc.allow)
		if err != nil {
			t.Fatal(err)
		}
		deny, _, err := ParseHosts(tc.deny)
		if err != nil {
			t.Fatal(err)
		}
		if got := HostAllowed(allow, deny, netip.MustParseAddr(tc.client)); got != tc.want {
			t.Errorf("allow %q deny %q from %s: %v, want %v", tc.allow, tc.deny, tc.client, got, tc.want)
		}
	}
}

func TestHostsParse(t *testing.T) {
	for _, bad := range []string{"192.0.2.0/33", "192.0.2.0/255.0.255.0", "192.0.2.0/x", "host/24", "2001:db8::/255.255.0.0"} {
		if _, _, err := ParseHosts(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := Parse(strings.NewReader("[s]\npath = /s\nhosts deny = 10.0.0.0/40\n"), "h.conf"); err == nil || !strings.Contains(err.Error(), "h.conf:3") {
		t.Errorf("bad network: %v, want an error at h.conf:3", err)
	}
	c, err := Parse(strings.NewReader("[s]\npath = /s\nhosts allow = 10. .example.com @staff LOCAL fe80::1\n"), "h.conf")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 3 {
		t.Errorf("warnings %q, want one for each of .example.com, @staff and LOCAL", c.Warnings)
	}
	if s, _ := c.Share("s"); s.HostsAllow.String() != "10., .example.com, @staff, LOCAL, fe80::1" {
		t.Errorf("hosts allow %q", s.HostsAllow)
	}
}

func TestNames(t *testing.T) {
	c, err := Parse(strings.NewReader("veto files = /*.tmp/.git/ Thumbs.db /\n[s]\npath = /s\nhide files = /~$*/\nhide dot files = no\n[t]\npath = /t\n"), "n.conf")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.Share("s")
	if got := s.VetoFiles.String(); got != "/*.tmp/.git/thumbs.db/" {
		t.Errorf("veto files %q", got)
	}
	for name, want := range map[string]bool{"a.tmp": true, "A.TMP": true, ".git": true, "THUMBS.DB": true,
		"a.tmpx": false, "git": false, ".": false, "..": false} {
		if s.VetoFiles.Match(name) != want {
			t.Errorf("veto files matches %q: %v", name, !want)
		}
	}
	if !s.HideFiles.Match("~$report.docx") || s.HideFiles.Match("report.docx") || !s.ShowDotFiles {
		t.Errorf("[s]: hide files %q, show dot files %v", s.HideFiles, s.ShowDotFiles)
	}
	if tt, _ := c.Share("t"); tt.ShowDotFiles || tt.HideFiles.IsSet() || !tt.VetoFiles.IsSet() {
		t.Errorf("[t] should take only [global]'s veto files: %+v", tt)
	}
	if ParseNames("//").IsSet() {
		t.Error("an empty list names something")
	}
	if !wildMatch("?ber", "über") {
		t.Error("? should match one character, not one byte")
	}
}

func TestSymlinkParameters(t *testing.T) {
	c, err := Parse(strings.NewReader("[a]\npath = /a\nfollow symlinks = no\nwide links = yes\n[b]\npath = /b\nwide links = no\n"), "l.conf")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.Share("a")
	b, _ := c.Share("b")
	if !a.NoFollowSymlinks || b.NoFollowSymlinks {
		t.Errorf("follow symlinks: a %v, b %v", !a.NoFollowSymlinks, !b.NoFollowSymlinks)
	}
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], "l.conf:4: wide links = yes is not supported") {
		t.Errorf("warnings %q, want one for wide links = yes", c.Warnings)
	}
}

// TestChangeNotifyParameter: `change notify` is a share parameter, on by default; in [global] it is the
// shares' default.
func TestChangeNotifyParameter(t *testing.T) {
	c, err := Parse(strings.NewReader("[a]\npath = /a\nchange notify = no\n[b]\npath = /b\n"), "n.conf")
	if err != nil || len(c.Warnings) != 0 {
		t.Fatal(err, c.Warnings)
	}
	a, _ := c.Share("a")
	b, _ := c.Share("b")
	if !a.NoChangeNotify || b.NoChangeNotify {
		t.Errorf("change notify: a %v, b %v; want no, yes", !a.NoChangeNotify, !b.NoChangeNotify)
	}
	c, _ = Parse(strings.NewReader("change notify = no\n[b]\npath = /b\n"), "n.conf")
	if b, _ := c.Share("b"); !b.NoChangeNotify {
		t.Error("change notify = no in [global] is not the shares' default")
	}
}
