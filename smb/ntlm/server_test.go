package ntlm

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/internal/capture"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// MS-NLMP 4.2.1 common values and 4.2.4 NTLMv2 results.
const (
	specUser     = "User"
	specDomain   = "Domain"
	specPassword = "Password"

	specServerChallenge = "0123456789abcdef"
	specNTHash          = "a4f49c406510bdcab6824ee7c30fd852" // 4.2.2.1.2 NTOWFv1
	specNTOWFv2         = "0c868a403bfd7a93a3001ef22ef02e3f" // 4.2.4.1.1
	specNTProofStr      = "68cd0ab851e51c96aabc927bebef6a1c" // 4.2.4.2.2
	specSessionBaseKey  = "8de40ccadbc14a82f15cb0ad0de95ca3" // 4.2.4.1.2
	specRandomKey       = "55555555555555555555555555555555" // 4.2.1
	specEncryptedKey    = "c5dad2544fc9799094ce1ce90bc9d03e" // 4.2.4.2.3

	// 4.2.4.1.3 temp: ClientChallenge aaaa..., Time 0, AV pairs NbDomainName "Domain", NbComputerName "Server".
	specTemp = `01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00
		aa aa aa aa aa aa aa aa 00 00 00 00
		02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00
		01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00
		00 00 00 00 00 00 00 00`

	// 4.2.4.3 CHALLENGE_MESSAGE and AUTHENTICATE_MESSAGE.
	specChallenge = `4e 54 4c 4d 53 53 50 00 02 00 00 00 0c 00 0c 00
		38 00 00 00 33 82 8a e2 01 23 45 67 89 ab cd ef
		00 00 00 00 00 00 00 00 24 00 24 00 44 00 00 00
		06 00 70 17 00 00 00 0f 53 00 65 00 72 00 76 00
		65 00 72 00 02 00 0c 00 44 00 6f 00 6d 00 61 00
		69 00 6e 00 01 00 0c 00 53 00 65 00 72 00 76 00
		65 00 72 00 00 00 00 00`
	specAuthenticate = `4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00
		6c 00 00 00 54 00 54 00 84 00 00 00 0c 00 0c 00
		48 00 00 00 08 00 08 00 54 00 00 00 10 00 10 00
		5c 00 00 00 10 00 10 00 d8 00 00 00 35 82 88 e2
		05 01 28 0a 00 00 00 0f 44 00 6f 00 6d 00 61 00
		69 00 6e 00 55 00 73 00 65 00 72 00 43 00 4f 00
		4d 00 50 00 55 00 54 00 45 00 52 00 86 c3 50 97
		ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa
		aa aa aa aa 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b
		eb ef 6a 1c 01 01 00 00 00 00 00 00 00 00 00 00
		00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00
		02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00
		01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00
		00 00 00 00 00 00 00 00 c5 da d2 54 4f c9 79 90
		94 ce 1c e9 0b c9 d0 3e`
)

func TestSpecVectors(t *testing.T) {
	ntHash := NTHash(specPassword)
	if got := hex.EncodeToString(ntHash[:]); got != specNTHash {
		t.Errorf("NTHash = %s, want %s", got, specNTHash)
	}
	key := ntowfv2(ntHash, specUser, specDomain)
	if got := hex.EncodeToString(key); got != specNTOWFv2 {
		t.Errorf("NTOWFv2 = %s, want %s", got, specNTOWFv2)
	}
	proof := hmacMD5(key, unhex(t, specServerChallenge), unhex(t, specTemp))
	if got := hex.EncodeToString(proof); got != specNTProofStr {
		t.Errorf("NTProofStr = %s, want %s", got, specNTProofStr)
	}
	base := hmacMD5(key, proof)
	if got := hex.EncodeToString(base); got != specSessionBaseKey {
		t.Errorf("SessionBaseKey = %s, want %s", got, specSessionBaseKey)
	}
	enc := rc4XOR(base, unhex(t, specRandomKey))
	if got := hex.EncodeToString(enc); got != specEncryptedKey {
		t.Errorf("EncryptedRandomSessionKey = %s, want %s", got, specEncryptedKey)
	}
	if got := hex.EncodeToString(rc4XOR(base, enc)); got != specRandomKey {
		t.Errorf("RC4 round trip = %s, want %s", got, specRandomKey)
	}
}

