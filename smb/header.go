// Package smb is the SMB2/3 wire format: framing, the 64-byte header, one type per command request and
// response, NTSTATUS codes. Decoders take the whole message (header first: SMB2 offsets count from the
// start of the header), return errors and never keep slices into buffers that will be reused unless the
// field says so. Encoders append to a caller's buffer.
package smb

import (
	"errors"

	"github.com/zsmbd/zsmbd/internal/le"
)

// HeaderSize is the size of the SMB2 header (MS-SMB2 2.2.1).
const HeaderSize = 64

// ProtocolID is the SMB2 header's magic, "\xfeSMB".
var ProtocolID = [4]byte{0xFE, 'S', 'M', 'B'}

// Command is an SMB2 command code (MS-SMB2 2.2.1.2).
type Command uint16

// SMB2 commands.
const (
	Negotiate      Command = 0x0000
	SessionSetup   Command = 0x0001
	Logoff         Command = 0x0002
	TreeConnect    Command = 0x0003
	TreeDisconnect Command = 0x0004
	Create         Command = 0x0005
	Close          Command = 0x0006
	Flush          Command = 0x0007
	Read           Command = 0x0008
	Write          Command = 0x0009
	Lock           Command = 0x000A
	Ioctl          Command = 0x000B
	Cancel         Command = 0x000C
	Echo           Command = 0x000D
	QueryDirectory Command = 0x000E
	ChangeNotify   Command = 0x000F
	QueryInfo      Command = 0x0010
	SetInfo        Command = 0x0011
	OplockBreak    Command = 0x0012
)

var commandNames = [...]string{
	"NEGOTIATE", "SESSION_SETUP", "LOGOFF", "TREE_CONNECT", "TREE_DISCONNECT", "CREATE", "CLOSE",
	"FLUSH", "READ", "WRITE", "LOCK", "IOCTL", "CANCEL", "ECHO", "QUERY_DIRECTORY", "CHANGE_NOTIFY",
	"QUERY_INFO", "SET_INFO", "OPLOCK_BREAK",
}

// String returns the command's name as MS-SMB2 spells it.
func (c Command) String() string {
	if int(c) < len(commandNames) {
		return commandNames[c]
	}
	return "UNKNOWN"
}

// Header flags (MS-SMB2 2.2.1.2).
const (
	FlagServerToRedir   uint32 = 0x00000001
	FlagAsyncCommand    uint32 = 0x00000002
	FlagRelatedOps      uint32 = 0x00000004
	FlagSigned          uint32 = 0x00000008
	FlagPriorityMask    uint32 = 0x00000070
	FlagDFSOperations   uint32 = 0x10000000
	FlagReplayOperation uint32 = 0x20000000
)

// Dialects (MS-SMB2 2.2.3).
const (
	Dialect202      uint16 = 0x0202
	Dialect210      uint16 = 0x0210
	Dialect300      uint16 = 0x0300
	Dialect302      uint16 = 0x0302
	Dialect311      uint16 = 0x0311
	DialectWildcard uint16 = 0x02FF
)

// Header is the SMB2 packet header, sync or async form (MS-SMB2 2.2.1.1, 2.2.1.2).
type Header struct {
	CreditCharge uint16
	// Status is the NTSTATUS of a response; in a request the same four bytes carry ChannelSequence/Reserved.
	Status      Status
	Command     Command
	Credits     uint16 // CreditRequest in a request, CreditResponse in a response
	Flags       uint32
	NextCommand uint32
	MessageID   uint64
	AsyncID     uint64 // only when Flags has FlagAsyncCommand
	TreeID      uint32 // only in the sync form
	SessionID   uint64
	Signature   [16]byte
}

// ErrNotSMB2 says the bytes do not start with an SMB2 header.
var ErrNotSMB2 = errors.New("smb: not an SMB2 header")

// DecodeHeader parses the header at the start of msg.
func DecodeHeader(msg []byte) (Header, error) {
	var h Header
	r := le.NewReader(msg)
	var magic [4]byte
	r.Copy(magic[:])
	size := r.U16()
	h.CreditCharge = r.U16()
	h.Status = Status(r.U32())
	h.Command = Command(r.U16())
	h.Credits = r.U16()
	h.Flags = r.U32()
	h.NextCommand = r.U32()
	h.MessageID = r.U64()
	if h.Flags&FlagAsyncCommand != 0 {
		h.AsyncID = r.U64()
	} else {
		r.Skip(4) // Reserved (ProcessId)
		h.TreeID = r.U32()
	}
	h.SessionID = r.U64()
	r.Copy(h.Signature[:])
	if err := r.Err(); err != nil {
		return h, err
	}
	if magic != ProtocolID || size != HeaderSize {
		return h, ErrNotSMB2
	}
	return h, nil
}

// AppendTo appends the 64-byte encoding of h.
func (h *Header) AppendTo(b []byte) []byte {
	b = append(b, ProtocolID[:]...)
	b = le.AppendU16(b, HeaderSize)
	b = le.AppendU16(b, h.CreditCharge)
	b = le.AppendU32(b, uint32(h.Status))
	b = le.AppendU16(b, uint16(h.Command))
	b = le.AppendU16(b, h.Credits)
	b = le.AppendU32(b, h.Flags)
	b = le.AppendU32(b, h.NextCommand)
	b = le.AppendU64(b, h.MessageID)
	if h.Flags&FlagAsyncCommand != 0 {
		b = le.AppendU64(b, h.AsyncID)
	} else {
		b = le.AppendU32(b, 0xFEFF) // Reserved: Windows and Samba send 0x0000feff
		b = le.AppendU32(b, h.TreeID)
	}
	b = le.AppendU64(b, h.SessionID)
	return append(b, h.Signature[:]...)
}

// Offsets of header fields that are patched after encoding.
const (
	OffStatus      = 8
	OffFlags       = 16
	OffNextCommand = 20
	OffSignature   = 48
)
