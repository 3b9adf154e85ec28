package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"sync/atomic"
)

// Sealer encrypts the messages the server sends on one session and decrypts the
// ones it receives. It is safe for concurrent use: the ciphers are read-only and
// each Seal takes its nonce from an atomic counter.
type Sealer struct {
	cipher    Cipher
	sessionID uint64
	enc, dec  detached

	// A nonce is the 64-bit counter, little-endian, then salt: 3 bytes of it for
	// CCM's 11-byte nonce, 4 for GCM's 12. The counter starts at a random value
	// and salt is random, both chosen once, so that even two Sealers given the
	// same key by mistake are unlikely ever to repeat a nonce. One Sealer
	// repeats only after 2^64 messages. MS-SMB2 3.1.4.3
	counter atomic.Uint64
	salt    [4]byte
}

// NewSealer returns a Sealer for the session sessionID using cipher c, encKey to
// encrypt and decKey to decrypt (see Keys). The keys must be c's size: 16 bytes
// for AES-128-*, 32 for AES-256-*.
func NewSealer(c Cipher, sessionID uint64, encKey, decKey []byte) (*Sealer, error) {
	if !c.Supported() {
		return nil, fmt.Errorf("seal: unsupported cipher %v", c)
	}
	if len(encKey) != c.keySize() || len(decKey) != c.keySize() {
		return nil, fmt.Errorf("seal: %v needs %d-byte keys, got %d and %d", c, c.keySize(), len(encKey), len(decKey))
	}
	enc, err := newDetached(c, encKey)
	if err != nil {
		return nil, err
	}
	dec, err := newDetached(c, decKey)
	if err != nil {
		return nil, err
	}
	s := &Sealer{cipher: c, sessionID: sessionID, enc: enc, dec: dec}
	var start [8]byte
	rand.Read(start[:]) // never fails; see its documentation
	rand.Read(s.salt[:])
	s.counter.Store(binary.LittleEndian.Uint64(start[:]))
	return s, nil
}

func newDetached(c Cipher, key []byte) (detached, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if c.nonceSize() == 11 {
		a, err := newCCM(block, 11, 16)
		if err != nil {
			return nil, err
		}
		return a.(*ccm), nil
	}
	a, err := cipher.NewGCM(block) // 12-byte nonce, 16-byte tag
	if err != nil {
		return nil, err
	}
	return &gcm{aead: a}, nil
}

// Cipher returns the Sealer's cipher.
func (s *Sealer) Cipher() Cipher { return s.cipher }

// Overhead is the number of bytes Seal adds in front of a message: the transform
// header, whose Signature field holds the AEAD tag.
func (s *Sealer) Overhead() int { return TransformHeaderSize }

// Seal encrypts msg, one SMB2 message or a compound chain, in place and fills hdr
// with its transform header: ProtocolId, the tag as Signature, a fresh Nonce
// (zero past the cipher's nonce size), OriginalMessageSize len(msg), Flags
// Encrypted and the SessionId. The additional data is hdr[20:52]. hdr must be
// TransformHeaderSize bytes and must not overlap msg; the two are sent as hdr
// then msg. AES-GCM uses the 16 bytes after msg, when its capacity has them and
// they are not hdr's, as scratch for its tag: it then encrypts without a copy.
// MS-SMB2 3.1.4.3
func (s *Sealer) Seal(hdr, msg []byte) {
	if len(hdr) != TransformHeaderSize {
		panic("seal: transform header buffer is not 52 bytes")
	}
	if uint64(len(msg)) > math.MaxUint32 {
		panic("seal: message too large for OriginalMessageSize")
	}
	if anyOverlap(hdr, msg) {
		panic("seal: transform header overlaps the message")
	}
	nonce := hdr[offNonce : offNonce+nonceFieldSize]
	clear(nonce)
	binary.LittleEndian.PutUint64(nonce, s.counter.Add(1))
	copy(nonce[8:s.cipher.nonceSize()], s.salt[:])
	s.seal(hdr, msg)
}

// seal is Seal with the Nonce field already set: the known-answer tests give it
// the nonces of published examples.
func (s *Sealer) seal(hdr, msg []byte) {
	copy(hdr, protocolID[:])
	binary.LittleEndian.PutUint32(hdr[offOriginalSize:], uint32(len(msg)))
	binary.LittleEndian.PutUint16(hdr[offReserved:], 0)
	binary.LittleEndian.PutUint16(hdr[offFlags:], flagEncrypted)
	binary.LittleEndian.PutUint64(hdr[offSessionID:], s.sessionID)
	nonce := hdr[offNonce : offNonce+s.cipher.nonceSize()]
	s.enc.sealDetached(msg, hdr[offSignature:offNonce], nonce, msg, hdr[offNonce:])
}

// Open checks and decrypts msg, a whole transform message (header and
// ciphertext), in place and returns the plaintext, msg[52:]. It fails if msg is
// shorter than a transform header or is not one, if Flags is not Encrypted, if
// OriginalMessageSize is not the length of the rest or is less than an SMB2
// header, if the SessionId is not this Sealer's, or if the tag does not
// authenticate; then the server must drop the connection. On an authentication
// failure the ciphertext has been overwritten with zeros. MS-SMB2 3.3.5.2.1.1
func (s *Sealer) Open(msg []byte) ([]byte, error) {
	if len(msg) < TransformHeaderSize {
		return nil, errShort
	}
	if !IsTransform(msg) {
		return nil, errNotTransform
	}
	if binary.LittleEndian.Uint16(msg[offFlags:]) != flagEncrypted {
		return nil, errFlags
	}
	size := binary.LittleEndian.Uint32(msg[offOriginalSize:])
	if uint64(size) != uint64(len(msg)-TransformHeaderSize) || size < smb2HeaderSize {
		return nil, errSize
	}
	if binary.LittleEndian.Uint64(msg[offSessionID:]) != s.sessionID {
		return nil, errSession
	}
	body := msg[TransformHeaderSize:]
	nonce := msg[offNonce : offNonce+s.cipher.nonceSize()]
	if err := s.dec.openDetached(body, body, msg[offSignature:offNonce], nonce, msg[offNonce:TransformHeaderSize]); err != nil {
		return nil, err
	}
	return body, nil
}