// serverAfter returns a Server in the state it would be in after sending challenge
// in answer to negotiate, so recorded AUTHENTICATE messages can be replayed.
func serverAfter(t *testing.T, negotiate, challenge []byte) *Server {
	t.Helper()
	var cm challengeMessage
	if err := cm.decode(challenge); err != nil {
		t.Fatalf("decode recorded CHALLENGE: %v", err)
	}
	return &Server{negotiate: negotiate, challenge: challenge, serverChallenge: cm.ServerChallenge, flags: cm.Flags}
}

func lookupOne(user, password string) func(string, string) ([16]byte, bool) {
	return func(u, d string) ([16]byte, bool) {
		if !strings.EqualFold(u, user) {
			return [16]byte{}, false
		}
		return NTHash(password), true
	}
}

func TestAuthenticateSpecMessage(t *testing.T) {
	// MS-NLMP 4.2.4.3 has no NEGOTIATE_MESSAGE and no MIC; the NEGOTIATE only feeds the MIC.
	s := serverAfter(t, nil, unhex(t, specChallenge))
	res, err := s.Authenticate(unhex(t, specAuthenticate), lookupOne(specUser, specPassword))
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	want := Result{User: "User", Domain: "Domain", Workstation: "COMPUTER", SessionKey: unhex(t, specRandomKey)}
	if res.User != want.User || res.Domain != want.Domain || res.Workstation != want.Workstation ||
		res.Anonymous || !bytes.Equal(res.SessionKey, want.SessionKey) {
		t.Errorf("Result = %+v, want %+v", *res, want)
	}
}

// windowsExchange holds the NTLM messages of a recorded Windows 10 logon.
type windowsExchange struct {
	negotiate, challenge, authenticate, mechListMIC []byte
}

func loadWindows(t *testing.T, req1, resp1, req2 string) windowsExchange {
	t.Helper()
	pk := loadPackets(t)
	ntlmAt := func(name string) []byte {
		p := pk[name]
		i := bytes.Index(p, signature)
		if i < 0 {
			t.Fatalf("%s has no NTLMSSP message", name)
		}
		return p[i:]
	}
	var x windowsExchange
	x.negotiate = ntlmAt(req1)  // the mechToken ends the packet
	x.challenge = ntlmAt(resp1) // the responseToken ends the packet
	auth := ntlmAt(req2)        // followed by mechListMIC [3] OCTET STRING
	const authLen = 422         // EncryptedRandomSessionKey ends at 406+16
	if !bytes.HasPrefix(auth[authLen:], []byte{0xa3, 0x12, 0x04, 0x10}) {
		t.Fatalf("%s: mechListMIC not where expected", req2)
	}
	x.authenticate = auth[:authLen]
	x.mechListMIC = auth[authLen+4:]
	return x
}

func loadPackets(t testing.TB) map[string][]byte {
	t.Helper()
	pk, err := capture.Session()
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// mechTypesDER is the MechTypeList [NTLMSSP] both Windows NegTokenInits carry.
const mechTypesDER = "300c060a2b06010401823702020a"

func TestAuthenticateWindows(t *testing.T) {
	for _, tc := range []struct {
		name, req1, resp1, req2 string
		sessionKey, serverMIC   string
	}{
		{"master", "setup_req1", "setup_resp1", "setup_req2", "270e1ba896585eeb7af3472d3b4c75a7", "010000003b453cdc3524164200000000"},
		{"binding", "bind_req1", "bind_resp1", "bind_req2", "84b9dbb730116a8fa6e9889555c265f9", "01000000cfb046fc5d368e2200000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := loadWindows(t, tc.req1, tc.resp1, tc.req2)
			s := serverAfter(t, x.negotiate, x.challenge)
			var gotUser, gotDomain string
			res, err := s.Authenticate(x.authenticate, func(u, d string) ([16]byte, bool) {
				gotUser, gotDomain = u, d
				return NTHash("Password01!"), true
			})
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if gotUser != "administrator" || gotDomain != "SUT311" {
				t.Errorf("lookup(%q, %q), want administrator, SUT311", gotUser, gotDomain)
			}
			if res.Workstation != "DRIVER311" || res.Anonymous {
				t.Errorf("Result = %+v", *res)
			}
			if got := hex.EncodeToString(res.SessionKey); got != tc.sessionKey {
				t.Errorf("SessionKey = %s, want %s", got, tc.sessionKey)
			}
			mechList := unhex(t, mechTypesDER)
			if err := s.VerifyMechListMIC(mechList, x.mechListMIC); err != nil {
				t.Errorf("client mechListMIC: %v", err)
			}
			if err := s.VerifyMechListMIC(mechList[1:], x.mechListMIC); !errors.Is(err, ErrWrongPassword) {
				t.Errorf("mechListMIC over other bytes: err = %v, want ErrWrongPassword", err)
			}
			mic, err := s.MechListMIC(mechList)
			if err != nil || hex.EncodeToString(mic) != tc.serverMIC {
				t.Errorf("server mechListMIC = %x, %v; want %s", mic, err, tc.serverMIC)
			}
		})
	}
}

