//go:build !linux

package zerocopy

import (
	"fmt"
	"net"
	"os"
	"runtime"
)

// senderSys is the portable part of a Sender: it only knows the Copy
// strategy, through the net and os packages. Its counters are approximate:
// one Writev per net.Buffers write and one Pread per ReadAt, whatever system
// calls those make underneath.
type senderSys struct{}

func (s *Sender) init() error {
	if s.strategy != Copy {
		return fmt.Errorf("zerocopy: strategy %v is not available on %s; use copy", s.strategy, runtime.GOOS)
	}
	return nil
}

func (s *Sender) write(bufs [][]byte) error {
	nb := make(net.Buffers, len(bufs))
	copy(nb, bufs)
	s.c.writev.Add(1)
	_, err := nb.WriteTo(s.conn)
	return err
}

// sendFile sends hdr and the range through a pooled buffer, zero-padding
// what the file does not have.
func (s *Sender) sendFile(hdr []byte, f *os.File, off, n int64) error {
	if n == 0 {
		err := s.write([][]byte{hdr})
		if err == nil {
			s.c.headerBytes.Add(int64(len(hdr)))
		}
		return err
	}
	buf := GetBuffer(int(min(n, maxClassSize)))
	defer buf.Release()
	b := buf.Bytes()
	var fileSent, padSent int64
	eof := f == nil
	if eof {
		s.c.fileErrors.Add(1)
		s.stats.Fallback(FallbackError)
	}
	first := true
	var err error
	for n > 0 && err == nil {
		k := int(min(n, int64(len(b))))
		real := 0
		if !eof {
			var rerr error
			real, rerr = ReadFull(f, b[:k], off)
			s.c.pread.Add(1)
			if rerr != nil {
				s.c.fileErrors.Add(1)
			}
			eof = rerr != nil || real < k
		} else {
			clear(b[:k])
		}
		if first {
			err = s.write([][]byte{hdr, b[:k]})
			first = false
		} else {
			err = s.write([][]byte{b[:k]})
		}
		off += int64(k)
		n -= int64(k)
		fileSent += int64(real)
		padSent += int64(k - real)
	}
	s.c.fileBytes.Add(fileSent)
	if padSent > 0 {
		s.c.paddedResponses.Add(1)
		s.c.paddedBytes.Add(padSent)
		s.lastPad = padSent
	}
	if err == nil {
		s.c.headerBytes.Add(int64(len(hdr)))
	}
	return err
}
