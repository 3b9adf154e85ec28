package integration

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/ntlm"
	"github.com/zsmbd/zsmbd/smb/sign"
)

// ntHash is the NT hash of pw (MS-NLMP 3.3.1) as a slice.
func ntHash(pw string) []byte { h := ntlm.NTHash(pw); return h[:] }

func hmacMD5(key []byte, data ...[]byte) []byte {
	h := hmac.New(md5.New, key)
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// sendFrame writes one frame made of msgs (already complete messages, NextCommand set by the caller) and
// returns the response messages.
func (c *rawClient) sendFrame(frame []byte) [][]byte {
	c.t.Helper()
	if _, err := c.nc.Write(framed(frame)); err != nil {
		c.t.Fatal(err)
	}
	resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
	if err != nil {
		c.t.Fatalf("reading the response: %v", err)
	}
	parts, err := smb.SplitCompound(nil, resp)
	if err != nil {
		c.t.Fatal(err)
	}
	return parts
}

// message builds one request message with the next MessageId, signed with s when s is not nil.
func (c *rawClient) message(h smb.Header, body func([]byte) []byte, s sign.Signer) []byte {
	h.MessageID, h.Credits, h.CreditCharge = c.msgID, 8, 1
	c.msgID++
	msg := body(h.AppendTo(nil))
	if s != nil {
		sign.SignMessage(s, msg)
	}
	return msg
}

func (c *rawClient) callSigned(h smb.Header, body func([]byte) []byte, s sign.Signer) (smb.Header, []byte) {
	c.t.Helper()
	resp := c.sendFrame(c.message(h, body, s))[0]
	rh, err := smb.DecodeHeader(resp)
	if err != nil {
		c.t.Fatal(err)
	}
	return rh, resp
}

// logonUser runs a bare-NTLMSSP NTLMv2 logon (no MIC, no KEY_EXCH) on session sid and returns the
// SessionId, the status and the session key.
func (c *rawClient) logonUser(sid uint64, user, pass string, secMode uint8) (uint64, smb.Status, []byte) {
	c.t.Helper()
	sid, setup, sessionKey := c.authLeg(sid, user, pass, secMode)
	h, _ := c.call(smb.Header{Command: smb.SessionSetup, SessionID: sid}, setup.AppendTo)
	return h.SessionID, h.Status, sessionKey
}

// authLeg runs a logon's first SESSION_SETUP on session sid (0: a new one) and returns the SessionId,
// the second request (NTLMSSP AUTHENTICATE, NTLMv2) for the caller to send, and the session key it
// yields.
func (c *rawClient) authLeg(sid uint64, user, pass string, secMode uint8) (uint64, *smb.SessionSetupRequest, []byte) {
	c.t.Helper()
	const flags = 0x00000001 | 0x00000004 | 0x00000010 | 0x00000200 | 0x00080000 | 0x00008000
	negotiate := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32([]byte("NTLMSSP\x00"), 1), flags)
	negotiate = append(negotiate, make([]byte, 16)...)
	setup := smb.SessionSetupRequest{SecurityMode: secMode, SecurityBuffer: negotiate}
	h, resp := c.call(smb.Header{Command: smb.SessionSetup, SessionID: sid}, setup.AppendTo)
	if h.Status != smb.StatusMoreProcessingRequired {
		c.t.Fatalf("SESSION_SETUP 1: %v", h.Status)
	}
	var sr smb.SessionSetupResponse
	if err := sr.Decode(resp); err != nil {
		c.t.Fatal(err)
	}
	ch := sr.SecurityBuffer
	var serverChallenge [8]byte
	copy(serverChallenge[:], ch[24:32])
	tiLen := binary.LittleEndian.Uint16(ch[40:])
	tiOff := binary.LittleEndian.Uint32(ch[44:])
	targetInfo := ch[tiOff : tiOff+uint32(tiLen)]

	key := hmacMD5(ntHash(pass), utf16le(strings.ToUpper(user)+"WORKGROUP"))
	temp := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	temp = binary.LittleEndian.AppendUint64(temp, 0x01d0aecbadf5a1a1)
	temp = append(temp, "CLIENTCH"...)
	temp = append(temp, 0, 0, 0, 0)
	temp = append(temp, targetInfo...)
	temp = append(temp, 0, 0, 0, 0)
	proof := hmacMD5(key, serverChallenge[:], temp)
	nt := append(bytes.Clone(proof), temp...)
	sessionKey := hmacMD5(key, proof)

	field := func(b []byte, n, off int) []byte {
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
		return binary.LittleEndian.AppendUint32(b, uint32(off))
	}
	payload := [][]byte{make([]byte, 24), nt, utf16le("WORKGROUP"), utf16le(user), utf16le("WS"), nil}
	auth := binary.LittleEndian.AppendUint32([]byte("NTLMSSP\x00"), 3)
	off := 64
	for _, p := range payload {
		auth = field(auth, len(p), off)
		off += len(p)
	}
	auth = binary.LittleEndian.AppendUint32(auth, flags)
	for _, p := range payload {
		auth = append(auth, p...)
	}
	setup.SecurityBuffer = auth
	return h.SessionID, &setup, sessionKey
}

