package vfs

import (
	"io"
	"io/fs"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// Range is a byte range of a file.
type Range struct{ Off, Len int64 }

// AllocatedRanges returns the ranges holding data within [off, off+length),
// found with lseek(2) SEEK_DATA and SEEK_HOLE (for
// FSCTL_QUERY_ALLOCATED_RANGES, MS-FSCC 2.3.46). Ranges are clipped to the
// request and to the end of file, sorted, and never adjacent. A file system
// without hole support reports the whole file as data. The file offset is
// restored afterwards, but it moves meanwhile, so do not read with Read
// concurrently (ReadAt is fine).
func AllocatedRanges(f *os.File, off, length int64) ([]Range, error) {
	if off < 0 || length < 0 {
		return nil, &fs.PathError{Op: "seek", Path: f.Name(), Err: unix.EINVAL}
	}
	end := off + length
	if end < off {
		end = math.MaxInt64
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var out []Range
	var serr error
	cerr := rc.Control(func(ufd uintptr) {
		fd := int(ufd)
		saved, err := unix.Seek(fd, 0, io.SeekCurrent)
		if err != nil {
			serr = err
			return
		}
		defer unix.Seek(fd, saved, io.SeekStart)
		out, serr = allocated(fd, off, end)
	})
	if cerr != nil {
		return nil, cerr
	}
	if serr != nil {
		return nil, &fs.PathError{Op: "seek", Path: f.Name(), Err: serr}
	}
	return out, nil
}

func allocated(fd int, off, end int64) ([]Range, error) {
	var out []Range
	add := func(from, to int64) {
		from, to = max(from, off), min(to, end)
		if from >= to {
			return
		}
		if n := len(out); n > 0 && out[n-1].Off+out[n-1].Len == from {
			out[n-1].Len += to - from
			return
		}
		out = append(out, Range{from, to - from})
	}
	for pos := off; pos < end; {
		data, err := unix.Seek(fd, pos, unix.SEEK_DATA)
		if err == unix.ENXIO {
			break // no data at or after pos
		}
		if err == unix.EINVAL {
			// No SEEK_DATA support: all of the file is data.
			var st unix.Stat_t
			if err := unix.Fstat(fd, &st); err != nil {
				return nil, err
			}
			add(pos, st.Size)
			break
		}
		if err != nil {
			return nil, err
		}
		if data >= end {
			break
		}
		hole, err := unix.Seek(fd, data, unix.SEEK_HOLE)
		if err != nil {
			return nil, err
		}
		add(data, hole)
		pos = hole
	}
	return out, nil
}
