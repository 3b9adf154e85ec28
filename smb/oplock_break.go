package smb

import (
	"github.com/zsmbd/zsmbd/internal/le"
)

// StructureSize values that tell the OPLOCK_BREAK bodies apart (MS-SMB2 2.2.23, 2.2.24, 2.2.25).
const (
	OplockBreakSize            = 24 // oplock break notification, acknowledgment and response
	LeaseBreakNotificationSize = 44
	LeaseBreakAckSize          = 36 // lease break acknowledgment and response
)

// OplockBreakKind returns the StructureSize of an OPLOCK_BREAK message's body, the only way to tell an
// oplock break acknowledgment (24) from a lease break acknowledgment (36) (MS-SMB2 3.3.5.22).
func OplockBreakKind(msg []byte) (size uint16, err error) {
	if len(msg) < HeaderSize+2 {
		return 0, malformed("oplock break: short body")
	}
	return le.NewReader(msg[HeaderSize:]).U16(), nil
}

// OplockBreakAck is the oplock break acknowledgment (MS-SMB2 2.2.24.1). The oplock break notification
// (2.2.23.1) and response (2.2.25.1) have the same layout, so the server sends this type for both.
type OplockBreakAck struct {
	OplockLevel uint8
	FileID      FileID
}

// Decode parses an oplock break acknowledgment from msg, the whole message starting at the SMB2 header.
func (r *OplockBreakAck) Decode(msg []byte) error {
	rd, err := body(msg, OplockBreakSize, "oplock break")
	if err != nil {
		return err
	}
	r.OplockLevel = rd.U8()
	rd.Skip(5) // Reserved, Reserved2
	r.FileID = readFileID(&rd)
	return nil
}

// AppendTo appends the 24-byte body.
func (r *OplockBreakAck) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, OplockBreakSize)
	b = append(b, r.OplockLevel, 0)
	b = le.AppendU32(b, 0)
	return r.FileID.AppendTo(b)
}

// LeaseBreakAck is the lease break acknowledgment (MS-SMB2 2.2.24.2); the lease break response
// (2.2.25.2) has the same layout.
type LeaseBreakAck struct {
	Flags         uint32
	LeaseKey      [16]byte
	LeaseState    uint32
	LeaseDuration uint64
}

// Decode parses a lease break acknowledgment from msg, the whole message starting at the SMB2 header.
func (r *LeaseBreakAck) Decode(msg []byte) error {
	rd, err := body(msg, LeaseBreakAckSize, "lease break")
	if err != nil {
		return err
	}
	rd.Skip(2) // Reserved
	r.Flags = rd.U32()
	rd.Copy(r.LeaseKey[:])
	r.LeaseState = rd.U32()
	r.LeaseDuration = rd.U64()
	return nil
}

// AppendTo appends the 36-byte body.
func (r *LeaseBreakAck) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, LeaseBreakAckSize)
	b = le.AppendU16(b, 0)
	b = le.AppendU32(b, r.Flags)
	b = append(b, r.LeaseKey[:]...)
	b = le.AppendU32(b, r.LeaseState)
	return le.AppendU64(b, r.LeaseDuration)
}