func TestAuthenticateWindowsMICTampered(t *testing.T) {
	x := loadWindows(t, "setup_req1", "setup_resp1", "setup_req2")
	for _, tc := range []struct {
		name   string
		mutate func(neg, auth []byte)
	}{
		{"MIC", func(_, auth []byte) { auth[micOffset] ^= 1 }},
		// The NTLMv2 response still verifies; only the MIC binds the NEGOTIATE.
		{"NEGOTIATE flags", func(neg, _ []byte) { neg[12] ^= 0x10 }},
		// The AUTHENTICATE's own flags are outside the NTProofStr.
		{"AUTHENTICATE flags", func(_, auth []byte) { auth[60] ^= 0x10 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			neg := bytes.Clone(x.negotiate)
			auth := bytes.Clone(x.authenticate)
			tc.mutate(neg, auth)
			s := serverAfter(t, neg, x.challenge)
			res, err := s.Authenticate(auth, lookupOne("administrator", "Password01!"))
			if !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("err = %v, want ErrWrongPassword", err)
			}
			if res == nil || res.User != "administrator" || res.SessionKey != nil {
				t.Errorf("Result = %+v, want the user named and no key", res)
			}
		})
	}
}

var fixedNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func newTestServer(challenge string) *Server {
	return NewServer(ServerConfig{
		NetBIOSName: "ZSMBD",
		Domain:      "WORKGROUP",
		Now:         func() time.Time { return fixedNow },
		Rand:        strings.NewReader(challenge),
	})
}

// goSMB2Negotiate is the NEGOTIATE_MESSAGE go-smb2 v1.1.0 sends (internal/ntlm/client.go):
// flags 0xe2088297 and Version 10.0 revision 15, no domain or workstation.
const goSMB2Negotiate = "4e544c4d53535000" + "01000000" + "978208e2" +
	"0000000000000000" + "0000000000000000" + "0a0000000000000f"

func TestChallengeBytes(t *testing.T) {
	s := newTestServer("\x01\x23\x45\x67\x89\xab\xcd\xef")
	got, err := s.Challenge(unhex(t, goSMB2Negotiate))
	if err != nil {
		t.Fatal(err)
	}
	u := func(s string) string { return hex.EncodeToString(encodeUTF16(s)) }
	// FILETIME of 2024-05-06T07:08:09Z.
	ts := hex.EncodeToString(le.AppendUint64(nil, uint64(fixedNow.Unix())*10000000+116444736000000000))
	info := "0200" + "1200" + u("WORKGROUP") +
		"0100" + "0a00" + u("ZSMBD") +
		"0400" + "0a00" + u("zsmbd") +
		"0300" + "0a00" + u("zsmbd") +
		"0700" + "0800" + ts +
		"00000000"
	want := "4e544c4d53535000" + "02000000" +
		"0a000a0038000000" + // TargetName "ZSMBD" at 56
		// UNICODE|REQUEST_TARGET|SIGN|NTLM|ALWAYS_SIGN|TARGET_TYPE_SERVER|ESS|TARGET_INFO|VERSION|128|KEY_EXCH|56
		"15828ae2" +
		"0123456789abcdef" + "0000000000000000" +
		"5000500042000000" + // TargetInfo, 80 bytes at 66
		"060100000000000f" +
		u("ZSMBD") + info
	if hex.EncodeToString(got) != want {
		t.Errorf("CHALLENGE\n got %x\nwant %s", got, want)
	}
	if _, err := s.Challenge(unhex(t, goSMB2Negotiate)); err == nil {
		t.Error("second Challenge succeeded")
	}
}

