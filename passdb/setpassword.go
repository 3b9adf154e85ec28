package passdb

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// firstFreeUID is where uids for names without a Unix account start, as for regular users on
// Debian.
const firstFreeUID = 1000

// SetPassword adds user to the smbpasswd file at path or changes its password.
//
// The file is created 0600 (its parent directory 0700) when missing. Every other line stays
// byte-for-byte as it was, comments and unknown letters included, and the new file replaces the
// old one atomically (temporary file, fsync, rename), so a crash leaves either the old or the new
// file. Concurrent SetPassword calls on the same directory are serialized by flock on the
// directory. An existing file that does not parse is left untouched and reported.
//
// A new user gets the uid of the Unix account of the same name when there is one, else one
// more than the largest uid in the file but at least 1000. The line is written as Samba's
// smbpasswd tool writes it: LM hash as 32 'X' (zsmbd never stores LM hashes), flags "[U          ]",
// LCT of now. For an existing user (matched case-insensitively, keeping the name and uid as
// written) the 'D' and 'N' flags are cleared and the others kept: setting a password with Samba's
// smbpasswd re-enables the account and makes the password required in the same way.
func SetPassword(path, user, password string) error {
	return setPassword(path, user, password, time.Now(), lookupUID)
}

// lookupUID returns the uid of the Unix account named name.
func lookupUID(name string) (int, bool) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(u.Uid)
	return n, err == nil && n >= 0
}

// unixUIDTaken reports whether a Unix account has uid. Tests replace it.
var unixUIDTaken = func(uid int) bool {
	_, err := user.LookupId(strconv.Itoa(uid))
	return err == nil
}

// setPassword is SetPassword with the clock and the account lookup passed in, so tests do not
// depend on the time or on /etc/passwd.
func setPassword(path, user, password string, t time.Time, unixUID func(string) (int, bool)) error {
	if err := checkUserName(user); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()

	old, err := os.ReadFile(path)
	mode := fs.FileMode(0o600)
	uid, gid := -1, -1
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return err
	default:
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
			if st, ok := fi.Sys().(*unix.Stat_t); ok {
				uid, gid = int(st.Uid), int(st.Gid)
			}
		}
	}
	db, err := Parse(bytes.NewReader(old), path)
	if err != nil {
		return fmt.Errorf("not rewriting %s: %w", path, err)
	}
	updated := rewrite(old, db, user, NTHash(password), t, unixUID)
	return writeAtomic(path, updated, mode, uid, gid)
}

// checkUserName rejects names that would break the line format or that no client can send.
func checkUserName(user string) error {
	switch {
	case user == "":
		return errors.New("passdb: empty user name")
	case strings.ContainsAny(user, ":\r\n\x00"):
		return fmt.Errorf("passdb: user name %q contains ':' or a control character", user)
	case user[0] == '#':
		return fmt.Errorf("passdb: user name %q starts with '#'", user)
	case strings.TrimSpace(user) != user:
		return fmt.Errorf("passdb: user name %q has leading or trailing space", user)
	}
	return nil
}

// rewrite returns old with user's line replaced, or with a new line appended.
func rewrite(old []byte, db *DB, user string, nt [16]byte, t time.Time, unixUID func(string) (int, bool)) []byte {
	if e, ok := db.Lookup(user); ok {
		flags := strings.Map(func(r rune) rune {
			if r == FlagDisabled || r == FlagNoPassword {
				return -1
			}
			return r
		}, e.Flags)
		if flags == "" {
			flags = "U"
		}
		line := formatLine(e.Name, e.UID, nt, flags, t)
		var out []byte
		rest := old
		replaced := false
		for len(rest) > 0 {
			cur := rest
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				cur, rest = rest[:i+1], rest[i+1:]
			} else {
				rest = nil
			}
			// Parse picked the first line naming the user, so replace exactly that one.
			if !replaced {
				if pe, ok, _ := parseLine(strings.TrimSuffix(string(cur), "\n")); ok && strings.EqualFold(pe.Name, e.Name) {
					out = append(out, line...)
					replaced = true
					continue
				}
			}
			out = append(out, cur...)
		}
		return out
	}

	uid, ok := unixUID(user)
	if !ok {
		uid = firstFreeUID
		for _, e := range db.entries {
			if e.UID >= uid {
				uid = e.UID + 1
			}
		}
		// The uid is the session's Unix identity when there is no account of the name: never
		// hand out one that belongs to another Unix account (Debian's first user has 1000).
		for unixUIDTaken(uid) {
			uid++
		}
	}
	out := append([]byte(nil), old...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, formatLine(user, uid, nt, "U", t)...)
}

// lockDir takes an exclusive flock on dir. The lock lives on the directory, not the file,
// because the file is replaced by rename while the lock is held.
func lockDir(dir string) (unlock func(), err error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "flock", Path: dir, Err: err}
	}
	return func() { unix.Close(fd) }, nil
}

// writeAtomic writes data to a temporary file next to path and renames it over path, keeping
// the old file's mode and, when run as root, its owner.
func writeAtomic(path string, data []byte, mode fs.FileMode, uid, gid int) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if uid >= 0 && os.Geteuid() == 0 {
		if err = tmp.Chown(uid, gid); err != nil {
			return err
		}
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
