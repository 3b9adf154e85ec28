// Package ntlm is the server (acceptor) side of NTLMSSP with NTLMv2 response
// verification, as SMB2 SESSION_SETUP carries it. MS-NLMP
package ntlm

import (
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Errors returned by Server.Authenticate. Test them with errors.Is: the returned
// errors wrap these with detail.
var (
	// ErrMalformed means a message could not be parsed.
	ErrMalformed = errors.New("ntlm: malformed message")
	// ErrNoSuchUser means the lookup function did not know the user. Callers
	// that map unknown users to guest (Samba's "map to guest = bad user") act on it.
	ErrNoSuchUser = errors.New("ntlm: no such user")
	// ErrWrongPassword means the NTProofStr or the MIC did not verify.
	ErrWrongPassword = errors.New("ntlm: wrong password")
	// ErrNTLMv1 means the client sent an NTLMv1 or LM-only response, which is refused.
	ErrNTLMv1 = errors.New("ntlm: NTLMv1 and LM responses are refused")
)

// errOrder reports calls made out of sequence on a Server.
var errOrder = errors.New("ntlm: Challenge and Authenticate called out of order")

// ServerConfig names the server in the CHALLENGE_MESSAGE and supplies time and randomness.
type ServerConfig struct {
	NetBIOSName string           // e.g. "ZSMBD" (upper case)
	Domain      string           // NetBIOS domain / workgroup, e.g. "WORKGROUP"
	DNSName     string           // optional DNS host name (lower case); defaults from NetBIOSName
	Now         func() time.Time // nil = time.Now; used for MsvAvTimestamp
	Rand        io.Reader        // nil = crypto/rand; for the server challenge (tests inject fixed bytes)
}

// Server is the acceptor state of one NTLM authentication (one SESSION_SETUP
// exchange). It is not safe for concurrent use.
type Server struct {
	cfg ServerConfig

	negotiate       []byte // raw NEGOTIATE_MESSAGE, input of the MIC
	challenge       []byte // raw CHALLENGE_MESSAGE, input of the MIC
	serverChallenge [8]byte
	flags           uint32 // NegotiateFlags the CHALLENGE offered

	done       bool
	authFlags  uint32 // flags in force after AUTHENTICATE
	sessionKey []byte // ExportedSessionKey after success
}

// NewServer returns the acceptor for one authentication.
func NewServer(cfg ServerConfig) *Server {
	return &Server{cfg: cfg}
}

// Result is the outcome of an AUTHENTICATE_MESSAGE.
type Result struct {
	User, Domain, Workstation string
	// Anonymous is set for an empty user name with an empty NT response.
	// MS-NLMP 3.2.5.1.2
	Anonymous bool
	// SessionKey is the 16-byte ExportedSessionKey (after KEY_EXCH decryption
	// when negotiated); nil when anonymous or when authentication failed.
	SessionKey []byte
}

// Challenge parses a NEGOTIATE_MESSAGE and returns the CHALLENGE_MESSAGE, which
// grants the client's requests the server supports and carries TargetInfo with
// the server's names and an MsvAvTimestamp (go-smb2 requires both).
// MS-NLMP 3.2.5.1.1
func (s *Server) Challenge(negotiate []byte) ([]byte, error) {
	if s.challenge != nil {
		return nil, errOrder
	}
	var nm negotiateMessage
	if err := nm.decode(negotiate); err != nil {
		return nil, err
	}

	flags := uint32(flagRequestTarget | flagNTLM | flagTargetInfo | flagTargetTypeServer)
	switch {
	case nm.Flags&flagUnicode != 0:
		flags |= flagUnicode
	case nm.Flags&flagOEM != 0:
		flags |= flagOEM
	default:
		flags |= flagUnicode
	}
	flags |= nm.Flags & echoedFlags

	var cm challengeMessage
	cm.Flags = flags
	r := s.cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, cm.ServerChallenge[:]); err != nil {
		return nil, fmt.Errorf("ntlm: server challenge: %w", err)
	}
	if flags&flagUnicode != 0 {
		cm.TargetName = encodeUTF16(s.cfg.NetBIOSName)
	} else {
		cm.TargetName = []byte(s.cfg.NetBIOSName)
	}
	cm.TargetInfo = s.targetInfo()
	if flags&flagVersion != 0 {
		cm.Version = serverVersion
	}

	s.negotiate = append([]byte(nil), negotiate...)
	s.challenge = cm.AppendTo(nil)
	s.serverChallenge = cm.ServerChallenge
	s.flags = flags
	return s.challenge, nil
}

