package smb

import "github.com/zsmbd/zsmbd/internal/le"

// SetInfoRequest is the SMB2 SET_INFO request (MS-SMB2 2.2.39).
type SetInfoRequest struct {
	InfoType      uint8
	FileInfoClass uint8
	// Buffer is the information to set; it aliases the message after Decode.
	Buffer                []byte
	AdditionalInformation uint32
	FileID                FileID
}

const (
	setInfoRequestSize  = 33
	setInfoResponseSize = 2
)

// Decode parses a SET_INFO request from msg, the whole message starting at the SMB2 header.
func (r *SetInfoRequest) Decode(msg []byte) error {
	rd, err := body(msg, setInfoRequestSize, "set info")
	if err != nil {
		return err
	}
	r.InfoType = rd.U8()
	r.FileInfoClass = rd.U8()
	n := rd.U32()
	off := rd.U16()
	rd.Skip(2) // Reserved
	r.AdditionalInformation = rd.U32()
	r.FileID = readFileID(&rd)
	r.Buffer, err = buffer(msg, uint32(off), n, 32, "set info: buffer")
	return err
}

// AppendTo appends the request body; Buffer starts at 0x60 (64+32).
func (r *SetInfoRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, setInfoRequestSize)
	b = append(b, r.InfoType, r.FileInfoClass)
	b = le.AppendU32(b, uint32(len(r.Buffer)))
	b = le.AppendU16(b, HeaderSize+32)
	b = le.AppendU16(b, 0)
	b = le.AppendU32(b, r.AdditionalInformation)
	b = r.FileID.AppendTo(b)
	if len(r.Buffer) == 0 {
		return append(b, 0) // the Buffer is at least one byte (StructureSize 33)
	}
	return append(b, r.Buffer...)
}

// SetInfoResponse is the SMB2 SET_INFO response (MS-SMB2 2.2.40): StructureSize 2 and nothing else.
type SetInfoResponse struct{}

// AppendTo appends the 2-byte body.
func (*SetInfoResponse) AppendTo(b []byte) []byte { return le.AppendU16(b, setInfoResponseSize) }

// Decode checks a SET_INFO response in msg, the whole message starting at the SMB2 header.
func (*SetInfoResponse) Decode(msg []byte) error {
	_, err := body(msg, setInfoResponseSize, "set info response")
	return err
}
