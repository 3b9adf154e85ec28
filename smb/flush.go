package smb

import "github.com/zsmbd/zsmbd/internal/le"

// FlushRequest is the SMB2 FLUSH request (MS-SMB2 2.2.17).
type FlushRequest struct {
	FileID FileID
}

const flushRequestSize = 24

// Decode parses a FLUSH request from msg, the whole message starting at the SMB2 header.
func (r *FlushRequest) Decode(msg []byte) error {
	rd, err := body(msg, flushRequestSize, "flush")
	if err != nil {
		return err
	}
	rd.Skip(6) // Reserved1, Reserved2
	r.FileID = readFileID(&rd)
	return nil
}

// AppendTo appends the 24-byte request body.
func (r *FlushRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, flushRequestSize)
	b = le.AppendU16(b, 0)
	b = le.AppendU32(b, 0)
	return r.FileID.AppendTo(b)
}

// FlushResponse is the SMB2 FLUSH response (MS-SMB2 2.2.18).
type FlushResponse struct{}

// Decode checks a FLUSH response in msg, the whole message starting at the SMB2 header.
func (*FlushResponse) Decode(msg []byte) error { return decodeEmpty(msg, 4, "flush response") }

// AppendTo appends the 4-byte body.
func (*FlushResponse) AppendTo(b []byte) []byte { return appendEmpty(b, 4) }
