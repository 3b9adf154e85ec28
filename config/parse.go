package config

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
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
	cfg   *Config
	share *Share // nil while in [global]
	// defaults holds the share parameters set in [global]. As in Samba, a share section starts
	// from a copy of them as they stand when the section begins.
	defaults    Share
	including   map[string]bool
	readPathSet bool
}

// maxIncludeDepth stops include chains that a loop check by name cannot see (symbolic links).
const maxIncludeDepth = 16

func newParser() *parser {
	return &parser{
		cfg:       Default(),
		defaults:  Share{ReadOnly: true, Browseable: true},
		including: make(map[string]bool),
	}
}

func (p *parser) parse(r io.Reader, file string) error {
	if abs, err := filepath.Abs(file); err == nil {
		if p.including[abs] {
			return fmt.Errorf("%s: include loop", file)
		}
		if len(p.including) >= maxIncludeDepth {
			return fmt.Errorf("%s: includes nested deeper than %d", file, maxIncludeDepth)
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
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF") // a UTF-8 byte order mark
		}
		if cont.Len() == 0 {
			start = n
		}
		// A trailing backslash continues the line (loadparm), except on a comment line.
		if cont.Len() == 0 && isComment(line) {
			continue
		}
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
	if t == "" || isComment(t) {
		return nil
	}
	where := fmt.Sprintf("%s:%d", file, n)
	if t[0] == '[' {
		end := strings.IndexByte(t, ']')
		if end < 0 {
			return fmt.Errorf("%s: section header without ]", where)
		}
		// loadparm folds runs of white space inside a section name into one space.
		name := strings.Join(strings.Fields(t[1:end]), " ")
		return p.section(name, file, n)
	}
	key, value, ok := strings.Cut(t, "=")
	if !ok {
		return fmt.Errorf("%s: expected \"parameter = value\"", where)
	}
	written := strings.Join(strings.Fields(key), " ")
	key, value = canonicalKey(key), collapseSpace(strings.TrimSpace(value))
	if key == "" {
		return fmt.Errorf("%s: expected \"parameter = value\"", where)
	}
	if key == "include" {
		path := unquote(value)
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
		return p.global(key, written, value, where)
	}
	return p.shareParam(key, written, value, where)
}

func (p *parser) section(name, file string, n int) error {
	if name == "" || len(name) > maxShareName || strings.ContainsAny(name, `/\[]:|<>+=;,*?"`) ||
		strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%s:%d: invalid section name %q", file, n, name)
	}
	switch strings.ToLower(name) {
	case "global":
		p.share = nil
		return nil
	case "homes", "printers":
		p.cfg.Warnings = append(p.cfg.Warnings, fmt.Sprintf("%s:%d: [%s] is not supported; section ignored", file, n, name))
		p.share = &Share{} // parsed and dropped
		return nil
	case "ipc$":
		return fmt.Errorf("%s:%d: [%s] is reserved: the server provides IPC$ itself", file, n, name)
	}
	if s, ok := p.cfg.Share(name); ok {
		p.share = s // a repeated section extends the first, as in Samba
		return nil
	}
	s := p.defaults
	s.ValidUsers = slices.Clone(s.ValidUsers)
	s.InvalidUsers = slices.Clone(s.InvalidUsers)
	s.Name, s.File, s.Line = name, file, n
	p.cfg.Shares = append(p.cfg.Shares, s)
	p.share = &p.cfg.Shares[len(p.cfg.Shares)-1]
	return nil
}

// maxShareName is the longest share name Windows accepts (NetShareAdd, 80 characters).
const maxShareName = 80

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

