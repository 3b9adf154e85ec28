// Package spnego reads and writes the SPNEGO (RFC 4178) tokens SMB2 carries in
// NEGOTIATE and SESSION_SETUP security buffers, with NTLMSSP as the only mechanism.
//
// Parsing accepts BER's non-minimal length encodings (go-smb2 issue #34 shows a
// peer that sends them) but not indefinite lengths, which no SMB client uses.
package spnego

import (
	encasn1 "encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// OIDNTLMSSP names the NTLMSSP mechanism. MS-NLMP 1.9
var OIDNTLMSSP = encasn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 2, 10}

// oidSPNEGO is the GSS-API mechanism of SPNEGO itself. RFC 4178 3
var oidSPNEGO = encasn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 2}

// ErrMalformed is returned (wrapped) for tokens that cannot be parsed.
var ErrMalformed = errors.New("spnego: malformed token")

// hintName is what Windows and Samba put in negHints. MS-SPNG 3.2.5.2
const hintName = "not_defined_in_RFC4178@please_ignore"

// Tags of the SPNEGO encoding. RFC 4178 4.2, RFC 2743 3.1
var (
	tagGSSAPI        = asn1.Tag(0).Constructed() | 0x40 // [APPLICATION 0] InitialContextToken
	tagGeneralString = asn1.Tag(27)
)

func ctx(n uint8) asn1.Tag { return asn1.Tag(n).ContextSpecific().Constructed() }

// NegTokenInitHint returns the GSS-API wrapped NegTokenInit2 the server puts in
// the NEGOTIATE response security buffer: mechTypes [NTLMSSP] and negHints with
// hintName "not_defined_in_RFC4178@please_ignore", as Windows and Samba send.
// MS-SPNG 2.2.1
func NegTokenInitHint() []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(tagGSSAPI, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSPNEGO)
		b.AddASN1(ctx(0), func(b *cryptobyte.Builder) { // negTokenInit
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(ctx(0), func(b *cryptobyte.Builder) { // mechTypes
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(OIDNTLMSSP)
					})
				})
				b.AddASN1(ctx(3), func(b *cryptobyte.Builder) { // negHints
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(ctx(0), func(b *cryptobyte.Builder) { // hintName
							b.AddASN1(tagGeneralString, func(b *cryptobyte.Builder) {
								b.AddBytes([]byte(hintName))
							})
						})
					})
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// Token is what a client sent in SESSION_SETUP.
type Token struct {
	MechTypes   []encasn1.ObjectIdentifier // from NegTokenInit; nil for NegTokenResp
	MechToken   []byte                     // the inner NTLMSSP message (mechToken of Init, responseToken of Resp)
	MechListMIC []byte
	Init        bool // true for NegTokenInit (0x60 application tag wrapper), false for NegTokenResp (0xa1)
	// RawMechTypes is the MechTypeList element (SEQUENCE OF MechType) exactly as
	// the NegTokenInit carried it: the input of mechListMIC. RFC 4178 5
	RawMechTypes []byte
}

// State is the negState of a NegTokenResp. RFC 4178 4.2.2
type State int

// negState values.
const (
	AcceptCompleted  State = 0
	AcceptIncomplete State = 1
	Reject           State = 2
	RequestMIC       State = 3
)

// Response builds a NegTokenResp. supportedMech (NTLMSSP) is included when
// withMech is true (go-smb2 requires it in the first response); responseToken is
// omitted when nil and mechListMIC when nil. RFC 4178 4.2.2
func Response(state State, withMech bool, responseToken, mechListMIC []byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(ctx(1), func(b *cryptobyte.Builder) { // negTokenResp
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(ctx(0), func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(state)) })
			if withMech {
				b.AddASN1(ctx(1), func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(OIDNTLMSSP) })
			}
			if responseToken != nil {
				b.AddASN1(ctx(2), func(b *cryptobyte.Builder) { b.AddASN1OctetString(responseToken) })
			}
			if mechListMIC != nil {
				b.AddASN1(ctx(3), func(b *cryptobyte.Builder) { b.AddASN1OctetString(mechListMIC) })
			}
		})
	})
	return b.BytesOrPanic()
}

// Parse decodes a client's SESSION_SETUP security buffer: a GSS-API wrapped
// NegTokenInit or a bare NegTokenResp. Returned slices point into b.
// RFC 4178 4.2, RFC 2743 3.1
func Parse(b []byte) (*Token, error) {
	in := cryptobyte.String(b)
	var body cryptobyte.String
	var tag asn1.Tag
	if !readElement(&in, &body, &tag, nil) {
		return nil, fmt.Errorf("%w: bad outer element", ErrMalformed)
	}
	if !in.Empty() {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(in))
	}
	switch tag {
	case tagGSSAPI:
		oid, err := readOID(&body)
		if err != nil {
			return nil, err
		}
		if !oid.Equal(oidSPNEGO) {
			return nil, fmt.Errorf("%w: mechanism %v is not SPNEGO", ErrMalformed, oid)
		}
		inner, err := expect(&body, ctx(0), "negTokenInit")
		if err != nil {
			return nil, err
		}
		if !body.Empty() {
			return nil, fmt.Errorf("%w: data after negTokenInit", ErrMalformed)
		}
		return parseInit(inner)
	case ctx(1):
		return parseResp(body)
	}
	return nil, fmt.Errorf("%w: outer tag %#02x", ErrMalformed, uint8(tag))
}