// targetInfo returns the AV pairs of the CHALLENGE. MS-NLMP 2.2.1.2, 3.2.5.1.1
func (s *Server) targetInfo() []byte {
	dnsName := s.cfg.DNSName
	if dnsName == "" {
		dnsName = strings.ToLower(s.cfg.NetBIOSName)
	}
	// A standalone server is its own DNS domain unless its name is qualified
	// (a Windows workgroup server sends its host name in both pairs).
	dnsDomain := dnsName
	if i := strings.IndexByte(dnsName, '.'); i >= 0 && i+1 < len(dnsName) {
		dnsDomain = dnsName[i+1:]
	}
	now := time.Now
	if s.cfg.Now != nil {
		now = s.cfg.Now
	}
	ts := le.AppendUint64(nil, fileTime(now()))
	return appendAVPairs(nil, []avPair{
		{avNbDomainName, encodeUTF16(s.cfg.Domain)},
		{avNbComputerName, encodeUTF16(s.cfg.NetBIOSName)},
		{avDNSDomainName, encodeUTF16(dnsDomain)},
		{avDNSComputerName, encodeUTF16(dnsName)},
		{avTimestamp, ts},
	})
}

// fileTime converts t to a FILETIME: 100 ns intervals since 1601-01-01 UTC.
// MS-DTYP 2.3.3
func fileTime(t time.Time) uint64 {
	const epochDelta = 116444736000000000 // 1601 to 1970 in 100 ns
	return uint64(t.UnixNano()/100 + epochDelta)
}

