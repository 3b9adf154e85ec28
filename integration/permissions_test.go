package integration

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/smb/ntlm"
)

// primaryGID is the primary gid zsmbd gives a user session (server/identity.go): the Unix account's of
// that name, else 65534.
func primaryGID(t testing.TB, name string) int {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		return 65534
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	return gid
}

// rootUIDUser is a smbpasswd user with no Unix account whose line carries uid 0, as an smbpasswd file
// written by hand, or by a `zsmbd passwd` that did not yet avoid the uids of Unix accounts, can.
const rootUIDUser, rootUIDPass = "mallory", "pw-of-mallory"

// TestUnixPermissions: zsmbd runs as root, but a session has only its Unix identity's rights, as with
// Samba: guest the guest account's (nobody), a user their account's or smbpasswd uid's. A file or
// directory the identity may not read is STATUS_ACCESS_DENIED on CREATE, a directory it may read but
// not search on QUERY_DIRECTORY, and what it may read reads as on disk.
func TestUnixPermissions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skipf("needs root to give files owners and to show that a root server still refuses them; running as uid %d", os.Geteuid())
	}
	opt, dir := withShare(t, "perms")
	guestGID := primaryGID(t, "nobody")
	var userGID int
	write := func(name string, mode os.FileMode, gid int) []byte {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		data := []byte("contents of " + name + "\n")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, 0, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return data
	}
	public := write("public.txt", 0o644, 0)
	write("noperm.txt", 0, 0)
	write("rootonly.txt", 0o600, 0)
	write("group-root.txt", 0o640, 0)
	groupGuest := write("group-guest.txt", 0o640, guestGID)
	write("secret/inside.txt", 0o644, 0)
	write("nosearch/inside.txt", 0o644, 0)
	for d, mode := range map[string]os.FileMode{"secret": 0o700, "nosearch": 0o744} {
		if err := os.Chmod(filepath.Join(dir, d), mode); err != nil {
			t.Fatal(err)
		}
	}
	var groupUser []byte
	tg := startServer(t, opt, func(c *config.Config) {
		users, err := passdb.Load(c.Global.SMBPasswdFile)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := users.Lookup(testUser); !ok {
			t.Fatalf("no %s in %s", testUser, c.Global.SMBPasswdFile)
		}
		userGID = primaryGID(t, testUser)
		groupUser = write("group-user.txt", 0o640, userGID)
	}, addSmbpasswdLines(fmt.Sprintf("%s:0:%s:%X:[U          ]:LCT-00000000:", rootUIDUser, strings.Repeat("X", 32), ntlm.NTHash(rootUIDPass))))
	// The share's parent is t.TempDir's, 0700 and root's: lookups start at the share root's
	// descriptor, so what lies above the root does not matter.
	if fi, err := os.Stat(filepath.Dir(dir)); err != nil || fi.Mode().Perm()&0o005 != 0 {
		t.Fatalf("the share's parent: %v, %v; want a directory others cannot enter", fi, err)
	}

	denied := []string{"noperm.txt", "rootonly.txt", "group-root.txt", "secret", `secret\inside.txt`}
	t.Run("guest CREATE", func(t *testing.T) {
		c := dialRawClient(t, tg)
		s := c.logonGuest()
		on := handle{s, c.treeConnect(s, "perms")}
		for _, name := range denied {
			if _, st := c.create(on, name); st != smb.StatusAccessDenied {
				t.Errorf("CREATE %q as guest: %v, want STATUS_ACCESS_DENIED", name, st)
			}
		}
		// A directory guest may read but not search: the names are there, their metadata is not.
		id, st := c.create(on, "nosearch")
		if st != smb.StatusSuccess {
			t.Fatalf("CREATE nosearch: %v", st)
		}
		if names, st := c.queryDir(on, id, "*", 0); st != smb.StatusAccessDenied {
			t.Errorf("QUERY_DIRECTORY of nosearch as guest: %q, %v; want STATUS_ACCESS_DENIED", names, st)
		}
		c.close(on, id)
		for name, want := range map[string][]byte{"public.txt": public, "group-guest.txt": groupGuest} {
			id := c.mustCreate(on, name)
			if b, st := c.read(on, id, 4096); st != smb.StatusSuccess || !bytes.Equal(b, want) {
				t.Errorf("READ %s as guest: %q, %v; want %q", name, b, st, want)
			}
			c.close(on, id)
		}
	})

	// A stat open (no data asked for) needs no permission on the file, only search permission on the
	// way, as with smbd: the file's metadata, which the listing shows anyway, but nothing of its data.
	t.Run("guest stat open", func(t *testing.T) {
		c := dialRawClient(t, tg)
		s := c.logonGuest()
		on := handle{s, c.treeConnect(s, "perms")}
		statOpen := func(name string, access uint32) (smb.FileID, smb.Status) {
			req := openForReading(name)
			req.DesiredAccess = access
			return c.createReq(on, req)
		}
		for _, name := range []string{"noperm.txt", "rootonly.txt", "secret"} {
			id, st := statOpen(name, smb.FileReadAttributes)
			if st != smb.StatusSuccess {
				t.Errorf("CREATE %q for FILE_READ_ATTRIBUTES as guest: %v, want success", name, st)
				continue
			}
			if _, st := c.queryInfo(on, id, smb.InfoFile, fscc.FileBasicInformation, 0, 40); st != smb.StatusSuccess {
				t.Errorf("%s: FileBasicInformation on a stat open: %v", name, st)
			}
			if name != "secret" {
				if b, st := c.read(on, id, 4096); st != smb.StatusAccessDenied {
					t.Errorf("%s: READ on a stat open: %q, %v; want STATUS_ACCESS_DENIED", name, b, st)
				}
				lock := smb.LockRequest{FileID: id, Locks: []smb.LockElement{{Length: 1, Flags: smb.LockFlagShared | smb.LockFlagFailImmediately}}}
				if h, _ := c.call(c.header(on, smb.Lock), lock.AppendTo); h.Status != smb.StatusInvalidHandle {
					t.Errorf("%s: LOCK on a stat open: %v, want STATUS_INVALID_HANDLE (smbd's)", name, h.Status)
				}
			}
			c.close(on, id)
			// Read control and synchronize need read or execute permission, as in smbd's ACL.
			if _, st := statOpen(name, smb.ReadControl); st != smb.StatusAccessDenied {
				t.Errorf("CREATE %q for READ_CONTROL as guest: %v, want STATUS_ACCESS_DENIED", name, st)
			}
			// MAXIMUM_ALLOWED gets what the mode allows: the attributes only.
			req := openForReading(name)
			req.DesiredAccess = smb.MaximumAllowed
			id = c.mustCreateReq(on, req)
			if got, st := c.queryInfo(on, id, smb.InfoFile, 8, 0, 4); st != smb.StatusSuccess || len(got) != 4 || binary.LittleEndian.Uint32(got) != smb.FileReadAttributes {
				t.Errorf("%s with MAXIMUM_ALLOWED as guest: %v, access % x, want FILE_READ_ATTRIBUTES", name, st, got)
			}
			c.close(on, id)
		}
		// The security descriptor is made from the mode, as smbd makes it: owner rw-, group r--, others
		// none for group-guest.txt (0640).
		id, st := statOpen("group-guest.txt", smb.ReadControl)
		if st != smb.StatusSuccess {
			t.Fatalf("CREATE group-guest.txt for READ_CONTROL as guest (its group): %v", st)
		}
		const secInfo = smb.OwnerSecurityInformation | smb.GroupSecurityInformation | smb.DACLSecurityInformation
		want := fscc.SecurityDescriptor(0, uint32(guestGID), 0o640, false, secInfo)
		if sd, st := c.queryInfo(on, id, smb.InfoSecurity, 0, secInfo, 4096); st != smb.StatusSuccess || !bytes.Equal(sd, want) {
			t.Errorf("security descriptor of group-guest.txt: %v\n got %x\nwant %x", st, sd, want)
		}
		c.close(on, id)
		if _, st := statOpen(`secret\inside.txt`, smb.FileReadAttributes); st != smb.StatusAccessDenied {
			t.Errorf(`stat open of secret\inside.txt (no search permission on secret): %v, want STATUS_ACCESS_DENIED`, st)
		}
	})

	t.Run("guest go-smb2", func(t *testing.T) {
		fs := mustMount(t, tg, dialOpts{}, "perms")
		if b, err := fs.ReadFile("public.txt"); err != nil || !bytes.Equal(b, public) {
			t.Errorf("public.txt: %q, %v; want %q", b, err, public)
		}
		for _, name := range denied {
			if _, err := fs.ReadFile(name); ntstatus(err) != smb.StatusAccessDenied {
				t.Errorf("ReadFile(%q) as guest: %v, want STATUS_ACCESS_DENIED", name, err)
			}
		}
		// Stat opens only for FILE_READ_ATTRIBUTES: what the listing shows is there for each name.
		for _, name := range []string{"noperm.txt", "rootonly.txt"} {
			if fi, err := fs.Stat(name); err != nil || fi.Size() != int64(len("contents of "+name+"\n")) {
				t.Errorf("Stat(%q) as guest: %v, %v", name, fi, err)
			}
		}
		for _, d := range []string{"secret", "nosearch"} {
			if fis, err := fs.ReadDir(d); ntstatus(err) != smb.StatusAccessDenied {
				t.Errorf("ReadDir(%q) as guest: %d entries, %v; want STATUS_ACCESS_DENIED", d, len(fis), err)
			}
		}
		// The listing of the root still shows the names: listing a directory needs only its rights.
		fis, err := fs.ReadDir("")
		if err != nil || len(fis) != 8 {
			t.Errorf("ReadDir of the root: %d entries, %v; want 8", len(fis), err)
		}
	})

	t.Run("user", func(t *testing.T) {
		fs := mustMount(t, tg, userOpts(tg, 0, true), "perms")
		if b, err := fs.ReadFile("group-user.txt"); err != nil || !bytes.Equal(b, groupUser) {
			t.Errorf("group-user.txt (0640, group %d) as %s: %q, %v", userGID, testUser, b, err)
		}
		for _, name := range []string{"noperm.txt", "rootonly.txt", `secret\inside.txt`} {
			if _, err := fs.ReadFile(name); ntstatus(err) != smb.StatusAccessDenied {
				t.Errorf("ReadFile(%q) as %s: %v, want STATUS_ACCESS_DENIED", name, testUser, err)
			}
		}
	})

	// The uid of a smbpasswd line gives no other Unix account's rights: a name without an account of
	// its own whose line says 0 is not root (it used to read every file), nor is one whose uid
	// `zsmbd passwd` picked and a Unix account had too.
	t.Run("smbpasswd uid of another account", func(t *testing.T) {
		fs := mustMount(t, tg, dialOpts{user: rootUIDUser, password: rootUIDPass, sign: true}, "perms")
		if b, err := fs.ReadFile("public.txt"); err != nil || !bytes.Equal(b, public) {
			t.Errorf("public.txt as %s: %q, %v", rootUIDUser, b, err)
		}
		for _, name := range denied {
			if b, err := fs.ReadFile(name); ntstatus(err) != smb.StatusAccessDenied {
				t.Errorf("ReadFile(%q) as %s (smbpasswd uid 0, no Unix account): %q, %v; want STATUS_ACCESS_DENIED", name, rootUIDUser, b, err)
			}
		}
	})

	t.Run("smbclient", func(t *testing.T) {
		// The report's reproduction: smbclient -N ... -c 'more noperm.txt' printed the file.
		local := filepath.Join(t.TempDir(), "got")
		out, _ := smbclient(t, tg, "perms", "-N", "-c", "get noperm.txt "+local+"; ls secret\\*")
		if strings.Count(out, "NT_STATUS_ACCESS_DENIED") != 2 {
			t.Errorf("smbclient get noperm.txt; ls secret\\*: want NT_STATUS_ACCESS_DENIED twice:\n%s", out)
		}
		if _, err := os.Stat(local); err == nil {
			if b, _ := os.ReadFile(local); len(b) > 0 {
				t.Errorf("smbclient got noperm.txt: %q", b)
			}
		}
	})
}