func (p *parser) global(key, written, value, where string) error {
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
		g.ServerSigning, err = parseSigning(value)
	case "serverminprotocol", "minprotocol":
		if strings.EqualFold(value, "default") {
			g.MinProtocol = defaultMinProtocol
		} else {
			g.MinProtocol, err = ParseProtocol(value)
		}
	case "servermaxprotocol", "maxprotocol", "protocol":
		if strings.EqualFold(value, "default") {
			g.MaxProtocol = defaultMaxProtocol
		} else {
			g.MaxProtocol, err = ParseProtocol(value)
		}
	case "smbpasswdfile":
		g.SMBPasswdFile = unquote(value)
	case "passdbbackend":
		// Samba's "smbpasswd:/path" names the file too; any other backend keeps its users where
		// zsmbd cannot read them.
		backend, arg, _ := strings.Cut(unquote(value), ":")
		switch {
		case !strings.EqualFold(strings.TrimSpace(backend), "smbpasswd"):
			p.warn(where, fmt.Sprintf("passdb backend = %s: zsmbd reads only smbpasswd files (smb passwd file = %s)", value, g.SMBPasswdFile))
		case strings.TrimSpace(arg) != "":
			g.SMBPasswdFile = strings.TrimSpace(arg)
		}
	case "security":
		if !strings.EqualFold(value, "user") && !strings.EqualFold(value, "auto") {
			p.warn(where, fmt.Sprintf("security = %s is not supported; zsmbd authenticates users from its smbpasswd file", value))
		}
	case "maptoguest":
		switch enumKey(value) {
		case "never":
			g.MapToGuest = MapToGuestNever
		case "baduser":
			g.MapToGuest = MapToGuestBadUser
		case "badpassword", "baduid":
			p.warn(where, fmt.Sprintf("map to guest = %s is not supported; using never", value))
			g.MapToGuest = MapToGuestNever
		default:
			err = fmt.Errorf("bad value %q (want never or bad user)", value)
		}
	case "guestaccount":
		g.GuestAccount = unquote(value)
	case "netbiosname":
		v := unquote(value)
		if v == "" || len(v) > 15 {
			err = fmt.Errorf("%q: want 1 to 15 characters", v)
		}
		g.NetBIOSName = strings.ToUpper(v)
	case "workgroup":
		g.Workgroup = strings.ToUpper(unquote(value))
	case "serverstring":
		g.ServerString = unquote(value)
	case "loglevel", "debuglevel":
		// Samba: "3 auth:5 passdb:4" sets 3 for everything not named; classes are not ours.
		f := strings.Fields(value)
		switch {
		case len(f) == 0:
			err = fmt.Errorf("empty")
		case strings.Contains(f[0], ":"):
			// Only per-class levels: the overall level stays as it was.
		default:
			g.LogLevel, err = parseInt(f[0])
			if err == nil && g.LogLevel < 0 {
				err = fmt.Errorf("negative level %d", g.LogLevel)
			}
		}
	case "smb2maxread":
		g.SMB2MaxRead, err = parseSize(value)
		if err == nil && (g.SMB2MaxRead < 64<<10 || g.SMB2MaxRead > 8<<20) {
			p.warn(where, "smb2 max read: clamped to 64 KiB..8 MiB")
			g.SMB2MaxRead = min(max(g.SMB2MaxRead, 64<<10), 8<<20)
		}
	case "smb2maxcredits":
		g.SMB2MaxCredits, err = parseInt(value)
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
			p.readPathSet = true
		default:
			err = fmt.Errorf("bad value %q (want sendfile, splice, copy or mmap)", value)
		}
	case "maxopenfiles":
		g.MaxOpenFiles, err = parseInt(value)
		if err == nil && g.MaxOpenFiles < 1 {
			err = fmt.Errorf("want a positive number, got %d", g.MaxOpenFiles)
		}
	case "maxsmbdprocesses":
		g.MaxConnections, err = parseInt(value)
		if err == nil && g.MaxConnections < 0 {
			p.warn(where, written+": a negative limit is no limit")
			g.MaxConnections = 0
		}
	case "socketoptions":
		g.SocketOptions, err = p.parseSocketOptions(where, value)
	case "usernamemap":
		g.UsernameMap = unquote(value)
	case "mangleprefix":
		g.ManglePrefix, err = parseInt(value)
		if n := min(max(g.ManglePrefix, 1), 6); err == nil && n != g.ManglePrefix {
			p.warn(where, fmt.Sprintf("%s = %s: not 1 to 6, read as %d, as in Samba", written, value, n))
			g.ManglePrefix = n
		}
	case "deadtime":
		var m int
		if m, err = parseInt(value); err == nil {
			g.Deadtime = DefaultDeadtime
			if m > 0 {
				g.Deadtime = time.Duration(min(m, 1<<27)) * time.Minute // 255 years: no overflow
			}
		}
	default:
		if isShareParam(key) {
			// In [global] a share parameter is the default for the shares that follow.
			return p.applyShareParam(&p.defaults, key, written, value, where, "")
		}
		p.other(where, key, written)
	}
	if err != nil {
		return fmt.Errorf("%s: %s: %w", where, written, err)
	}
	return nil
}

