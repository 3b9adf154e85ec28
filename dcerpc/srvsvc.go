package dcerpc

import (
	"strings"
	"time"
)

// srvsvcInterface is the Server Service Remote Protocol, MS-SRVS 1.9:
// 4b324fc8-1670-01d3-1278-5a47bf6ee188 version 3.0.
var srvsvcInterface = &iface{
	pipe:   "srvsvc",
	syntax: mustSyntax("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 0),
	ops: map[uint16]operation{
		8:  netrConnectionEnum,   // MS-SRVS 3.1.4.1
		9:  netrFileEnum,         // MS-SRVS 3.1.4.2
		12: netrSessionEnum,      // MS-SRVS 3.1.4.5
		15: netrShareEnum(true),  // NetrShareEnum, MS-SRVS 3.1.4.8
		16: netrShareGetInfo,     // MS-SRVS 3.1.4.10
		21: netrServerGetInfo,    // MS-SRVS 3.1.4.17
		23: netrServerDiskEnum,   // NetrServerDiskEnum: one disk, C:
		28: netrRemoteTOD,        // MS-SRVS 3.1.4.21
		36: netrShareEnum(false), // NetrShareEnumSticky, MS-SRVS 3.1.4.9
	},
}

// serverType is sv101_type: SV_TYPE_WORKSTATION | SV_TYPE_SERVER |
// SV_TYPE_SERVER_UNIX | SV_TYPE_NT | SV_TYPE_SERVER_NT, Samba's default
// announcement without SV_TYPE_PRINTQ_SERVER (no printing here).
// MS-SRVS 2.2.2.7.
const serverType = 0x00000001 | 0x00000002 | 0x00000800 | 0x00001000 | 0x00008000

// shareEnumArms are the levels SHARE_ENUM_UNION has an arm for
// (MS-SRVS 2.2.4.38). Each arm is a pointer to a container
// {EntriesRead; [size_is] Buffer*}.
func shareEnumArm(level uint32) bool {
	switch level {
	case 0, 1, 2, 501, 502, 503:
		return true
	}
	return false
}

// shareInfoArm reports the levels NetrShareGetInfo's SHARE_INFO union has an arm for (MS-SRVS
// 2.2.3.6), each a pointer to one SHARE_INFO_x structure, and 1007, which Samba's IDL adds. For any
// other level the union is its discriminant alone.
func shareInfoArm(level uint32) bool {
	switch level {
	case 0, 1, 2, 501, 502, 503, 1004, 1005, 1006, 1007, 1501:
		return true
	}
	return false
}

// shareLevelServed reports the SHARE_INFO levels encoded here: those of NetrShareEnum, and for
// NetrShareGetInfo the one-field levels 1004 (remark), 1005 (flags) and 1006 (maximum users), which
// Windows asks of a share it opens. 503 (a scoped share's server name) and 1501 (the share's security
// descriptor) are ERROR_INVALID_LEVEL; smbd answers 1501 with no descriptor to anyone but an
// administrator.
func shareLevelServed(level uint32) bool {
	switch level {
	case 0, 1, 2, 501, 502, 1004, 1005, 1006:
		return true
	}
	return false
}

// netrShareEnum serves NetrShareEnum (opnum 15, Samba's NetShareEnumAll) and
// NetrShareEnumSticky (opnum 36, Samba's NetShareEnum, which leaves out
// names ending in '$'):
//
//	NET_API_STATUS NetrShareEnum(
//	  [in, string, unique] SRVSVC_HANDLE ServerName,
//	  [in, out] LPSHARE_ENUM_STRUCT InfoStruct,
//	  [in] DWORD PreferedMaximumLength,
//	  [out] DWORD* TotalEntries,
//	  [in, out, unique] DWORD* ResumeHandle);
//
// All entries from the resume position on are returned in one answer, so the
// resume handle comes back as 0 (enumeration complete), as Samba does.
func netrShareEnum(all bool) operation {
	return func(srv *Server, r *ndrReader, w *ndrWriter) {
		r.uniqueStr() // ServerName: the client's idea of our name, unused
		req := readEnumArgs(r, shareEnumArm)
		if r.err != nil {
			return
		}
		switch {
		case !req.arm:
			// No arm: the union is just its discriminant (Samba's default).
			req.refuse(w, werrInvalidLevel)
			return
		case !req.container:
			// A NULL [in,out] pointer must stay NULL.
			req.refuse(w, werrInvalidParameter)
			return
		case !shareLevelServed(req.level):
			req.refuse(w, werrInvalidLevel)
			return
		}

		var list []Share
		for _, s := range srv.shares() {
			if all || !strings.HasSuffix(s.Name, "$") {
				list = append(list, s)
			}
		}
		list = list[min(int(min(req.resume, 1<<20)), len(list)):]
		w.u32(req.level)
		w.u32(req.level)
		w.ptr(true)
		w.u32(uint32(len(list))) // EntriesRead
		w.ptr(len(list) > 0)
		if len(list) > 0 {
			w.u32(uint32(len(list))) // conformant array max_count
			writeShareInfos(w, req.level, list)
		}
		w.u32(uint32(len(list))) // TotalEntries
		w.ptr(req.resumePtr)
		if req.resumePtr {
			w.u32(0)
		}
		w.u32(werrOK)
	}
}

// enumArgs is what the srvsvc enumerations (NetrShareEnum, NetrSessionEnum, NetrConnectionEnum,
// NetrFileEnum) take after their leading strings:
//
//	[in, out] XXX_ENUM_STRUCT InfoStruct,  // Level, then a union of container pointers on it
//	[in] DWORD PreferedMaximumLength,
//	[in, out, unique] DWORD* ResumeHandle
type enumArgs struct {
	level     uint32
	arm       bool // the union has an arm for level: a pointer to {EntriesRead; [size_is] Buffer*}
	container bool // that pointer was not NULL
	buffer    bool // the container's Buffer was not NULL (an empty array)
	resumePtr bool
	resume    uint32
}

// readEnumArgs decodes an enumArgs whose union has arms for the levels hasArm accepts. The
// container's Buffer comes NULL or, from impacket, as an empty array; entries in it would have to be
// decoded to be skipped, and no client sends any, so they fail the stub.
func readEnumArgs(r *ndrReader, hasArm func(level uint32) bool) enumArgs {
	var e enumArgs
	e.level = r.u32()
	if r.u32() != e.level { // union discriminant
		r.fail()
	}
	e.arm = hasArm(e.level)
	if e.arm {
		e.container = r.u32() != 0
		if e.container {
			r.u32() // EntriesRead
			e.buffer = r.u32() != 0
			if e.buffer && r.u32() != 0 { // the array's max_count
				r.fail()
			}
		}
	}
	r.u32() // PreferedMaximumLength: everything fits in one answer
	e.resumePtr = r.u32() != 0
	if e.resumePtr {
		e.resume = r.u32()
	}
	return e
}

// refuse answers an enumeration with status and nothing enumerated, as Samba does: the InfoStruct
// as it came with no entries, TotalEntries 0, and the resume handle as it came.
func (e enumArgs) refuse(w *ndrWriter, status uint32) {
	w.u32(e.level)
	w.u32(e.level)
	if e.arm {
		w.ptr(e.container)
		if e.container {
			w.u32(0) // EntriesRead
			w.ptr(e.buffer)
			if e.buffer {
				w.u32(0) // max_count
			}
		}
	}
	w.u32(0) // TotalEntries
	w.ptr(e.resumePtr)
	if e.resumePtr {
		w.u32(e.resume)
	}
	w.u32(status)
}

// netrShareGetInfo serves:
//
//	NET_API_STATUS NetrShareGetInfo(
//	  [in, string, unique] SRVSVC_HANDLE ServerName,
//	  [in, string] WCHAR* NetName,
//	  [in] DWORD Level,
//	  [out, switch_is(Level)] LPSHARE_INFO InfoStruct);
func netrShareGetInfo(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr()
	name := r.str()
	level := r.u32()
	if r.err != nil {
		return
	}
	w.u32(level) // discriminant of the SHARE_INFO union, MS-SRVS 2.2.3.6
	sh, ok := srv.share(name)
	switch {
	case !ok, !shareLevelServed(level):
		if shareInfoArm(level) {
			w.ptr(false)
		}
		if !ok {
			w.u32(werrNetNameNotFound) // MS-SRVS 3.1.4.10; smbd answers ERROR_INVALID_NAME
		} else {
			w.u32(werrInvalidLevel)
		}
	default:
		w.ptr(true)
		writeShareInfos(w, level, []Share{sh})
		w.u32(werrOK)
	}
}

// writeShareInfos writes SHARE_INFO_0/1/2/501 structures (MS-SRVS 2.2.4.22, 2.2.4.23, 2.2.4.24,
// 2.2.4.27) or SHARE_INFO_502_I, or for one share SHARE_INFO_1004/1005/1006: first every
// structure's scalars and referent ids, then the deferred strings of all of them in order, as NDR
// places the pointees of an array's embedded pointers after the whole array (C706 14.3.12.3).
// The values are smbd's for a share without a password, CSC policy or DFS, asked by a user who is not
// an administrator.
func writeShareInfos(w *ndrWriter, level uint32, list []Share) {
	for _, s := range list {
		switch level {
		case 1004:
			w.ptr(true) // shi1004_remark
			continue
		case 1005:
			w.u32(0) // shi1005_flags: CSC_CACHE_MANUAL_REINT, no DFS
			continue
		case 1006:
			w.u32(0xffffffff) // shi1006_max_uses: unlimited
			continue
		}
		w.ptr(true) // shi_netname
		if level == 0 {
			continue
		}
		w.u32(s.Type)
		w.ptr(true) // shi_remark
		switch level {
		case 2, 502:
			w.u32(0)          // shi2_permissions: share-level security is not used
			w.u32(0xffffffff) // shi2_max_uses: unlimited
			w.u32(0)          // shi2_current_uses
			w.ptr(true)       // shi2_path
			w.ptr(false)      // shi2_passwd: NULL, no share password
			if level == 502 {
				w.u32(0)     // shi502_reserved: the descriptor's size
				w.ptr(false) // shi502_security_descriptor: none, as smbd gives a non-administrator
			}
		case 501:
			w.u32(0) // shi501_flags: CSC_CACHE_MANUAL_REINT, no DFS
		}
	}
	for _, s := range list {
		switch level {
		case 1004:
			w.str(s.Comment)
			continue
		case 1005, 1006:
			continue
		}
		w.str(s.Name)
		if level == 0 {
			continue
		}
		w.str(s.Comment)
		if level == 2 || level == 502 {
			w.str(windowsPath(s.Path))
		}
	}
}

// windowsPath reports a host path the way Samba does in shi2_path: "C:"
// before an absolute Unix path and backslashes for slashes, so that Windows'
// share dialogs accept it.
func windowsPath(p string) string {
	if strings.HasPrefix(p, "/") {
		p = "C:" + p
	}
	return strings.ReplaceAll(p, "/", `\`)
}

// netrServerGetInfo serves:
//
//	NET_API_STATUS NetrServerGetInfo(
//	  [in, string, unique] SRVSVC_HANDLE ServerName,
//	  [in] DWORD Level,
//	  [out, switch_is(Level)] LPSERVER_INFO InfoStruct);
//
// Levels 100, 101 and 102 (MS-SRVS 2.2.4.40-2.2.4.42); the constants of
// level 102 are Samba's.
func netrServerGetInfo(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr()
	level := r.u32()
	if r.err != nil {
		return
	}
	major, minor := srv.version()
	w.u32(level)
	switch level {
	case 100:
		w.ptr(true)
		w.u32(platformIDNT)
		w.ptr(true) // sv100_name
		w.str(srv.NetBIOSName)
	case 101, 102:
		w.ptr(true)
		w.u32(platformIDNT)
		w.ptr(true) // sv10x_name
		w.u32(major)
		w.u32(minor)
		w.u32(serverType)
		w.ptr(true) // sv10x_comment
		if level == 102 {
			w.u32(0xffffffff) // sv102_users
			w.u32(0xf)        // sv102_disc: idle minutes before autodisconnect
			w.u32(0)          // sv102_hidden: visible in browse lists
			w.u32(240)        // sv102_announce: seconds
			w.u32(3000)       // sv102_anndelta: milliseconds
			w.u32(100000)     // sv102_licenses
			w.ptr(true)       // sv102_userpath
		}
		w.str(srv.NetBIOSName)
		w.str(srv.Comment)
		if level == 102 {
			w.str(`C:\`)
		}
	default:
		w.ptr(false)
		w.u32(werrInvalidLevel)
		return
	}
	w.u32(werrOK)
}

// netrRemoteTOD serves the server's time of day, which Windows' `net time \\server` shows:
//
//	NET_API_STATUS NetrRemoteTOD(
//	  [in, string, unique] SRVSVC_HANDLE ServerName,
//	  [out] LPTIME_OF_DAY_INFO* BufferPtr);
//
// TIME_OF_DAY_INFO (MS-SRVS 2.2.4.105) in UTC: the time zone is 0 minutes, and the clock tick 10000
// (ten-thousandths of a second), the values Samba sends.
func netrRemoteTOD(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr()
	if r.err != nil {
		return
	}
	now := time.Now
	if srv.Now != nil {
		now = srv.Now
	}
	t := now().UTC()
	w.ptr(true)
	w.u32(uint32(t.Unix()))                                  // tod_elapsedt
	w.u32(uint32(t.UnixMilli()))                             // tod_msecs: a millisecond count, as Samba's wraps
	w.u32(uint32(t.Hour()))                                  // tod_hours
	w.u32(uint32(t.Minute()))                                // tod_mins
	w.u32(uint32(t.Second()))                                // tod_secs
	w.u32(uint32(t.Nanosecond() / int(10*time.Millisecond))) // tod_hunds
	w.u32(0)                                                 // tod_timezone: minutes west of UTC
	w.u32(10000)                                             // tod_tinterval
	w.u32(uint32(t.Day()))                                   // tod_day
	w.u32(uint32(t.Month()))                                 // tod_month
	w.u32(uint32(t.Year()))                                  // tod_year
	w.u32(uint32(t.Weekday()))                               // tod_weekday: 0 is Sunday
	w.u32(werrOK)
}
