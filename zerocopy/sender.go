package zerocopy

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
)

// Sender writes whole SMB2 frames on one TCP connection. It is not safe for
// concurrent use: a READ response is a sequence of system calls (cork,
// header, file data, uncork) that must not interleave with another frame, so
// the server sends every frame of a connection under one lock. The Stats it
// updates may be shared by all Senders.
type Sender struct {
	conn     *net.TCPConn
	strategy Strategy
	stats    *Stats
	c        *counters // &stats.by[strategy]
	sys      senderSys // platform part
	lastPad  int64     // zero bytes the last SendFile padded with
}

// NewSender returns a Sender that writes to c with strategy s and counts into
// st (a private Stats if st is nil). It takes the connection's RawConn once.
// On platforms without the system calls of s it fails; Copy works everywhere.
func NewSender(c *net.TCPConn, s Strategy, st *Stats) (*Sender, error) {
	if c == nil {
		return nil, errors.New("zerocopy: nil connection")
	}
	if !s.valid() {
		return nil, fmt.Errorf("zerocopy: invalid strategy %d", int(s))
	}
	if st == nil {
		st = new(Stats)
	}
	snd := &Sender{conn: c, strategy: s, stats: st, c: &st.by[s]}
	if err := snd.init(); err != nil {
		return nil, err
	}
	return snd, nil
}

// Strategy returns the strategy the Sender uses for file data.
func (s *Sender) Strategy() Strategy { return s.strategy }

// Write sends bufs in order, as one writev where the kernel allows, looping
// on short writes until everything is sent (the semantics of
// net.Buffers.WriteTo, without consuming the caller's slice). It is for
// frames without file data. An error means the connection is unusable.
func (s *Sender) Write(bufs ...[]byte) error {
	var total int64
	for _, b := range bufs {
		total += int64(len(b))
	}
	s.c.frames.Add(1)
	err := s.write(bufs)
	if err == nil {
		s.c.frameBytes.Add(total)
	}
	return err
}

// SendFile sends hdr followed by exactly n bytes of f starting at offset off,
// with the Sender's strategy. hdr is the transport header, SMB2 header and
// READ response body that announce n bytes of data.
//
// If f has fewer than n bytes at off (it shrank after the caller announced n)
// or reading it fails, the rest is padded with zeros so the stream stays
// framed; Stats count the padded response and bytes. A strategy that fails
// on the file side finishes the response with the copy path and counts a
// fallback. SendFile therefore returns only socket errors, after which the
// connection is dead, or an argument error before anything was sent.
func (s *Sender) SendFile(hdr []byte, f *os.File, off, n int64) error {
	if off < 0 || n < 0 || n > math.MaxInt64-off {
		return fmt.Errorf("zerocopy: invalid range offset %d length %d", off, n)
	}
	s.c.responses.Add(1)
	s.lastPad = 0
	return s.sendFile(hdr, f, off, n)
}

// LastPadding returns how many zero bytes the last SendFile sent in place of
// file data (the file shrank, or reading it failed), so the caller can log it.
func (s *Sender) LastPadding() int64 { return s.lastPad }

// zeros is the source of padding; it is never written.
var zeros [64 << 10]byte
