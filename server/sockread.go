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
type sockReader struct {
	rc syscall.RawConn
}

func newSockReader(c *net.TCPConn) (*sockReader, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &sockReader{rc: rc}, nil
}

func (s *sockReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	err := s.rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
			switch e {
			case 0:
				n = int(r)
				return true
			case unix.EINTR:
				continue
			case unix.EAGAIN:
				return false // wait on the netpoller
			default:
				errno = e
				return true
			}
		}
	})
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
