package smb

// TreeDisconnectRequest is the SMB2 TREE_DISCONNECT request (MS-SMB2 2.2.11).
type TreeDisconnectRequest struct{}

// Decode checks a TREE_DISCONNECT request in msg, the whole message starting at the SMB2 header: StructureSize 4
// and a Reserved uint16.
func (*TreeDisconnectRequest) Decode(msg []byte) error { return decodeEmpty(msg, 4, "tree_disconnect") }

// AppendTo appends the 4-byte body.
func (*TreeDisconnectRequest) AppendTo(b []byte) []byte { return appendEmpty(b, 4) }

// TreeDisconnectResponse is the SMB2 TREE_DISCONNECT response (MS-SMB2 2.2.12).
type TreeDisconnectResponse struct{}

// Decode checks a TREE_DISCONNECT response in msg, the whole message starting at the SMB2 header.
func (*TreeDisconnectResponse) Decode(msg []byte) error {
	return decodeEmpty(msg, 4, "tree_disconnect response")
}

// AppendTo appends the 4-byte body.
func (*TreeDisconnectResponse) AppendTo(b []byte) []byte { return appendEmpty(b, 4) }
