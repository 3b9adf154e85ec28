package smb

import "github.com/zsmbd/zsmbd/internal/le"

// QUERY_DIRECTORY Flags (MS-SMB2 2.2.33).
const (
	RestartScans      = 0x01
	ReturnSingleEntry = 0x02
	IndexSpecified    = 0x04
	Reopen            = 0x10
)

// QueryDirectoryRequest is the SMB2 QUERY_DIRECTORY request (MS-SMB2 2.2.33).
type QueryDirectoryRequest struct {
	FileInformationClass uint8
	Flags                uint8
	FileIndex            uint32
	FileID               FileID
	OutputBufferLength   uint32
	// FileName is the search pattern ("*", "foo*.txt", or an exact name), decoded from UTF-16LE.
	FileName string
}

const queryDirectoryRequestSize = 33

// Decode parses a QUERY_DIRECTORY request from msg, the whole message starting at the SMB2 header. A
// pattern that is not valid UTF-16 returns ErrInvalidName, like a CREATE name.
func (r *QueryDirectoryRequest) Decode(msg []byte) error {
	rd, err := body(msg, queryDirectoryRequestSize, "query directory")
	if err != nil {
		return err
	}
	r.FileInformationClass = rd.U8()
	r.Flags = rd.U8()
	r.FileIndex = rd.U32()
	r.FileID = readFileID(&rd)
	off := rd.U16()
	n := rd.U16()
	r.OutputBufferLength = rd.U32()
	name, err := buffer(msg, uint32(off), uint32(n), 32, "query directory: file name")
	if err != nil {
		return err
	}
	r.FileName, err = DecodeUTF16(name)
	return err
}

// AppendTo appends the request body; the pattern starts at 0x60 (64+32).
func (r *QueryDirectoryRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, queryDirectoryRequestSize)
	b = append(b, r.FileInformationClass, r.Flags)
	b = le.AppendU32(b, r.FileIndex)
	b = r.FileID.AppendTo(b)
	b = le.AppendU16(b, HeaderSize+32)
	b = le.AppendU16(b, uint16(utf16Len(r.FileName)))
	b = le.AppendU32(b, r.OutputBufferLength)
	if r.FileName == "" {
		return append(b, 0) // the Buffer is at least one byte (StructureSize 33)
	}
	return AppendUTF16(b, r.FileName)
}

// QueryDirectoryResponse is the SMB2 QUERY_DIRECTORY response (MS-SMB2 2.2.34): the FSCC directory
// information entries, at OutputBufferOffset 0x48.
type QueryDirectoryResponse struct {
	// Buffer aliases the message after Decode.
	Buffer []byte
}

// AppendTo appends the response body.
func (r *QueryDirectoryResponse) AppendTo(b []byte) []byte { return appendOutputBuffer(b, r.Buffer) }

// Decode parses a QUERY_DIRECTORY response from msg, the whole message starting at the SMB2 header.
func (r *QueryDirectoryResponse) Decode(msg []byte) (err error) {
	r.Buffer, err = decodeOutputBuffer(msg, "query directory response")
	return err
}
