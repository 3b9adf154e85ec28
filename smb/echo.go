package smb

// EchoRequest is the SMB2 ECHO request (MS-SMB2 2.2.28).
type EchoRequest struct{}

// Decode checks an ECHO request in msg, the whole message starting at the SMB2 header: StructureSize 4
// and a Reserved uint16.
func (*EchoRequest) Decode(msg []byte) error { return decodeEmpty(msg, 4, "echo") }

// AppendTo appends the 4-byte body.
func (*EchoRequest) AppendTo(b []byte) []byte { return appendEmpty(b, 4) }

// EchoResponse is the SMB2 ECHO response (MS-SMB2 2.2.29).
type EchoResponse struct{}

// Decode checks an ECHO response in msg, the whole message starting at the SMB2 header.
func (*EchoResponse) Decode(msg []byte) error { return decodeEmpty(msg, 4, "echo response") }

// AppendTo appends the 4-byte body.
func (*EchoResponse) AppendTo(b []byte) []byte { return appendEmpty(b, 4) }
