package server

import (
	"net"
	"net/netip"
	"time"

	"github.com/zsmbd/zsmbd/config"
)

// peer returns the client's IP address.
func peer(tc *net.TCPConn) netip.Addr {
	if a, ok := tc.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// admit applies [global]'s `hosts allow` and `hosts deny` to a new connection. A client they keep out
// gets what Samba's smbd sends it, a NetBIOS negative session response ("not listening on called
// name"), and the connection closes before any SMB is read. Past `max smbd processes` connections the
// new one is closed at once, as smbd closes it without forking.
func (s *Server) admit(tc *net.TCPConn) bool {
	g := &s.state.Load().cfg.Global
	addr := peer(tc)
	if g.MaxConnections > 0 {
		s.mu.Lock()
		full := len(s.conns) >= g.MaxConnections
		s.mu.Unlock()
		if full {
			s.log.Warn().Stringer("client", addr).Int("max_smbd_processes", g.MaxConnections).Msg("connection refused: max smbd processes reached")
			tc.Close()
			return false
		}
	}
	if config.HostAllowed(g.HostsAllow, g.HostsDeny, addr) {
		return true
	}
	s.log.Info().Stringer("client", addr).Msg("connection denied by hosts allow / hosts deny")
	tc.SetWriteDeadline(time.Now().Add(time.Second)) // five bytes on a new socket: never waits in practice
	tc.Write([]byte{0x83, 0, 0, 1, 0x81})
	tc.Close()
	return false
}
