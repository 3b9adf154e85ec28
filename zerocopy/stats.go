package zerocopy

import (
	"fmt"
	"math"
	"os"
	"strings"
	"sync/atomic"

	"github.com/rs/zerolog"
)

// Stats are the counters of the read-path study. One Stats is shared by all
// Senders of a server; every field is atomic, so Senders on different
// connections update it concurrently without a lock. System calls are counted
// where they are made, one per call, including calls that fail or return
// EAGAIN.
type Stats struct {
	by        [numStrategies]counters
	fallbacks [numReasons]atomic.Int64
}

// counters is the live, atomic form of Counters.
type counters struct {
	responses, fileBytes, headerBytes, frames, frameBytes  atomic.Int64
	sendfile, splice, pread, writev, sendmsg, mmap, munmap atomic.Int64
	setsockopt, fstat, cachestat                           atomic.Int64
	eagainWaits, shortSends, uncached                      atomic.Int64
	paddedResponses, paddedBytes, fileErrors, mmapFaults   atomic.Int64
}

// Counters are the counts of one strategy at one moment.
type Counters struct {
	Responses   int64 // SendFile calls (READ responses with file data)
	FileBytes   int64 // bytes of file data sent (padding not included)
	HeaderBytes int64 // header bytes sent by SendFile
	Frames      int64 // Write calls (frames without file data)
	FrameBytes  int64 // bytes sent by Write

	Sendfile   int64 // sendfile(2) calls
	Splice     int64 // splice(2) calls, both file→pipe and pipe→socket
	Pread      int64 // read system calls of the copy path: preadv2(RWF_NOWAIT) and pread(2)
	Writev     int64 // writev(2) calls
	Sendmsg    int64 // sendmsg(2) calls (header sent with MSG_MORE)
	Mmap       int64 // mmap(2) calls
	Munmap     int64 // munmap(2) calls
	Setsockopt int64 // setsockopt(2) calls (TCP_CORK on and off)
	Fstat      int64 // fstat(2) calls
	Cachestat  int64 // cachestat(2) calls (is a sendfile range all in the page cache?)

	EAGAINWaits int64 // times a send returned EAGAIN and parked on the netpoller
	ShortSends  int64 // sends that moved fewer bytes than asked
	Uncached    int64 // sendfile responses not known to be all in the page cache (sendfile may wait for the disk)

	PaddedResponses int64 // responses whose file range came up short and was zero-padded
	PaddedBytes     int64 // zero bytes sent in place of file data
	FileErrors      int64 // file-side errors (read, sendfile, splice or mmap failures)
	MmapFaults      int64 // writev from a mapping that failed with EFAULT (file truncated under it)
}

func (c *counters) load() Counters {
	return Counters{
		Responses: c.responses.Load(), FileBytes: c.fileBytes.Load(), HeaderBytes: c.headerBytes.Load(),
		Frames: c.frames.Load(), FrameBytes: c.frameBytes.Load(),
		Sendfile: c.sendfile.Load(), Splice: c.splice.Load(), Pread: c.pread.Load(),
		Writev: c.writev.Load(), Sendmsg: c.sendmsg.Load(), Mmap: c.mmap.Load(), Munmap: c.munmap.Load(),
		Setsockopt: c.setsockopt.Load(), Fstat: c.fstat.Load(), Cachestat: c.cachestat.Load(),
		EAGAINWaits: c.eagainWaits.Load(), ShortSends: c.shortSends.Load(), Uncached: c.uncached.Load(),
		PaddedResponses: c.paddedResponses.Load(), PaddedBytes: c.paddedBytes.Load(),
		FileErrors: c.fileErrors.Load(), MmapFaults: c.mmapFaults.Load(),
	}
}

// Fallback counts one response that left the zero-copy path for reason r.
// Out-of-range reasons are ignored.
func (s *Stats) Fallback(r Reason) {
	if r >= 0 && r < numReasons {
		s.fallbacks[r].Add(1)
	}
}

// CopyRange fills dst from f at offset off, as ReadFull does, for a READ
// response the server has to see in full (signed, or inside a compound)
// rather than hand to a Sender. It counts the response under the Copy
// strategy: one response, its file bytes, its read system calls (as pread),
// a file error, and the zeros that stand in for data the file no longer has
// (it shrank after the response announced len(dst) bytes).
func (s *Stats) CopyRange(f *os.File, dst []byte, off int64) (int, error) {
	n, calls, err := readFull(f, dst, off)
	c := &s.by[Copy]
	c.responses.Add(1)
	c.pread.Add(int64(calls))
	c.fileBytes.Add(int64(n))
	if err != nil {
		c.fileErrors.Add(1)
	}
	if n < len(dst) {
		c.paddedResponses.Add(1)
		c.paddedBytes.Add(int64(len(dst) - n))
	}
	return n, err
}

