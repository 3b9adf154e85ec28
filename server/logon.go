package server

import (
	"bytes"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/ntlm"
	"github.com/zsmbd/zsmbd/smb/seal"
	"github.com/zsmbd/zsmbd/smb/sign"
	"github.com/zsmbd/zsmbd/smb/spnego"
	"github.com/zsmbd/zsmbd/vfs"
)

// sessionSetup is the state of one authentication exchange on a session: NTLMSSP, wrapped in SPNEGO or
// bare (Linux cifs.ko sends it bare). Its step method reads top to bottom as the exchange goes:
// NEGOTIATE → CHALLENGE (STATUS_MORE_PROCESSING_REQUIRED), AUTHENTICATE → verified, keys derived.
type sessionSetup struct {
	ntlm     *ntlm.Server
	spnego   bool
	mechList []byte   // the DER MechTypeList the client offered, for mechListMIC
	preauth  [64]byte // 3.1.1: the session's preauth integrity hash so far
}

var ntlmsspPrefix = []byte("NTLMSSP\x00")

// handleSessionSetup answers SESSION_SETUP (MS-SMB2 3.3.5.5).
func handleSessionSetup(r *request) error {
	var req smb.SessionSetupRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	if req.Flags&smb.SessionFlagBinding != 0 {
		return smb.StatusRequestNotAccepted // no multichannel: binding is refused, as Samba does without it
	}
	c := r.c
	s := r.sess
	if s == nil {
		if s = c.newSession(); s == nil {
			return smb.StatusRequestNotAccepted // too many sessions on this connection
		}
		r.sess = s
		r.hdr.SessionID = s.id
	}
	c.mu.Lock()
	neg := c.neg
	c.mu.Unlock()

	s.mu.Lock()
	if s.setup == nil {
		st := c.srv.state.Load()
		s.setup = &sessionSetup{ntlm: ntlm.NewServer(ntlm.ServerConfig{
			NetBIOSName: st.cfg.Global.NetBIOSName,
			Domain:      st.cfg.Global.Workgroup,
		})}
		s.setup.preauth = neg.preauth
	}
	setup := s.setup
	s.mu.Unlock()
	if neg.dialect == smb.Dialect311 {
		setup.hash(r.msg)
	}

	status, token, err := setup.step(r, &req, s, neg)
	if err != nil {
		// A failed leg ends the session, a logged-on one's too (a re-authentication with a wrong password):
		// Samba 4.17 logs it off in smbd_smb2_session_setup_wrap, so the old credentials do not outlive a
		// failed proof. The session keeps its signer, so the error response is signed as it would have been.
		s.mu.Lock()
		s.setup = nil
		valid := s.valid
		s.mu.Unlock()
		if valid {
			c.log.Info().Uint64("session", s.id).Stringer("status", statusOf(err)).Msg("re-authentication failed: session logged off")
		}
		c.dropSession(s)
		return err
	}
	resp := smb.SessionSetupResponse{SecurityBuffer: token}
	s.mu.Lock()
	if status == smb.StatusSuccess {
		switch {
		case s.guest:
			resp.SessionFlags = smb.SessionFlagIsGuest
		case s.anonymous:
			resp.SessionFlags = smb.SessionFlagIsNull
		case s.encryptData:
			resp.SessionFlags = smb.SessionFlagEncryptData
		}
	}
	s.mu.Unlock()
	r.status = status
	r.out = resp.AppendTo(r.out)
	if status == smb.StatusMoreProcessingRequired && neg.dialect == smb.Dialect311 {
		r.after = setup.hash
	}
	return nil
}

// hash folds a SESSION_SETUP request or interim response into the session's preauth hash
// (MS-SMB2 3.3.5.5.1, 3.3.5.5.3).
func (st *sessionSetup) hash(msg []byte) {
	h := sha512.New()
	h.Write(st.preauth[:])
	h.Write(msg)
	h.Sum(st.preauth[:0])
}

// step runs one leg of the exchange and returns the status and security token to answer with.
func (st *sessionSetup) step(r *request, req *smb.SessionSetupRequest, s *session, neg negotiation) (smb.Status, []byte, error) {
	inner := req.SecurityBuffer
	var clientMIC []byte
	if !bytes.HasPrefix(inner, ntlmsspPrefix) {
		tok, err := spnego.Parse(inner)
		if err != nil {
			return 0, nil, smb.StatusInvalidParameter
		}
		st.spnego = true
		if tok.Init {
			st.mechList = tok.RawMechTypes
			if !offersNTLM(tok.MechTypes) {
				return 0, nil, smb.StatusNotSupported
			}
			if !bytes.HasPrefix(tok.MechToken, ntlmsspPrefix) {
				// An optimistic token for another mechanism (Kerberos): ask for NTLMSSP instead.
				return smb.StatusMoreProcessingRequired, spnego.Response(spnego.AcceptIncomplete, true, nil, nil), nil
			}
		}
		inner, clientMIC = tok.MechToken, tok.MechListMIC
	}
	if len(inner) < 12 {
		return 0, nil, smb.StatusInvalidParameter
	}
	switch inner[8] {
	case 1: // NEGOTIATE_MESSAGE
		challenge, err := st.ntlm.Challenge(inner)
		if err != nil {
			return 0, nil, smb.StatusInvalidParameter
		}
		if st.spnego {
			challenge = spnego.Response(spnego.AcceptIncomplete, true, challenge, nil)
		}
		return smb.StatusMoreProcessingRequired, challenge, nil
	case 3: // AUTHENTICATE_MESSAGE
		return st.authenticate(r, req, s, neg, inner, clientMIC)
	}
	return 0, nil, smb.StatusInvalidParameter
}

