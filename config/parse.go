package config

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Load reads a configuration file.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p := newParser()
	if err := p.parse(f, path); err != nil {
		return nil, err
	}
	return p.finish()
}

// Parse reads a configuration from r; filename is used in messages and to resolve `include`.
func Parse(r io.Reader, filename string) (*Config, error) {
	p := newParser()
	if err := p.parse(r, filename); err != nil {
		return nil, err
	}
	return p.finish()
}

type parser struct {
	cfg         *Config
	share       *Share // nil while in [global]
	including   map[string]bool
	readPathSet bool
}

func newParser() *parser {
	return &parser{cfg: Default(), including: make(map[string]bool)}
}

func (p *parser) parse(r io.Reader, file string) error {
	if abs, err := filepath.Abs(file); err == nil {
		if p.including[abs] {
			return fmt.Errorf("%s: include loop", file)
		}
		p.including[abs] = true
		defer delete(p.including, abs)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var cont strings.Builder
	start := 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cont.Len() == 0 {
			start = n
		}
		// A trailing backslash continues the line (loadparm), comments included.
		if t := strings.TrimRight(line, " \t\r"); strings.HasSuffix(t, `\`) {
			cont.WriteString(strings.TrimSuffix(t, `\`))
			continue
		}
		cont.WriteString(line)
		full := cont.String()
		cont.Reset()
		if err := p.line(full, file, start); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if cont.Len() > 0 {
		return p.line(cont.String(), file, start)
	}
	return nil
}

func (p *parser) line(line, file string, n int) error {
	t := strings.TrimSpace(line)
	if t == "" || t[0] == '#' || t[0] == ';' {
		return nil
	}
	where := fmt.Sprintf("%s:%d", file, n)
	if t[0] == '[' {
		end := strings.IndexByte(t, ']')
		if end < 0 {
			return fmt.Errorf("%s: section header without ]", where)
		}
		name := strings.TrimSpace(t[1:end])
		return p.section(name, file, n)
	}
	key, value, ok := strings.Cut(t, "=")
	if !ok {
		return fmt.Errorf("%s: expected \"parameter = value\"", where)
	}
	key, value = canonicalKey(key), strings.TrimSpace(value)
	if key == "include" {
		path := value
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(file), path)
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("%s: include: %w", where, err)
		}
		defer f.Close()
		return p.parse(f, path)
	}
	if p.share == nil {
		return p.global(key, value, where)
	}
	return p.shareParam(key, value, where)
}

func (p *parser) section(name, file string, n int) error {
	if name == "" || strings.ContainsAny(name, `/\[]:|<>+=;,*?"`) {
		return fmt.Errorf("%s:%d: invalid section name %q", file, n, name)
	}
	switch strings.ToLower(name) {
	case "global":
		p.share = nil
		return nil
	case "homes", "printers", "print$":
		p.cfg.Warnings = append(p.cfg.Warnings, fmt.Sprintf("%s:%d: [%s] is not supported; section ignored", file, n, name))
		p.share = &Share{} // parsed and dropped
		return nil
	}
	if s, ok := p.cfg.Share(name); ok {
		p.share = s // a repeated section extends the first, as in Samba
		return nil
	}
	p.cfg.Shares = append(p.cfg.Shares, Share{Name: name, ReadOnly: true, Browseable: true, File: file, Line: n})
	p.share = &p.cfg.Shares[len(p.cfg.Shares)-1]
	return nil
}

// canonicalKey folds case and drops spaces and underscores: "Read Only", "readonly" and "read_only"
// are one parameter, as in loadparm.
func canonicalKey(k string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(k) {
		if r != ' ' && r != '\t' && r != '_' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (p *parser) global(key, value, where string) error {
	g := &p.cfg.Global
	var err error
	switch key {
	case "smbports":
		g.SMBPorts = nil
		for _, f := range splitList(value) {
			port, perr := strconv.Atoi(f)
			if perr != nil || port < 1 || port > 65535 {
				return fmt.Errorf("%s: smb ports: bad port %q", where, f)
			}
			if port == 139 {
				p.warn(where, "smb ports: 139 (NetBIOS session service) is not served; ignored")
				continue
			}
			g.SMBPorts = append(g.SMBPorts, port)
		}
		if len(g.SMBPorts) == 0 {
			return fmt.Errorf("%s: smb ports: no usable port", where)
		}
	case "interfaces":
		g.Interfaces = splitList(value)
	case "bindinterfacesonly":
		g.BindInterfacesOnly, err = parseBool(value)
	case "serversigning":
		switch strings.ToLower(value) {
		case "auto", "default", "if_required", "enabled", "yes", "on", "true", "1", "desired":
			g.ServerSigning = SigningAuto
		case "mandatory", "required", "force":
			g.ServerSigning = SigningMandatory
		case "disabled", "no", "off", "false", "0":
			g.ServerSigning = SigningDisabled
		default:
			err = fmt.Errorf("want auto, mandatory or disabled")
		}
	case "serverminprotocol", "minprotocol":
		g.MinProtocol, err = ParseProtocol(value)
		if strings.EqualFold(value, "SMB2") {
			g.MinProtocol = 0x0202
		} else if strings.EqualFold(value, "SMB3") {
			g.MinProtocol = 0x0300
		}
	case "servermaxprotocol", "maxprotocol", "protocol":
		g.MaxProtocol, err = ParseProtocol(value)
	case "smbpasswdfile":
		g.SMBPasswdFile = value
	case "maptoguest":
		switch strings.ToLower(value) {
		case "never":
			g.MapToGuest = MapToGuestNever
		case "bad user", "baduser":
			g.MapToGuest = MapToGuestBadUser
		case "bad password", "badpassword", "bad uid", "baduid":
			p.warn(where, fmt.Sprintf("map to guest = %s is not supported; using never", value))
			g.MapToGuest = MapToGuestNever
		default:
			err = fmt.Errorf("want never or bad user")
		}
	case "netbiosname":
		if len(value) > 15 {
			err = fmt.Errorf("longer than 15 characters")
		}
		g.NetBIOSName = strings.ToUpper(value)
	case "workgroup":
		g.Workgroup = strings.ToUpper(value)
	case "serverstring":
		g.ServerString = value
	case "loglevel", "debuglevel":
		f := strings.Fields(value)
		if len(f) == 0 {
			err = fmt.Errorf("empty")
		} else {
			g.LogLevel, err = strconv.Atoi(f[0])
		}
	case "smb2maxread":
		g.SMB2MaxRead, err = parseSize(value)
		if err == nil && (g.SMB2MaxRead < 64<<10 || g.SMB2MaxRead > 8<<20) {
			p.warn(where, "smb2 max read: clamped to 64 KiB..8 MiB")
			g.SMB2MaxRead = min(max(g.SMB2MaxRead, 64<<10), 8<<20)
		}
	case "smb2maxcredits":
		g.SMB2MaxCredits, err = strconv.Atoi(value)
		if err == nil && (g.SMB2MaxCredits < 128 || g.SMB2MaxCredits > 65528) {
			p.warn(where, "smb2 max credits: clamped to Samba's range 128..65528")
			g.SMB2MaxCredits = min(max(g.SMB2MaxCredits, 128), 65528)
		}
	case "usesendfile":
		g.UseSendfile, err = parseBool(value)
	case "readpath":
		switch v := strings.ToLower(value); v {
		case "sendfile", "splice", "copy", "mmap":
			g.ReadPath = v
		default:
			err = fmt.Errorf("want sendfile, splice, copy or mmap")
		}
	case "maxopenfiles":
		g.MaxOpenFiles, err = strconv.Atoi(value)
	default:
		if isShareParam(key) {
			p.warn(where, fmt.Sprintf("share parameter %q in [global] is ignored (zsmbd has no per-share defaults)", key))
			return nil
		}
		p.unknown(where, key)
	}
	if err != nil {
		return fmt.Errorf("%s: %s: %w", where, key, err)
	}
	return nil
}

func isShareParam(key string) bool {
	switch key {
	case "path", "directory", "comment", "readonly", "writeable", "writable", "writeok", "guestok", "public",
		"validusers", "browseable", "browsable":
		return true
	}
	return false
}

func (p *parser) shareParam(key, value, where string) error {
	s := p.share
	var err error
	switch key {
	case "path", "directory":
		s.Path = value
	case "comment":
		s.Comment = value
	case "readonly":
		s.ReadOnly, err = parseBool(value)
	case "writeable", "writable", "writeok":
		var w bool
		w, err = parseBool(value)
		s.ReadOnly = !w
	case "guestok", "public":
		s.GuestOK, err = parseBool(value)
	case "browseable", "browsable":
		s.Browseable, err = parseBool(value)
	case "validusers":
		s.ValidUsers = splitList(value)
	case "guestonly", "onlyguest":
		p.warn(where, "guest only is not supported; ignored")
	default:
		if isGlobalParam(key) {
			p.warn(where, fmt.Sprintf("global parameter %q in a share section is ignored", key))
			return nil
		}
		p.unknown(where, key)
	}
	if err != nil {
		return fmt.Errorf("%s: share %q: %s: %w", where, s.Name, key, err)
	}
	if !s.ReadOnly && s.Name != "" {
		return fmt.Errorf("%s: share %q: read only = no is not supported: zsmbd serves read-only shares", where, s.Name)
	}
	return nil
}

func isGlobalParam(key string) bool {
	switch key {
	case "smbports", "interfaces", "bindinterfacesonly", "serversigning", "serverminprotocol", "servermaxprotocol",
		"smbpasswdfile", "maptoguest", "netbiosname", "workgroup", "serverstring", "loglevel", "smb2maxread",
		"smb2maxcredits", "usesendfile", "readpath", "maxopenfiles":
		return true
	}
	return false
}

func (p *parser) warn(where, msg string) {
	p.cfg.Warnings = append(p.cfg.Warnings, where+": "+msg)
}

func (p *parser) unknown(where, key string) {
	p.warn(where, fmt.Sprintf("unknown parameter %q", key))
}

// finish checks what only the whole file can tell.
func (p *parser) finish() (*Config, error) {
	c := p.cfg
	for _, s := range c.Shares {
		if s.Path == "" {
			return nil, fmt.Errorf("%s:%d: share %q has no path", s.File, s.Line, s.Name)
		}
	}
	if c.Global.MinProtocol > c.Global.MaxProtocol {
		return nil, fmt.Errorf("server min protocol %s is above server max protocol %s",
			ProtocolName(c.Global.MinProtocol), ProtocolName(c.Global.MaxProtocol))
	}
	return c, nil
}

// parseBool accepts loadparm's booleans.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "yes", "true", "1", "on":
		return true, nil
	case "no", "false", "0", "off":
		return false, nil
	}
	return false, fmt.Errorf("bad boolean %q (want yes or no)", v)
}

// parseSize accepts a byte count with an optional k, m or g suffix.
func parseSize(v string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(strings.ToLower(v), "k"):
		mult, v = 1<<10, v[:len(v)-1]
	case strings.HasSuffix(strings.ToLower(v), "m"):
		mult, v = 1<<20, v[:len(v)-1]
	case strings.HasSuffix(strings.ToLower(v), "g"):
		mult, v = 1<<30, v[:len(v)-1]
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", v)
	}
	return n * mult, nil
}

// splitList splits a Samba list: separators are spaces, tabs and commas; double quotes group words
// ("Domain Users").
func splitList(v string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range v {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ' ' || r == '\t' || r == ','):
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}
