//go:build linux

package zerocopy

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// pipe is the kernel buffer of the splice strategy: file → pipe → socket.
type pipe struct {
	fds     [2]int // read end, write end
	size    int    // capacity from F_GETPIPE_SZ / F_SETPIPE_SZ
	cleanup runtime.Cleanup
}

// pipePool caches pipes between responses. A pool's contents are dropped at
// garbage collection, so each pipe carries a cleanup that closes its
// descriptors when it becomes unreachable.
var pipePool sync.Pool

// pipeMaxSize is /proc/sys/fs/pipe-max-size, the most F_SETPIPE_SZ grants an
// unprivileged process (1 MiB by default). We stay under it even as root so
// the behaviour does not depend on privileges.
var pipeMaxSize = sync.OnceValue(func() int {
	b, err := os.ReadFile("/proc/sys/fs/pipe-max-size")
	if err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v > 0 {
			return v
		}
	}
	return 1 << 20
})

// getPipe returns a pooled pipe or a new one. The pipe is blocking: the
// file → pipe splice only runs on an empty pipe, and the pipe → socket splice
// passes SPLICE_F_NONBLOCK, so neither waits on the pipe. Keeping the pipe
// blocking stops the file side from ever returning EAGAIN.
func getPipe() (*pipe, error) {
	if v := pipePool.Get(); v != nil {
		return v.(*pipe), nil
	}
	p := new(pipe)
	if err := unix.Pipe2(p.fds[:], unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	p.size = 1 << 16 // Linux default, if F_GETPIPE_SZ fails
	if n, err := unix.FcntlInt(uintptr(p.fds[0]), unix.F_GETPIPE_SZ, 0); err == nil {
		p.size = n
	}
	p.cleanup = runtime.AddCleanup(p, closeFDs, p.fds)
	return p, nil
}

// grow raises the pipe's capacity towards want bytes (capped at
// pipe-max-size) so a read moves in as few splice pairs as possible. A failure
// is harmless: the transfer just takes more calls.
func (p *pipe) grow(want int) {
	want = min(want, pipeMaxSize())
	if want <= p.size {
		return
	}
	if n, err := unix.FcntlInt(uintptr(p.fds[0]), unix.F_SETPIPE_SZ, want); err == nil {
		p.size = n
	}
}

// putPipe returns an empty pipe to the pool.
func putPipe(p *pipe) { pipePool.Put(p) }

// destroy closes a pipe that may still hold data (after a socket error).
func (p *pipe) destroy() {
	p.cleanup.Stop()
	closeFDs(p.fds)
}

func closeFDs(fds [2]int) {
	unix.Close(fds[0])
	unix.Close(fds[1])
}
