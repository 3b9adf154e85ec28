package smb

// CancelRequest is the SMB2 CANCEL request (MS-SMB2 2.2.30).
type CancelRequest struct{}

// Decode checks a CANCEL request in msg, the whole message starting at the SMB2 header: StructureSize 4
// and a Reserved uint16.
func (*CancelRequest) Decode(msg []byte) error { return decodeEmpty(msg, 4, "cancel") }

// AppendTo appends the 4-byte body.
func (*CancelRequest) AppendTo(b []byte) []byte { return appendEmpty(b, 4) }