// parseInit decodes NegTokenInit, or NegTokenInit2 whose [3] is negHints.
// RFC 4178 4.2.1, MS-SPNG 2.2.1
func parseInit(b cryptobyte.String) (*Token, error) {
	seq, err := expect(&b, asn1.SEQUENCE, "NegTokenInit")
	if err != nil {
		return nil, err
	}
	if !b.Empty() {
		return nil, fmt.Errorf("%w: data after NegTokenInit", ErrMalformed)
	}
	t := &Token{Init: true}
	err = fields(seq, func(n uint8, v cryptobyte.String) error {
		var err error
		switch n {
		case 0: // mechTypes
			var raw []byte
			list, err := expectRaw(&v, asn1.SEQUENCE, "mechTypes", &raw)
			if err != nil {
				return err
			}
			t.RawMechTypes = raw
			t.MechTypes = []encasn1.ObjectIdentifier{}
			for !list.Empty() {
				oid, err := readOID(&list)
				if err != nil {
					return err
				}
				t.MechTypes = append(t.MechTypes, oid)
			}
		case 2: // mechToken
			t.MechToken, err = readOctets(&v, "mechToken")
		case 3: // mechListMIC in NegTokenInit; negHints (a SEQUENCE) in NegTokenInit2
			if len(v) > 0 && asn1.Tag(v[0]) == asn1.OCTET_STRING {
				t.MechListMIC, err = readOctets(&v, "mechListMIC")
			}
		case 4: // mechListMIC in NegTokenInit2
			t.MechListMIC, err = readOctets(&v, "mechListMIC")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// parseResp decodes NegTokenResp. RFC 4178 4.2.2
func parseResp(b cryptobyte.String) (*Token, error) {
	seq, err := expect(&b, asn1.SEQUENCE, "NegTokenResp")
	if err != nil {
		return nil, err
	}
	if !b.Empty() {
		return nil, fmt.Errorf("%w: data after NegTokenResp", ErrMalformed)
	}
	t := &Token{}
	err = fields(seq, func(n uint8, v cryptobyte.String) error {
		var err error
		switch n {
		case 2:
			t.MechToken, err = readOctets(&v, "responseToken")
		case 3:
			t.MechListMIC, err = readOctets(&v, "mechListMIC")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// fields walks a SEQUENCE of explicitly tagged [n] fields in increasing order,
// handing each one's contents to f. Fields f ignores are skipped.
func fields(seq cryptobyte.String, f func(n uint8, v cryptobyte.String) error) error {
	last := -1
	for !seq.Empty() {
		var v cryptobyte.String
		var tag asn1.Tag
		if !readElement(&seq, &v, &tag, nil) {
			return fmt.Errorf("%w: bad field", ErrMalformed)
		}
		n := int(tag & 0x1f)
		if tag&0xe0 != 0xa0 || n <= last {
			return fmt.Errorf("%w: unexpected field tag %#02x", ErrMalformed, uint8(tag))
		}
		last = n
		if err := f(uint8(n), v); err != nil {
			return err
		}
	}
	return nil
}

// readElement reads one BER element with a single-byte tag and a definite
// length, short or long form (up to 4 length bytes, minimal or not). raw, if not
// nil, receives the whole element including its header.
func readElement(s *cryptobyte.String, out *cryptobyte.String, tag *asn1.Tag, raw *[]byte) bool {
	start := *s
	var t, l uint8
	if !s.ReadUint8(&t) || t&0x1f == 0x1f || !s.ReadUint8(&l) {
		return false
	}
	n := uint32(l)
	if l&0x80 != 0 {
		k := int(l & 0x7f)
		if k == 0 || k > 4 { // indefinite length, or longer than any SMB buffer
			return false
		}
		n = 0
		for range k {
			var c uint8
			if !s.ReadUint8(&c) {
				return false
			}
			n = n<<8 | uint32(c)
		}
	}
	if uint64(n) > uint64(len(*s)) {
		return false
	}
	var body []byte
	if !s.ReadBytes(&body, int(n)) {
		return false
	}
	*out, *tag = body, asn1.Tag(t)
	if raw != nil {
		*raw = start[:len(start)-len(*s)]
	}
	return true
}

func expectRaw(s *cryptobyte.String, want asn1.Tag, what string, raw *[]byte) (cryptobyte.String, error) {
	var v cryptobyte.String
	var tag asn1.Tag
	if !readElement(s, &v, &tag, raw) {
		return nil, fmt.Errorf("%w: truncated %s", ErrMalformed, what)
	}
	if tag != want {
		return nil, fmt.Errorf("%w: %s has tag %#02x, want %#02x", ErrMalformed, what, uint8(tag), uint8(want))
	}
	return v, nil
}

func expect(s *cryptobyte.String, want asn1.Tag, what string) (cryptobyte.String, error) {
	return expectRaw(s, want, what, nil)
}

// readOctets reads a primitive OCTET STRING that must fill s.
func readOctets(s *cryptobyte.String, what string) ([]byte, error) {
	v, err := expect(s, asn1.OCTET_STRING, what)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: data after %s", ErrMalformed, what)
	}
	return v, nil
}

// readOID reads an OBJECT IDENTIFIER, leaving the arcs' validation to cryptobyte
// by re-framing the contents in DER.
func readOID(s *cryptobyte.String) (encasn1.ObjectIdentifier, error) {
	v, err := expect(s, asn1.OBJECT_IDENTIFIER, "mechanism OID")
	if err != nil {
		return nil, err
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(v) })
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: OID: %v", ErrMalformed, err)
	}
	var oid encasn1.ObjectIdentifier
	if in := cryptobyte.String(der); !in.ReadASN1ObjectIdentifier(&oid) {
		return nil, fmt.Errorf("%w: bad OID %x", ErrMalformed, []byte(v))
	}
	return oid, nil
}
