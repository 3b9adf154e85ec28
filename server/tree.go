package server

import (
	"os/user"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/vfs"
)

// Access masks: readOnlyAccess is the most an open of a file or directory may get (FILE_GENERIC_READ |
// FILE_GENERIC_EXECUTE); an open of an IPC$ pipe gets pipeAccess, as DCE/RPC requests go through WRITE.
// A TREE_CONNECT reports treeMaximalAccess (MS-SMB2 2.2.10 MaximalAccess), as smbd 4.17 does for a
// read-only share and for IPC$: full access less the rights a read-only share takes out of every open
// (shareWriteRights), the object rights (DELETE, WRITE_DAC, WRITE_OWNER) being left to each file.
const (
	readOnlyAccess    = smb.FileGenericRead | smb.FileGenericExecute // 0x001200A9
	pipeAccess        = smb.FileAllAccess
	treeMaximalAccess = smb.FileAllAccess &^ (smb.FileWriteData | smb.FileAppendData | smb.FileWriteEA |
		smb.FileWriteAttributes | smb.FileDeleteChild) // 0x001F00A9
)

// tree is a TREE_CONNECT of a session to a share.
type tree struct {
	id    uint32
	sess  *session
	share *share
	cred  *vfs.Cred // the session's: every name of this tree is looked up with these rights
	// encryptData: SMB2_SHAREFLAG_ENCRYPT_DATA was sent, so every response on the tree is encrypted;
	// encryptRequired: unencrypted requests on it are refused.
	encryptData, encryptRequired bool

	released atomic.Bool
}

// release lets go of the tree's hold on its share's root and of its place in the share's count, once.
func (t *tree) release() {
	if t.released.Swap(true) {
		return
	}
	t.sess.c.srv.shareTrees.remove(t.share.cfg.Name)
	if t.share.root != nil {
		t.share.root.release()
	}
}

// shareTrees counts the trees connected to each share across the server (every connection and
// session), for `max connections`. Shares are counted by name, as Samba's connections database does,
// so trees connected before a Reload count against the limit it sets.
type shareTrees struct {
	mu sync.Mutex
	n  map[string]int // by lower-case share name; no entry for a share without trees
}

// add counts one more tree on the share unless it has limit trees already (0: no limit).
func (st *shareTrees) add(name string, limit int) bool {
	name = strings.ToLower(name)
	st.mu.Lock()
	defer st.mu.Unlock()
	if limit > 0 && st.n[name] >= limit {
		return false
	}
	if st.n == nil {
		st.n = make(map[string]int)
	}
	st.n[name]++
	return true
}

func (st *shareTrees) remove(name string) {
	name = strings.ToLower(name)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.n[name]--; st.n[name] <= 0 {
		delete(st.n, name)
	}
}

// tree looks up a tree of the session (MS-SMB2 3.3.5.2.11).
func (s *session) tree(id uint32) (*tree, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.trees[id]; t != nil {
		return t, nil
	}
	return nil, smb.StatusNetworkNameDeleted
}

// maxTrees caps a session's tree connects, so that a client repeating TREE_CONNECT cannot grow the
// server's memory without end (Samba's cap is about 65534; Windows clients use a handful). Beyond it a
// TREE_CONNECT is STATUS_INSUFFICIENT_RESOURCES.
const maxTrees = 1024

// refusal says why session s of c may not connect to sh, or "" if it may, by Samba's rules: the
// share's `hosts allow` and `hosts deny`, `guest ok`, `valid users` and `invalid users`. Answered with
// STATUS_ACCESS_DENIED at TREE_CONNECT, and used by `access based share enum` to leave sh out of lists.
func (c *conn) refusal(s *session, sh *share) string {
	s.mu.Lock()
	// An anonymous (null) session reaches what a guest does, as with Samba: `guest ok` shares, as the
	// guest account (Linux's `mount -t cifs -o guest` and smbnetfs log on this way).
	guest, user, cred := s.guest || s.anonymous, s.user, s.cred
	s.mu.Unlock()
	switch {
	case !sh.ipc && !config.HostAllowed(sh.cfg.HostsAllow, sh.cfg.HostsDeny, c.peer):
		return "hosts allow / hosts deny"
	case sh.ipc:
	case cred == nil:
		return "no identity" // never: every logon decides one, and nil would mean root's rights
	case guest && !sh.cfg.GuestOK && !sh.cfg.GuestOnly: // smbd 4.17 lets guests onto a `guest only` share
		return "guest ok = no"
	case guest && len(sh.cfg.ValidUsers) > 0:
		return "guests are not in valid users"
	case guest && userListed(sh.cfg.InvalidUsers, c.srv.state.Load().cfg.Global.GuestAccount):
		return "the guest account is in invalid users" // a guest is the guest account, as in Samba
	case !guest && userListed(sh.cfg.InvalidUsers, user):
		return "user " + user + " is in invalid users"
	case !guest && !userAllowed(sh.cfg.ValidUsers, user):
		return "user " + user + " is not in valid users"
	}
	return ""
}

