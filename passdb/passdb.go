// Package passdb reads and writes Samba's smbpasswd file: one line per user holding the NT hash
// (MD4 of the UTF-16LE password) that NTLM authentication needs, so a file kept by Samba's own
// smbpasswd tool works unchanged with zsmbd and the other way round.
//
// A line reads
//
//	name:uid:LMHASH:NTHASH:[flags      ]:LCT-XXXXXXXX:
//
// where each hash is 32 hex digits, or 32 'X' (or a leading '*') for none, and the LM field may
// read "NO PASSWORD" followed by 'X's. The flags are account-control letters inside brackets,
// space-padded to 11 characters; LCT is the last password change as hex Unix seconds. Lines
// starting with '#' and blank lines are skipped. The format is documented in smbpasswd(5).
package passdb

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// Account-control letters as Samba writes them inside the flags brackets (pdb_encode_acct_ctrl).
const (
	FlagNoPassword   = 'N' // ACB_PWNOTREQ: no password required
	FlagDisabled     = 'D' // ACB_DISABLED
	FlagHomeDirReq   = 'H' // ACB_HOMDIRREQ
	FlagTempDup      = 'T' // ACB_TEMPDUP
	FlagNormal       = 'U' // ACB_NORMAL: an ordinary user account
	FlagMNS          = 'M' // ACB_MNS: MNS logon account
	FlagWSTrust      = 'W' // ACB_WSTRUST: workstation trust account
	FlagSvrTrust     = 'S' // ACB_SVRTRUST: server trust account
	FlagAutoLock     = 'L' // ACB_AUTOLOCK: locked out
	FlagNoExpire     = 'X' // ACB_PWNOEXP: password does not expire
	FlagDomainTrust  = 'I' // ACB_DOMTRUST: interdomain trust account
	flagFieldLetters = 11  // width of the space-padded flags between the brackets
)

// Entry is one user of an smbpasswd file.
type Entry struct {
	// Name is the user name as written in the file.
	Name string
	// UID is the Unix uid recorded for the user.
	UID int
	// NTHash is MD4(UTF-16LE(password)); meaningful only when HasNT is true.
	NTHash [16]byte
	// HasNT is false when the NT field holds 'X's (no password set).
	HasNT bool
	// Flags holds the account-control letters in the order written, without brackets or
	// padding, e.g. "U" or "DU".
	Flags string
	// Disabled is true when Flags contains 'D'.
	Disabled bool
	// NoPassword is true when Flags contains 'N' (old-format lines: when the LM field
	// reads "NO PASSWORD").
	NoPassword bool
	// LastChange is the LCT field, the zero Time when the line has none.
	LastChange time.Time
}

// DB is a parsed smbpasswd file. It is read-only after Parse and safe for concurrent use.
type DB struct {
	entries []Entry
	byName  map[string]int // strings.ToLower(name) → index into entries
}

