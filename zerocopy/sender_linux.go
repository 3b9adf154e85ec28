//go:build linux

package zerocopy

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// maxSendfileChunk bounds one sendfile(2) call. The kernel moves at most
	// MAX_RW_COUNT (2 GiB minus a page) per call anyway; 1 GiB keeps the count
	// comfortably inside an int32 on every architecture. The offset itself is
	// a 64-bit loff_t passed by pointer, so ranges beyond 2 GiB and 4 GiB work.
	maxSendfileChunk = 1 << 30

	// maxIOV is the kernel's UIO_MAXIOV: writev accepts at most this many
	// vectors per call.
	maxIOV = 1024

	// maxIOVLen caps one vector, as Go's own writev does for streams.
	maxIOVLen = 1 << 30
)

// senderSys is the Linux part of a Sender: the connection's RawConn and the
// state of the operation in progress. The RawConn callbacks are method values
// made once in init and the operation's state lives here, so sending a frame
// allocates nothing.
type senderSys struct {
	raw syscall.RawConn

	// useCork selects how the header is held back until the file data
	// follows, so header and data leave in full segments instead of a tiny
	// header segment first:
	//
	//   - true: setsockopt TCP_CORK 1, send the header, move the data,
	//     TCP_CORK 0 (always, also on error). Two extra system calls per
	//     response, but it holds everything, including the last partial
	//     segment of each sendfile call, until the uncork.
	//   - false: send the header with sendmsg(MSG_MORE) and let the data calls
	//     flag "more" themselves (sendfile does so for all but its last page;
	//     splice gets SPLICE_F_MORE on all but the last chunk). No extra
	//     system calls; this is what Samba does.
	//
	// BenchmarkCork measures both on loopback; see corkDefault.
	useCork bool

	writevFn   func(fd uintptr) bool
	sendfileFn func(fd uintptr) bool
	pumpFn     func(fd uintptr) bool
	fileFn     func(fd uintptr)
	corkOnFn   func(fd uintptr)
	corkOffFn  func(fd uintptr)

	// Vector write in progress: bufs[vi][voff:] and what follows are unsent.
	iov   []unix.Iovec
	msg   unix.Msghdr
	vb    [][]byte
	vi    int
	voff  int
	flags int  // 0: writev; else sendmsg flags (MSG_MORE)
	paged bool // the vector includes file pages (mmap): a page fault may wait for the disk
	verr  error

	// Response in progress.
	hdr      []byte
	ffd      int   // file descriptor, valid inside fileFn
	ran      bool  // fileFn ran (the file was usable)
	corked   bool  // TCP_CORK is set for this response
	pos      int64 // file offset of the next byte to send
	left     int64 // bytes of the range not yet sent
	fileSent int64 // real file bytes sent
	padSent  int64 // zero bytes sent in place of file data
	eof      bool  // the file ended before the range did
	ferr     error // file-side error from sendfile or splice
	serr     error // socket error: the connection is dead
	cached   bool  // sendfile, splice: the whole range was in the page cache when the response began
	pipe     *pipe
	inPipe   int // splice: bytes in the pipe not yet sent
}

// corkDefault is the header-holding method new Senders use: MSG_MORE. It
// saves the two setsockopt calls per response, which shows on small reads
// (BenchmarkCork, loopback, 2 shared cores: sendfile with 64 KiB responses
// was 5-40% faster with MSG_MORE across runs) and is within noise of TCP_CORK
// for 1 MiB responses and for splice. It is also what Samba does, so clients
// see the same segment pattern.
const corkDefault = false

// afterMap is a test hook run between mmap and writev (to truncate the file
// under the mapping). It is nil outside tests.
var afterMap func()

func (s *Sender) init() error {
	raw, err := s.conn.SyscallConn()
	if err != nil {
		return err
	}
	y := &s.sys
	y.raw = raw
	y.useCork = corkDefault
	y.writevFn = s.writevStep
	y.sendfileFn = s.sendfileStep
	y.pumpFn = s.pumpStep
	y.fileFn = s.runFile
	y.corkOnFn = func(fd uintptr) { s.setCork(fd, 1) }
	y.corkOffFn = func(fd uintptr) { s.setCork(fd, 0) }
	y.iov = make([]unix.Iovec, 0, 8)
	return nil
}