func isShareParam(key string) bool {
	switch key {
	case "path", "directory", "comment", "readonly", "writeable", "writable", "writeok", "guestok", "public",
		"validusers", "browseable", "browsable", "guestonly", "onlyguest", "serversmbencrypt", "smbencrypt",
		"hostsallow", "allowhosts", "hostsdeny", "denyhosts", "invalidusers", "vetofiles", "hidefiles",
		"hidedotfiles", "followsymlinks", "widelinks", "changenotify", "oplocks", "level2oplocks",
		"maxconnections", "forceuser", "forcegroup", "group", "hideunreadable", "available",
		"accessbasedshareenum", "aclallowexecutealways", "manglednames", "storedosattributes":
		return true
	}
	return false
}

func (p *parser) shareParam(key, written, value, where string) error {
	if p.share.Name == "" {
		return nil // inside an ignored section ([homes], [printers])
	}
	if isGlobalParam(key) {
		p.warn(where, fmt.Sprintf("global parameter %q in share section %q is ignored", written, p.share.Name))
		return nil
	}
	if !isShareParam(key) {
		p.other(where, key, written)
		return nil
	}
	return p.applyShareParam(p.share, key, written, value, where, p.share.Name)
}

// applyShareParam sets a share parameter on s: a share, or the defaults when name is "".
func (p *parser) applyShareParam(s *Share, key, written, value, where, name string) error {
	var err error
	switch key {
	case "path", "directory":
		s.Path = unquote(value)
	case "comment":
		s.Comment = unquote(value)
	case "readonly":
		s.ReadOnly, err = parseBool(value)
	case "writeable", "writable", "writeok":
		s.ReadOnly, err = parseNegated(value)
	case "guestok", "public":
		s.GuestOK, err = parseBool(value)
	case "browseable", "browsable":
		s.Browseable, err = parseBool(value)
	case "validusers":
		s.ValidUsers = splitList(value)
	case "invalidusers":
		s.InvalidUsers = splitList(value)
	case "vetofiles":
		s.VetoFiles = ParseNames(value)
	case "hidefiles":
		s.HideFiles = ParseNames(value)
	case "followsymlinks":
		s.NoFollowSymlinks, err = parseNegated(value)
	case "widelinks":
		var wide bool
		if wide, err = parseBool(value); err == nil && wide {
			p.warn(where, written+" = yes is not supported: symbolic links that leave the share stay unresolved")
		}
	case "oplocks":
		s.NoOplocks, err = parseNegated(value)
	case "level2oplocks":
		s.NoLevel2Oplocks, err = parseNegated(value)
	case "changenotify":
		s.NoChangeNotify, err = parseNegated(value)
	case "hidedotfiles":
		s.ShowDotFiles, err = parseNegated(value)
	case "hostsallow", "allowhosts", "hostsdeny", "denyhosts":
		var h Hosts
		var warnings []string
		if h, warnings, err = ParseHosts(value); err != nil {
			break
		}
		for _, w := range warnings {
			p.warn(where, written+": "+w)
		}
		allow := key == "hostsallow" || key == "allowhosts"
		switch {
		case allow && name == "":
			s.HostsAllow, p.cfg.Global.HostsAllow = h, h // in [global] it also decides who may connect
		case allow:
			s.HostsAllow = h
		case name == "":
			s.HostsDeny, p.cfg.Global.HostsDeny = h, h
		default:
			s.HostsDeny = h
		}
	case "maxconnections":
		s.MaxConnections, err = parseInt(value)
		if err == nil && s.MaxConnections < 0 {
			p.warn(where, written+": a negative limit is no limit, as in Samba")
			s.MaxConnections = 0
		}
	case "aclallowexecutealways":
		s.AclAllowExecuteAlways, err = parseBool(value)
	case "accessbasedshareenum":
		s.AccessBasedShareEnum, err = parseBool(value)
	case "hideunreadable":
		s.HideUnreadable, err = parseBool(value)
	case "storedosattributes":
		s.NoDOSAttributes, err = parseNegated(value)
	case "manglednames":
		// Samba's values are yes, no and illegal (its default). zsmbd gives no 8.3 names to long
		// names that are legal, so yes and illegal are the same here.
		on := true
		if !strings.EqualFold(value, "illegal") {
			on, err = parseBool(value)
		}
		s.NoMangledNames = !on
	case "available":
		s.Unavailable, err = parseNegated(value)
	case "forceuser":
		s.ForceUser = unquote(value)
	case "forcegroup", "group":
		s.ForceGroup = unquote(value)
	case "guestonly", "onlyguest":
		s.GuestOnly, err = parseBool(value)
	case "serversmbencrypt", "smbencrypt":
		s.SMBEncrypt, err = parseEncrypt(value)
		if err == nil && name == "" {
			p.cfg.Global.ServerSMBEncrypt = s.SMBEncrypt // in [global] it also sets the sessions' level
		}
	}
	in := ""
	if name != "" {
		in = fmt.Sprintf("share %q: ", name)
	}
	if err != nil {
		return fmt.Errorf("%s: %s%s: %w", where, in, written, err)
	}
	if !s.ReadOnly {
		return fmt.Errorf("%s: %sread only = no is not supported: zsmbd serves read-only shares", where, in)
	}
	return nil
}

