package server

import (
	"io"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sockReader reads a connection's requests with read(2) as a raw system call, waiting on the
// netpoller when nothing is there. A read of a non-blocking socket never sleeps, and an ordinary
// system call (net.Conn's Read) costs the runtime's syscall bookkeeping and, after the server was
// idle, wakes the sysmon thread, which then polls every 20 us: perf of go-smb2's pipelined READs
// showed that polling as 5-6% of the server's CPU. Deadlines and Close behave as for net.Conn.Read.
//
// The RawConn callback is a method value made once and the call's state lives in the struct, so a
// Read allocates nothing. A sockReader is used by one goroutine at a time.
type sockReader struct {
	rc     syscall.RawConn
	readFn func(fd uintptr) bool

	// The Read in progress.
	p     []byte
	n     int
	errno syscall.Errno
}

func newSockReader(c *net.TCPConn) (*sockReader, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &sockReader{rc: rc}
	s.readFn = s.read
	return s, nil
}

func (s *sockReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.p, s.n, s.errno = p, 0, 0
	err := s.rc.Read(s.readFn)
	n, errno := s.n, s.errno
	s.p = nil
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: errno}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// read is the RawConn callback: false means "wait until the socket is readable".
func (s *sockReader) read(fd uintptr) bool {
	for {
		r, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(s.p))), uintptr(len(s.p)))
		switch e {
		case 0:
			s.n = int(r)
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			s.errno = e
			return true
		}
	}
}