// write sends bufs with writev, parking on the netpoller when the socket is
// full.
func (s *Sender) write(bufs [][]byte) error { return s.writeFlags(bufs, 0) }

// writeFlags sends bufs with writev (flags 0) or sendmsg(flags).
func (s *Sender) writeFlags(bufs [][]byte, flags int) error {
	y := &s.sys
	y.vb = append(y.vb[:0], bufs...)
	y.vi, y.voff, y.flags, y.verr = 0, 0, flags, nil
	err := y.raw.Write(y.writevFn)
	clear(y.vb) // do not keep the caller's buffers alive
	y.vb = y.vb[:0]
	if err != nil {
		return err
	}
	return y.verr
}

// writevStep is the RawConn.Write callback of a vector write. It returns
// false, parking the goroutine until the socket is writable, on EAGAIN.
//
// writev and sendmsg run as raw system calls: on a non-blocking socket, from
// memory that is resident, they cannot sleep, so the goroutine keeps its P
// through them (an ordinary Syscall would let sysmon hand the P to another
// thread when a 1 MiB write, with loopback's receive processing, outlasts its
// 20 us tick). sendfile, splice and the mmap strategy's writev (paged) may
// wait for the disk and stay ordinary system calls.
func (s *Sender) writevStep(fd uintptr) bool {
	y := &s.sys
	for {
		iov := y.iov[:0]
		total := 0
		for i, off := y.vi, y.voff; i < len(y.vb) && len(iov) < maxIOV; i, off = i+1, 0 {
			b := y.vb[i][off:]
			if len(b) == 0 {
				continue
			}
			l := min(len(b), maxIOVLen)
			iov = append(iov, unix.Iovec{Base: &b[0]})
			iov[len(iov)-1].SetLen(l)
			total += l
			if l < len(b) {
				break
			}
		}
		y.iov = iov
		if len(iov) == 0 {
			y.vi, y.voff = len(y.vb), 0
			return true
		}
		var r uintptr
		var e syscall.Errno
		switch {
		case y.paged:
			r, _, e = syscall.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
			s.c.writev.Add(1)
		case y.flags == 0:
			r, _, e = syscall.RawSyscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
			s.c.writev.Add(1)
		default:
			y.msg.Iov = &iov[0]
			y.msg.SetIovlen(len(iov))
			r, _, e = syscall.RawSyscall(unix.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&y.msg)), uintptr(y.flags|unix.MSG_NOSIGNAL))
			s.c.sendmsg.Add(1)
			y.msg.Iov = nil
		}
		clear(iov)
		switch e {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			s.c.eagainWaits.Add(1)
			return false
		default:
			y.verr = e
			return true
		}
		if r == 0 {
			y.verr = io.ErrUnexpectedEOF
			return true
		}
		if int(r) < total {
			s.c.shortSends.Add(1)
		}
		y.advance(int(r))
	}
}

// advance marks r more bytes of the vector write as sent.
func (y *senderSys) advance(r int) {
	for r > 0 && y.vi < len(y.vb) {
		rem := len(y.vb[y.vi]) - y.voff
		if r < rem {
			y.voff += r
			return
		}
		r -= rem
		y.vi, y.voff = y.vi+1, 0
	}
}

// unsent returns how many bytes of bufs[i] the last vector write, of bufs,
// left unsent.
func (y *senderSys) unsent(bufs [][]byte, i int) int {
	switch {
	case i < y.vi:
		return 0
	case i == y.vi:
		return len(bufs[i]) - y.voff
	default:
		return len(bufs[i])
	}
}

func (s *Sender) setCork(fd uintptr, v int) {
	// A failure to cork only costs segment packing; a dead socket shows up
	// on the next send.
	_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, v)
	s.c.setsockopt.Add(1)
}

