package dcerpc

import "strings"

// wkssvcInterface is the Workstation Service Remote Protocol, MS-WKST 1.9:
// 6bffd098-a112-3610-9833-46c3f87e345a version 1.0.
var wkssvcInterface = &iface{
	pipe:   "wkssvc",
	syntax: mustSyntax("6bffd098-a112-3610-9833-46c3f87e345a", 1, 0),
	ops: map[uint16]operation{
		0: netrWkstaGetInfo,  // MS-WKST 3.2.4.1
		2: netrWkstaUserEnum, // MS-WKST 3.2.4.3
	},
}

// netrWkstaGetInfo serves:
//
//	unsigned long NetrWkstaGetInfo(
//	  [in, string, unique] WKSSVC_IDENTIFY_HANDLE ServerName,
//	  [in] unsigned long Level,
//	  [out, switch_is(Level)] LPWKSTA_INFO WkstaInfo);
//
// Levels 100 and 101 (WKSTA_INFO_100, WKSTA_INFO_101, MS-WKST 2.2.5.1, 2.2.5.2), with names in upper
// case, as Samba reports them. Samba gives level 102, which counts the users logged on, to
// administrators only, and no session here is one.
func netrWkstaGetInfo(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr()
	level := r.u32()
	if r.err != nil {
		return
	}
	w.u32(level)
	switch level {
	case 100, 101:
	case 102:
		w.ptr(false)
		w.u32(werrAccessDenied)
		return
	default:
		w.ptr(false)
		w.u32(werrInvalidLevel)
		return
	}
	major, minor := srv.version()
	w.ptr(true)
	w.u32(platformIDNT)
	w.ptr(true) // wki10x_computername
	w.ptr(true) // wki10x_langroup
	w.u32(major)
	w.u32(minor)
	if level == 101 {
		w.ptr(true) // wki101_lanroot
	}
	w.str(strings.ToUpper(srv.NetBIOSName))
	w.str(strings.ToUpper(srv.Workgroup))
	if level == 101 {
		w.str("") // no LAN Manager root directory, as from smbd
	}
	w.u32(werrOK)
}

// netrWkstaUserEnum refuses, as Samba refuses everyone but administrators, the list of users logged on
// to the server:
//
//	unsigned long NetrWkstaUserEnum(
//	  [in, string, unique] WKSSVC_IDENTIFY_HANDLE ServerName,
//	  [in, out] LPWKSTA_USER_ENUM_STRUCT UserInfo,
//	  [in] unsigned long PreferredMaximumLength,
//	  [out] unsigned long* TotalEntries,
//	  [in, out, unique] unsigned long* ResumeHandle);
//
// WKSTA_USER_ENUM_STRUCT (MS-WKST 2.2.5.14) has arms for levels 0 and 1.
func netrWkstaUserEnum(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr() // ServerName
	req := readEnumArgs(r, func(level uint32) bool { return level <= 1 })
	if r.err != nil {
		return
	}
	req.refuse(w, werrAccessDenied)
}