// Snapshot returns a copy of all counters. Each counter is read atomically;
// the snapshot as a whole is not, which is fine for monitoring.
func (s *Stats) Snapshot() Snapshot {
	var snap Snapshot
	for i := range s.by {
		snap.ByStrategy[i] = s.by[i].load()
	}
	for i := range s.fallbacks {
		snap.Fallbacks[i] = s.fallbacks[i].Load()
	}
	return snap
}

// Snapshot is a plain copy of Stats, indexed by Strategy and Reason.
type Snapshot struct {
	ByStrategy [numStrategies]Counters
	Fallbacks  [numReasons]int64
}

// Strategy returns the counters of st (zero for an invalid st).
func (s Snapshot) Strategy(st Strategy) Counters {
	if !st.valid() {
		return Counters{}
	}
	return s.ByStrategy[st]
}

// Fallback returns how many responses fell back for reason r.
func (s Snapshot) Fallback(r Reason) int64 {
	if r < 0 || r >= numReasons {
		return 0
	}
	return s.Fallbacks[r]
}

// fields lists the counters by name, in declaration order, for logs.
func (c Counters) fields() [22]struct {
	name string
	v    int64
} {
	return [22]struct {
		name string
		v    int64
	}{
		{"responses", c.Responses}, {"file_bytes", c.FileBytes}, {"header_bytes", c.HeaderBytes},
		{"frames", c.Frames}, {"frame_bytes", c.FrameBytes},
		{"sendfile", c.Sendfile}, {"splice", c.Splice}, {"pread", c.Pread}, {"writev", c.Writev},
		{"sendmsg", c.Sendmsg}, {"mmap", c.Mmap}, {"munmap", c.Munmap},
		{"setsockopt", c.Setsockopt}, {"fstat", c.Fstat}, {"cachestat", c.Cachestat},
		{"eagain_waits", c.EAGAINWaits}, {"short_sends", c.ShortSends}, {"uncached", c.Uncached},
		{"padded_responses", c.PaddedResponses}, {"padded_bytes", c.PaddedBytes},
		{"file_errors", c.FileErrors}, {"mmap_faults", c.MmapFaults},
	}
}

// MarshalZerologObject logs the non-zero counters of c, then the sendfile and splice system calls per
// READ response that moved file data (sendfile_per_read, splice_per_read; two decimals), where any.
func (c Counters) MarshalZerologObject(e *zerolog.Event) {
	for _, f := range c.fields() {
		if f.v != 0 {
			e.Int64(f.name, f.v)
		}
	}
	if c.Responses == 0 {
		return
	}
	perRead := func(calls int64) float64 { return math.Round(float64(calls)*100/float64(c.Responses)) / 100 }
	if c.Sendfile != 0 {
		e.Float64("sendfile_per_read", perRead(c.Sendfile))
	}
	if c.Splice != 0 {
		e.Float64("splice_per_read", perRead(c.Splice))
	}
}

// String formats the non-zero counters of c as "name=value" pairs.
func (c Counters) String() string {
	var b strings.Builder
	for _, f := range c.fields() {
		if f.v != 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s=%d", f.name, f.v)
		}
	}
	return b.String()
}

// MarshalZerologObject logs one sub-object per strategy that did any work and
// the non-zero fallback counts.
func (s Snapshot) MarshalZerologObject(e *zerolog.Event) {
	for i, c := range s.ByStrategy {
		if c != (Counters{}) {
			e.Object(Strategy(i).String(), c)
		}
	}
	for i, v := range s.Fallbacks {
		if v != 0 {
			e.Int64("fallback_"+Reason(i).String(), v)
		}
	}
}

// String formats s as "strategy{name=value ...} fallback_reason=value".
func (s Snapshot) String() string {
	var parts []string
	for i, c := range s.ByStrategy {
		if c != (Counters{}) {
			parts = append(parts, Strategy(i).String()+"{"+c.String()+"}")
		}
	}
	for i, v := range s.Fallbacks {
		if v != 0 {
			parts = append(parts, fmt.Sprintf("fallback_%s=%d", Reason(i), v))
		}
	}
	return strings.Join(parts, " ")
}