// sendFile runs one READ response. The file's RawConn.Control holds a
// reference on its descriptor for the whole response, so a concurrent Close
// cannot make us read from a reused descriptor number.
func (s *Sender) sendFile(hdr []byte, f *os.File, off, n int64) error {
	y := &s.sys
	y.hdr, y.pos, y.left = hdr, off, n
	y.fileSent, y.padSent, y.eof, y.ferr, y.serr, y.ran = 0, 0, false, nil, nil, false
	if f != nil {
		if rc, err := f.SyscallConn(); err == nil {
			_ = rc.Control(y.fileFn) // an error means f is closed: y.ran stays false
		}
	}
	if !y.ran {
		// The file is unusable (nil or closed) before anything was sent: the
		// header still announces n bytes, so send it and n zeros.
		s.c.fileErrors.Add(1)
		s.stats.Fallback(FallbackError)
		y.serr = s.write([][]byte{hdr})
		if y.serr == nil {
			y.serr = s.pad(y.left)
		}
	}
	s.c.fileBytes.Add(y.fileSent)
	if y.padSent > 0 {
		s.c.paddedResponses.Add(1)
		s.c.paddedBytes.Add(y.padSent)
		s.lastPad = y.padSent
	}
	if y.serr == nil {
		s.c.headerBytes.Add(int64(len(hdr)))
	}
	err := y.serr
	y.hdr, y.ferr, y.serr = nil, nil, nil
	return err
}

// runFile is the file RawConn.Control callback: it runs the strategy with
// the file descriptor held.
func (s *Sender) runFile(fd uintptr) {
	y := &s.sys
	y.ran = true
	y.ffd = int(fd)
	switch s.strategy {
	case Sendfile:
		y.serr = s.sendSendfile()
	case Splice:
		y.serr = s.sendSplice()
	case Mmap:
		y.serr = s.sendMmap()
	default:
		y.serr = s.sendCopy(y.hdr)
	}
	y.ffd = -1
}

// sendHeader sends the header, held back until the data follows when there
// is any (see senderSys.useCork; the caller uncorks).
func (s *Sender) sendHeader() error {
	y := &s.sys
	flags := 0
	if y.left > 0 {
		if y.useCork {
			_ = y.raw.Control(y.corkOnFn)
			y.corked = true
		} else {
			flags = unix.MSG_MORE
		}
	}
	return s.writeFlags([][]byte{y.hdr}, flags)
}

// uncork releases a corked header and data; it runs on every path, also
// after errors, or the socket would hold its last partial segment for the
// kernel's 200 ms cork timeout.
func (s *Sender) uncork() {
	y := &s.sys
	if y.corked {
		_ = y.raw.Control(y.corkOffFn)
		y.corked = false
	}
}

// sendSendfile: header, then sendfile(2) from the page cache.
func (s *Sender) sendSendfile() error {
	y := &s.sys
	defer s.uncork()
	y.cached = s.rangeCached(y.pos, y.left)
	if err := s.sendHeader(); err != nil {
		return err
	}
	if y.left > 0 {
		if err := y.raw.Write(y.sendfileFn); err != nil {
			return err
		}
		if y.serr != nil {
			return y.serr
		}
	}
	return s.finish()
}

// sendfileStep is the RawConn.Write callback of the sendfile loop.
func (s *Sender) sendfileStep(fd uintptr) bool {
	y := &s.sys
	for y.left > 0 {
		chunk := int(min(y.left, maxSendfileChunk))
		m, err := y.sendfile(fd, chunk) // advances y.pos
		s.c.sendfile.Add(1)
		if m > 0 {
			y.left -= int64(m)
			y.fileSent += int64(m)
		}
		switch err {
		case nil:
			if m == 0 {
				y.eof = true // the file ends before the range
				return true
			}
			if m < chunk {
				s.c.shortSends.Add(1)
			}
		case unix.EINTR:
		case unix.EAGAIN:
			s.c.eagainWaits.Add(1)
			return false
		default:
			s.classify(err)
			return true
		}
	}
	return true
}