func TestChallengeFlags(t *testing.T) {
	for _, tc := range []struct {
		name        string
		asked, want uint32
	}{
		{"minimal unicode", flagUnicode, flagUnicode | flagRequestTarget | flagNTLM | flagTargetInfo | flagTargetTypeServer},
		{"OEM only", flagOEM, flagOEM | flagRequestTarget | flagNTLM | flagTargetInfo | flagTargetTypeServer},
		{"neither charset", 0, flagUnicode | flagRequestTarget | flagNTLM | flagTargetInfo | flagTargetTypeServer},
		{"seal and LM key", flagUnicode | flagSeal | flagLMKey | flagAnonymous | flagTargetTypeDomain,
			flagUnicode | flagSeal | flagRequestTarget | flagNTLM | flagTargetInfo | flagTargetTypeServer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			neg := append(unhex(t, "4e544c4d5353500001000000"), le.AppendUint32(nil, tc.asked)...)
			b, err := newTestServer("01234567").Challenge(neg)
			if err != nil {
				t.Fatal(err)
			}
			var cm challengeMessage
			if err := cm.decode(b); err != nil {
				t.Fatal(err)
			}
			if cm.Flags != tc.want {
				t.Errorf("flags = %#08x, want %#08x", cm.Flags, tc.want)
			}
		})
	}
}

// clientOpts shapes the AUTHENTICATE a test client builds.
type clientOpts struct {
	user, domain, password string
	hashDomain             *string // domain mixed into NTOWFv2 if not the sent one
	keyExch, mic           bool
	ntResponse             []byte // replaces the NTLMv2 response when set
}

// buildAuthenticate is a small NTLMv2 client following MS-NLMP 3.1.5.1.2, used to
// exercise the server's branches. It returns the message and the session key a
// client would hold.
func buildAuthenticate(t *testing.T, negotiate, challenge []byte, o clientOpts) ([]byte, []byte) {
	t.Helper()
	var cm challengeMessage
	if err := cm.decode(challenge); err != nil {
		t.Fatal(err)
	}
	hashDomain := o.domain
	if o.hashDomain != nil {
		hashDomain = *o.hashDomain
	}
	key := ntowfv2(NTHash(o.password), o.user, hashDomain)
	var pairs []avPair
	if o.mic {
		pairs = append(pairs, avPair{avFlags, []byte{2, 0, 0, 0}})
	}
	info := appendAVPairs(bytes.Clone(cm.TargetInfo[:len(cm.TargetInfo)-4]), pairs)
	temp := []byte{1, 1, 0, 0, 0, 0, 0, 0}
	temp = le.AppendUint64(temp, 0x01d0aecbadf5a1a1)
	temp = append(temp, "CLIENTCH"...)
	temp = append(temp, 0, 0, 0, 0)
	temp = append(temp, info...)
	temp = append(temp, 0, 0, 0, 0)
	proof := hmacMD5(key, cm.ServerChallenge[:], temp)
	nt := append(bytes.Clone(proof), temp...)
	if o.ntResponse != nil {
		nt = o.ntResponse
	}
	exported := hmacMD5(key, proof)
	var encKey []byte
	flags := cm.Flags &^ flagKeyExch
	if o.keyExch {
		flags |= flagKeyExch
		random := []byte("random-sessionky")
		encKey = rc4XOR(exported, random)
		exported = random
	}
	payload := [][]byte{make([]byte, 24), nt, encodeUTF16(o.domain), encodeUTF16(o.user), encodeUTF16("WS"), encKey}
	msg := append(bytes.Clone(signature), 3, 0, 0, 0)
	off := 88
	for _, p := range payload {
		msg = appendField(msg, len(p), off)
		off += len(p)
	}
	msg = le.AppendUint32(msg, flags)
	msg = append(msg, serverVersion[:]...)
	msg = append(msg, make([]byte, 16)...)
	for _, p := range payload {
		msg = append(msg, p...)
	}
	if o.mic {
		copy(msg[micOffset:], hmacMD5(exported, negotiate, challenge, msg))
	}
	return msg, exported
}

