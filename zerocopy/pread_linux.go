package zerocopy

import (
	"math/bits"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// preadFd fills dst from descriptor fd at off, stopping early only at end of file or on an error, and
// returns the bytes read and the system calls made.
//
// It first takes what the page cache holds with preadv2(RWF_NOWAIT), which returns EAGAIN rather than
// wait for the disk: a call that cannot block runs as a raw system call, so the goroutine keeps its P
// and the runtime neither hands the P to another thread nor wakes its sysmon thread to do so. With
// signed READs in flight on both of a 2-core machine's Ps, that hand-off cost ~10% of the server's CPU
// (perf: finish_task_switch under sysmon). What the cache lacks, or a file system without RWF_NOWAIT
// (EOPNOTSUPP), is read with pread(2) as an ordinary blocking system call.
func preadFd(fd int, dst []byte, off int64) (n, calls int, err error) {
	wait := false
	for n < len(dst) {
		var m int
		var e error
		calls++
		if wait {
			m, e = unix.Pread(fd, dst[n:], off+int64(n))
		} else if m, e = readNoWait(fd, dst[n:], off+int64(n)); e == unix.EAGAIN || e == unix.EOPNOTSUPP || e == unix.ENOSYS {
			wait = true
			continue
		}
		switch {
		case e == unix.EINTR:
			continue
		case e != nil:
			return n, calls, e
		case m == 0:
			return n, calls, nil
		}
		n += m
	}
	return n, calls, nil
}

// readNoWait is preadFd's page-cache read; tests replace it to make the kernel's answers certain.
var readNoWait = preadNoWait

// preadNoWait is one preadv2(fd, dst, off, RWF_NOWAIT) as a raw system call (see preadFd).
func preadNoWait(fd int, dst []byte, off int64) (int, error) {
	iov := unix.Iovec{Base: &dst[0]}
	iov.SetLen(len(dst))
	// preadv2 takes the offset as two words, low then high; on 64-bit the high word is unused.
	pos := uint64(off)
	r, _, e := syscall.RawSyscall6(unix.SYS_PREADV2, uintptr(fd), uintptr(unsafe.Pointer(&iov)), 1,
		uintptr(pos), uintptr(pos>>(bits.UintSize/2)>>(bits.UintSize/2)), unix.RWF_NOWAIT)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// readAt is ReadFull's read: preadFd with f's descriptor held by RawConn.Control, so a concurrent
// Close cannot make it read from a reused descriptor number.
func readAt(f *os.File, dst []byte, off int64) (n, calls int, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	if cerr := rc.Control(func(fd uintptr) { n, calls, err = preadFd(int(fd), dst, off) }); cerr != nil {
		return 0, 0, cerr
	}
	return n, calls, err
}
