package seal

import "github.com/zsmbd/zsmbd/smb/sign"

// Dialects whose encryption keys differ. MS-SMB2 2.2.3
const (
	dialect300 = 0x0300
	dialect302 = 0x0302
	dialect311 = 0x0311
)

// KDF labels and contexts, each with its trailing NUL. "ServerIn " has a space
// that pads it to the length of "ServerOut". MS-SMB2 3.3.5.5.3
var (
	label30      = []byte("SMB2AESCCM\x00")
	ctxServerIn  = []byte("ServerIn \x00")
	ctxServerOut = []byte("ServerOut\x00")
	labelS2C     = []byte("SMBS2CCipherKey\x00")
	labelC2S     = []byte("SMBC2SCipherKey\x00")
)

// Keys derives the server's keys for a session: enc encrypts what the server
// sends (Session.EncryptionKey), dec decrypts what the client sends
// (Session.DecryptionKey). The client derives the same two the other way round.
//
// For 3.0 and 3.0.2 the cipher is always AES-128-CCM, c is ignored and the keys
// are KDF(SessionKey, "SMB2AESCCM\0", "ServerOut\0") and (..., "ServerIn \0").
// For 3.1.1 they are KDF(key, "SMBS2CCipherKey\0", preauthHash) and
// (key, "SMBC2SCipherKey\0", preauthHash): for AES-128-* the key is
// Session.SessionKey and L is 128; for AES-256-* the key is Session.FullSessionKey
// and L is 256, giving 32-byte keys. sessionKey is the whole key the
// authentication produced; Session.SessionKey is its first 16 bytes, zero-padded
// if shorter. Keys returns nil, nil for another dialect or, in 3.1.1, a cipher
// that is not Supported. MS-SMB2 3.3.5.5.3, 3.1.4.2
func Keys(dialect uint16, c Cipher, sessionKey, preauthHash []byte) (enc, dec []byte) {
	sk := make([]byte, 16)
	copy(sk, sessionKey)
	switch dialect {
	case dialect300, dialect302:
		return sign.KDF(sk, label30, ctxServerOut), sign.KDF(sk, label30, ctxServerIn)
	case dialect311:
		if !c.Supported() {
			return nil, nil
		}
		if c.keySize() == 32 {
			return sign.KDFBits(sessionKey, labelS2C, preauthHash, 256), sign.KDFBits(sessionKey, labelC2S, preauthHash, 256)
		}
		return sign.KDF(sk, labelS2C, preauthHash), sign.KDF(sk, labelC2S, preauthHash)
	}
	return nil, nil
}
