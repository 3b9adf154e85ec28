package smb

// LogoffRequest is the SMB2 LOGOFF request (MS-SMB2 2.2.7).
type LogoffRequest struct{}

// Decode checks a LOGOFF request in msg, the whole message starting at the SMB2 header: StructureSize 4
// and a Reserved uint16.
func (*LogoffRequest) Decode(msg []byte) error { return decodeEmpty(msg, 4, "logoff") }

// AppendTo appends the 4-byte body.
func (*LogoffRequest) AppendTo(b []byte) []byte { return appendEmpty(b, 4) }

// LogoffResponse is the SMB2 LOGOFF response (MS-SMB2 2.2.8).
type LogoffResponse struct{}

// Decode checks a LOGOFF response in msg, the whole message starting at the SMB2 header.
func (*LogoffResponse) Decode(msg []byte) error { return decodeEmpty(msg, 4, "logoff response") }

// AppendTo appends the 4-byte body.
func (*LogoffResponse) AppendTo(b []byte) []byte { return appendEmpty(b, 4) }
