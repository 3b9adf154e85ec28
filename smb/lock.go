package smb

import "github.com/zsmbd/zsmbd/internal/le"

// LockElement Flags (MS-SMB2 2.2.26.1).
const (
	LockFlagShared          = 0x01
	LockFlagExclusive       = 0x02
	LockFlagUnlock          = 0x04
	LockFlagFailImmediately = 0x10
)

// LockElement is one SMB2_LOCK_ELEMENT (MS-SMB2 2.2.26.1): a byte range and what to do with it.
type LockElement struct {
	Offset uint64
	Length uint64
	Flags  uint32
}

// LockRequest is the SMB2 LOCK request (MS-SMB2 2.2.26).
type LockRequest struct {
	// LockSequence is the 4-byte LockSequenceNumber (low 4 bits) / LockSequenceIndex (next 28 bits).
	LockSequence uint32
	FileID       FileID
	Locks        []LockElement
}

const (
	lockRequestSize  = 48 // includes one lock element
	lockElementSize  = 24
	lockResponseSize = 4
)

// Decode parses a LOCK request from msg, the whole message starting at the SMB2 header. LockCount must
// be at least 1 (MS-SMB2 3.3.5.14) and the elements must fit in the message.
func (r *LockRequest) Decode(msg []byte) error {
	rd, err := body(msg, lockRequestSize, "lock")
	if err != nil {
		return err
	}
	n := int(rd.U16())
	r.LockSequence = rd.U32()
	r.FileID = readFileID(&rd)
	if n == 0 || rd.Len() < n*lockElementSize {
		return malformed("lock: LockCount")
	}
	r.Locks = make([]LockElement, n)
	for i := range r.Locks {
		r.Locks[i] = LockElement{Offset: rd.U64(), Length: rd.U64(), Flags: rd.U32()}
		rd.Skip(4) // Reserved
	}
	return nil
}

// AppendTo appends the request body and its lock elements.
func (r *LockRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, lockRequestSize)
	b = le.AppendU16(b, uint16(len(r.Locks)))
	b = le.AppendU32(b, r.LockSequence)
	b = r.FileID.AppendTo(b)
	for _, l := range r.Locks {
		b = le.AppendU64(b, l.Offset)
		b = le.AppendU64(b, l.Length)
		b = le.AppendU32(b, l.Flags)
		b = le.AppendU32(b, 0)
	}
	return b
}

// LockResponse is the SMB2 LOCK response (MS-SMB2 2.2.27).
type LockResponse struct{}

// Decode checks a LOCK response in msg, the whole message starting at the SMB2 header.
func (*LockResponse) Decode(msg []byte) error {
	return decodeEmpty(msg, lockResponseSize, "lock response")
}

// AppendTo appends the 4-byte body.
func (*LockResponse) AppendTo(b []byte) []byte { return appendEmpty(b, lockResponseSize) }