// Load parses the smbpasswd file at path. A missing file is an error like any other: whether a
// server may run without users is for the caller to decide.
func Load(path string) (*DB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

// maxLine bounds one line of an smbpasswd file; real lines are about 100 bytes.
const maxLine = 64 << 10

// Parse reads an smbpasswd file from r; name is used in error messages ("name:line: ...").
// Samba skips a malformed line with a debug message; Parse rejects it, because a silently
// dropped line is a user who cannot log in and nobody knows why. When a name appears twice the
// first line wins, as in Samba's lookup.
func Parse(r io.Reader, name string) (*DB, error) {
	db := &DB{byName: make(map[string]int)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		e, ok, err := parseLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		if !ok {
			continue
		}
		key := strings.ToLower(e.Name)
		if _, dup := db.byName[key]; dup {
			continue
		}
		db.byName[key] = len(db.entries)
		db.entries = append(db.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	return db, nil
}

// Lookup returns the entry for user, compared case-insensitively as Samba does.
func (db *DB) Lookup(user string) (Entry, bool) {
	if db == nil {
		return Entry{}, false
	}
	i, ok := db.byName[strings.ToLower(user)]
	if !ok {
		return Entry{}, false
	}
	return db.entries[i], true
}

// Users returns the user names in file order.
func (db *DB) Users() []string {
	if db == nil {
		return nil
	}
	names := make([]string, len(db.entries))
	for i, e := range db.entries {
		names[i] = e.Name
	}
	return names
}

// NTHash returns MD4(UTF-16LE(password)), the NT one-way function of MS-NLMP 3.3.1 (NTOWFv1),
// which is also the key NTOWFv2 starts from. Invalid UTF-8 is encoded as U+FFFD.
func NTHash(password string) [16]byte {
	u := utf16.Encode([]rune(password))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i] = byte(c)
		b[2*i+1] = byte(c >> 8)
	}
	h := md4.New()
	h.Write(b)
	var out [16]byte
	h.Sum(out[:0])
	return out
}

// parseLine parses one line. ok is false for blank and comment lines.
func parseLine(line string) (e Entry, ok bool, err error) {
	line = strings.TrimSuffix(line, "\r")
	if strings.TrimSpace(line) == "" || line[0] == '#' {
		return Entry{}, false, nil
	}
	fields := strings.Split(line, ":")
	if len(fields) < 4 {
		return Entry{}, false, fmt.Errorf("want name:uid:LMHASH:NTHASH:[flags]:LCT-time:, got %d fields", len(fields))
	}
	e.Name = fields[0]
	if e.Name == "" {
		return Entry{}, false, fmt.Errorf("empty user name")
	}
	uid, err := strconv.Atoi(fields[1])
	if err != nil || uid < 0 || fields[1][0] == '+' {
		return Entry{}, false, fmt.Errorf("user %q: bad uid %q", e.Name, fields[1])
	}
	e.UID = uid

	lmNoPassword, err := checkLM(fields[2])
	if err != nil {
		return Entry{}, false, fmt.Errorf("user %q: LM hash: %w", e.Name, err)
	}
	e.NTHash, e.HasNT, err = parseHash(fields[3])
	if err != nil {
		return Entry{}, false, fmt.Errorf("user %q: NT hash: %w", e.Name, err)
	}

	if len(fields) < 5 || !strings.HasPrefix(fields[4], "[") {
		// An old-format line without flags: Samba treats it as a normal account, or as a
		// workstation trust account when the name ends in '$', and takes "NO PASSWORD" in the
		// LM field as the no-password flag.
		e.Flags = "U"
		if strings.HasSuffix(e.Name, "$") {
			e.Flags = "W"
		}
		if lmNoPassword {
			e.Flags = "N" + e.Flags
			e.NoPassword = true
		}
		return e, true, nil
	}

	inner, found := strings.CutSuffix(fields[4][1:], "]") // the '[' is there: checked above
	if !found {
		return Entry{}, false, fmt.Errorf("user %q: flags %q lack the closing ']'", e.Name, fields[4])
	}
	var letters strings.Builder
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		switch {
		case c == ' ':
		case c >= 'A' && c <= 'Z':
			letters.WriteByte(c)
		default:
			return Entry{}, false, fmt.Errorf("user %q: bad flag %q", e.Name, c)
		}
	}
	e.Flags = letters.String()
	if e.Flags == "" {
		e.Flags = "U" // Samba: "must have some account flags"
	}
	e.Disabled = strings.IndexByte(e.Flags, FlagDisabled) >= 0
	e.NoPassword = strings.IndexByte(e.Flags, FlagNoPassword) >= 0

	// Like Samba, an LCT field that is not exactly "LCT-" and 8 hex digits is ignored rather
	// than rejected: it is informational only.
	if len(fields) >= 6 {
		if hexTime, ok := strings.CutPrefix(fields[5], "LCT-"); ok && len(hexTime) == 8 {
			if t, err := strconv.ParseUint(hexTime, 16, 32); err == nil {
				e.LastChange = time.Unix(int64(t), 0).UTC()
			}
		}
	}
	return e, true, nil
}

// checkLM validates the LM field. zsmbd never uses LM hashes; it only reports whether the
// field reads "NO PASSWORD".
func checkLM(f string) (noPassword bool, err error) {
	if strings.HasPrefix(f, "NO PASSWORD") {
		return true, nil
	}
	_, _, err = parseHash(f)
	return false, err
}

// parseHash parses a 32-hex-digit hash field; 'X' or '*' in the first position means none.
func parseHash(f string) (h [16]byte, ok bool, err error) {
	if len(f) != 32 {
		return h, false, fmt.Errorf("want 32 characters, got %d", len(f))
	}
	if f[0] == 'X' || f[0] == '*' {
		return h, false, nil
	}
	if _, err := hex.Decode(h[:], []byte(f)); err != nil {
		return h, false, fmt.Errorf("not hex: %q", f)
	}
	return h, true, nil
}

// formatLine renders an entry the way Samba's smbpasswd tool writes it: no LM hash, upper-case
// hex NT hash, flags padded to 11 letters, LCT as 8 upper-case hex digits, trailing colon.
func formatLine(name string, uid int, nt [16]byte, flags string, lct time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s:%d:%s:%s:[%-*s]:LCT-%08X:\n", name, uid, strings.Repeat("X", 32),
		strings.ToUpper(hex.EncodeToString(nt[:])), flagFieldLetters, flags, uint32(lct.Unix()))
	return b.Bytes()
}
