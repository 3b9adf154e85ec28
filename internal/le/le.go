// Package le decodes little-endian wire structures with the bounds checks done once, in one place.
//
// A Reader never panics: the first read past the end records an error, later reads return zero values,
// and Err reports it. Callers decode a whole structure and check Err once, as cryptobyte does.
package le

import (
	"encoding/binary"
	"errors"
)

// ErrShort is the error recorded when a read runs past the end of the buffer.
var ErrShort = errors.New("le: buffer too short")

// Reader reads little-endian values from a byte slice at increasing offsets.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader returns a Reader over b starting at offset 0.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// MakeReader returns a Reader over b starting at offset 0 by value: a function that is not inlined
// can return it without putting it on the heap, as the pointer from NewReader would.
func MakeReader(b []byte) Reader { return Reader{b: b} }

// Err returns ErrShort if any read ran past the end of the buffer.
func (r *Reader) Err() error { return r.err }

// Offset returns the current read offset.
func (r *Reader) Offset() int { return r.off }

// Len returns the number of unread bytes.
func (r *Reader) Len() int { return len(r.b) - r.off }

func (r *Reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b)-r.off {
		r.err = ErrShort
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

// Skip advances past n bytes.
func (r *Reader) Skip(n int) { r.take(n) }

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

// U16 reads a little-endian uint16.
func (r *Reader) U16() uint16 {
	if p := r.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

// U32 reads a little-endian uint32.
func (r *Reader) U32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// U64 reads a little-endian uint64.
func (r *Reader) U64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// Bytes reads n bytes. The result aliases the buffer: copy it to keep it.
func (r *Reader) Bytes(n int) []byte { return r.take(n) }

// Copy reads n bytes into dst (len(dst) == n).
func (r *Reader) Copy(dst []byte) {
	if p := r.take(len(dst)); p != nil {
		copy(dst, p)
	}
}

// Slice returns b[off:off+n] with bounds checked, for the offset/length pairs SMB2 uses
// (offsets relative to the start of the message). A zero length yields nil and no error.
func Slice(b []byte, off, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if off < 0 || n < 0 || off > len(b) || n > len(b)-off {
		return nil, ErrShort
	}
	return b[off : off+n], nil
}

// AppendU16 appends v little-endian.
func AppendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }

// AppendU32 appends v little-endian.
func AppendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }

// AppendU64 appends v little-endian.
func AppendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// PutU16 writes v at b[off:].
func PutU16(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }

// PutU32 writes v at b[off:].
func PutU32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }

// PutU64 writes v at b[off:].
func PutU64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }

// Pad appends zero bytes until len(b)-start is a multiple of align.
func Pad(b []byte, start, align int) []byte {
	for (len(b)-start)%align != 0 {
		b = append(b, 0)
	}
	return b
}
