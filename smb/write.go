package smb

import "github.com/zsmbd/zsmbd/internal/le"

// WRITE request Flags (MS-SMB2 2.2.21).
const (
	WriteFlagWriteThrough = 0x1
	WriteFlagUnbuffered   = 0x2
)

// WriteRequest is the SMB2 WRITE request (MS-SMB2 2.2.21).
type WriteRequest struct {
	// DataOffset is where the data starts, counted from the header; AppendTo writes 0x70 (64+48).
	DataOffset     uint16
	Length         uint32
	Offset         uint64
	FileID         FileID
	Channel        uint32
	RemainingBytes uint32
	Flags          uint32
	// Data is the Length bytes at DataOffset, aliasing the message after Decode.
	Data []byte
}

const (
	writeRequestSize  = 49
	writeResponseSize = 17
)

// Decode parses a WRITE request from msg, the whole message starting at the SMB2 header.
func (r *WriteRequest) Decode(msg []byte) error {
	rd, err := body(msg, writeRequestSize, "write")
	if err != nil {
		return err
	}
	r.DataOffset = rd.U16()
	r.Length = rd.U32()
	r.Offset = rd.U64()
	r.FileID = readFileID(&rd)
	r.Channel = rd.U32()
	r.RemainingBytes = rd.U32()
	chOff := rd.U16()
	chLen := rd.U16()
	r.Flags = rd.U32()
	if _, err := buffer(msg, uint32(chOff), uint32(chLen), 48, "write: channel info"); err != nil {
		return err
	}
	r.Data, err = buffer(msg, uint32(r.DataOffset), r.Length, 48, "write: data")
	return err
}

// AppendTo appends the request body followed by Data; Length is written as len(Data).
func (r *WriteRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, writeRequestSize)
	b = le.AppendU16(b, HeaderSize+48)
	b = le.AppendU32(b, uint32(len(r.Data)))
	b = le.AppendU64(b, r.Offset)
	b = r.FileID.AppendTo(b)
	b = le.AppendU32(b, r.Channel)
	b = le.AppendU32(b, r.RemainingBytes)
	b = le.AppendU32(b, 0) // WriteChannelInfoOffset, WriteChannelInfoLength
	b = le.AppendU32(b, r.Flags)
	if len(r.Data) == 0 {
		return append(b, 0) // the Buffer is at least one byte (StructureSize 49)
	}
	return append(b, r.Data...)
}

// WriteResponse is the SMB2 WRITE response (MS-SMB2 2.2.22).
type WriteResponse struct {
	Count     uint32
	Remaining uint32
}

// AppendTo appends the 16-byte response body.
func (r *WriteResponse) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, writeResponseSize)
	b = le.AppendU16(b, 0)
	b = le.AppendU32(b, r.Count)
	b = le.AppendU32(b, r.Remaining)
	return le.AppendU32(b, 0) // WriteChannelInfoOffset, WriteChannelInfoLength
}

// Decode parses a WRITE response from msg, the whole message starting at the SMB2 header.
func (r *WriteResponse) Decode(msg []byte) error {
	rd, err := body(msg, writeResponseSize, "write response")
	if err != nil {
		return err
	}
	rd.Skip(2)
	r.Count = rd.U32()
	r.Remaining = rd.U32()
	return nil
}