// authenticate verifies the AUTHENTICATE_MESSAGE and makes the session valid: as the user, as guest
// (`map to guest = bad user` for an unknown name) or anonymous.
func (st *sessionSetup) authenticate(r *request, req *smb.SessionSetupRequest, s *session, neg negotiation, msg, clientMIC []byte) (smb.Status, []byte, error) {
	c := r.c
	state := c.srv.state.Load()
	var entryDisabled, entryNoPassword bool
	var entryName string
	var entryUID int
	res, err := st.ntlm.Authenticate(msg, func(user, domain string) ([16]byte, bool) {
		if state.users == nil {
			return [16]byte{}, false
		}
		// The response is checked against the name the client gave, with the hash of the account
		// it maps to, as Samba checks it.
		e, ok := state.users.Lookup(c.mapUsername(state.cfg.Global.UsernameMap, user))
		if !ok {
			return [16]byte{}, false
		}
		entryDisabled, entryName, entryUID = e.Disabled, e.Name, e.UID
		// Samba's sam_password_ok refuses an N (ACB_PWNOTREQ) account unless `null passwords = yes`
		// (not supported here), and ntlm_password_check never accepts an NTLMv2 response for an account
		// with no stored NT hash: neither may log on, with any password.
		entryNoPassword = e.NoPassword || !e.HasNT
		return e.NTHash, true
	})
	guest := false
	switch {
	case errors.Is(err, ntlm.ErrNoSuchUser) && state.cfg.Global.MapToGuest == config.MapToGuestBadUser:
		guest = true
	case errors.Is(err, ntlm.ErrMalformed):
		return 0, nil, smb.StatusInvalidParameter
	case entryNoPassword && !errors.Is(err, ntlm.ErrNoSuchUser):
		c.failedLogon(r, errors.New("account has no usable password"))
		return 0, nil, smb.StatusLogonFailure
	case err != nil:
		c.failedLogon(r, err)
		return 0, nil, smb.StatusLogonFailure
	case entryDisabled:
		c.failedLogon(r, errors.New("account disabled"))
		return 0, nil, smb.StatusAccountDisabled
	}

	var token []byte
	if st.spnego {
		var mic []byte
		if !guest && !res.Anonymous && clientMIC != nil {
			if err := st.ntlm.VerifyMechListMIC(st.mechList, clientMIC); err != nil {
				c.failedLogon(r, err)
				return 0, nil, smb.StatusLogonFailure
			}
			mic, _ = st.ntlm.MechListMIC(st.mechList)
		}
		token = spnego.Response(spnego.AcceptCompleted, false, nil, mic)
	}

	// `server smb encrypt = required` refuses sessions that cannot encrypt, as Samba does: guests and
	// anonymous sessions (no key) and connections that negotiated no cipher (below 3.0, or no cipher in
	// common). Re-authentication is not asked again: the session already passed.
	encrypt := state.cfg.Global.ServerSMBEncrypt
	if encrypt == config.EncryptRequired && (guest || res.Anonymous || neg.cipher == 0) {
		c.log.Warn().Uint64("session", s.id).Bool("guest", guest).Bool("anonymous", res.Anonymous).
			Stringer("cipher", neg.cipher).Msg("logon refused: server smb encrypt = required and the session cannot encrypt")
		return 0, nil, smb.StatusAccessDenied
	}

	// Whose rights the session has on the file system, looked up once here, not per request.
	var cred *vfs.Cred
	if guest || res.Anonymous {
		cred = guestCred(state.cfg.Global.GuestAccount)
	} else {
		cred = userCred(entryName, entryUID)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.setup = nil
	if s.valid {
		// Re-authentication (MS-SMB2 3.3.5.5.3): the session keeps its keys, trees and opens, so it
		// must stay the same identity. smbd 4.17 accepts another user here (checked with a raw
		// client); zsmbd refuses, and the failure logs the session off like any failed leg.
		if s.guest != guest || s.anonymous != (!guest && res.Anonymous) || !guest && !strings.EqualFold(s.user, entryName) {
			c.log.Warn().Uint64("session", s.id).Str("user", s.user).Str("new_user", res.User).Msg("re-authentication as another user refused")
			return 0, nil, smb.StatusAccessDenied
		}
		if s.signer != nil && (neg.dialect == smb.Dialect311 || s.signingRequired) {
			r.signWith = s.signer
		}
		c.log.Info().Uint64("session", s.id).Str("user", s.user).Msg("re-authenticated")
		return smb.StatusSuccess, token, nil
	}
	s.valid = true
	s.guest, s.anonymous = guest, !guest && res.Anonymous
	s.cred = cred
	switch {
	case guest:
		s.user = ""
		c.log.Info().Uint64("session", s.id).Str("client_user", res.User).Msg("unknown user mapped to guest")
	case s.anonymous:
		s.user = ""
		c.log.Info().Uint64("session", s.id).Msg("anonymous logon")
	default:
		s.user = entryName
		key := sign.SigningKey(neg.dialect, res.SessionKey, st.preauth[:])
		signer, err := sign.New(neg.signingAlg, key)
		if err != nil {
			return 0, nil, err
		}
		s.signer = signer
		s.signingRequired = neg.securityMode&smb.SecurityModeSigningRequired != 0 ||
			neg.clientSecurityMode&smb.SecurityModeSigningRequired != 0 ||
			req.SecurityMode&smb.SecurityModeSigningRequired != 0
		// MS-SMB2 3.3.5.5.3: the final response is signed for 3.1.1 (smbclient and Windows 11 insist) and
		// whenever the session requires signing.
		if neg.dialect == smb.Dialect311 || s.signingRequired {
			r.signWith = signer
		}
		if neg.cipher != 0 {
			enc, dec := seal.Keys(neg.dialect, neg.cipher, res.SessionKey, st.preauth[:])
			sealer, err := seal.NewSealer(neg.cipher, s.id, enc, dec)
			if err != nil {
				return 0, nil, err
			}
			s.sealer = sealer
			s.encryptData = encrypt >= config.EncryptDesired
			s.encryptRequired = encrypt == config.EncryptRequired
		}
		c.log.Info().Uint64("session", s.id).Str("user", s.user).Uint32("unix_uid", cred.UID).Bool("signing_required", s.signingRequired).
			Stringer("cipher", neg.cipher).Bool("encrypt_data", s.encryptData).Msg("logon")
	}
	if s.guest || s.anonymous {
		s.signer, s.signingRequired = nil, false
	}
	return smb.StatusSuccess, token, nil
}

// mapUsername applies the `username map` file at path to a client's user name, as Samba does before
// it checks the password: a file that cannot be read maps nothing, with a warning.
func (c *conn) mapUsername(path, user string) string {
	if path == "" {
		return user
	}
	m, err := passdb.LoadUsernameMap(path)
	if err != nil {
		c.log.Warn().Err(err).Msg("username map not read")
		return user
	}
	account, mapped := m.Map(user, userListed)
	if mapped {
		c.log.Debug().Str("client_user", user).Str("user", account).Msg("username map")
	}
	return account
}

func offersNTLM(mechs []asn1.ObjectIdentifier) bool {
	for _, m := range mechs {
		if m.Equal(spnego.OIDNTLMSSP) {
			return true
		}
	}
	return false
}

// failedLogon logs a failed logon with the client's address and delays the answer: each recent
// failure from the same address doubles the delay, up to maxLogonDelay, so passwords cannot be guessed
// quickly. The delay holds only this connection's reader.
func (c *conn) failedLogon(r *request, why error) {
	host, _, _ := net.SplitHostPort(c.nc.RemoteAddr().String())
	d := c.srv.failedLogons.fail(host, time.Now())
	c.log.Warn().Str("client_addr", host).Err(why).Dur("delay", d).Msg("logon failed")
	time.Sleep(d)
}

const (
	minLogonDelay = 100 * time.Millisecond
	maxLogonDelay = 5 * time.Second
	logonForget   = time.Minute
)

// logonThrottle remembers recent failed logons per client address.
type logonThrottle struct {
	mu   sync.Mutex
	seen map[string]logonFailures
}

type logonFailures struct {
	n    int
	last time.Time
}

// fail records a failure from host and returns how long to delay the answer.
func (t *logonThrottle) fail(host string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen == nil {
		t.seen = make(map[string]logonFailures)
	}
	for h, f := range t.seen { // keep the table small: forget quiet addresses
		if now.Sub(f.last) > logonForget {
			delete(t.seen, h)
		}
	}
	f := t.seen[host]
	f.n++
	f.last = now
	t.seen[host] = f
	d := minLogonDelay << min(f.n-1, 6)
	return min(d, maxLogonDelay)
}

// userAllowed applies a share's `valid users` to a session: empty means everyone with access.
func userAllowed(validUsers []string, user string) bool {
	return len(validUsers) == 0 || userListed(validUsers, user)
}

// userListed reports whether a `valid users` or `invalid users` list names user: names compare
// case-insensitively; @group and +group match Unix group members.
func userListed(list []string, user string) bool {
	if user == "" {
		return false
	}
	for _, v := range list {
		switch {
		case strings.HasPrefix(v, "@") || strings.HasPrefix(v, "+") || strings.HasPrefix(v, "&"):
			if inUnixGroup(user, strings.TrimLeft(v, "@+&")) {
				return true
			}
		case strings.EqualFold(v, user):
			return true
		}
	}
	return false
}