func signerFor(t testing.TB, dialect uint16, sessionKey []byte) sign.Signer {
	alg := sign.AESCMAC
	if dialect < smb.Dialect300 {
		alg = sign.HMACSHA256
	}
	s, err := sign.New(alg, sign.SigningKey(dialect, sessionKey, nil))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func treeConnectBody(tg *target, share string) func([]byte) []byte {
	host, _, _ := net.SplitHostPort(tg.Addr)
	return (&smb.TreeConnectRequest{Path: `\\` + host + `\` + share}).AppendTo
}

// firstSigned chains m1 and m2 into one compound (m1 padded to 8 bytes) with only m1 signed.
func firstSigned(s sign.Signer, m1, m2 []byte) []byte {
	for len(m1)%8 != 0 {
		m1 = append(m1, 0)
	}
	binary.LittleEndian.PutUint32(m1[smb.OffNextCommand:], uint32(len(m1)))
	sign.SignMessage(s, m1)
	return append(m1, m2...)
}

func echoBody(b []byte) []byte { return (&smb.EchoRequest{}).AppendTo(b) }

// TestSigningRules checks the signature rules on a session that requires signing
// (`server signing = mandatory`), dialect 3.0.2 (AES-CMAC).
func TestSigningRules(t *testing.T) {
	tg := startServer(t, func(c *config.Config) { c.Global.ServerSigning = config.SigningMandatory })
	c := dialRawClient(t, tg) // negotiates 3.0.2
	const dialect = smb.Dialect302
	alice, st, ka := c.logonUser(0, testUser, testPassword, smb.SecurityModeSigningEnabled)
	if st != smb.StatusSuccess {
		t.Fatalf("logon alice: %v", st)
	}
	bob, st, kb := c.logonUser(0, otherUser, otherPass, smb.SecurityModeSigningEnabled)
	if st != smb.StatusSuccess {
		t.Fatalf("logon bob: %v", st)
	}
	sa, sb := signerFor(t, dialect, ka), signerFor(t, dialect, kb)

	t.Run("signed tree connect works and is signed", func(t *testing.T) {
		h, resp := c.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, tg.Share), sa)
		if h.Status != smb.StatusSuccess {
			t.Fatalf("TREE_CONNECT: %v", h.Status)
		}
		if h.Flags&smb.FlagSigned == 0 || !sign.VerifyMessage(sa, resp) {
			t.Fatal("response not signed with alice's key")
		}
	})
	t.Run("unsigned tree connect refused", func(t *testing.T) {
		h, _ := c.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, tg.Share), nil)
		if h.Status != smb.StatusAccessDenied {
			t.Fatalf("unsigned TREE_CONNECT: %v", h.Status)
		}
	})
	t.Run("signed with another session's key refused", func(t *testing.T) {
		h, _ := c.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, tg.Share), sb)
		if h.Status != smb.StatusAccessDenied {
			t.Fatalf("TREE_CONNECT on alice signed with bob's key: %v", h.Status)
		}
	})
	t.Run("unsigned logoff refused", func(t *testing.T) {
		h, _ := c.callSigned(smb.Header{Command: smb.Logoff, SessionID: bob}, func(b []byte) []byte { return append(b, 4, 0, 0, 0) }, nil)
		if h.Status != smb.StatusAccessDenied {
			t.Fatalf("unsigned LOGOFF: %v", h.Status)
		}
	})
	t.Run("compound: unsigned related member refused", func(t *testing.T) {
		m1 := c.message(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, tg.Share), nil)
		m2 := c.message(smb.Header{Command: smb.TreeConnect, SessionID: ^uint64(0), Flags: smb.FlagRelatedOps}, treeConnectBody(tg, tg.Share), nil)
		parts := c.sendFrame(firstSigned(sa, m1, m2))
		if len(parts) != 2 {
			t.Fatalf("%d responses", len(parts))
		}
		h1, _ := smb.DecodeHeader(parts[0])
		h2, _ := smb.DecodeHeader(parts[1])
		if h1.Status != smb.StatusSuccess || h2.Status != smb.StatusAccessDenied {
			t.Fatalf("statuses %v, %v; want success, access denied", h1.Status, h2.Status)
		}
	})
	t.Run("compound: unsigned unrelated member refused", func(t *testing.T) {
		m1 := c.message(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, tg.Share), nil)
		m2 := c.message(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, tg.Share), nil)
		parts := c.sendFrame(firstSigned(sa, m1, m2))
		h2, _ := smb.DecodeHeader(parts[len(parts)-1])
		if h2.Status != smb.StatusAccessDenied {
			t.Fatalf("unsigned second member: %v", h2.Status)
		}
	})
	t.Run("signed ECHO with a bad signature", func(t *testing.T) {
		m := c.message(smb.Header{Command: smb.Echo, SessionID: alice}, echoBody, sa)
		m[smb.OffSignature] ^= 1
		h, _ := smb.DecodeHeader(c.sendFrame(m)[0])
		if h.Status == smb.StatusSuccess {
			t.Errorf("ECHO carrying alice's SessionId with a forged signature: %v (MS-SMB2 3.3.5.2.4: the server MUST verify a signed request)", h.Status)
		}
	})
	t.Run("signed ECHO gets a signed response", func(t *testing.T) {
		h, resp := c.callSigned(smb.Header{Command: smb.Echo, SessionID: alice}, echoBody, sa)
		if h.Status != smb.StatusSuccess {
			t.Fatalf("ECHO: %v", h.Status)
		}
		if h.Flags&smb.FlagSigned == 0 || !sign.VerifyMessage(sa, resp) {
			t.Errorf("response to a signed ECHO on a signing-required session is not signed (flags %#x)", h.Flags)
		}
	})
	t.Run("binding refused", func(t *testing.T) {
		setup := smb.SessionSetupRequest{Flags: smb.SessionFlagBinding, SecurityMode: smb.SecurityModeSigningEnabled, SecurityBuffer: []byte("NTLMSSP\x00\x01\x00\x00\x00\x00\x00\x00\x00")}
		h, _ := c.callSigned(smb.Header{Command: smb.SessionSetup, SessionID: alice}, setup.AppendTo, sa)
		if h.Status == smb.StatusSuccess || h.Status == smb.StatusMoreProcessingRequired {
			t.Fatalf("binding: %v", h.Status)
		}
	})
	t.Run("binding refusal keeps the session", func(t *testing.T) {
		h, _ := c.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, tg.Share), sa)
		if h.Status != smb.StatusSuccess {
			t.Fatalf("TREE_CONNECT after a refused binding: %v", h.Status)
		}
	})
	// Last: the refusal logs alice's session off.
	t.Run("reauth by another user refused", func(t *testing.T) {
		_, st, _ := c.logonUser(alice, otherUser, otherPass, smb.SecurityModeSigningEnabled)
		if st != smb.StatusAccessDenied {
			t.Fatalf("re-auth of alice's session as bob: %v", st)
		}
		// Like any failed re-authentication it ends the session (Samba's smbd_smb2_session_setup_wrap).
		h, _ := c.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, tg.Share), sa)
		if h.Status != smb.StatusUserSessionDeleted {
			t.Fatalf("TREE_CONNECT after refused re-auth: %v, want STATUS_USER_SESSION_DELETED", h.Status)
		}
	})
}

// TestSessionOfAnotherConnection: a session id is only valid on its connection.
func TestSessionOfAnotherConnection(t *testing.T) {
	tg := startServer(t)
	c1 := dialRawClient(t, tg)
	c1.logonGuest() // so alice's id (2) is not one c2 has
	alice, st, _ := c1.logonUser(0, testUser, testPassword, smb.SecurityModeSigningEnabled)
	if st != smb.StatusSuccess {
		t.Fatal(st)
	}
	c2 := dialRawClient(t, tg)
	c2.logonGuest()
	h, _ := c2.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: alice}, treeConnectBody(tg, "private"), nil)
	if h.Status != smb.StatusUserSessionDeleted {
		t.Fatalf("alice's SessionId on another connection: %v", h.Status)
	}
	h, _ = c2.callSigned(smb.Header{Command: smb.Logoff, SessionID: alice}, func(b []byte) []byte { return append(b, 4, 0, 0, 0) }, nil)
	if h.Status != smb.StatusUserSessionDeleted {
		t.Fatalf("LOGOFF of alice's session from another connection: %v", h.Status)
	}
}

// chain pads each message but the last to 8 bytes, sets NextCommand and signs each with s (nil: unsigned).
func signedChain(s sign.Signer, msgs ...[]byte) []byte {
	var frame []byte
	for i, m := range msgs {
		if i < len(msgs)-1 {
			for len(m)%8 != 0 {
				m = append(m, 0)
			}
			binary.LittleEndian.PutUint32(m[smb.OffNextCommand:], uint32(len(m)))
		}
		if s != nil {
			sign.SignMessage(s, m)
		}
		frame = append(frame, m...)
	}
	return frame
}

// TestCompoundErrorSigned: in a signed compound CREATE + related QUERY_INFO + CLOSE (what Windows
// sends) where the CREATE fails, every response must still be signed: MS-SMB2 3.3.4.1.1 (the request was
// signed) and Session.SigningRequired; a client that requires signing drops unsigned responses.
func TestCompoundErrorSigned(t *testing.T) {
	for _, mandatory := range []bool{false, true} {
		name := "auto"
		if mandatory {
			name = "mandatory"
		}
		t.Run(name, func(t *testing.T) {
			tg := startServer(t, func(c *config.Config) {
				if mandatory {
					c.Global.ServerSigning = config.SigningMandatory
				}
			})
			c := dialRawClient(t, tg)
			sid, st, key := c.logonUser(0, testUser, testPassword, smb.SecurityModeSigningEnabled|smb.SecurityModeSigningRequired)
			if st != smb.StatusSuccess {
				t.Fatal(st)
			}
			s := signerFor(t, smb.Dialect302, key)
			h, _ := c.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: sid}, treeConnectBody(tg, tg.Share), s)
			if h.Status != smb.StatusSuccess {
				t.Fatal(h.Status)
			}
			tid := h.TreeID
			req := openForReading("no-such-file")
			m1 := c.message(smb.Header{Command: smb.Create, SessionID: sid, TreeID: tid}, req.AppendTo, nil)
			rel := smb.Header{SessionID: ^uint64(0), TreeID: ^uint32(0), Flags: smb.FlagRelatedOps}
			all := smb.FileID{Persistent: ^uint64(0), Volatile: ^uint64(0)}
			rel.Command = smb.QueryInfo
			m2 := c.message(rel, (&smb.QueryInfoRequest{InfoType: 1, FileInfoClass: 5, OutputBufferLength: 4096, FileID: all}).AppendTo, nil)
			rel.Command = smb.Close
			m3 := c.message(rel, (&smb.CloseRequest{FileID: all}).AppendTo, nil)
			parts := c.sendFrame(signedChain(s, m1, m2, m3))
			for i, p := range parts {
				h, _ := smb.DecodeHeader(p)
				signed := h.Flags&smb.FlagSigned != 0 && sign.VerifyMessage(s, p)
				t.Logf("response %d: %v %v signed=%v", i, h.Command, h.Status, signed)
				if !signed {
					t.Errorf("response %d (%v, %v) to a signed request on a signing session is not signed", i, h.Command, h.Status)
				}
			}
		})
	}
}

// addSmbpasswdLines appends raw smbpasswd lines to the in-process server's file before it is loaded.
func addSmbpasswdLines(lines ...string) serverOption {
	return func(cfg *config.Config) {
		f, err := os.OpenFile(cfg.Global.SMBPasswdFile, os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			panic(err)
		}
		defer f.Close()
		for _, l := range lines {
			f.WriteString(l + "\n")
		}
	}
}

// TestNoPasswordAccounts: Samba's sam_password_ok refuses an account flagged N (ACB_PWNOTREQ)
// with NT_STATUS_LOGON_FAILURE unless `null passwords = yes` (default no), and ntlm_password_check
// never accepts an NTLMv2 response for an account with no stored NT hash. zsmbd must not let
// anybody log on as such an account with an empty password.
func TestNoPasswordAccounts(t *testing.T) {
	const xs = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	tg := startServer(t, addSmbpasswdLines(
		// as `smbpasswd -n sys` writes it: N flag, the old NT hash kept (of "y")
		"sys:3:NO PASSWORDXXXXXXXXXXXXXXXXXXXXX:53C1BF6DEAEDE22FA6110FF189023576:[NU         ]:LCT-6B0A5D78:",
		// no NT hash stored, no N flag
		"nohash:4:"+xs+":"+xs+":[U          ]:LCT-6B0A5D78:",
	))
	for _, user := range []string{"sys", "nohash"} {
		t.Run(user, func(t *testing.T) {
			s, err := dial(t, tg, dialOpts{dialect: smb.Dialect302, user: user, password: ""})
			if err == nil {
				s.Logoff()
				t.Fatalf("logon as %q with an empty password succeeded; Samba answers STATUS_LOGON_FAILURE", user)
			}
			wantStatus(t, err, smb.StatusLogonFailure)
		})
	}
}

// signedShare logs the test user on with signing (the client negotiated 3.0.2), connects the data
// share with a signed request and returns the tree's handle and the session's signer.
func (c *rawClient) signedShare(tg *target) (handle, sign.Signer) {
	c.t.Helper()
	sid, st, key := c.logonUser(0, tg.User, tg.Password, smb.SecurityModeSigningEnabled)
	if st != smb.StatusSuccess {
		c.t.Fatalf("logon: %v", st)
	}
	s := signerFor(c.t, smb.Dialect302, key)
	h, _ := c.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: sid}, treeConnectBody(c.tg, c.tg.Share), s)
	if h.Status != smb.StatusSuccess {
		c.t.Fatalf("TREE_CONNECT: %v", h.Status)
	}
	return handle{sid, h.TreeID}, s
}

// signedCreate opens name for reading with a signed CREATE.
func (c *rawClient) signedCreate(on handle, name string, s sign.Signer) smb.FileID {
	c.t.Helper()
	open := openForReading(name)
	h, resp := c.callSigned(c.header(on, smb.Create), open.AppendTo, s)
	var cr smb.CreateResponse
	if h.Status != smb.StatusSuccess || cr.Decode(resp) != nil {
		c.t.Fatalf("CREATE %q: %v", name, h.Status)
	}
	return cr.FileID
}
