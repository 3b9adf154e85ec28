package smb

import "github.com/zsmbd/zsmbd/internal/le"

// READ request Flags (MS-SMB2 2.2.19).
const (
	ReadFlagUnbuffered      = 0x01
	ReadFlagRequestCompress = 0x02
)

// Channel values for READ and WRITE (MS-SMB2 2.2.19).
const (
	ChannelNone             = 0
	ChannelRDMAV1           = 1
	ChannelRDMAV1Invalidate = 2
	ChannelRDMATransform    = 3
)

// ReadRequest is the SMB2 READ request (MS-SMB2 2.2.19). The RDMA channel info buffer is not decoded
// (zsmbd does not offer RDMA); its offset and length are still checked to lie inside the message.
type ReadRequest struct {
	Padding        uint8 // where the client wants the data to start in the response
	Flags          uint8
	Length         uint32
	Offset         uint64
	FileID         FileID
	MinimumCount   uint32
	Channel        uint32
	RemainingBytes uint32
}

const (
	readRequestSize  = 49
	readResponseSize = 17
)

// ReadResponseFixedSize is the size of the READ response body before the data: the data of a response
// built by ReadResponse.AppendTo starts at HeaderSize+ReadResponseFixedSize (0x50).
const ReadResponseFixedSize = 16

// Decode parses a READ request from msg, the whole message starting at the SMB2 header. Clients differ
// on the one Buffer byte StructureSize 49 counts: it is not required.
func (r *ReadRequest) Decode(msg []byte) error {
	rd, err := body(msg, readRequestSize, "read")
	if err != nil {
		return err
	}
	r.Padding = rd.U8()
	r.Flags = rd.U8()
	r.Length = rd.U32()
	r.Offset = rd.U64()
	r.FileID = readFileID(&rd)
	r.MinimumCount = rd.U32()
	r.Channel = rd.U32()
	r.RemainingBytes = rd.U32()
	off := rd.U16()
	n := rd.U16()
	_, err = buffer(msg, uint32(off), uint32(n), 48, "read: channel info")
	return err
}

// AppendTo appends the request body with the one zero Buffer byte Windows and go-smb2 send.
func (r *ReadRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, readRequestSize)
	b = append(b, r.Padding, r.Flags)
	b = le.AppendU32(b, r.Length)
	b = le.AppendU64(b, r.Offset)
	b = r.FileID.AppendTo(b)
	b = le.AppendU32(b, r.MinimumCount)
	b = le.AppendU32(b, r.Channel)
	b = le.AppendU32(b, r.RemainingBytes)
	b = le.AppendU32(b, 0) // ReadChannelInfoOffset, ReadChannelInfoLength
	return append(b, 0)
}

// ReadResponse is the SMB2 READ response (MS-SMB2 2.2.20).
type ReadResponse struct {
	// DataOffset is where the data starts, counted from the header; AppendTo writes 0x50 when it is 0.
	DataOffset    uint8
	DataLength    uint32
	DataRemaining uint32
	Flags         uint32 // Reserved2 before 3.1.1; READ_RESPONSE_RDMA_TRANSFORM (1) in 3.1.1
	// Data is set by Decode (aliasing the message) and ignored by AppendTo: the server sends the data
	// separately, after the fixed part, on its zero-copy path.
	Data []byte
}

// AppendTo appends the 16-byte fixed part ONLY: StructureSize 17, DataOffset, Reserved, DataLength,
// DataRemaining and Flags. DataLength bytes of data must follow it on the wire.
func (r *ReadResponse) AppendTo(b []byte) []byte {
	off := r.DataOffset
	if off == 0 {
		off = HeaderSize + ReadResponseFixedSize
	}
	b = le.AppendU16(b, readResponseSize)
	b = append(b, off, 0)
	b = le.AppendU32(b, r.DataLength)
	b = le.AppendU32(b, r.DataRemaining)
	return le.AppendU32(b, r.Flags)
}

// Decode parses a READ response from msg, the whole message starting at the SMB2 header, and sets Data
// to the DataLength bytes at DataOffset.
func (r *ReadResponse) Decode(msg []byte) error {
	rd, err := body(msg, readResponseSize, "read response")
	if err != nil {
		return err
	}
	r.DataOffset = rd.U8()
	rd.Skip(1)
	r.DataLength = rd.U32()
	r.DataRemaining = rd.U32()
	r.Flags = rd.U32()
	r.Data, err = buffer(msg, uint32(r.DataOffset), r.DataLength, ReadResponseFixedSize, "read response: data")
	return err
}
