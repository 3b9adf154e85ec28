package smb

import "github.com/zsmbd/zsmbd/internal/le"

// SESSION_SETUP request Flags (MS-SMB2 2.2.5).
const SessionFlagBinding = 1

// SESSION_SETUP response SessionFlags (MS-SMB2 2.2.6).
const (
	SessionFlagIsGuest     = 1
	SessionFlagIsNull      = 2
	SessionFlagEncryptData = 4
)

// SessionSetupRequest is the SMB2 SESSION_SETUP request (MS-SMB2 2.2.5).
type SessionSetupRequest struct {
	Flags             uint8
	SecurityMode      uint8
	Capabilities      uint32
	Channel           uint32
	PreviousSessionID uint64
	// SecurityBuffer (the GSS token) aliases the message after Decode.
	SecurityBuffer []byte
}

const (
	sessionSetupRequestSize  = 25
	sessionSetupResponseSize = 9
)

// Decode parses a SESSION_SETUP request from msg, the whole message starting at the SMB2 header.
func (r *SessionSetupRequest) Decode(msg []byte) error {
	rd, err := body(msg, sessionSetupRequestSize, "session setup")
	if err != nil {
		return err
	}
	r.Flags = rd.U8()
	r.SecurityMode = rd.U8()
	r.Capabilities = rd.U32()
	r.Channel = rd.U32()
	off := rd.U16()
	n := rd.U16()
	r.PreviousSessionID = rd.U64()
	r.SecurityBuffer, err = buffer(msg, uint32(off), uint32(n), 24, "session setup: security buffer")
	return err
}

// AppendTo appends the request body; the security buffer starts at 0x58 (64+24).
func (r *SessionSetupRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, sessionSetupRequestSize)
	b = append(b, r.Flags, r.SecurityMode)
	b = le.AppendU32(b, r.Capabilities)
	b = le.AppendU32(b, r.Channel)
	b = le.AppendU16(b, HeaderSize+24)
	b = le.AppendU16(b, uint16(len(r.SecurityBuffer)))
	b = le.AppendU64(b, r.PreviousSessionID)
	return append(b, r.SecurityBuffer...)
}

// SessionSetupResponse is the SMB2 SESSION_SETUP response (MS-SMB2 2.2.6).
type SessionSetupResponse struct {
	SessionFlags uint16
	// SecurityBuffer aliases the message after Decode.
	SecurityBuffer []byte
}

// AppendTo appends the response body; the security buffer starts at 0x48 (64+8).
func (r *SessionSetupResponse) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, sessionSetupResponseSize)
	b = le.AppendU16(b, r.SessionFlags)
	b = le.AppendU16(b, HeaderSize+8)
	b = le.AppendU16(b, uint16(len(r.SecurityBuffer)))
	return append(b, r.SecurityBuffer...)
}

// Decode parses a SESSION_SETUP response from msg, the whole message starting at the SMB2 header.
func (r *SessionSetupResponse) Decode(msg []byte) error {
	rd, err := body(msg, sessionSetupResponseSize, "session setup response")
	if err != nil {
		return err
	}
	r.SessionFlags = rd.U16()
	off := rd.U16()
	n := rd.U16()
	r.SecurityBuffer, err = buffer(msg, uint32(off), uint32(n), 8, "session setup response: security buffer")
	return err
}