// Authenticate parses the AUTHENTICATE_MESSAGE and verifies its NTLMv2 response.
// lookup returns the NT hash (MD4 of the UTF-16LE password) for a user name as
// the client sent it; the caller handles case-insensitivity. When the message
// parses but the user is unknown or the proof fails, the returned Result still
// names the user (for logging and guest mapping) alongside ErrNoSuchUser or
// ErrWrongPassword. MS-NLMP 3.2.5.1.2
func (s *Server) Authenticate(auth []byte, lookup func(user, domain string) (ntHash [16]byte, ok bool)) (*Result, error) {
	if s.challenge == nil || s.done {
		return nil, errOrder
	}
	var am authenticateMessage
	if err := am.decode(auth); err != nil {
		return nil, err
	}
	unicode := s.flags&flagUnicode != 0
	var res Result
	var err error
	if res.User, err = decodeString(am.UserName, unicode); err != nil {
		return nil, err
	}
	if res.Domain, err = decodeString(am.DomainName, unicode); err != nil {
		return nil, err
	}
	if res.Workstation, err = decodeString(am.Workstation, unicode); err != nil {
		return nil, err
	}

	nt, lm := am.NtChallengeResponse, am.LmChallengeResponse
	if res.User == "" && len(nt) == 0 && (len(lm) == 0 || (len(lm) == 1 && lm[0] == 0)) {
		s.done = true
		res.Anonymous = true
		return &res, nil
	}
	// An NTLMv1 response is exactly 24 bytes; an empty one means LM only. MS-NLMP 2.2.2.6
	// An unknown user is reported as such whatever the response, as Samba does, so that
	// `map to guest = bad user` also maps `smbclient -N` (user root, no password) to guest.
	if len(nt) == 0 || len(nt) == 24 {
		if _, ok := lookup(res.User, res.Domain); !ok {
			return &res, ErrNoSuchUser
		}
		return nil, ErrNTLMv1
	}
	// NTProofStr (16) + the fixed part of NTLMv2_CLIENT_CHALLENGE (28). MS-NLMP 2.2.2.7
	if len(nt) < 16+28 {
		return nil, fmt.Errorf("%w: %d-byte NTLMv2 response", ErrMalformed, len(nt))
	}
	proof, temp := nt[:16], nt[16:]
	avFlagsValue, ok, err := findAVPair(temp[28:], avFlags)
	if err != nil {
		return nil, err
	}
	micPresent := ok && len(avFlagsValue) == 4 && le.Uint32(avFlagsValue)&avFlagMICPresent != 0
	if micPresent && len(auth) < micOffset+micLen {
		return nil, fmt.Errorf("%w: MIC announced but message is %d bytes", ErrMalformed, len(auth))
	}
	negotiated := am.Flags & s.flags
	keyExch := negotiated&flagKeyExch != 0
	if keyExch && len(am.EncryptedRandomSessionKey) != 16 {
		return nil, fmt.Errorf("%w: KEY_EXCH with a %d-byte EncryptedRandomSessionKey", ErrMalformed, len(am.EncryptedRandomSessionKey))
	}

	ntHash, ok := lookup(res.User, res.Domain)
	if !ok {
		return &res, ErrNoSuchUser
	}
	// Clients differ on the domain they hash: the one they sent, none, or the
	// upper-cased one (Samba's ntlm_password_check tries the same set).
	var responseKeyNT []byte
	for i, d := range []string{res.Domain, "", strings.ToUpper(res.Domain)} {
		if (i == 1 && res.Domain == "") || (i == 2 && d == res.Domain) {
			continue
		}
		k := ntowfv2(ntHash, res.User, d)
		if hmac.Equal(hmacMD5(k, s.serverChallenge[:], temp), proof) {
			responseKeyNT = k
			break
		}
	}
	if responseKeyNT == nil {
		return &res, ErrWrongPassword
	}

	// NTLMv2: KeyExchangeKey = SessionBaseKey. MS-NLMP 3.3.2, 3.4.5.1
	keyExchangeKey := hmacMD5(responseKeyNT, proof)
	exported := keyExchangeKey
	if keyExch {
		exported = rc4XOR(keyExchangeKey, am.EncryptedRandomSessionKey)
	}
	if micPresent {
		var zero [micLen]byte
		want := hmacMD5(exported, s.negotiate, s.challenge, auth[:micOffset], zero[:], auth[micOffset+micLen:])
		if !hmac.Equal(want, auth[micOffset:micOffset+micLen]) {
			return &res, fmt.Errorf("%w: MIC mismatch", ErrWrongPassword)
		}
	}

	s.done = true
	s.authFlags = negotiated
	s.sessionKey = exported
	res.SessionKey = append([]byte(nil), exported...)
	return &res, nil
}

// MechListMIC returns the server's SPNEGO mechListMIC over mechList (the DER
// MechTypeList the client sent): the NTLMSSP signature with the server-to-client
// keys and sequence number 0, as Windows sends in its final NegTokenResp.
// It needs a successful, non-anonymous Authenticate with extended session
// security. RFC 4178 5, MS-NLMP 3.4.4.2
func (s *Server) MechListMIC(mechList []byte) ([]byte, error) {
	if err := s.canSign(); err != nil {
		return nil, err
	}
	return mac(s.authFlags, signKey(s.sessionKey, serverSignMagic),
		sealKey(s.authFlags, s.sessionKey, serverSealMagic), 0, mechList), nil
}

// VerifyMechListMIC checks the client's SPNEGO mechListMIC over mechList with
// the client-to-server keys and sequence number 0. RFC 4178 5, MS-NLMP 3.4.4.2
func (s *Server) VerifyMechListMIC(mechList, mic []byte) error {
	if err := s.canSign(); err != nil {
		return err
	}
	want := mac(s.authFlags, signKey(s.sessionKey, clientSignMagic),
		sealKey(s.authFlags, s.sessionKey, clientSealMagic), 0, mechList)
	if !hmac.Equal(want, mic) {
		return fmt.Errorf("%w: mechListMIC mismatch", ErrWrongPassword)
	}
	return nil
}

func (s *Server) canSign() error {
	if s.sessionKey == nil {
		return errOrder
	}
	if s.authFlags&flagExtendedSessionSecurity == 0 {
		return errors.New("ntlm: mechListMIC needs extended session security")
	}
	return nil
}
