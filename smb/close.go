package smb

import "github.com/zsmbd/zsmbd/internal/le"

// CLOSE Flags (MS-SMB2 2.2.15).
const ClosePostQueryAttrib = 1

// CloseRequest is the SMB2 CLOSE request (MS-SMB2 2.2.15).
type CloseRequest struct {
	Flags  uint16
	FileID FileID
}

const (
	closeRequestSize  = 24
	closeResponseSize = 60
)

// Decode parses a CLOSE request from msg, the whole message starting at the SMB2 header.
func (r *CloseRequest) Decode(msg []byte) error {
	rd, err := body(msg, closeRequestSize, "close")
	if err != nil {
		return err
	}
	r.Flags = rd.U16()
	rd.Skip(4) // Reserved
	r.FileID = readFileID(&rd)
	return nil
}

// AppendTo appends the 24-byte request body.
func (r *CloseRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, closeRequestSize)
	b = le.AppendU16(b, r.Flags)
	b = le.AppendU32(b, 0)
	return r.FileID.AppendTo(b)
}

// CloseResponse is the SMB2 CLOSE response (MS-SMB2 2.2.16). The attributes are meaningful only when
// Flags has ClosePostQueryAttrib; otherwise they are sent as zero.
type CloseResponse struct {
	Flags uint16
	OpenAttributes
}

// AppendTo appends the 60-byte response body.
func (r *CloseResponse) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, closeResponseSize)
	b = le.AppendU16(b, r.Flags)
	b = le.AppendU32(b, 0)
	return r.OpenAttributes.appendTo(b)
}

// Decode parses a CLOSE response from msg, the whole message starting at the SMB2 header.
func (r *CloseResponse) Decode(msg []byte) error {
	rd, err := body(msg, closeResponseSize, "close response")
	if err != nil {
		return err
	}
	r.Flags = rd.U16()
	rd.Skip(4)
	r.OpenAttributes.decode(&rd)
	return nil
}
