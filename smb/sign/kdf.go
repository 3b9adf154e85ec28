package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// KDF is SP800-108 counter mode with HMAC-SHA256, r = 32 and L = 128, returning
// 16 bytes: HMAC-SHA256(key, i=1 || label || 0x00 || context || L). The SMB labels
// carry their own trailing NUL, so a label like "SMBSigningKey\x00" is followed by
// the separator 0x00 as well. MS-SMB2 3.1.4.2
func KDF(key, label, context []byte) []byte {
	return KDFBits(key, label, context, 128)
}

// KDFBits is KDF with an output length of bits (L), a positive multiple of 8: 256
// for the AES-256 ciphers' keys (MS-SMB2 3.3.5.5.3). L is part of every PRF
// input, so the first 16 bytes of a 256-bit key differ from the 128-bit key.
// SP800-108 5.1, MS-SMB2 3.1.4.2
func KDFBits(key, label, context []byte, bits int) []byte {
	if bits <= 0 || bits%8 != 0 {
		panic("sign: KDF output length must be a positive multiple of 8 bits")
	}
	h := hmac.New(sha256.New, key)
	out := make([]byte, 0, (bits/8+sha256.Size-1)/sha256.Size*sha256.Size)
	var buf [4]byte
	for i := uint32(1); len(out) < bits/8; i++ {
		h.Reset()
		binary.BigEndian.PutUint32(buf[:], i)
		h.Write(buf[:])
		h.Write(label)
		h.Write([]byte{0})
		h.Write(context)
		binary.BigEndian.PutUint32(buf[:], uint32(bits))
		h.Write(buf[:])
		out = h.Sum(out)
	}
	return out[:bits/8]
}

// Dialects whose signing keys differ. MS-SMB2 2.2.3
const (
	dialect202 = 0x0202
	dialect210 = 0x0210
	dialect300 = 0x0300
	dialect302 = 0x0302
	dialect311 = 0x0311
)

// SigningKey derives the session signing key from the authentication's session
// key: the session key itself for 2.0.2 and 2.1, KDF(sk, "SMB2AESCMAC\0",
// "SmbSign\0") for 3.0 and 3.0.2, and KDF(sk, "SMBSigningKey\0", preauthHash)
// for 3.1.1. Session.SessionKey is the first 16 bytes of the key, zero-padded if
// shorter (MS-SMB2 3.3.5.5.3). It returns nil for an unknown dialect.
// MS-SMB2 3.3.5.5.3, 3.1.4.2
func SigningKey(dialect uint16, sessionKey, preauthHash []byte) []byte {
	sk := make([]byte, 16)
	copy(sk, sessionKey)
	switch dialect {
	case dialect202, dialect210:
		return sk
	case dialect300, dialect302:
		return KDF(sk, []byte("SMB2AESCMAC\x00"), []byte("SmbSign\x00"))
	case dialect311:
		return KDF(sk, []byte("SMBSigningKey\x00"), preauthHash)
	}
	return nil
}
