// Package config reads zsmbd's configuration: Samba's smb.conf syntax (loadparm) with Samba's parameter
// names, so an existing smb.conf mostly works unchanged. Unknown parameters are warnings, not errors,
// because real smb.conf files carry many; every error names file:line.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Signing is `server signing`.
type Signing int

// Values of `server signing`.
const (
	SigningAuto      Signing = iota // sign when the client asks (Samba's default and "default")
	SigningMandatory                // SIGNING_REQUIRED: unsigned requests on user sessions are refused
	SigningDisabled                 // offered but never required (SMB2 cannot switch signing off entirely)
)

// MapToGuest is `map to guest`.
type MapToGuest int

// Values of `map to guest`.
const (
	MapToGuestNever   MapToGuest = iota // unknown users fail to log on
	MapToGuestBadUser                   // unknown users log on as guest
)

// Encrypt is `server smb encrypt` (Samba's older name: `smb encrypt`), in [global] for sessions and
// per share for its trees. The values are ordered: each includes what the one below allows, and the
// zero value is Samba's default.
type Encrypt int

// Values of `server smb encrypt`.
const (
	EncryptOff        Encrypt = -1 // [global]: encryption is not offered; in a share: not asked for
	EncryptIfRequired Encrypt = 0  // Samba's default: offered, used when the client asks for it
	EncryptDesired    Encrypt = 1  // the client is told to encrypt, if it can
	EncryptRequired   Encrypt = 2  // ... and clients that cannot, and unencrypted requests, are refused
)

// String returns the value as testparm prints it.
func (e Encrypt) String() string {
	switch e {
	case EncryptOff:
		return "off"
	case EncryptDesired:
		return "desired"
	case EncryptRequired:
		return "required"
	}
	return "if_required"
}

// Global is the [global] section.
type Global struct {
	SMBPorts           []int    // `smb ports`; zsmbd serves direct TCP, so 139 is ignored (default 445)
	Interfaces         []string // `interfaces`, as written: addresses, networks or interface names
	BindInterfacesOnly bool     // `bind interfaces only`
	ServerSigning      Signing  // `server signing`
	// ServerSMBEncrypt is `server smb encrypt` in [global]: whether sessions may, should or must
	// encrypt. It is also the default of the shares' own setting.
	ServerSMBEncrypt Encrypt
	MinProtocol      uint16 // `server min protocol` (default SMB2_02)
	MaxProtocol      uint16 // `server max protocol` (default SMB3_11)
	// SMBPasswdFile is `smb passwd file`; the default is Samba's, /var/lib/samba/private/smbpasswd.
	SMBPasswdFile  string
	MapToGuest     MapToGuest // `map to guest`
	GuestAccount   string     // `guest account`, default nobody: whose Unix rights guests have
	NetBIOSName    string     // `netbios name`, default the upper-cased short host name
	Workgroup      string     // `workgroup`, default WORKGROUP
	ServerString   string     // `server string`, default "zsmbd"
	LogLevel       int        // `log level`: the first number of Samba's "3 auth:5" form
	SMB2MaxRead    int        // `smb2 max read`, default 8 MiB
	SMB2MaxCredits int        // `smb2 max credits`, default 8192, Samba's range 128..65528
	// UseSendfile is `use sendfile`. Samba defaults to no; zsmbd exists for its zero-copy path, so
	// here the default is yes. `use sendfile = no` means `read path = copy`.
	UseSendfile bool
	// ReadPath is `read path` (zsmbd's own): sendfile, splice, copy or mmap, default sendfile.
	// Without it, `use sendfile = no` makes it copy.
	ReadPath     string
	MaxOpenFiles int // `max open files` per session, default 16384
	// MaxConnections is `max smbd processes`: Samba serves each connection with one process, so it
	// caps the connections served at once. 0 (the default) is no limit.
	MaxConnections int
	// Deadtime is `deadtime` (minutes in smb.conf, default 10080): a connection with no open file
	// and no request on any of its trees for this long is closed, as smbd closes it. 0 or less is
	// Samba's fallback, one week.
	Deadtime time.Duration
	// ManglePrefix is `mangle prefix`: how many characters of a name lead its mangled name (see
	// Share.NoMangledNames), 1 to 6; 0 is Samba's default, 1.
	ManglePrefix int
	// UsernameMap is `username map`: the file mapping the names clients log on with to Unix names
	// (passdb.UsernameMap), read at each logon as Samba reads it. "" maps nothing.
	UsernameMap string
	// SocketOptions is `socket options`: set on every accepted connection, after TCP_NODELAY (Samba's
	// default list is that one option, which zsmbd always sets).
	SocketOptions []SocketOption
	// HostsAllow and HostsDeny in [global] decide which clients may connect at all; they are also
	// the defaults of the shares' own lists, which decide who may connect to each share.
	HostsAllow, HostsDeny Hosts
}

