package fscc

import (
	"errors"
	"fmt"
)

// Errors returned by the encoders; the server maps each to the NTSTATUS
// named in its comment.
var (
	// ErrInvalidClass reports a class this package does not encode for the
	// request kind (STATUS_INVALID_INFO_CLASS), as Samba answers for
	// directory-only classes asked through QUERY_INFO.
	ErrInvalidClass = errors.New("fscc: invalid information class")
	// ErrInfoLength reports an output buffer smaller than the class's fixed
	// part (STATUS_INFO_LENGTH_MISMATCH). No data is returned.
	ErrInfoLength = errors.New("fscc: output buffer smaller than the fixed part of the class")
	// ErrBufferOverflow reports that the variable part was cut to fit
	// (STATUS_BUFFER_OVERFLOW). The truncated data is returned with it and
	// must be sent to the client.
	ErrBufferOverflow = errors.New("fscc: output truncated")
	// ErrNoShortName reports that the file has no 8.3 name
	// (STATUS_OBJECT_NAME_NOT_FOUND), for FileAlternateNameInformation.
	ErrNoShortName = errors.New("fscc: file has no short name")
	// ErrBufferTooSmall reports that a security descriptor does not fit
	// (STATUS_BUFFER_TOO_SMALL). The error is a *BufferTooSmallError that
	// carries the required length for the SMB2 error response.
	ErrBufferTooSmall = errors.New("fscc: buffer too small")
	// ErrInvalidSID reports a malformed SID string or encoding.
	ErrInvalidSID = errors.New("fscc: invalid SID")
)

// BufferTooSmallError is returned by SecurityInfo when the descriptor does not
// fit. MS-SMB2 3.3.5.20.3 requires the server to send Required back as the
// 4-byte error data (or as an error context on 3.1.1) and never a truncated
// descriptor. errors.Is(err, ErrBufferTooSmall) is true for it.
type BufferTooSmallError struct {
	Required uint32 // bytes needed for the whole descriptor
}

func (e *BufferTooSmallError) Error() string {
	return fmt.Sprintf("fscc: buffer too small: security descriptor needs %d bytes", e.Required)
}

// Is makes errors.Is(err, ErrBufferTooSmall) match.
func (e *BufferTooSmallError) Is(target error) bool { return target == ErrBufferTooSmall }