func isGlobalParam(key string) bool {
	switch key {
	case "smbports", "interfaces", "bindinterfacesonly", "serversigning", "serverminprotocol", "servermaxprotocol",
		"smbpasswdfile", "maptoguest", "netbiosname", "workgroup", "serverstring", "loglevel", "smb2maxread",
		"smb2maxcredits", "usesendfile", "readpath", "maxopenfiles", "maxsmbdprocesses", "minprotocol", "maxprotocol", "protocol",
		"passdbbackend", "security", "debuglevel", "guestaccount", "mangleprefix", "usernamemap":
		return true
	}
	return false
}

func (p *parser) warn(where, msg string) {
	p.cfg.Warnings = append(p.cfg.Warnings, where+": "+msg)
}

// other reports a parameter zsmbd does not implement: Samba parameters it knows to be harmless
// to ignore get their own message, anything else is unknown.
func (p *parser) other(where, key, written string) {
	if why, ok := accessListParams[key]; ok {
		p.warn(where, fmt.Sprintf("parameter %q %s", written, why))
		return
	}
	if ignoredSambaParams[key] {
		p.warn(where, fmt.Sprintf("parameter %q is not used by zsmbd; ignored", written))
		return
	}
	p.warn(where, fmt.Sprintf("unknown parameter %q", written))
}

// accessListParams are Samba's lists of users with more or other rights than the share gives, which
// zsmbd does not implement, and what that means for the users they name.
var accessListParams = map[string]string{
	"readlist":   "changes nothing here: every share is read-only, for everyone",
	"writelist":  "is not supported: zsmbd's shares are read-only, for these users too",
	"adminusers": "is not supported: these users keep their own rights, not root's",
}

// ignoredSambaParams are common Samba parameters (those of Debian's stock smb.conf among them)
// that have no effect on a read-only SMB2 file server, keyed by canonicalKey. Parameters that
// restrict access (admin users, read list, ...) are deliberately absent: ignoring them opens
// a share wider than its author meant, so they stay "unknown parameter" warnings.
var ignoredSambaParams = map[string]bool{
	"serverrole": true, "logfile": true, "maxlogsize": true, "logging": true, "panicaction": true,
	"obeypamrestrictions": true, "unixpasswordsync": true, "passwdprogram": true, "passwdchat": true,
	"pampasswordchange": true, "usershareallowguests": true, "dnsproxy": true, "createmask": true,
	"createmode": true, "directorymask": true, "directorymode": true, "forcecreatemode": true,
	"forcedirectorymode": true, "printable": true, "printing": true, "loadprinters": true,
	"printcapname": true, "disablespoolss": true, "winssupport": true,
	"winsserver": true, "localmaster": true, "preferredmaster": true, "domainmaster": true,
	"oslevel": true, "idmapconfig": true, "idmapconfig*:backend": true,
	"idmapconfig*:range": true, "disablenetbios": true, "ntlmauth": true, "lanmanauth": true,
	"unixextensions": true, "eadosattributes": true,
	"vfsobjects": true, "privatedir": true, "lockdirectory": true, "statedirectory": true,
	"cachedirectory": true, "piddirectory": true, "ncalrpcdir": true, "aioreadsize": true,
	"aiowritesize": true, "strictlocking": true,
	"kerneloplocks": true, "casesensitive": true, "preservecase": true, "shortpreservecase": true,
	"defaultcase":       true,
	"clientminprotocol": true, "clientmaxprotocol": true,
	"clientsigning": true, "clientipcsigning": true, "serverservices": true, "dcerpcendpointservers": true,
	"usersharepath": true, "usersharemaxshares": true, "usershareowneronly": true,
	"restrictanonymous": true, "nullpasswords": true, "encryptpasswords": true, "unixcharset": true,
	"doscharset": true, "syslog": true, "syslogonly": true,
}

