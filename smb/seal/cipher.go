// Package seal encrypts and decrypts SMB 3.x messages: the SMB2 TRANSFORM_HEADER,
// the session's encryption and decryption keys, and the AES-CCM and AES-GCM
// ciphers. MS-SMB2 2.2.41, 3.1.4.3, 3.3.5.2.1.1, 3.3.5.5.3
package seal

import "fmt"

// Cipher is an SMB2 CipherId. MS-SMB2 2.2.3.1.2
type Cipher uint16

// The ciphers of SMB2_ENCRYPTION_CAPABILITIES. Dialects 3.0 and 3.0.2 have no
// negotiate contexts and always use AES128CCM. MS-SMB2 2.2.3.1.2
const (
	AES128CCM Cipher = 0x0001
	AES128GCM Cipher = 0x0002
	AES256CCM Cipher = 0x0003
	AES256GCM Cipher = 0x0004
)

// String returns the cipher's name for logs.
func (c Cipher) String() string {
	switch c {
	case AES128CCM:
		return "AES-128-CCM"
	case AES128GCM:
		return "AES-128-GCM"
	case AES256CCM:
		return "AES-256-CCM"
	case AES256GCM:
		return "AES-256-GCM"
	}
	return fmt.Sprintf("Cipher(%#04x)", uint16(c))
}

// Supported reports whether c is one of the four ciphers this package implements.
func (c Cipher) Supported() bool {
	return c >= AES128CCM && c <= AES256GCM
}

// keySize is the length of c's key in bytes: 16 or 32.
func (c Cipher) keySize() int {
	if c == AES256CCM || c == AES256GCM {
		return 32
	}
	return 16
}

// nonceSize is how much of the transform header's 16-byte Nonce field c uses:
// AES_CCM_Nonce is 11 bytes, AES_GCM_Nonce 12. MS-SMB2 2.2.41
func (c Cipher) nonceSize() int {
	if c == AES128GCM || c == AES256GCM {
		return 12
	}
	return 11
}

// ServerPreference is the order in which the server picks a cipher from a
// client's list: Samba's default, the 128-bit ciphers first because they are
// faster and GCM before CCM for the same reason.
var ServerPreference = []Cipher{AES128GCM, AES128CCM, AES256GCM, AES256CCM}

// Pick returns the first cipher of ServerPreference that the client offered in
// its SMB2_ENCRYPTION_CAPABILITIES, or 0 if none is common: Connection.CipherId
// is then 0 and the connection cannot encrypt. MS-SMB2 3.3.5.4
func Pick(offered []uint16) Cipher {
	for _, c := range ServerPreference {
		for _, o := range offered {
			if Cipher(o) == c {
				return c
			}
		}
	}
	return 0
}