func TestAuthenticate(t *testing.T) {
	empty, upper := "", "WORKGROUP"
	for _, tc := range []struct {
		name    string
		opts    clientOpts
		wantErr error
	}{
		{"key exchange and MIC", clientOpts{user: "alice", domain: "WORKGROUP", password: "pw", keyExch: true, mic: true}, nil},
		{"no key exchange", clientOpts{user: "alice", domain: "WORKGROUP", password: "pw", mic: true}, nil},
		{"no MIC", clientOpts{user: "Alice", domain: "workgroup", password: "pw", keyExch: true}, nil},
		{"hashed with empty domain", clientOpts{user: "alice", domain: "WORKGROUP", password: "pw", hashDomain: &empty, keyExch: true, mic: true}, nil},
		{"hashed with upper-case domain", clientOpts{user: "alice", domain: "workgroup", password: "pw", hashDomain: &upper, keyExch: true, mic: true}, nil},
		{"empty domain sent", clientOpts{user: "alice", password: "pw", keyExch: true, mic: true}, nil},
		{"wrong password", clientOpts{user: "alice", domain: "WORKGROUP", password: "PW", keyExch: true, mic: true}, ErrWrongPassword},
		{"unknown user", clientOpts{user: "mallory", domain: "WORKGROUP", password: "pw"}, ErrNoSuchUser},
		{"NTLMv1", clientOpts{user: "alice", domain: "WORKGROUP", password: "pw", ntResponse: make([]byte, 24)}, ErrNTLMv1},
		{"LM only", clientOpts{user: "alice", domain: "WORKGROUP", password: "pw", ntResponse: []byte{}}, ErrNTLMv1},
		{"unknown user, no password", clientOpts{user: "root", domain: "WORKGROUP", ntResponse: []byte{}}, ErrNoSuchUser},
		{"unknown user, NTLMv1", clientOpts{user: "root", domain: "WORKGROUP", password: "pw", ntResponse: make([]byte, 24)}, ErrNoSuchUser},
		{"short NTLMv2", clientOpts{user: "alice", domain: "WORKGROUP", password: "pw", ntResponse: make([]byte, 43)}, ErrMalformed},
		{"AV pairs without EOL", clientOpts{user: "alice", domain: "WORKGROUP", password: "pw", ntResponse: bytes.Repeat([]byte{1}, 60)}, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer("87654321")
			neg := unhex(t, goSMB2Negotiate)
			ch, err := s.Challenge(neg)
			if err != nil {
				t.Fatal(err)
			}
			auth, clientKey := buildAuthenticate(t, neg, ch, tc.opts)
			res, err := s.Authenticate(auth, lookupOne("alice", "pw"))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if res != nil && res.SessionKey != nil {
					t.Errorf("failed Authenticate returned a session key")
				}
				return
			}
			if res.User != tc.opts.user || res.Domain != tc.opts.domain || res.Workstation != "WS" {
				t.Errorf("Result = %+v", *res)
			}
			if !bytes.Equal(res.SessionKey, clientKey) {
				t.Errorf("SessionKey = %x, client holds %x", res.SessionKey, clientKey)
			}
			if _, err := s.Authenticate(auth, lookupOne("alice", "pw")); err == nil {
				t.Error("second Authenticate succeeded")
			}
		})
	}
}

func TestAuthenticateAnonymous(t *testing.T) {
	s := newTestServer("87654321")
	if _, err := s.Challenge(unhex(t, goSMB2Negotiate)); err != nil {
		t.Fatal(err)
	}
	// MS-NLMP 3.2.5.1.2: empty user, empty NtChallengeResponse, LmChallengeResponse Z(1).
	msg := append(bytes.Clone(signature), 3, 0, 0, 0)
	msg = appendField(msg, 1, 64) // LM: one zero byte
	for range 5 {
		msg = appendField(msg, 0, 65)
	}
	msg = le.AppendUint32(msg, flagUnicode|flagAnonymous)
	msg = append(msg, 0)
	called := false
	res, err := s.Authenticate(msg, func(string, string) ([16]byte, bool) { called = true; return [16]byte{}, false })
	if err != nil {
		t.Fatal(err)
	}
	if !res.Anonymous || res.SessionKey != nil || called {
		t.Errorf("Result = %+v, lookup called = %v", *res, called)
	}
}