// finish checks what only the whole file can tell.
func (p *parser) finish() (*Config, error) {
	c := p.cfg
	for _, s := range c.Shares {
		if s.Path == "" {
			return nil, fmt.Errorf("%s:%d: share %q has no path", s.File, s.Line, s.Name)
		}
	}
	if !p.readPathSet && !c.Global.UseSendfile {
		c.Global.ReadPath = "copy"
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

// parseNegated parses a boolean and returns its negation, for the fields that record a parameter's
// non-default value (`oplocks = no` is NoOplocks).
func parseNegated(v string) (bool, error) {
	b, err := parseBool(v)
	return !b && err == nil, err
}

// parseInt parses a decimal number.
func parseInt(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", v)
	}
	return n, nil
}

// parseSize accepts a byte count with an optional k, m or g suffix (Samba's "1m").
func parseSize(v string) (int, error) {
	num, mult := v, 1
	switch strings.ToLower(v[max(len(v)-1, 0):]) {
	case "k":
		num, mult = v[:len(v)-1], 1<<10
	case "m":
		num, mult = v[:len(v)-1], 1<<20
	case "g":
		num, mult = v[:len(v)-1], 1<<30
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 || n > math.MaxInt32/mult {
		return 0, fmt.Errorf("bad size %q", v)
	}
	return n * mult, nil
}

// splitList splits a Samba list: separators are spaces, tabs, commas and semicolons; double quotes group words
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
		case !quoted && (r == ' ' || r == '\t' || r == ',' || r == ';'):
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// unquote strips one pair of double quotes around a whole string value, as Samba's lp_string
// does ("path = \"/srv/my files\""), unless the value has quotes inside too.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && !strings.Contains(v[1:len(v)-1], `"`) {
		return v[1 : len(v)-1]
	}
	return v
}

// enumKey folds an enumerated value the way loadparm compares them: case and white space do not
// count ("Bad User" = "baduser"), and neither do underscores here.
func enumKey(v string) string { return canonicalKey(v) }

// parseSigning maps `server signing` values to Signing, with every spelling Samba's
// enum_smb_signing_vals accepts (checked against testparm in TestSambaAgrees).
func parseSigning(v string) (Signing, error) {
	switch enumKey(v) {
	case "default", "auto", "ifrequired", "yes", "true", "1", "on", "enabled", "desired":
		return SigningAuto, nil
	case "mandatory", "required", "force", "forced", "enforced":
		return SigningMandatory, nil
	case "disabled", "no", "false", "0", "off":
		return SigningDisabled, nil
	}
	return 0, fmt.Errorf("bad value %q (want auto, mandatory or disabled)", v)
}

// parseEncrypt maps `server smb encrypt` values to Encrypt, with every spelling Samba's
// enum_smb_encryption_vals accepts (checked against testparm in TestSambaAgrees); "default" is
// if_required for a server.
func parseEncrypt(v string) (Encrypt, error) {
	switch enumKey(v) {
	case "default", "ifrequired", "auto", "yes", "true", "1", "on", "enabled":
		return EncryptIfRequired, nil
	case "desired":
		return EncryptDesired, nil
	case "required", "mandatory", "force", "forced", "enforced":
		return EncryptRequired, nil
	case "off", "no", "false", "0", "disabled":
		return EncryptOff, nil
	}
	return 0, fmt.Errorf("bad value %q (want off, if_required, desired or required)", v)
}

// isComment reports whether a line is a comment: '#' or ';' first after white space.
func isComment(line string) bool {
	t := strings.TrimLeft(line, " \t")
	return t != "" && (t[0] == '#' || t[0] == ';')
}

// collapseSpace shortens each run of spaces and tabs to its first character, as loadparm does
// to values ("a    b" reads "a b").
func collapseSpace(v string) string {
	var b strings.Builder
	prevSpace := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		space := c == ' ' || c == '\t'
		if !(space && prevSpace) {
			b.WriteByte(c)
		}
		prevSpace = space
	}
	return b.String()
}