// handleTreeConnect answers TREE_CONNECT (MS-SMB2 3.3.5.7): \\anyname\share, with Samba's rules for who
// may connect.
func handleTreeConnect(r *request) error {
	var req smb.TreeConnectRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	name := req.Path
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	var sh *share
	for {
		sh = r.c.srv.state.Load().shares[strings.ToLower(name)]
		if sh == nil {
			return smb.StatusBadNetworkName
		}
		// A root is closed only after a Reload replaced the state: look again in the new one.
		if sh.root == nil || sh.root.tryAcquire() {
			break
		}
	}
	held := sh.root != nil
	defer func() {
		if held {
			sh.root.release()
		}
	}()
	s := r.sess
	s.mu.Lock()
	cred := s.cred
	s.mu.Unlock()
	if why := r.c.refusal(s, sh); why != "" {
		r.c.log.Info().Str("share", sh.cfg.Name).Str("why", why).Msg("tree connect refused")
		return smb.StatusAccessDenied
	}
	if !sh.ipc {
		if sh.cfg.GuestOnly {
			// `guest only`: a user who may connect does so with the guest account's rights, as on smbd.
			cred = guestCred(r.c.srv.state.Load().cfg.Global.GuestAccount)
		}
		var err error
		if cred, err = forcedCred(cred, sh.cfg.ForceUser, sh.cfg.ForceGroup); err != nil {
			r.c.log.Warn().Str("share", sh.cfg.Name).Str("force_user", sh.cfg.ForceUser).Str("force_group", sh.cfg.ForceGroup).Msg("tree connect refused: no such user or group")
			return err
		}
	}
	// A share's `server smb encrypt`: desired asks the client to encrypt on the tree, if its session can;
	// required refuses sessions that cannot (guests, anonymous, no cipher), as Samba does.
	s.mu.Lock()
	canEncrypt := s.sealer != nil
	s.mu.Unlock()
	level := sh.encryptLevel(r.c.srv.state.Load().cfg.Global.ServerSMBEncrypt)
	if level == config.EncryptRequired && !canEncrypt {
		r.c.log.Info().Uint64("session", s.id).Str("share", sh.cfg.Name).Msg("tree connect refused: the share requires encryption and the session cannot encrypt")
		return smb.StatusAccessDenied
	}
	r.c.mu.Lock()
	r.c.nextID++
	t := &tree{id: uint32(r.c.nextID), sess: s, share: sh, cred: cred,
		encryptData: canEncrypt && level >= config.EncryptDesired, encryptRequired: level == config.EncryptRequired}
	r.c.mu.Unlock()
	s.mu.Lock()
	if !s.valid { // logged off meanwhile: dropSession has already released its trees
		s.mu.Unlock()
		return smb.StatusUserSessionDeleted
	}
	if len(s.trees) >= maxTrees {
		s.mu.Unlock()
		return smb.StatusInsufficientResources
	}
	// `max connections`: smbd's make_connection_snum answers STATUS_INSUFFICIENT_RESOURCES too.
	if !r.c.srv.shareTrees.add(sh.cfg.Name, sh.cfg.MaxConnections) {
		s.mu.Unlock()
		r.c.log.Info().Uint64("session", s.id).Str("share", sh.cfg.Name).Int("max_connections", sh.cfg.MaxConnections).Msg("tree connect refused: max connections reached")
		return smb.StatusInsufficientResources
	}
	s.trees[t.id] = t
	s.mu.Unlock()
	held = false // the tree holds the root now
	r.c.useTree()
	r.hdr.TreeID = t.id
	resp := smb.TreeConnectResponse{ShareType: smb.ShareTypeDisk, MaximalAccess: treeMaximalAccess}
	if sh.ipc {
		resp.ShareType = smb.ShareTypePipe
	}
	if t.encryptData {
		resp.ShareFlags |= smb.ShareFlagEncryptData
	}
	r.out = resp.AppendTo(r.out)
	r.c.log.Debug().Uint64("session", s.id).Uint32("tree", t.id).Str("share", sh.cfg.Name).Msg("tree connect")
	return nil
}

// handleTreeDisconnect answers TREE_DISCONNECT and closes the tree's opens.
func handleTreeDisconnect(r *request) error {
	var req smb.TreeDisconnectRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	t := r.tree
	r.sess.mu.Lock()
	delete(r.sess.trees, t.id)
	r.sess.mu.Unlock()
	r.c.closeOpens(func(o *open) bool { return o.tree == t })
	t.release()
	r.out = (&smb.TreeDisconnectResponse{}).AppendTo(r.out)
	return nil
}

// inUnixGroup reports whether the Unix user is a member of the group (primary or supplementary).
func inUnixGroup(name, group string) bool {
	u, err := user.Lookup(name)
	if err != nil {
		return false
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return false
	}
	ids, err := u.GroupIds()
	if err != nil {
		return u.Gid == g.Gid
	}
	return u.Gid == g.Gid || slices.Contains(ids, g.Gid)
}
