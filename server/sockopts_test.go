package server

import (
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/rs/zerolog"
	"golang.org/x/sys/unix"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// TestSocketOptionsMapped: every name config lets through has a Linux option here.
func TestSocketOptionsMapped(t *testing.T) {
	for _, n := range config.AppliedSocketOptions() {
		if _, ok := sockopts[n]; !ok {
			t.Errorf("%s passes config but is not mapped to a setsockopt", n)
		}
	}
}

// acceptedSocket finds, among this process's descriptors, the server's end of the client connection nc
// (the in-process server's socket: its peer is nc's local address).
func acceptedSocket(t *testing.T, nc net.Conn) int {
	t.Helper()
	want := nc.LocalAddr().(*net.TCPAddr)
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		sa, err := unix.Getpeername(fd)
		if err != nil {
			continue
		}
		if a, ok := sa.(*unix.SockaddrInet4); ok && a.Port == want.Port && net.IP(a.Addr[:]).Equal(want.IP) {
			return fd
		}
	}
	t.Fatal("the server's end of the connection is not among this process's descriptors")
	return -1
}

// TestSocketOptions: `socket options` reaches the accepted socket, as getsockopt on the server's own
// descriptor shows; one the kernel refuses is skipped and the connection is served all the same.
func TestSocketOptions(t *testing.T) {
	cfg := config.Default()
	cfg.Global.SocketOptions = []config.SocketOption{
		{Name: "SO_SNDBUF", Value: 262144}, {Name: "SO_RCVBUF", Value: 131072}, {Name: "TCP_KEEPIDLE", Value: -3},
		{Name: "TCP_KEEPIDLE", Value: 77}, {Name: "TCP_KEEPCNT", Value: 4}, {Name: "TCP_USER_TIMEOUT", Value: 30000},
		{Name: "IPTOS_LOWDELAY", Value: 1},
	}
	_, addr := serveTest(t, cfg, zerolog.Nop())
	c := dialRaw(t, addr)
	c.send(negotiate(smb.Dialect210)) // answered: the options are set before the first request is read
	if h, _ := c.mustRecv(); h.Status != smb.StatusSuccess {
		t.Fatalf("NEGOTIATE: %v", h.Status)
	}
	fd := acceptedSocket(t, c.nc)
	for _, w := range []struct {
		name       string
		level, opt int
		want       int
	}{
		{"SO_SNDBUF", unix.SOL_SOCKET, unix.SO_SNDBUF, 2 * 262144}, // Linux doubles what it is given
		{"SO_RCVBUF", unix.SOL_SOCKET, unix.SO_RCVBUF, 2 * 131072},
		{"TCP_KEEPIDLE", unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 77},
		{"TCP_KEEPCNT", unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 4},
		{"TCP_USER_TIMEOUT", unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, 30000},
		{"IP_TOS", unix.IPPROTO_IP, unix.IP_TOS, iptosLowDelay},
		{"TCP_NODELAY", unix.IPPROTO_TCP, unix.TCP_NODELAY, 1},
	} {
		got, err := unix.GetsockoptInt(fd, w.level, w.opt)
		if err != nil || got != w.want {
			t.Errorf("%s = %d, %v; want %d", w.name, got, err, w.want)
		}
	}
}
