package smb

import "github.com/zsmbd/zsmbd/internal/le"

// InfoType values for QUERY_INFO and SET_INFO (MS-SMB2 2.2.37).
const (
	InfoFile       = 1
	InfoFilesystem = 2
	InfoSecurity   = 3
	InfoQuota      = 4
)

// AdditionalInformation bits for InfoSecurity (MS-SMB2 2.2.37).
const (
	OwnerSecurityInformation     = 0x00000001
	GroupSecurityInformation     = 0x00000002
	DACLSecurityInformation      = 0x00000004
	SACLSecurityInformation      = 0x00000008
	LabelSecurityInformation     = 0x00000010
	AttributeSecurityInformation = 0x00000020
	ScopeSecurityInformation     = 0x00000040
	BackupSecurityInformation    = 0x00010000
)

// QUERY_INFO Flags for FileFullEaInformation (MS-SMB2 2.2.37).
const (
	SLRestartScan       = 0x1 // SL_RESTART_SCAN
	SLReturnSingleEntry = 0x2 // SL_RETURN_SINGLE_ENTRY
	SLIndexSpecified    = 0x4 // SL_INDEX_SPECIFIED
)

// QueryInfoRequest is the SMB2 QUERY_INFO request (MS-SMB2 2.2.37).
type QueryInfoRequest struct {
	InfoType           uint8
	FileInfoClass      uint8
	OutputBufferLength uint32
	// Input is the input buffer (quota queries, FileFullEaInformation's EA list); it aliases the message
	// after Decode.
	Input                 []byte
	AdditionalInformation uint32
	Flags                 uint32
	FileID                FileID
}

const queryInfoRequestSize = 41

// Decode parses a QUERY_INFO request from msg, the whole message starting at the SMB2 header.
func (r *QueryInfoRequest) Decode(msg []byte) error {
	rd, err := body(msg, queryInfoRequestSize, "query info")
	if err != nil {
		return err
	}
	r.InfoType = rd.U8()
	r.FileInfoClass = rd.U8()
	r.OutputBufferLength = rd.U32()
	off := rd.U16()
	rd.Skip(2) // Reserved
	n := rd.U32()
	r.AdditionalInformation = rd.U32()
	r.Flags = rd.U32()
	r.FileID = readFileID(&rd)
	r.Input, err = buffer(msg, uint32(off), n, 40, "query info: input")
	return err
}

// AppendTo appends the request body; Input starts at 0x68 (64+40). With no input the offset is 0, as
// Windows sends it.
func (r *QueryInfoRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, queryInfoRequestSize)
	b = append(b, r.InfoType, r.FileInfoClass)
	b = le.AppendU32(b, r.OutputBufferLength)
	var off uint16
	if len(r.Input) > 0 {
		off = HeaderSize + 40
	}
	b = le.AppendU16(b, off)
	b = le.AppendU16(b, 0)
	b = le.AppendU32(b, uint32(len(r.Input)))
	b = le.AppendU32(b, r.AdditionalInformation)
	b = le.AppendU32(b, r.Flags)
	b = r.FileID.AppendTo(b)
	if len(r.Input) == 0 {
		return append(b, 0) // the Buffer is at least one byte (StructureSize 41)
	}
	return append(b, r.Input...)
}

// QueryInfoResponse is the SMB2 QUERY_INFO response (MS-SMB2 2.2.38): the information at
// OutputBufferOffset 0x48.
type QueryInfoResponse struct {
	// Buffer aliases the message after Decode.
	Buffer []byte
}

// AppendTo appends the response body.
func (r *QueryInfoResponse) AppendTo(b []byte) []byte { return appendOutputBuffer(b, r.Buffer) }

// Decode parses a QUERY_INFO response from msg, the whole message starting at the SMB2 header.
func (r *QueryInfoResponse) Decode(msg []byte) (err error) {
	r.Buffer, err = decodeOutputBuffer(msg, "query info response")
	return err
}
