//go:build !linux

package zerocopy

import (
	"errors"
	"io"
	"os"
)

// readAt is ReadFull's read: ReadAt, counted as one call.
func readAt(f *os.File, dst []byte, off int64) (int, int, error) {
	n, err := f.ReadAt(dst, off)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, 1, err
}
