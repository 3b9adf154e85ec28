package smb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// TransportHeaderSize is the size of the Direct TCP transport header (MS-SMB2 2.1): a zero byte and a
// 24-bit big-endian length.
const TransportHeaderSize = 4

// MaxFrameSize is the largest message a transport header can announce (24 bits).
const MaxFrameSize = 1<<24 - 1

// ErrFrameTooLarge is returned for a frame longer than the reader allows; the connection must close.
var ErrFrameTooLarge = errors.New("smb: frame too large")

// ReadFrame reads one transport frame into buf (grown if needed) and returns the message. A frame larger
// than max, or one whose first byte is not zero, is an error that closes the connection.
func ReadFrame(r io.Reader, buf []byte, max int) ([]byte, error) {
	// The header goes into buf when it has room (the message overwrites it), so that a reused buf
	// costs no allocation at all.
	th := buf[:0]
	if cap(th) < TransportHeaderSize {
		th = make([]byte, 0, TransportHeaderSize)
	}
	th = th[:TransportHeaderSize]
	if _, err := io.ReadFull(r, th); err != nil {
		return nil, err
	}
	if th[0] != 0 {
		return nil, fmt.Errorf("smb: transport header type 0x%02x", th[0])
	}
	n := int(binary.BigEndian.Uint32(th))
	if n > max {
		return nil, ErrFrameTooLarge
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// PutTransportHeader writes the transport header for an n-byte message into b[0:4]; n is at most
// MaxFrameSize.
func PutTransportHeader(b []byte, n int) {
	binary.BigEndian.PutUint32(b, uint32(n))
	b[0] = 0
}
