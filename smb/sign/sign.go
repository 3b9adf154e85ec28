// Package sign computes and checks SMB2 message signatures: HMAC-SHA256 for
// dialects 2.0.2 and 2.1, AES-128-CMAC for 3.x, and AES-128-GMAC when 3.1.1
// negotiates it. MS-SMB2 3.1.4.1, 3.1.5.1
package sign

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"sync"
)

// Algorithm names a signing algorithm by its SigningAlgorithmId. MS-SMB2 2.2.3.1.7
type Algorithm uint16

// Signing algorithms. HMACSHA256 is a pseudo id for dialects 2.0.2 and 2.1, which
// have no signing capabilities context.
const (
	HMACSHA256 Algorithm = 0xFFFF
	AESCMAC    Algorithm = 0x0001
	AESGMAC    Algorithm = 0x0002
)

// String returns the algorithm's name for logs.
func (a Algorithm) String() string {
	switch a {
	case HMACSHA256:
		return "HMAC-SHA256"
	case AESCMAC:
		return "AES-128-CMAC"
	case AESGMAC:
		return "AES-128-GMAC"
	}
	return fmt.Sprintf("Algorithm(%#04x)", uint16(a))
}

// Signer computes SMB2 signatures. msg is the whole SMB2 message (header first,
// starting at ProtocolId, not the 4-byte transport header) given as one or more
// consecutive parts (header+body, then file data) so a READ's data never needs
// to be joined into one buffer; the 16-byte Signature field (header bytes 48..63)
// must be zero in parts. Implementations are safe for concurrent use.
type Signer interface {
	Sign(parts ...[]byte) [16]byte
}

// New returns the Signer for alg with the session's (or channel's) signing key.
// AES algorithms need a 16-byte key.
func New(alg Algorithm, key []byte) (Signer, error) {
	switch alg {
	case HMACSHA256:
		k := append([]byte(nil), key...)
		s := &hmacSigner{}
		s.pool.New = func() any { return &hmacState{h: hmac.New(sha256.New, k)} }
		return s, nil
	case AESCMAC:
		if len(key) != 16 {
			return nil, fmt.Errorf("sign: AES-128-CMAC needs a 16-byte key, got %d", len(key))
		}
		return newCMAC(key)
	case AESGMAC:
		if len(key) != 16 {
			return nil, fmt.Errorf("sign: AES-128-GMAC needs a 16-byte key, got %d", len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		s := &gmacSigner{aead: aead}
		s.pool.New = func() any { return new(gmacState) }
		return s, nil
	}
	return nil, fmt.Errorf("sign: unknown algorithm %v", alg)
}

// hmacSigner is HMAC-SHA256 truncated to 16 bytes. MS-SMB2 3.1.4.1
type hmacSigner struct {
	pool sync.Pool // *hmacState
}

type hmacState struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

func (s *hmacSigner) Sign(parts ...[]byte) [16]byte {
	st := s.pool.Get().(*hmacState)
	st.h.Reset()
	for _, p := range parts {
		st.h.Write(p)
	}
	st.h.Sum(st.sum[:0])
	var out [16]byte
	copy(out[:], st.sum[:])
	s.pool.Put(st)
	return out
}

// gmacSigner is AES-128-GMAC: AES-GCM with the message as additional data and no
// plaintext. MS-SMB2 3.1.4.1, RFC 4543
type gmacSigner struct {
	aead cipher.AEAD
	pool sync.Pool // *gmacState
}

type gmacState struct {
	nonce [12]byte
	tag   [16]byte
	join  []byte // reused to join parts: cipher.AEAD takes one additional-data slice
}

// SMB2 header fields the GMAC nonce is made of. MS-SMB2 2.2.1
const (
	headerLen         = 64
	offCommand        = 12
	offFlags          = 16
	offMessageID      = 24
	offSignature      = 48
	flagServerToRedir = 0x00000001
	flagSigned        = 0x00000008
	commandCancel     = 0x000C
)

func (s *gmacSigner) Sign(parts ...[]byte) [16]byte {
	st := s.pool.Get().(*gmacState)
	var aad []byte
	if len(parts) == 1 {
		aad = parts[0]
	} else {
		st.join = st.join[:0]
		for _, p := range parts {
			st.join = append(st.join, p...)
		}
		aad = st.join
	}
	// Nonce: MessageId, then a 32-bit word whose bit 0 says the sender is the
	// server and bit 1 that the message is a CANCEL request. MS-SMB2 3.1.4.1
	st.nonce = [12]byte{}
	if len(aad) >= offMessageID+8 {
		copy(st.nonce[:8], aad[offMessageID:offMessageID+8])
		flags := binary.LittleEndian.Uint32(aad[offFlags:])
		var role uint32
		if flags&flagServerToRedir != 0 {
			role |= 1
		} else if binary.LittleEndian.Uint16(aad[offCommand:]) == commandCancel {
			role |= 2
		}
		binary.LittleEndian.PutUint32(st.nonce[8:], role)
	}
	tag := s.aead.Seal(st.tag[:0], st.nonce[:], nil, aad)
	var out [16]byte
	copy(out[:], tag)
	if cap(st.join) > 1<<20 {
		st.join = nil // do not pin a large READ's worth of memory in the pool
	}
	s.pool.Put(st)
	return out
}

// oneSigner is implemented by this package's signers: calling Sign through the
// Signer interface makes its variadic slice escape, so Single (and SignMessage
// and VerifyMessage with it), which runs for every signed message, calls this
// instead.
type oneSigner interface {
	signOne(msg []byte) [16]byte
}

func (s *hmacSigner) signOne(msg []byte) [16]byte { return s.Sign(msg) }
func (c *cmacSigner) signOne(msg []byte) [16]byte { return c.Sign(msg) }
func (s *gmacSigner) signOne(msg []byte) [16]byte { return s.Sign(msg) }

// Single returns s.Sign(msg) for a message in one slice, without the allocation
// a variadic call through the Signer interface costs.
func Single(s Signer, msg []byte) [16]byte {
	if o, ok := s.(oneSigner); ok {
		return o.signOne(msg)
	}
	return s.Sign(msg)
}

// SignMessage sets SMB2_FLAGS_SIGNED in msg's Flags, zeroes its Signature field,
// computes the signature and writes it there. msg is one whole SMB2 message; one
// shorter than an SMB2 header is left untouched. MS-SMB2 3.1.4.1
func SignMessage(s Signer, msg []byte) {
	if len(msg) < headerLen {
		return
	}
	flags := binary.LittleEndian.Uint32(msg[offFlags:])
	binary.LittleEndian.PutUint32(msg[offFlags:], flags|flagSigned)
	sig := msg[offSignature : offSignature+16]
	clear(sig)
	sum := Single(s, msg)
	copy(sig, sum[:])
}

// VerifyMessage reports whether msg carries a valid signature, comparing in
// constant time. msg is briefly modified (the Signature field is zeroed for the
// computation) and restored before return. MS-SMB2 3.1.5.1
func VerifyMessage(s Signer, msg []byte) bool {
	if len(msg) < headerLen {
		return false
	}
	sig := msg[offSignature : offSignature+16]
	var got [16]byte
	copy(got[:], sig)
	clear(sig)
	want := Single(s, msg)
	copy(sig, got[:])
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