func TestMalformed(t *testing.T) {
	s := newTestServer("87654321")
	neg := unhex(t, goSMB2Negotiate)
	ch, err := s.Challenge(neg)
	if err != nil {
		t.Fatal(err)
	}
	auth, _ := buildAuthenticate(t, neg, ch, clientOpts{user: "alice", domain: "WORKGROUP", password: "pw", keyExch: true, mic: true})

	// Every truncation of a valid AUTHENTICATE is refused without a panic.
	for n := range len(auth) {
		s := serverAfter(t, neg, ch)
		if _, err := s.Authenticate(auth[:n], lookupOne("alice", "pw")); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
	bad := map[string][]byte{
		"empty":         nil,
		"garbage":       []byte("this is not an NTLMSSP message at all, not even close"),
		"wrong type":    append(bytes.Clone(signature), 1, 0, 0, 0),
		"field overrun": func() []byte { b := bytes.Clone(auth); le.PutUint32(b[24:], 0xfffffff0); return b }(),
		"odd user name": func() []byte { b := bytes.Clone(auth); le.PutUint16(b[36:], 3); return b }(),
		"short key":     func() []byte { b := bytes.Clone(auth); le.PutUint16(b[52:], 8); return b }(),
	}
	for name, b := range bad {
		s := serverAfter(t, neg, ch)
		if _, err := s.Authenticate(b, lookupOne("alice", "pw")); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	for name, b := range map[string][]byte{"short": neg[:15], "AUTHENTICATE": auth, "garbage": []byte("NTLMSSP")} {
		if _, err := newTestServer("87654321").Challenge(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("Challenge(%s): err = %v, want ErrMalformed", name, err)
		}
	}
	if _, err := NewServer(ServerConfig{}).Authenticate(auth, lookupOne("alice", "pw")); err == nil {
		t.Error("Authenticate before Challenge succeeded")
	}
	if _, err := NewServer(ServerConfig{}).MechListMIC(nil); err == nil {
		t.Error("MechListMIC before Authenticate succeeded")
	}
}

func FuzzAuthenticate(f *testing.F) {
	msgs, err := capture.Session()
	if err != nil {
		f.Fatal(err)
	}
	spec, _ := hex.DecodeString(strings.Join(strings.Fields(specAuthenticate), ""))
	for _, b := range [][]byte{spec, msgs["setup_req2"]} {
		if i := bytes.Index(b, signature); i >= 0 {
			f.Add(b[i:])
		}
	}
	challenge, _ := hex.DecodeString(strings.Join(strings.Fields(specChallenge), ""))
	f.Fuzz(func(t *testing.T, auth []byte) {
		var cm challengeMessage
		if err := cm.decode(challenge); err != nil {
			t.Fatal(err)
		}
		s := &Server{challenge: challenge, serverChallenge: cm.ServerChallenge, flags: cm.Flags}
		res, err := s.Authenticate(auth, lookupOne(specUser, specPassword))
		if err == nil && !res.Anonymous && len(res.SessionKey) != 16 {
			t.Fatalf("success with a %d-byte session key", len(res.SessionKey))
		}
		if err == nil && !res.Anonymous {
			// Success must mean the proof really verified.
			var am authenticateMessage
			if am.decode(auth) != nil {
				t.Fatal("accepted a message that does not decode")
			}
			nt := am.NtChallengeResponse
			key := ntowfv2(NTHash(specPassword), res.User, res.Domain)
			ok := hmac.Equal(hmacMD5(key, cm.ServerChallenge[:], nt[16:]), nt[:16])
			for _, d := range []string{"", strings.ToUpper(res.Domain)} {
				ok = ok || hmac.Equal(hmacMD5(ntowfv2(NTHash(specPassword), res.User, d), cm.ServerChallenge[:], nt[16:]), nt[:16])
			}
			if !ok {
				t.Fatal("accepted a response whose NTProofStr does not verify")
			}
		}
	})
}
