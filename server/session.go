package server

import (
	"sync"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/seal"
	"github.com/zsmbd/zsmbd/smb/sign"
	"github.com/zsmbd/zsmbd/vfs"
)

// session is an authenticated (or in-progress, guest or anonymous) SMB2 session on one connection.
type session struct {
	id uint64
	c  *conn

	mu              sync.Mutex
	valid           bool
	setup           *sessionSetup // the authentication in progress, first or re-authentication
	user            string        // as stored in smbpasswd; "" for guest and anonymous
	guest           bool
	anonymous       bool
	cred            *vfs.Cred // whose rights the session has on the file system, decided at logon
	signer          sign.Signer
	signingRequired bool
	// sealer encrypts and decrypts the session's messages: set at logon when the connection negotiated a
	// cipher and the session has a key (not guest or anonymous), and never changed after.
	sealer          *seal.Sealer
	encryptData     bool // SMB2_SESSION_FLAG_ENCRYPT_DATA was sent: every response is encrypted
	encryptRequired bool // unencrypted requests are refused (`server smb encrypt = required`)
	trees           map[uint32]*tree
	opens           int // open files, for `max open files`
}

// signing returns the session's signer (nil for guest, anonymous and unfinished sessions) and whether
// every message must be signed.
func (s *session) signing() (sign.Signer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signer, s.signingRequired
}

// session looks a session up by id. An in-progress session answers only SESSION_SETUP
// (MS-SMB2 3.3.5.2.9); every other miss is STATUS_USER_SESSION_DELETED.
func (c *conn) session(id uint64, setup bool) (*session, error) {
	c.mu.Lock()
	s := c.sessions[id]
	c.mu.Unlock()
	if s == nil {
		return nil, smb.StatusUserSessionDeleted
	}
	s.mu.Lock()
	valid := s.valid
	s.mu.Unlock()
	if !valid && !setup {
		return nil, smb.StatusUserSessionDeleted
	}
	return s, nil
}

// maxSessions caps a connection's sessions, logged on or in progress: each first-leg SESSION_SETUP
// makes one, before any password is checked, so without a cap one connection could make them until
// memory ran out. Clients use one session per user on a connection; a terminal server multiplexing
// its users stays far below this.
const maxSessions = 1024

// newSession allocates a session id, or returns nil when the connection has maxSessions already.
func (c *conn) newSession() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sessions) >= maxSessions {
		return nil
	}
	c.nextID++
	s := &session{id: c.nextID, c: c, trees: make(map[uint32]*tree)}
	c.sessions[s.id] = s
	return s
}

// dropSession removes a session and closes its trees and opens.
func (c *conn) dropSession(s *session) {
	c.mu.Lock()
	delete(c.sessions, s.id)
	var opens []*open
	for id, o := range c.opens {
		if o.sess == s {
			opens = append(opens, o)
			delete(c.opens, id)
		}
	}
	c.mu.Unlock()
	for _, o := range opens {
		o.closeOpen()
	}
	s.mu.Lock()
	s.valid = false
	trees := s.trees
	s.trees = make(map[uint32]*tree)
	s.mu.Unlock()
	for _, t := range trees {
		t.release()
	}
}

// handleLogoff ends the session (MS-SMB2 3.3.5.6). The response is signed with the session's key, so
// the session is dropped only after the response is built.
func handleLogoff(r *request) error {
	var req smb.LogoffRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	r.out = (&smb.LogoffResponse{}).AppendTo(r.out)
	s := r.sess
	signer, required := s.signing()
	if signer != nil && (required || r.hdr.Flags&smb.FlagSigned != 0) {
		r.signWith = signer
	}
	r.c.dropSession(s)
	r.c.log.Debug().Uint64("session", s.id).Msg("logoff")
	return nil
}

// handleEcho answers ECHO (MS-SMB2 3.3.5.7).
func handleEcho(r *request) error {
	var req smb.EchoRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	r.out = (&smb.EchoResponse{}).AppendTo(r.out)
	return nil
}

// handleCancel is never reached: CANCEL is answered (by nothing) before dispatch.
func handleCancel(r *request) error { return nil }
