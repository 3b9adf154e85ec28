package ntlm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

// signature opens every NTLMSSP message. MS-NLMP 2.2.1
var signature = []byte("NTLMSSP\x00")

// Message types. MS-NLMP 2.2.1
const (
	typeNegotiate    = 1
	typeChallenge    = 2
	typeAuthenticate = 3
)

// NegotiateFlags bits. MS-NLMP 2.2.2.5
const (
	flagUnicode                 = 0x00000001 // NTLMSSP_NEGOTIATE_UNICODE
	flagOEM                     = 0x00000002 // NTLM_NEGOTIATE_OEM
	flagRequestTarget           = 0x00000004 // NTLMSSP_REQUEST_TARGET
	flagSign                    = 0x00000010 // NTLMSSP_NEGOTIATE_SIGN
	flagSeal                    = 0x00000020 // NTLMSSP_NEGOTIATE_SEAL
	flagLMKey                   = 0x00000080 // NTLMSSP_NEGOTIATE_LM_KEY
	flagNTLM                    = 0x00000200 // NTLMSSP_NEGOTIATE_NTLM
	flagAnonymous               = 0x00000800 // NTLMSSP_ANONYMOUS
	flagAlwaysSign              = 0x00008000 // NTLMSSP_NEGOTIATE_ALWAYS_SIGN
	flagTargetTypeDomain        = 0x00010000 // NTLMSSP_TARGET_TYPE_DOMAIN
	flagTargetTypeServer        = 0x00020000 // NTLMSSP_TARGET_TYPE_SERVER
	flagExtendedSessionSecurity = 0x00080000 // NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
	flagTargetInfo              = 0x00800000 // NTLMSSP_NEGOTIATE_TARGET_INFO
	flagVersion                 = 0x02000000 // NTLMSSP_NEGOTIATE_VERSION
	flag128                     = 0x20000000 // NTLMSSP_NEGOTIATE_128
	flagKeyExch                 = 0x40000000 // NTLMSSP_NEGOTIATE_KEY_EXCH
	flag56                      = 0x80000000 // NTLMSSP_NEGOTIATE_56
)

// echoedFlags are the client's requests the server grants when asked. SEAL is
// granted only when requested: SMB never uses NTLM sealing, but refusing it would
// make a client that asked for it abort. MS-NLMP 3.2.5.1.1
const echoedFlags = flagSign | flagSeal | flagAlwaysSign | flagExtendedSessionSecurity |
	flagVersion | flag128 | flagKeyExch | flag56

// AV pair ids. MS-NLMP 2.2.2.1
const (
	avEOL             = 0
	avNbComputerName  = 1
	avNbDomainName    = 2
	avDNSComputerName = 3
	avDNSDomainName   = 4
	avFlags           = 6
	avTimestamp       = 7
)

// avFlagMICPresent in MsvAvFlags says the AUTHENTICATE_MESSAGE carries a MIC.
// MS-NLMP 2.2.2.1
const avFlagMICPresent = 0x2

// serverVersion is the VERSION structure the CHALLENGE carries: 6.1, build 0,
// NTLMSSP_REVISION_W2K3 (what Samba sends). MS-NLMP 2.2.2.10
var serverVersion = [8]byte{6, 1, 0, 0, 0, 0, 0, 0x0f}

// Fixed sizes and offsets.
const (
	negotiateHeaderLen    = 16 // Signature, MessageType, NegotiateFlags; MS-NLMP 2.2.1.1
	challengeHeaderLen    = 56 // through Version; MS-NLMP 2.2.1.2
	authenticateHeaderLen = 64 // through NegotiateFlags; MS-NLMP 2.2.1.3
	micOffset             = 72 // after the 8-byte Version; MS-NLMP 2.2.1.3
	micLen                = 16
)

var le = binary.LittleEndian

// checkHeader validates the signature and message type common to all messages.
func checkHeader(b []byte, want uint32) error {
	if len(b) < 12 {
		return fmt.Errorf("%w: %d-byte message", ErrMalformed, len(b))
	}
	if !bytes.Equal(b[:8], signature) {
		return fmt.Errorf("%w: bad signature", ErrMalformed)
	}
	if t := le.Uint32(b[8:12]); t != want {
		return fmt.Errorf("%w: message type %d, want %d", ErrMalformed, t, want)
	}
	return nil
}

// field reads the (Len, MaxLen, BufferOffset) descriptor at off and returns the
// payload it points at. An empty field's offset is not checked: clients leave
// arbitrary offsets in zero-length fields. MS-NLMP 2.2.1.3
func field(b []byte, off int) ([]byte, error) {
	n := int(le.Uint16(b[off:]))
	if n == 0 {
		return nil, nil
	}
	start := int(le.Uint32(b[off+4:]))
	if start < 0 || start > len(b) || n > len(b)-start {
		return nil, fmt.Errorf("%w: field at %d runs past the message (%d+%d > %d)", ErrMalformed, off, start, n, len(b))
	}
	return b[start : start+n], nil
}

// negotiateMessage is the part of a NEGOTIATE_MESSAGE the server uses. MS-NLMP 2.2.1.1
type negotiateMessage struct {
	Flags uint32
}

