package dcerpc

import (
	"errors"
	"unicode/utf16"
)

// errStub reports request stub data that does not decode as NDR for the
// operation; the call is answered with a fault (RPC_X_BAD_STUB_DATA).
var errStub = errors.New("dcerpc: bad stub data")

// ndrReader decodes NDR 2.0 little-endian stub data (C706 chapter 14). The
// first error sticks; every later read returns zero values, so a handler
// decodes all parameters and checks err once.
type ndrReader struct {
	b   []byte
	off int
	err error
}

func (r *ndrReader) fail() {
	if r.err == nil {
		r.err = errStub
	}
}

// align skips padding so the next read starts at a multiple of n from the
// start of the stub (C706 14.2.2: alignment is relative to the stub).
func (r *ndrReader) align(n int) {
	pad := (n - r.off%n) % n
	if r.err != nil || len(r.b)-r.off < pad {
		r.fail()
		return
	}
	r.off += pad
}

func (r *ndrReader) u32() uint32 {
	r.align(4)
	if r.err != nil || len(r.b)-r.off < 4 {
		r.fail()
		return 0
	}
	v := le.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

// str reads a conformant varying string of UTF-16 units ([string] wchar_t*),
// C706 14.3.4.2, and drops its terminating NUL.
func (r *ndrReader) str() string {
	maxCount := r.u32()
	offset := r.u32()
	actual := r.u32()
	if r.err != nil {
		return ""
	}
	if offset != 0 || actual > maxCount || uint64(actual)*2 > uint64(len(r.b)-r.off) {
		r.fail()
		return ""
	}
	u := make([]uint16, actual)
	for i := range u {
		u[i] = le.Uint16(r.b[r.off+2*i:])
	}
	r.off += int(actual) * 2
	if n := len(u); n > 0 && u[n-1] == 0 {
		u = u[:n-1]
	}
	return string(utf16.Decode(u))
}

// uniqueStr reads a unique pointer to a string: a referent id, and the
// string only when the id is not zero.
func (r *ndrReader) uniqueStr() (string, bool) {
	if r.u32() == 0 {
		return "", false
	}
	return r.str(), true
}

// ndrWriter encodes NDR 2.0 little-endian stub data. Referent ids count up
// from 0x00020000 in steps of 4, as Samba and Windows number them; any
// non-zero unique value would do.
type ndrWriter struct {
	b       []byte
	nextRef uint32
}

func (w *ndrWriter) align(n int) {
	for len(w.b)%n != 0 {
		w.b = append(w.b, 0)
	}
}

func (w *ndrWriter) u32(v uint32) {
	w.align(4)
	w.b = le.AppendUint32(w.b, v)
}

// ptr writes a unique or full pointer's referent id: zero for NULL.
func (w *ndrWriter) ptr(present bool) {
	if !present {
		w.u32(0)
		return
	}
	if w.nextRef == 0 {
		w.nextRef = 0x00020000
	}
	w.u32(w.nextRef)
	w.nextRef += 4
}

// str writes a conformant varying string: max_count, then the string as varyingStr writes it.
// C706 14.3.4.2.
func (w *ndrWriter) str(s string) {
	w.u32(uint32(len(utf16.Encode([]rune(s))) + 1))
	w.varyingStr(s)
}

// varyingStr writes a varying string, what [string] makes of a fixed-size array: offset 0 and
// actual_count in UTF-16 units including the terminating NUL, then the units. C706 14.3.4.1.
func (w *ndrWriter) varyingStr(s string) {
	u := utf16.Encode([]rune(s))
	w.u32(0)
	w.u32(uint32(len(u) + 1))
	for _, c := range u {
		w.b = le.AppendUint16(w.b, c)
	}
	w.b = append(w.b, 0, 0)
}