// Share is one share section.
type Share struct {
	Name, Path, Comment string
	ReadOnly            bool     // `read only`, default yes; no is refused (zsmbd serves read-only shares)
	GuestOK             bool     // `guest ok` / `public`, default no
	GuestOnly           bool     // `guest only` / `only guest`: every session has the guest account's rights here
	Browseable          bool     // `browseable` / `browsable`, default yes
	ValidUsers          []string // `valid users`: names, @group and +group entries as written
	InvalidUsers        []string // `invalid users`: the same forms; listed users are refused, even if valid
	SMBEncrypt          Encrypt  // `server smb encrypt` of the share: whether its trees should or must encrypt
	HostsAllow          Hosts    // `hosts allow` / `allow hosts`: the clients that may connect to the share
	HostsDeny           Hosts    // `hosts deny` / `deny hosts`: the clients that may not, unless allowed
	VetoFiles           Names    // `veto files`: names neither listed nor opened, as if they did not exist
	HideFiles           Names    // `hide files`: names listed with the hidden attribute
	ShowDotFiles        bool     // `hide dot files = no`; by default dot files are hidden, as in Samba
	NoFollowSymlinks    bool     // `follow symlinks = no`: symbolic links are neither listed nor followed
	NoChangeNotify      bool     // `change notify = no`: CHANGE_NOTIFY is refused (STATUS_NOT_IMPLEMENTED)
	NoOplocks           bool     // `oplocks = no`: no oplock is granted
	NoLevel2Oplocks     bool     // `level2 oplocks = no`: no level II oplock, the only kind zsmbd grants
	MaxConnections      int      // `max connections`: trees connected to the share at once, server-wide; 0 is no limit
	HideUnreadable      bool     // `hide unreadable`: listings leave out what the session may not read
	// AclAllowExecuteAlways is `acl allow execute always`: FILE_EXECUTE on a readable file whatever its mode.
	AclAllowExecuteAlways bool
	Unavailable           bool // `available = no`: the share is neither listed nor served
	// AccessBasedShareEnum is `access based share enum`: the share is listed only to sessions that may
	// connect to it.
	AccessBasedShareEnum bool
	ForceUser            string // `force user`: the Unix account whose rights every session has on the share
	ForceGroup           string // `force group` / `group`: the primary group they have there; "+name" only for members
	// NoMangledNames is `mangled names = no`: names no Windows client could use are left out of
	// listings. By default (Samba's `illegal`, and `yes`) they are listed under mangled 8.3 names.
	NoMangledNames bool
	// NoDOSAttributes is `store dos attributes = no`: the DOS attributes and creation times Samba
	// stored in user.DOSATTRIB are not read. By default they are, as smbd shows them.
	NoDOSAttributes bool
	ManglePrefix    int    // `mangle prefix`: characters of the name that lead its mangled name, 1 to 6; 0 is 1
	File            string // where the section starts
	Line            int
}

// Config is a whole configuration.
type Config struct {
	Global   Global
	Shares   []Share
	Warnings []string // "file:line: unknown parameter \"x\"", one per occurrence
}

