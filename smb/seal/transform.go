package seal

import (
	"encoding/binary"
	"errors"
)

// TransformHeaderSize is the length of the SMB2 TRANSFORM_HEADER. MS-SMB2 2.2.41
const TransformHeaderSize = 52

// Offsets of the SMB2 TRANSFORM_HEADER's fields. Bytes offNonce to the end are
// the AEAD's additional data. MS-SMB2 2.2.41
const (
	offSignature    = 4
	offNonce        = 20
	offOriginalSize = 36
	offReserved     = 40
	offFlags        = 42
	offSessionID    = 44

	nonceFieldSize = 16
	flagEncrypted  = 0x0001 // Flags; EncryptionAlgorithm SMB2_ENCRYPTION_AES128_CCM in 3.0, the same value
	smb2HeaderSize = 64     // the least an encrypted message can hold. MS-SMB2 2.2.1
)

// protocolID is the transform header's ProtocolId, 0x424D53FD little-endian.
var protocolID = [4]byte{0xFD, 'S', 'M', 'B'}

// Errors of Open and SessionID. Every one means the server drops the
// connection. MS-SMB2 3.3.5.2.1.1
var (
	errShort        = errors.New("seal: message shorter than a transform header")
	errNotTransform = errors.New("seal: not a transform header")
	errFlags        = errors.New("seal: transform header Flags is not Encrypted")
	errSize         = errors.New("seal: OriginalMessageSize does not match the message")
	errSession      = errors.New("seal: transform header SessionId is not this session's")
)

// IsTransform reports whether b starts with the transform header's ProtocolId,
// 0xFD 'S' 'M' 'B'.
func IsTransform(b []byte) bool {
	return len(b) >= 4 && [4]byte(b[:4]) == protocolID
}

// SessionID returns the SessionId of the transform header b starts with, so the
// server can find the session's Sealer. MS-SMB2 3.3.5.2.1.1
func SessionID(b []byte) (uint64, error) {
	if len(b) < TransformHeaderSize {
		return 0, errShort
	}
	if !IsTransform(b) {
		return 0, errNotTransform
	}
	return binary.LittleEndian.Uint64(b[offSessionID:]), nil
}