func (m *negotiateMessage) decode(b []byte) error {
	if err := checkHeader(b, typeNegotiate); err != nil {
		return err
	}
	if len(b) < negotiateHeaderLen {
		return fmt.Errorf("%w: %d-byte NEGOTIATE", ErrMalformed, len(b))
	}
	m.Flags = le.Uint32(b[12:16])
	return nil
}

// challengeMessage is a CHALLENGE_MESSAGE. MS-NLMP 2.2.1.2
type challengeMessage struct {
	TargetName      []byte // UTF-16LE
	Flags           uint32
	ServerChallenge [8]byte
	TargetInfo      []byte // encoded AV pairs
	Version         [8]byte
}

// AppendTo appends the encoded message to b.
func (m *challengeMessage) AppendTo(b []byte) []byte {
	nameOff := challengeHeaderLen
	infoOff := nameOff + len(m.TargetName)
	b = append(b, signature...)
	b = le.AppendUint32(b, typeChallenge)
	b = appendField(b, len(m.TargetName), nameOff)
	b = le.AppendUint32(b, m.Flags)
	b = append(b, m.ServerChallenge[:]...)
	b = append(b, make([]byte, 8)...) // Reserved
	b = appendField(b, len(m.TargetInfo), infoOff)
	b = append(b, m.Version[:]...)
	b = append(b, m.TargetName...)
	return append(b, m.TargetInfo...)
}

func (m *challengeMessage) decode(b []byte) error {
	if err := checkHeader(b, typeChallenge); err != nil {
		return err
	}
	if len(b) < challengeHeaderLen {
		return fmt.Errorf("%w: %d-byte CHALLENGE", ErrMalformed, len(b))
	}
	var err error
	if m.TargetName, err = field(b, 12); err != nil {
		return err
	}
	m.Flags = le.Uint32(b[20:24])
	copy(m.ServerChallenge[:], b[24:32])
	if m.TargetInfo, err = field(b, 40); err != nil {
		return err
	}
	copy(m.Version[:], b[48:56])
	return nil
}

func appendField(b []byte, n, off int) []byte {
	b = le.AppendUint16(b, uint16(n))
	b = le.AppendUint16(b, uint16(n))
	return le.AppendUint32(b, uint32(off))
}

// authenticateMessage is an AUTHENTICATE_MESSAGE. Slices point into the decoded
// buffer. MS-NLMP 2.2.1.3
type authenticateMessage struct {
	LmChallengeResponse       []byte
	NtChallengeResponse       []byte
	DomainName                []byte
	UserName                  []byte
	Workstation               []byte
	EncryptedRandomSessionKey []byte
	Flags                     uint32
}

func (m *authenticateMessage) decode(b []byte) error {
	if err := checkHeader(b, typeAuthenticate); err != nil {
		return err
	}
	if len(b) < authenticateHeaderLen {
		return fmt.Errorf("%w: %d-byte AUTHENTICATE", ErrMalformed, len(b))
	}
	for _, f := range []struct {
		off int
		dst *[]byte
	}{
		{12, &m.LmChallengeResponse},
		{20, &m.NtChallengeResponse},
		{28, &m.DomainName},
		{36, &m.UserName},
		{44, &m.Workstation},
		{52, &m.EncryptedRandomSessionKey},
	} {
		v, err := field(b, f.off)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	m.Flags = le.Uint32(b[60:64])
	return nil
}

// decodeString turns a name field into a Go string: UTF-16LE when UNICODE was
// negotiated, else the OEM code page (taken as Latin-1). MS-NLMP 2.2
func decodeString(b []byte, unicode bool) (string, error) {
	if !unicode {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r), nil
	}
	if len(b)%2 != 0 {
		return "", fmt.Errorf("%w: odd-length UTF-16 string", ErrMalformed)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = le.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u)), nil
}

// encodeUTF16 returns s as UTF-16LE.
func encodeUTF16(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = le.AppendUint16(b, c)
	}
	return b
}

// avPair is one AV_PAIR. MS-NLMP 2.2.2.1
type avPair struct {
	ID    uint16
	Value []byte
}

// appendAVPairs encodes pairs followed by MsvAvEOL.
func appendAVPairs(b []byte, pairs []avPair) []byte {
	for _, p := range pairs {
		b = le.AppendUint16(b, p.ID)
		b = le.AppendUint16(b, uint16(len(p.Value)))
		b = append(b, p.Value...)
	}
	return append(b, 0, 0, 0, 0) // MsvAvEOL
}

// findAVPair walks AV pairs up to MsvAvEOL and returns the value of id.
// A list that runs out before MsvAvEOL is malformed.
func findAVPair(b []byte, id uint16) (value []byte, found bool, err error) {
	for {
		if len(b) < 4 {
			return nil, false, fmt.Errorf("%w: AV pairs end without MsvAvEOL", ErrMalformed)
		}
		pid, n := le.Uint16(b), int(le.Uint16(b[2:]))
		if pid == avEOL {
			return value, found, nil
		}
		if n > len(b)-4 {
			return nil, false, fmt.Errorf("%w: AV pair %d runs past its list", ErrMalformed, pid)
		}
		if pid == id && !found {
			value, found = b[4:4+n], true
		}
		b = b[4+n:]
	}
}
