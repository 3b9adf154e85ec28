package server

import (
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// TestAcceptOutOfDescriptors: a client that opens connections until the process has no descriptor left
// makes accept fail with EMFILE. Serve waits and goes on (it used to return, leaving the server deaf
// for good); once the connections close, a new client is answered.
func TestAcceptOutOfDescriptors(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skipf("cannot lower RLIMIT_NOFILE: %v", err)
	}
	restored := false
	restore := func() {
		if !restored {
			syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
			restored = true
		}
	}
	t.Cleanup(restore)

	cfg := config.Default()
	cfg.Global.MapToGuest = config.MapToGuestBadUser
	_, addr := serveTest(t, cfg, zerolog.Nop()) // the accept errors are logged at warning level
	var conns []net.Conn
	for range 300 {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break // the test's own descriptors ran out: the server's did before
		}
		conns = append(conns, c)
	}
	time.Sleep(300 * time.Millisecond) // accept meets EMFILE
	for _, c := range conns {
		c.Close()
	}
	restore()
	time.Sleep(100 * time.Millisecond)

	c := dialRaw(t, addr)
	c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	c.send(negotiate(smb.Dialect210))
	if _, err := c.recv(); err != nil {
		t.Fatalf("a new client after %d connections exhausted the descriptors: %v", len(conns), err)
	}
}