// TestSearchOnlyDirectory: in a directory the session may search but not list (0711), a missing name
// and a name in the wrong case are STATUS_ACCESS_DENIED, like a name there it may not open, as Samba
// 4.17 answers (its case-insensitive scan fails the same way), so the answers do not tell which of
// the directory's names exist; the exact name of a readable file opens.
func TestSearchOnlyDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skipf("needs root to show that a root server still refuses; running as uid %d", os.Geteuid())
	}
	opt, dir := withShare(t, "perms")
	d := filepath.Join(dir, "dropbox")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{"exists.txt": 0o644, "noperm.txt": 0} {
		if err := os.WriteFile(filepath.Join(d, name), []byte("x"), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(d, 0o711); err != nil {
		t.Fatal(err)
	}
	tg := startServer(t, opt)
	c := dialRawClient(t, tg)
	s := c.logonGuest()
	on := handle{s, c.treeConnect(s, "perms")}
	c.close(on, c.mustCreate(on, `dropbox\exists.txt`))
	for _, name := range []string{`dropbox\noperm.txt`, `dropbox\missing.txt`, `dropbox\EXISTS.TXT`} {
		if _, st := c.create(on, name); st != smb.StatusAccessDenied {
			t.Errorf("CREATE %s as guest: %v, want STATUS_ACCESS_DENIED", name, st)
		}
	}
}

// TestForceUserGroup: `force user` gives every session on the share the named account's rights, `force
// group` its primary group, and `force group = +name` only to members of the group; who may connect is
// unchanged. An unknown user or group is refused at TREE_CONNECT with smbd's statuses. Checked against
// smbd 4.17 with smbclient: the same files read and refused, the same statuses.
func TestForceUserGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skipf("needs root to give files owners; running as uid %d", os.Geteuid())
	}
	daemon, err := user.Lookup("daemon") // uid and gid 1 in Debian's base-passwd
	if err != nil {
		t.Skipf("no daemon account: %v", err)
	}
	uid, _ := strconv.Atoi(daemon.Uid)
	gid, _ := strconv.Atoi(daemon.Gid)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, uid, gid int, mode os.FileMode) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(name), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("owner-only.txt", uid, gid, 0o600) // daemon's
	write("group-only.txt", 0, gid, 0o640)   // root's, group daemon
	share := func(name, forceUser, forceGroup string) serverOption {
		return func(c *config.Config) {
			c.Shares = append(c.Shares, config.Share{Name: name, Path: dir, ReadOnly: true, GuestOK: true, Browseable: true,
				ForceUser: forceUser, ForceGroup: forceGroup})
		}
	}
	tg := startServer(t, share("fu", "daemon", ""), share("fg", "", "daemon"), share("fgplus", "", "+daemon"),
		share("fubad", "no-such-user-here", ""), share("fgbad", "", "no-such-group-here"))
	c := dialRawClient(t, tg)
	s := c.logonGuest() // the guest account, nobody: neither daemon nor in its group
	for _, x := range []struct {
		share        string
		owner, group bool // whether owner-only.txt and group-only.txt read
	}{{"fu", true, true}, {"fg", false, true}, {"fgplus", false, false}} {
		on := handle{s, c.treeConnect(s, x.share)}
		for name, want := range map[string]bool{"owner-only.txt": x.owner, "group-only.txt": x.group} {
			id, st := c.create(on, name)
			if got := st == smb.StatusSuccess; got != want {
				t.Errorf("[%s] CREATE %s as guest: %v, want readable %v", x.share, name, st, want)
			}
			if st == smb.StatusSuccess {
				if b, st := c.read(on, id, 100); st != smb.StatusSuccess || string(b) != name {
					t.Errorf("[%s] READ %s: %q, %v", x.share, name, b, st)
				}
				c.close(on, id)
			}
		}
	}
	host, _, _ := net.SplitHostPort(tg.Addr)
	for share, want := range map[string]smb.Status{"fubad": smb.StatusNoSuchUser, "fgbad": smb.StatusNoSuchGroup} {
		req := smb.TreeConnectRequest{Path: `\\` + host + `\` + share}
		if h, _ := c.call(smb.Header{Command: smb.TreeConnect, SessionID: s}, req.AppendTo); h.Status != want {
			t.Errorf("TREE_CONNECT %s: %v, want %v", share, h.Status, want)
		}
	}
}

// TestHideUnreadableAndAvailable: with `hide unreadable`, listings leave out what the session may not
// read (a 0600 file, a 0700 or 0711 directory), while a stat open of such a name still works, as with
// smbd; a share with `available = no` is neither listed nor served (STATUS_BAD_NETWORK_NAME). smbclient
// against smbd 4.17 listed the same names.
func TestHideUnreadableAndAvailable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skipf("needs root to give files owners; running as uid %d", os.Geteuid())
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{"readable.txt": 0o644, "secret.txt": 0o600} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), mode); err != nil {
			t.Fatal(err)
		}
	}
	for name, mode := range map[string]os.FileMode{"open-dir": 0o755, "closed-dir": 0o700, "search-only": 0o711} {
		if err := os.Mkdir(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	tg := startServer(t, func(c *config.Config) {
		c.Shares = append(c.Shares,
			config.Share{Name: "hu", Path: dir, ReadOnly: true, GuestOK: true, Browseable: true, HideUnreadable: true},
			config.Share{Name: "all", Path: dir, ReadOnly: true, GuestOK: true, Browseable: true},
			config.Share{Name: "gone", Path: dir, ReadOnly: true, GuestOK: true, Browseable: true, Unavailable: true})
	})
	c := dialRawClient(t, tg)
	s := c.logonGuest()
	for share, want := range map[string][]string{
		"hu":  {".", "..", "open-dir", "readable.txt"},
		"all": {".", "..", "closed-dir", "open-dir", "readable.txt", "search-only", "secret.txt"},
	} {
		on := handle{s, c.treeConnect(s, share)}
		id := c.mustCreate(on, "")
		names, st := c.queryDir(on, id, "*", 0)
		c.close(on, id)
		slices.Sort(names)
		if st != smb.StatusSuccess || !slices.Equal(names, want) {
			t.Errorf("[%s] listing as guest: %q, %v; want %q", share, names, st, want)
		}
		req := openForReading("secret.txt")
		req.DesiredAccess = smb.FileReadAttributes
		if id, st := c.createReq(on, req); st != smb.StatusSuccess {
			t.Errorf("[%s] stat open of secret.txt: %v, want success (hidden is not refused)", share, st)
		} else {
			c.close(on, id)
		}
	}
	host, _, _ := net.SplitHostPort(tg.Addr)
	req := smb.TreeConnectRequest{Path: `\\` + host + `\gone`}
	if h, _ := c.call(smb.Header{Command: smb.TreeConnect, SessionID: s}, req.AppendTo); h.Status != smb.StatusBadNetworkName {
		t.Errorf("TREE_CONNECT gone (available = no): %v, want STATUS_BAD_NETWORK_NAME", h.Status)
	}
	sess, err := dial(t, tg, dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	names, err := sess.ListSharenames()
	if err != nil || slices.Contains(names, "gone") || !slices.Contains(names, "hu") {
		t.Errorf("share list: %q, %v; want hu and not gone", names, err)
	}
}

// TestGuestOnly: on a `guest only` share a user who may connect has the guest account's rights, not
// their own; valid users and invalid users still decide who connects, and guests connect even without
// `guest ok`, as on smbd 4.17 (smbclient as a user and as guest against both, the same answers).
func TestGuestOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skipf("needs root to give files owners; running as uid %d", os.Geteuid())
	}
	const name, pass, uid = "gonly", "pw-of-gonly", 4242 // no Unix account: the smbpasswd uid is theirs
	if _, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		t.Skipf("uid %d is a Unix account's here", uid)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "theirs.txt")
	if err := os.WriteFile(p, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(p, uid, 0); err != nil {
		t.Fatal(err)
	}
	share := func(n string, guestOK, guestOnly bool, valid []string) config.Share {
		return config.Share{Name: n, Path: dir, ReadOnly: true, Browseable: true, GuestOK: guestOK, GuestOnly: guestOnly, ValidUsers: valid}
	}
	tg := startServer(t, func(c *config.Config) {
		c.Shares = append(c.Shares, share("own", true, false, nil), share("go", true, true, nil),
			share("gono", false, true, nil), share("govalid", true, true, []string{"root"}))
	}, addSmbpasswdLines(fmt.Sprintf("%s:%d:%s:%X:[U          ]:LCT-00000000:", name, uid, strings.Repeat("X", 32), ntlm.NTHash(pass))))
	as := dialOpts{user: name, password: pass, sign: true}
	if b, err := mustMount(t, tg, as, "own").ReadFile("theirs.txt"); err != nil || string(b) != "theirs" {
		t.Fatalf("theirs.txt as %s on an ordinary share: %q, %v", name, b, err)
	}
	for _, share := range []string{"go", "gono"} {
		if _, err := mustMount(t, tg, as, share).ReadFile("theirs.txt"); ntstatus(err) != smb.StatusAccessDenied {
			t.Errorf("theirs.txt as %s on guest only share %s: %v, want STATUS_ACCESS_DENIED (the guest's rights)", name, share, err)
		}
		if _, err := mustMount(t, tg, dialOpts{}, share).ReadDir(""); err != nil {
			t.Errorf("guest on guest only share %s: %v", share, err)
		}
	}
	for _, o := range []dialOpts{as, {}} {
		s, err := dial(t, tg, o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Mount(`\\` + tg.Addr + `\govalid`); ntstatus(err) != smb.StatusAccessDenied {
			t.Errorf("mount govalid (valid users = root) as %q: %v, want STATUS_ACCESS_DENIED", o.user, err)
		}
	}
}