// Default returns the defaults and no shares.
func Default() *Config {
	return &Config{Global: Global{
		SMBPorts:       []int{445},
		ServerSigning:  SigningAuto,
		MinProtocol:    defaultMinProtocol,
		MaxProtocol:    defaultMaxProtocol,
		SMBPasswdFile:  "/var/lib/samba/private/smbpasswd",
		GuestAccount:   "nobody",
		NetBIOSName:    defaultNetBIOSName(),
		Workgroup:      "WORKGROUP",
		ServerString:   "zsmbd",
		LogLevel:       1,
		SMB2MaxRead:    8 << 20,
		SMB2MaxCredits: 8192,
		UseSendfile:    true,
		ReadPath:       "sendfile",
		MaxOpenFiles:   16384,
		Deadtime:       DefaultDeadtime,
	}}
}

// DefaultDeadtime is `deadtime`'s default, 10080 minutes, and what smbd uses for 0
// (DEFAULT_SMBD_TIMEOUT).
const DefaultDeadtime = 7 * 24 * time.Hour

func defaultNetBIOSName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "ZSMBD"
	}
	h, _, _ = strings.Cut(h, ".")
	h = strings.ToUpper(h)
	if len(h) > 15 {
		h = h[:15]
	}
	return h
}

// Share finds a share by name, case-insensitively.
func (c *Config) Share(name string) (*Share, bool) {
	for i := range c.Shares {
		if strings.EqualFold(c.Shares[i].Name, name) {
			return &c.Shares[i], true
		}
	}
	return nil, false
}

// Dialect revisions as MS-SMB2 2.2.3 numbers them.
const (
	defaultMinProtocol = 0x0202 // Samba's default `server min protocol`, SMB2_02
	defaultMaxProtocol = 0x0311 // Samba's default `server max protocol`, SMB3 = SMB3_11
)

var protocols = []struct {
	name, dotted string
	id           uint16
}{
	{"SMB2_02", "2.0.2", 0x0202}, {"SMB2_10", "2.1", 0x0210}, {"SMB3_00", "3.0", 0x0300},
	{"SMB3_02", "3.0.2", 0x0302}, {"SMB3_11", "3.1.1", 0x0311},
}

// ParseProtocol parses a dialect name: Samba's names (SMB2_02, SMB2_10, SMB3_00, SMB3_02,
// SMB3_11, any case), the dotted versions (2.0.2, 2.1, 3.0, 3.0.2, 3.1.1) and the hex revisions
// of MS-SMB2 2.2.3 (0x0311). As in Samba, "SMB2" means SMB2_10 and "SMB3" means SMB3_11, as a
// minimum as well as a maximum. SMB1 names (NT1, LANMAN1, ...) are an error: zsmbd does not serve
// SMB1. Samba's "default" depends on which bound it sets and is handled by the config parser.
func ParseProtocol(s string) (uint16, error) {
	for _, p := range protocols {
		if strings.EqualFold(s, p.name) || s == p.dotted || strings.EqualFold(s, fmt.Sprintf("0x%04x", p.id)) {
			return p.id, nil
		}
	}
	switch strings.ToUpper(s) {
	case "SMB2":
		return 0x0210, nil
	case "SMB3":
		return 0x0311, nil
	case "NT1", "LANMAN1", "LANMAN2", "CORE", "COREPLUS", "SMB1":
		return 0, fmt.Errorf("protocol %s is SMB1, which zsmbd does not serve", s)
	}
	return 0, fmt.Errorf("unknown protocol %q (want SMB2_02, SMB2_10, SMB3_00, SMB3_02 or SMB3_11)", s)
}

// ProtocolName returns Samba's name of a dialect revision ("SMB3_11"), or its hex value
// ("0x02FF") when it has none.
func ProtocolName(d uint16) string {
	for _, p := range protocols {
		if p.id == d {
			return p.name
		}
	}
	return fmt.Sprintf("0x%04X", d)
}
