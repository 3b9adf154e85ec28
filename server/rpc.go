package server

import (
	"strings"

	"github.com/zsmbd/zsmbd/dcerpc"
)

// rpcServer describes this server to the srvsvc and wkssvc pipes: the browseable shares that listed
// lets through, and IPC$, for enumeration; any share by name for NetShareGetInfo.
func (s *Server) rpcServer(listed func(*share) bool) *dcerpc.Server {
	st := s.state.Load()
	g := st.cfg.Global
	info := func(sh *share) dcerpc.Share {
		d := dcerpc.Share{Name: sh.cfg.Name, Comment: sh.cfg.Comment, Path: sh.cfg.Path}
		if sh.ipc {
			d.Type = 3 // STYPE_IPC
		}
		if strings.HasSuffix(sh.cfg.Name, "$") {
			d.Type |= 0x80000000 // STYPE_SPECIAL
		}
		return d
	}
	return &dcerpc.Server{
		NetBIOSName: g.NetBIOSName,
		Workgroup:   g.Workgroup,
		Comment:     g.ServerString,
		Shares: func() []dcerpc.Share {
			var out []dcerpc.Share
			for _, sc := range st.cfg.Shares { // configuration order, as smbclient -L shows Samba's
				if sh := st.shares[strings.ToLower(sc.Name)]; sh != nil && !sh.ipc && sh.cfg.Browseable && listed(sh) {
					out = append(out, info(sh))
				}
			}
			return append(out, info(st.shares["ipc$"]))
		},
		Share: func(name string) (dcerpc.Share, bool) {
			sh := st.shares[strings.ToLower(name)]
			if sh == nil {
				return dcerpc.Share{}, false
			}
			return info(sh), true
		},
	}
}