// sendfile is one sendfile(2) of n bytes from the file at y.pos (which it
// advances) to socket fd. When the whole range was in the page cache as the
// response began, it runs as a raw system call: on a non-blocking socket it
// then cannot sleep (the disk has nothing to supply; a full socket is EAGAIN),
// so the goroutine keeps its P and the runtime does not wake its sysmon thread
// to watch the call (perf of an smbclient get: sysmon's 20 us wake-ups were
// about 5% of zsmbd's CPU). Pages evicted between the check and the call make
// this one call wait for the disk with its P held, which is rare and bounded.
func (y *senderSys) sendfile(fd uintptr, n int) (int, error) {
	if !y.cached {
		return unix.Sendfile(int(fd), y.ffd, &y.pos, n)
	}
	r, _, e := syscall.RawSyscall6(unix.SYS_SENDFILE, fd, uintptr(y.ffd), uintptr(unsafe.Pointer(&y.pos)), uintptr(n), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// rangeCached reports whether the page cache holds every page of the file's
// range [off, off+n), by cachestat(2) (Linux 6.5), itself a raw system call:
// it only looks the pages up. A kernel without it (ENOSYS) is remembered and
// not asked again; any other failure counts as not cached.
func (s *Sender) rangeCached(off, n int64) bool {
	if n <= 0 || noCachestat.Load() {
		return false
	}
	cr := unix.CachestatRange{Off: uint64(off), Len: uint64(n)}
	var cs unix.Cachestat_t
	_, _, e := syscall.RawSyscall6(unix.SYS_CACHESTAT, uintptr(s.sys.ffd), uintptr(unsafe.Pointer(&cr)), uintptr(unsafe.Pointer(&cs)), 0, 0, 0)
	s.c.cachestat.Add(1)
	if e == unix.ENOSYS {
		noCachestat.Store(true)
	}
	if e == 0 && cs.Cache >= uint64((off+n+pageSize-1)/pageSize-off/pageSize) {
		return true
	}
	s.c.uncached.Add(1)
	return false
}

// noCachestat is set once the kernel has said it has no cachestat(2).
var noCachestat atomic.Bool

// classify files an error of a system call that touches both the file and
// the socket (sendfile, mmap'ed writev) as a socket or a file error.
func (s *Sender) classify(err error) {
	switch err {
	case unix.EPIPE, unix.ECONNRESET, unix.ENOTCONN, unix.ECONNABORTED, unix.ETIMEDOUT,
		unix.EHOSTUNREACH, unix.ENETUNREACH, unix.ENETDOWN, unix.ESHUTDOWN:
		s.sys.serr = err
	default:
		// EIO, EINVAL (not a regular file), EOVERFLOW, ENOMEM...: finish with
		// the copy path; if the socket is the problem after all, its writev
		// will say so.
		s.sys.ferr = err
	}
}

// finish completes a response after the strategy's own loop: zeros after
// end of file, the copy path after a file-side error.
func (s *Sender) finish() error {
	y := &s.sys
	switch {
	case y.left == 0:
		return nil
	case y.ferr != nil:
		s.c.fileErrors.Add(1)
		s.stats.Fallback(s.fallbackReason())
		return s.sendCopy(nil)
	default: // end of file
		return s.pad(y.left)
	}
}

// fallbackReason tells a file that cannot do zero copy (a pipe, a device)
// from one whose system call failed.
func (s *Sender) fallbackReason() Reason {
	var st unix.Stat_t
	err := unix.Fstat(s.sys.ffd, &st)
	s.c.fstat.Add(1)
	if err == nil && st.Mode&unix.S_IFMT != unix.S_IFREG {
		return FallbackNotRegular
	}
	return FallbackError
}

// pad sends k zero bytes in place of file data.
func (s *Sender) pad(k int64) error {
	y := &s.sys
	var vec [16][]byte
	for k > 0 {
		bufs := vec[:0]
		sent := int64(0)
		for len(bufs) < len(vec) && sent < k {
			l := min(k-sent, int64(len(zeros)))
			bufs = append(bufs, zeros[:l])
			sent += l
		}
		if err := s.write(bufs); err != nil {
			return err
		}
		k -= sent
		y.left -= sent
		y.pos += sent
		y.padSent += sent
	}
	return nil
}

// sendCopy sends hdr (if not nil) and the rest of the range through a pooled
// buffer: pread, then one writev of header + data per buffer. It is the Copy
// strategy and every other strategy's fallback.
func (s *Sender) sendCopy(hdr []byte) error {
	y := &s.sys
	if y.left == 0 {
		if hdr == nil {
			return nil
		}
		return s.write([][]byte{hdr})
	}
	buf := GetBuffer(int(min(y.left, maxClassSize)))
	defer buf.Release()
	b := buf.Bytes()
	var vec [2][]byte
	for y.left > 0 {
		k := int(min(y.left, int64(len(b))))
		real := 0
		if !y.eof {
			var err error
			real, err = s.pread(b[:k], y.pos)
			if err != nil {
				s.c.fileErrors.Add(1)
				y.eof = true // pad the rest rather than retry a failing file
			} else if real < k {
				y.eof = true
			}
		}
		clear(b[real:k])
		bufs := vec[:0]
		if hdr != nil {
			bufs = append(bufs, hdr)
			hdr = nil
		}
		bufs = append(bufs, b[:k])
		if err := s.write(bufs); err != nil {
			return err
		}
		y.left -= int64(k)
		y.pos += int64(k)
		y.fileSent += int64(real)
		y.padSent += int64(k - real)
	}
	return nil
}

// pread fills dst from the file at off, stopping early only at end of file
// or on an error (preadFd: the page cache first, without waiting).
func (s *Sender) pread(dst []byte, off int64) (int, error) {
	n, calls, err := preadFd(s.sys.ffd, dst, off)
	s.c.pread.Add(int64(calls))
	return n, err
}

// sendSplice: header, then file → pipe → socket with splice(2), one pipe
// load at a time. Pipe → socket cannot sleep (both ends are non-blocking) and
// is a raw system call; file → pipe is one too when the range is in the page
// cache, as for sendfile.
func (s *Sender) sendSplice() error {
	y := &s.sys
	defer s.uncork()
	y.cached = s.rangeCached(y.pos, y.left)
	if err := s.sendHeader(); err != nil {
		return err
	}
	if y.left == 0 {
		return nil
	}
	p, err := getPipe()
	if err != nil {
		y.ferr = err
		return s.finish()
	}
	p.grow(int(min(y.left, int64(pipeMaxSize()))))
	y.pipe, y.inPipe = p, 0
	for y.left > 0 {
		// Fill: the pipe is empty here, so the splice waits at most for the
		// disk, never for the pipe.
		m, err := splice(y.ffd, &y.pos, p.fds[1], int(min(y.left, int64(p.size))), unix.SPLICE_F_MOVE|unix.SPLICE_F_MORE, y.cached)
		s.c.splice.Add(1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			y.ferr = err
			break
		}
		if m == 0 {
			y.eof = true
			break
		}
		y.inPipe = int(m)
		if err := y.raw.Write(y.pumpFn); err != nil || y.serr != nil {
			p.destroy() // it may still hold data
			y.pipe = nil
			if err != nil {
				return err
			}
			return y.serr
		}
	}
	y.pipe = nil
	putPipe(p)
	return s.finish()
}

// pumpStep is the RawConn.Write callback that empties the pipe into the
// socket. SPLICE_F_NONBLOCK keeps the pipe side from blocking; the socket is
// non-blocking already and reports EAGAIN when full.
func (s *Sender) pumpStep(fd uintptr) bool {
	y := &s.sys
	for y.inPipe > 0 {
		flags := unix.SPLICE_F_MOVE | unix.SPLICE_F_NONBLOCK
		if y.left > int64(y.inPipe) || y.useCork {
			flags |= unix.SPLICE_F_MORE // more of this response follows
		}
		m, err := splice(y.pipe.fds[0], nil, int(fd), y.inPipe, flags, true)
		s.c.splice.Add(1)
		if m > 0 {
			y.inPipe -= int(m)
			y.left -= m
			y.fileSent += m
			if y.inPipe > 0 {
				s.c.shortSends.Add(1)
			}
			continue
		}
		switch err {
		case unix.EINTR:
		case unix.EAGAIN:
			s.c.eagainWaits.Add(1)
			return false
		case nil:
			y.serr = io.ErrUnexpectedEOF // the pipe cannot be empty here
			return true
		default:
			y.serr = err
			return true
		}
	}
	return true
}

// splice is splice(2) of n bytes from rfd (at *roff, which it advances, if
// roff is not nil) to wfd at its current position; raw makes it a raw system
// call, for calls that cannot sleep.
func splice(rfd int, roff *int64, wfd, n, flags int, raw bool) (int64, error) {
	if !raw {
		m, err := unix.Splice(rfd, roff, wfd, nil, n, flags)
		return int64(m), err // int on 32-bit platforms
	}
	r, _, e := syscall.RawSyscall6(unix.SYS_SPLICE, uintptr(rfd), uintptr(unsafe.Pointer(roff)), uintptr(wfd), 0, uintptr(n), uintptr(flags))
	if e != 0 {
		return 0, e
	}
	return int64(r), nil
}

// pageSize is the mmap offset granularity.
var pageSize = int64(os.Getpagesize())

// sendMmap: map the range, clamped to the file's current size, and writev
// header + mapping; zeros for whatever lies past end of file.
//
// The kernel reads the mapping inside writev; user space never touches it. If
// the file is truncated under the mapping, the kernel's copy faults on the
// missing pages and writev returns what it copied so far and then EFAULT;
// the process gets no SIGBUS (TestMmapTruncatedUnderMapping checks this). So
// debug.SetPanicOnFault is not needed: the EFAULT is handled like any other
// file error, and the rest goes through the copy path, which pads with zeros.
func (s *Sender) sendMmap() error {
	y := &s.sys
	if y.left == 0 {
		return s.write([][]byte{y.hdr})
	}
	var st unix.Stat_t
	err := unix.Fstat(y.ffd, &st)
	s.c.fstat.Add(1)
	switch {
	case err != nil:
		s.c.fileErrors.Add(1)
		s.stats.Fallback(FallbackError)
		return s.sendCopy(y.hdr)
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		s.stats.Fallback(FallbackNotRegular)
		return s.sendCopy(y.hdr)
	}
	end := min(y.pos+y.left, st.Size)
	if end <= y.pos {
		// Nothing of the range exists any more.
		if err := s.write([][]byte{y.hdr}); err != nil {
			return err
		}
		return s.pad(y.left)
	}
	start := y.pos &^ (pageSize - 1)
	length := uintptr(end - start)
	addr, err := unix.MmapPtr(y.ffd, start, nil, length, unix.PROT_READ, unix.MAP_SHARED)
	s.c.mmap.Add(1)
	if err != nil {
		s.c.fileErrors.Add(1)
		s.stats.Fallback(FallbackError)
		return s.sendCopy(y.hdr)
	}
	data := unsafe.Slice((*byte)(unsafe.Add(addr, y.pos-start)), end-y.pos)
	if afterMap != nil {
		afterMap()
	}
	bufs := [][]byte{y.hdr, data}
	y.paged = true
	err = s.write(bufs)
	y.paged = false
	hdrLeft, dataSent := 0, int64(len(data))
	if err != nil {
		hdrLeft, dataSent = y.unsent(bufs, 0), int64(len(data)-y.unsent(bufs, 1))
	}
	_ = unix.MunmapPtr(addr, length)
	s.c.munmap.Add(1)
	y.pos += dataSent
	y.left -= dataSent
	y.fileSent += dataSent
	if err != nil {
		if !errors.Is(err, unix.EFAULT) {
			return err
		}
		// The file shrank under the mapping.
		s.c.mmapFaults.Add(1)
		s.c.fileErrors.Add(1)
		s.stats.Fallback(FallbackError)
		var hdr []byte
		if hdrLeft > 0 {
			hdr = y.hdr[len(y.hdr)-hdrLeft:]
		}
		return s.sendCopy(hdr)
	}
	return s.pad(y.left)
}
