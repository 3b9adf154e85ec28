package dcerpc

import "strings"

// wkssvcInterface is the Workstation Service Remote Protocol, MS-WKST 1.9:
// 6bffd098-a112-3610-9833-46c3f87e345a version 1.0.
var wkssvcInterface = &iface{
	pipe:   "wkssvc",
	syntax: mustSyntax("6bffd098-a112-3610-9833-46c3f87e345a", 1, 0),
	ops: map[uint16]operation{
		0: netrWkstaGetInfo, // MS-WKST 3.2.4.1
	},
}

// netrWkstaGetInfo serves:
//
//	unsigned long NetrWkstaGetInfo(
//	  [in, string, unique] WKSSVC_IDENTIFY_HANDLE ServerName,
//	  [in] unsigned long Level,
//	  [out, switch_is(Level)] LPWKSTA_INFO WkstaInfo);
//
// Level 100 only (WKSTA_INFO_100, MS-WKST 2.2.5.1). Names are upper case,
// as Samba reports them.
func netrWkstaGetInfo(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr()
	level := r.u32()
	if r.err != nil {
		return
	}
	w.u32(level)
	if level != 100 {
		w.ptr(false)
		w.u32(werrInvalidLevel)
		return
	}
	major, minor := srv.version()
	w.ptr(true)
	w.u32(platformIDNT)
	w.ptr(true) // wki100_computername
	w.ptr(true) // wki100_langroup
	w.u32(major)
	w.u32(minor)
	w.str(strings.ToUpper(srv.NetBIOSName))
	w.str(strings.ToUpper(srv.Workgroup))
	w.u32(werrOK)
}
