package smb

import (
	"errors"
	"fmt"

	"github.com/zsmbd/zsmbd/internal/le"
)

// ErrMalformed is returned (possibly wrapped) by every request decoder for a bad StructureSize, offset or
// length. The server answers STATUS_INVALID_PARAMETER.
var ErrMalformed = errors.New("smb: malformed request")

// ErrStructureSize is an alias of ErrMalformed kept for callers that test for a bad StructureSize by name.
var ErrStructureSize = ErrMalformed

// ErrInvalidName is returned for a name that is not valid UTF-16LE (odd byte length or an unpaired
// surrogate). The server answers STATUS_OBJECT_NAME_INVALID.
var ErrInvalidName = errors.New("smb: invalid UTF-16 name")

// malformed wraps ErrMalformed with the command and what was wrong.
func malformed(what string) error { return fmt.Errorf("%w: %s", ErrMalformed, what) }

// body checks that msg holds a header and a body whose StructureSize is size, and returns a reader
// positioned after StructureSize. The fixed part of a body is StructureSize rounded down to even: an odd
// StructureSize counts one byte of the variable buffer (MS-SMB2 2.2.1), which clients may omit when
// that buffer is empty.
func body(msg []byte, size uint16, cmd string) (le.Reader, error) {
	if len(msg) < HeaderSize+int(size&^1) {
		return le.Reader{}, malformed(cmd + ": short body")
	}
	r := le.MakeReader(msg[HeaderSize:])
	if r.U16() != size {
		return le.Reader{}, malformed(cmd + ": StructureSize")
	}
	return r, nil
}

// buffer returns the variable buffer msg[off:off+n] named by an offset/length pair of a body whose fixed
// part ends at HeaderSize+fixed. A buffer may not overlap the header or the fixed part. A zero length
// yields nil whatever the offset (clients send offset 0 or the end of the fixed part for empty buffers).
func buffer(msg []byte, off, n uint32, fixed int, what string) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if off < uint32(HeaderSize+fixed) {
		return nil, malformed(what + " offset inside the fixed part")
	}
	b, err := le.Slice(msg, int(off), int(n))
	if err != nil {
		return nil, malformed(what + " out of bounds")
	}
	return b, nil
}

// appendEmpty appends a body that is only StructureSize and a Reserved uint16.
func appendEmpty(b []byte, size uint16) []byte {
	b = le.AppendU16(b, size)
	return le.AppendU16(b, 0)
}

// decodeEmpty decodes a body that is only StructureSize and a Reserved uint16.
func decodeEmpty(msg []byte, size uint16, cmd string) error {
	_, err := body(msg, size, cmd)
	return err
}
