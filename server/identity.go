package server

import (
	"os/user"
	"slices"
	"strconv"
	"strings"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/vfs"
)

// nobodyID is the uid and gid of the last resort: nobody and nogroup on Debian, the overflow ids of
// the Linux kernel.
const nobodyID = 65534

// userCred is the Unix identity of a user logged on from smbpasswd, picked as Samba's smbpasswd
// backend does: the Unix account of the same name (its uid, primary gid and groups); without one,
// the uid recorded in the smbpasswd line with gid 65534 and no supplementary groups, unless that uid
// is another Unix account's: then 65534.
func userCred(name string, smbpasswdUID int) *vfs.Cred {
	if c, ok := accountCred(name); ok {
		return c
	}
	c := &vfs.Cred{UID: nobodyID, GID: nobodyID}
	if u, err := user.LookupId(strconv.Itoa(smbpasswdUID)); err == nil {
		// The uid is a Unix account's. Only the account of the user's own name (spelled in
		// another case) is the user's; another account's rights are not (Samba refuses a
		// smbpasswd user without a Unix account of the name).
		if strings.EqualFold(u.Username, name) {
			if ac, ok := accountCred(u.Username); ok {
				return ac
			}
		}
		return c
	}
	if smbpasswdUID >= 0 && int64(smbpasswdUID) <= int64(^uint32(0)) {
		c.UID = uint32(smbpasswdUID)
	}
	return c
}

// guestCred is the Unix identity of guest and anonymous sessions: Samba's `guest account`, or uid and
// gid 65534 when there is no such account (a FROM scratch image has no /etc/passwd).
func guestCred(account string) *vfs.Cred {
	if c, ok := accountCred(account); ok {
		return c
	}
	return &vfs.Cred{UID: nobodyID, GID: nobodyID}
}

// accountCred looks up a Unix account: its uid, primary gid and groups (which include the primary
// group, as initgroups(3) makes them for Samba).
func accountCred(name string) (*vfs.Cred, bool) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, false
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, false
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, false
	}
	c := &vfs.Cred{UID: uint32(uid), GID: uint32(gid), Groups: []uint32{uint32(gid)}}
	if ids, err := u.GroupIds(); err == nil {
		c.Groups = c.Groups[:0]
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				c.Groups = append(c.Groups, uint32(g))
			}
		}
	}
	return c, true
}

// forcedCred applies a share's `force user` and `force group` to a session's identity, as smbd does at
// tree connect: force user gives every file operation on the share the named account's rights (its
// uid, primary group and groups); force group replaces the primary group, and with a leading "+" only
// for a member of the group. Who may connect is still decided by the session's own user. An unknown
// user is STATUS_NO_SUCH_USER and an unknown group STATUS_NO_SUCH_GROUP, smbd 4.17's answers.
func forcedCred(c *vfs.Cred, forceUser, forceGroup string) (*vfs.Cred, error) {
	if forceUser != "" {
		fc, ok := accountCred(forceUser)
		if !ok {
			return nil, smb.StatusNoSuchUser
		}
		c = fc
	}
	if forceGroup != "" {
		name, membersOnly := strings.CutPrefix(forceGroup, "+")
		g, err := user.LookupGroup(name)
		if err != nil {
			return nil, smb.StatusNoSuchGroup
		}
		id, err := strconv.ParseUint(g.Gid, 10, 32)
		if err != nil {
			return nil, smb.StatusNoSuchGroup
		}
		gid := uint32(id)
		if !membersOnly || c.GID == gid || slices.Contains(c.Groups, gid) {
			forced := *c
			forced.GID = gid
			c = &forced
		}
	}
	return c, nil
}
