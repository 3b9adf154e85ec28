package ntlm

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"strings"

	"golang.org/x/crypto/md4"
)

// NTHash returns MD4(UTF-16LE(password)), the NT one-way function's inner hash
// that account databases store. MS-NLMP 3.3.1 (NTOWFv1)
func NTHash(password string) [16]byte {
	h := md4.New()
	h.Write(encodeUTF16(password))
	var out [16]byte
	h.Sum(out[:0])
	return out
}

// ntowfv2 is ResponseKeyNT = HMAC_MD5(NTHash, UNICODE(Uppercase(User) + UserDom)).
// MS-NLMP 3.3.2
func ntowfv2(ntHash [16]byte, user, domain string) []byte {
	return hmacMD5(ntHash[:], encodeUTF16(strings.ToUpper(user)+domain))
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	h := hmac.New(md5.New, key)
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// rc4XOR returns data RC4-encrypted (or decrypted) under key. MS-NLMP 6 (RC4K)
func rc4XOR(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		// Keys here are always 5..16 bytes, which rc4 accepts.
		panic("ntlm: " + err.Error())
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// Magic constants of SIGNKEY and SEALKEY, each with its terminating NUL. MS-NLMP 3.4.5.2, 3.4.5.3
const (
	clientSignMagic = "session key to client-to-server signing key magic constant\x00"
	serverSignMagic = "session key to server-to-client signing key magic constant\x00"
	clientSealMagic = "session key to client-to-server sealing key magic constant\x00"
	serverSealMagic = "session key to server-to-client sealing key magic constant\x00"
)

// signKey is SIGNKEY with extended session security. MS-NLMP 3.4.5.2
func signKey(exportedSessionKey []byte, magic string) []byte {
	h := md5.New()
	h.Write(exportedSessionKey)
	h.Write([]byte(magic))
	return h.Sum(nil)
}

// sealKey is SEALKEY with extended session security. MS-NLMP 3.4.5.3
func sealKey(flags uint32, exportedSessionKey []byte, magic string) []byte {
	k := exportedSessionKey
	switch {
	case flags&flag128 != 0:
	case flags&flag56 != 0:
		k = k[:7]
	default:
		k = k[:5]
	}
	h := md5.New()
	h.Write(k)
	h.Write([]byte(magic))
	return h.Sum(nil)
}

// mac computes the NTLMSSP_MESSAGE_SIGNATURE of msg with extended session
// security: Version 1, the first 8 bytes of HMAC_MD5(SigningKey, SeqNum+msg),
// sealed with a fresh RC4 handle when KEY_EXCH was negotiated, and SeqNum.
// SPNEGO's mechListMIC is the first message of each direction, so the sealing
// handle is always fresh here. MS-NLMP 3.4.4.2
func mac(flags uint32, signingKey, sealingKey []byte, seqNum uint32, msg []byte) []byte {
	var seq [4]byte
	le.PutUint32(seq[:], seqNum)
	checksum := hmacMD5(signingKey, seq[:], msg)[:8]
	if flags&flagKeyExch != 0 {
		checksum = rc4XOR(sealingKey, checksum)
	}
	out := make([]byte, 0, 16)
	out = le.AppendUint32(out, 1)
	out = append(out, checksum...)
	return append(out, seq[:]...)
}
