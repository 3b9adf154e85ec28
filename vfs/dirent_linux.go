package vfs

import (
	"bytes"
	"encoding/binary"
	"errors"

	"golang.org/x/sys/unix"
)

// direntBufSize is the getdents64 buffer: memory per open directory scan,
// independent of the directory's size.
const direntBufSize = 16 << 10

// struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name.
const direntNameOff = 19

var errBadDirent = errors.New("vfs: malformed directory entry from getdents64")

// dirReader streams names out of a directory descriptor with getdents64,
// skipping "." and "..".
type dirReader struct {
	buf      []byte
	pos, end int
	eof      bool
}

// next returns the next name, or "" at the end of the directory.
func (d *dirReader) next(fd int) (string, error) {
	for {
		if d.pos >= d.end {
			if d.eof {
				return "", nil
			}
			if d.buf == nil {
				d.buf = make([]byte, direntBufSize)
			}
			n, err := unix.Getdents(fd, d.buf)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return "", err
			}
			if n <= 0 {
				d.eof = true
				return "", nil
			}
			d.pos, d.end = 0, n
		}
		rec := d.buf[d.pos:d.end]
		if len(rec) < direntNameOff {
			return "", errBadDirent
		}
		ino := binary.NativeEndian.Uint64(rec[0:8])
		reclen := int(binary.NativeEndian.Uint16(rec[16:18]))
		if reclen < direntNameOff || reclen > len(rec) {
			return "", errBadDirent
		}
		name := rec[direntNameOff:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		d.pos += reclen
		if ino == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		return string(name), nil
	}
}

// reset forgets buffered entries, after the descriptor was rewound.
func (d *dirReader) reset() { d.pos, d.end, d.eof = 0, 0, false }
