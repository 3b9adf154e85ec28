package smb

import (
	"slices"

	"github.com/zsmbd/zsmbd/internal/le"
)

// ErrorResponse is the SMB2 ERROR response body (MS-SMB2 2.2.2) sent with a failing status.
type ErrorResponse struct {
	// ErrorContextCount is nonzero only for 3.1.1 error contexts (MS-SMB2 2.2.2.1).
	ErrorContextCount uint8
	// ErrorData is the variable part (for example a symbolic link error response); usually empty.
	// Decode copies it.
	ErrorData []byte
}

const errorResponseSize = 9

// AppendTo appends the body: StructureSize 9, ErrorContextCount, Reserved, ByteCount and ErrorData.
// Empty ErrorData is still sent as one zero byte, as MS-SMB2 2.2.2 requires and Windows and Samba do.
func (r *ErrorResponse) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, errorResponseSize)
	b = append(b, r.ErrorContextCount, 0)
	b = le.AppendU32(b, uint32(len(r.ErrorData)))
	if len(r.ErrorData) == 0 {
		return append(b, 0)
	}
	return append(b, r.ErrorData...)
}

// Decode parses an ERROR response from msg, the whole message starting at the SMB2 header.
func (r *ErrorResponse) Decode(msg []byte) error {
	rd, err := body(msg, errorResponseSize, "error response")
	if err != nil {
		return err
	}
	r.ErrorContextCount = rd.U8()
	rd.Skip(1)
	n := rd.U32()
	data := rd.Bytes(int(min(n, 1<<24)))
	if rd.Err() != nil || n > 1<<24 {
		return malformed("error response: ByteCount")
	}
	r.ErrorData = nil
	if n > 0 {
		r.ErrorData = slices.Clone(data)
	}
	return nil
}

// IsErrorResponse reports whether a response message carries an ERROR body (MS-SMB2 2.2.2) rather than
// the command's own. A failing or warning status normally comes with an ERROR body, but MS-SMB2 3.2.5.1.x
// lets a few come with the command's body: STATUS_MORE_PROCESSING_REQUIRED for SESSION_SETUP, and
// STATUS_BUFFER_OVERFLOW for READ, IOCTL, QUERY_INFO, QUERY_DIRECTORY and CHANGE_NOTIFY (whose bodies
// also have StructureSize 9, so the size alone cannot tell). Any other non-success response whose
// StructureSize is 9 is an ERROR body.
func IsErrorResponse(msg []byte) bool {
	if len(msg) < HeaderSize+2 {
		return false
	}
	st := Status(le.NewReader(msg[OffStatus:]).U32())
	cmd := Command(le.NewReader(msg[12:]).U16())
	switch {
	case st == StatusSuccess:
		return false
	case st == StatusMoreProcessingRequired && cmd == SessionSetup:
		return false
	case st == StatusBufferOverflow && (cmd == Read || cmd == Ioctl || cmd == QueryInfo ||
		cmd == QueryDirectory || cmd == ChangeNotify):
		return false
	}
	return le.NewReader(msg[HeaderSize:]).U16() == errorResponseSize
}
