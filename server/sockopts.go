package server

import (
	"net"

	"golang.org/x/sys/unix"

	"github.com/zsmbd/zsmbd/config"
)

// sockopt is where a `socket options` name goes in setsockopt(2); tos, when not 0, is the value of an
// IPTOS_ name, which takes none.
type sockopt struct {
	level, opt int
	tos        int
}

// The TOS values of <netinet/ip.h> (RFC 1349), which x/sys/unix does not export.
const (
	iptosLowDelay   = 0x10
	iptosThroughput = 0x08
)

// sockopts maps every name config.AppliedSocketOptions lists to its Linux option.
var sockopts = map[string]sockopt{
	"SO_KEEPALIVE":     {level: unix.SOL_SOCKET, opt: unix.SO_KEEPALIVE},
	"SO_SNDBUF":        {level: unix.SOL_SOCKET, opt: unix.SO_SNDBUF},
	"SO_RCVBUF":        {level: unix.SOL_SOCKET, opt: unix.SO_RCVBUF},
	"SO_RCVLOWAT":      {level: unix.SOL_SOCKET, opt: unix.SO_RCVLOWAT},
	"TCP_NODELAY":      {level: unix.IPPROTO_TCP, opt: unix.TCP_NODELAY},
	"TCP_KEEPCNT":      {level: unix.IPPROTO_TCP, opt: unix.TCP_KEEPCNT},
	"TCP_KEEPIDLE":     {level: unix.IPPROTO_TCP, opt: unix.TCP_KEEPIDLE},
	"TCP_KEEPINTVL":    {level: unix.IPPROTO_TCP, opt: unix.TCP_KEEPINTVL},
	"TCP_QUICKACK":     {level: unix.IPPROTO_TCP, opt: unix.TCP_QUICKACK},
	"TCP_USER_TIMEOUT": {level: unix.IPPROTO_TCP, opt: unix.TCP_USER_TIMEOUT},
	"IPTOS_LOWDELAY":   {level: unix.IPPROTO_IP, opt: unix.IP_TOS, tos: iptosLowDelay},
	"IPTOS_THROUGHPUT": {level: unix.IPPROTO_IP, opt: unix.IP_TOS, tos: iptosThroughput},
}

// setSocketOptions sets `socket options` on an accepted connection, in the order written, as smbd's
// set_socket_options does. An option the kernel refuses is logged and the rest are still set; the
// connection is served either way, as smbd serves it. The IPTOS_ names set the IPv4 TOS byte, or the
// traffic class of an IPv6 connection.
func (c *conn) setSocketOptions(opts []config.SocketOption) {
	if len(opts) == 0 {
		return
	}
	rc, err := c.nc.SyscallConn()
	if err != nil {
		return
	}
	v6 := false
	if a, ok := c.nc.LocalAddr().(*net.TCPAddr); ok && a.IP.To4() == nil {
		v6 = true
	}
	rc.Control(func(fd uintptr) {
		for _, o := range opts {
			so, ok := sockopts[o.Name]
			if !ok {
				continue // config lets through only the names above
			}
			level, opt, v := so.level, so.opt, o.Value
			if so.tos != 0 {
				v = so.tos
				if v6 {
					level, opt = unix.IPPROTO_IPV6, unix.IPV6_TCLASS
				}
			}
			if err := unix.SetsockoptInt(int(fd), level, opt, v); err != nil {
				c.log.Warn().Err(err).Stringer("option", o).Msg("socket options: not set")
			}
		}
	})
}
