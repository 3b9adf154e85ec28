package smb

import "github.com/zsmbd/zsmbd/internal/le"

// CHANGE_NOTIFY Flags (MS-SMB2 2.2.35).
const WatchTree = 0x0001

// CompletionFilter bits (MS-SMB2 2.2.35).
const (
	NotifyChangeFileName    = 0x00000001
	NotifyChangeDirName     = 0x00000002
	NotifyChangeAttributes  = 0x00000004
	NotifyChangeSize        = 0x00000008
	NotifyChangeLastWrite   = 0x00000010
	NotifyChangeLastAccess  = 0x00000020
	NotifyChangeCreation    = 0x00000040
	NotifyChangeEA          = 0x00000080
	NotifyChangeSecurity    = 0x00000100
	NotifyChangeStreamName  = 0x00000200
	NotifyChangeStreamSize  = 0x00000400
	NotifyChangeStreamWrite = 0x00000800
)

// ChangeNotifyRequest is the SMB2 CHANGE_NOTIFY request (MS-SMB2 2.2.35).
type ChangeNotifyRequest struct {
	Flags              uint16
	OutputBufferLength uint32
	FileID             FileID
	CompletionFilter   uint32
}

const changeNotifyRequestSize = 32

// Decode parses a CHANGE_NOTIFY request from msg, the whole message starting at the SMB2 header.
func (r *ChangeNotifyRequest) Decode(msg []byte) error {
	rd, err := body(msg, changeNotifyRequestSize, "change notify")
	if err != nil {
		return err
	}
	r.Flags = rd.U16()
	r.OutputBufferLength = rd.U32()
	r.FileID = readFileID(&rd)
	r.CompletionFilter = rd.U32()
	return nil
}

// AppendTo appends the 32-byte request body.
func (r *ChangeNotifyRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, changeNotifyRequestSize)
	b = le.AppendU16(b, r.Flags)
	b = le.AppendU32(b, r.OutputBufferLength)
	b = r.FileID.AppendTo(b)
	b = le.AppendU32(b, r.CompletionFilter)
	return le.AppendU32(b, 0) // Reserved
}

// ChangeNotifyResponse is the SMB2 CHANGE_NOTIFY response (MS-SMB2 2.2.36): FILE_NOTIFY_INFORMATION
// entries (MS-FSCC 2.7.1) at OutputBufferOffset 0x48.
type ChangeNotifyResponse struct {
	// Buffer aliases the message after Decode.
	Buffer []byte
}

// AppendTo appends the response body.
func (r *ChangeNotifyResponse) AppendTo(b []byte) []byte { return appendOutputBuffer(b, r.Buffer) }

// Decode parses a CHANGE_NOTIFY response from msg, the whole message starting at the SMB2 header.
func (r *ChangeNotifyResponse) Decode(msg []byte) (err error) {
	r.Buffer, err = decodeOutputBuffer(msg, "change notify response")
	return err
}
