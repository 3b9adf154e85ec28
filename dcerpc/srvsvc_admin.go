package dcerpc

import "slices"

// The srvsvc calls of Windows' Computer Management (Shared Folders: Sessions, Open Files) and of
// `net session`, `net file` and `net view \\server /all`. Samba lists sessions, tree connects and
// open files to members of BUILTIN\Administrators only and refuses everyone else with
// WERR_ACCESS_DENIED; no zsmbd session is an administrator, so each is refused the same way, in
// Samba's order of checks. NetrServerDiskEnum needs no rights, and lists Samba's one disk.

// sessionEnumArm reports the levels SESSION_ENUM_UNION has an arm for.
func sessionEnumArm(level uint32) bool {
	switch level {
	case 0, 1, 2, 10, 502:
		return true
	}
	return false
}

// netrSessionEnum refuses:
//
//	NET_API_STATUS NetrSessionEnum(
//	  [in, string, unique] SRVSVC_HANDLE ServerName,
//	  [in, string, unique] WCHAR* ClientName,
//	  [in, string, unique] WCHAR* UserName,
//	  [in, out] PSESSION_ENUM_STRUCT InfoStruct,
//	  [in] DWORD PreferedMaximumLength,
//	  [out] DWORD* TotalEntries,
//	  [in, out, unique] DWORD* ResumeHandle);
func netrSessionEnum(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr() // ServerName
	r.uniqueStr() // ClientName
	r.uniqueStr() // UserName
	req := readEnumArgs(r, sessionEnumArm)
	if r.err != nil {
		return
	}
	req.refuse(w, werrAccessDenied) // whatever the level, as Samba
}

// netrConnectionEnum refuses:
//
//	NET_API_STATUS NetrConnectionEnum(
//	  [in, string, unique] SRVSVC_HANDLE ServerName,
//	  [in, string, unique] WCHAR* Qualifier,
//	  [in, out] LPCONNECT_ENUM_STRUCT InfoStruct,
//	  [in] DWORD PreferedMaximumLength,
//	  [out] DWORD* TotalEntries,
//	  [in, out, unique] DWORD* ResumeHandle);
//
// CONNECT_ENUM_UNION has arms for levels 0 and 1 (MS-SRVS 2.2.4.5).
func netrConnectionEnum(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr() // ServerName
	r.uniqueStr() // Qualifier
	req := readEnumArgs(r, func(level uint32) bool { return level <= 1 })
	if r.err != nil {
		return
	}
	req.refuse(w, werrAccessDenied)
}

// netrFileEnum refuses:
//
//	NET_API_STATUS NetrFileEnum(
//	  [in, string, unique] SRVSVC_HANDLE ServerName,
//	  [in, string, unique] WCHAR* BasePath,
//	  [in, string, unique] WCHAR* UserName,
//	  [in, out] PFILE_ENUM_STRUCT InfoStruct,
//	  [in] DWORD PreferedMaximumLength,
//	  [out] DWORD* TotalEntries,
//	  [in, out, unique] DWORD* ResumeHandle);
//
// FILE_ENUM_UNION has arms for levels 2 and 3. Samba lists level 3 only, and
// checks the level before the caller's rights: level 2 is ERROR_INVALID_LEVEL for everyone.
func netrFileEnum(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr() // ServerName
	r.uniqueStr() // BasePath
	r.uniqueStr() // UserName
	req := readEnumArgs(r, func(level uint32) bool { return level == 2 || level == 3 })
	if r.err != nil {
		return
	}
	if req.level != 3 {
		req.refuse(w, werrInvalidLevel)
		return
	}
	req.refuse(w, werrAccessDenied)
}

// serverDisks are the names NetrServerDiskEnum lists: Samba's one disk, "C:", the drive every
// share's path starts with in SHARE_INFO_2 (see windowsPath).
var serverDisks = []string{"C:"}

// netrServerDiskEnum serves:
//
//	NET_API_STATUS NetrServerDiskEnum(
//	  [in, string, unique] SRVSVC_HANDLE ServerName,
//	  [in] DWORD Level,
//	  [in, out] DISK_ENUM_CONTAINER* DiskInfoStruct,
//	  [in] DWORD PreferedMaximumLength,
//	  [out] DWORD* TotalEntries,
//	  [in, out, unique] DWORD* ResumeHandle);
//
// DISK_ENUM_CONTAINER (MS-SRVS 2.2.4.92) is {EntriesRead; [size_is(EntriesRead),
// length_is(EntriesRead)] DISK_INFO* Buffer} and DISK_INFO a [string] WCHAR Disk[3]: a varying
// string, offset and actual count with no maximum count. As from Windows and Samba the list ends
// with an empty name, which EntriesRead counts and TotalEntries does not. MS-SRVS allows level 0
// only, and has the server ignore the input container and ResumeHandle (Samba ignores the level and
// resumes); the resume handle comes back as Samba's, the position after the last disk.
func netrServerDiskEnum(srv *Server, r *ndrReader, w *ndrWriter) {
	r.uniqueStr() // ServerName
	level := r.u32()
	r.u32() // DiskInfoStruct.EntriesRead
	if r.u32() != 0 {
		r.fail() // an input Buffer; no client sends one
	}
	r.u32() // PreferedMaximumLength
	resumePtr := r.u32() != 0
	if resumePtr {
		r.u32()
	}
	if r.err != nil {
		return
	}
	if level != 0 {
		w.u32(0)     // EntriesRead
		w.ptr(false) // Buffer
		w.u32(0)     // TotalEntries
		w.ptr(resumePtr)
		if resumePtr {
			w.u32(0)
		}
		w.u32(werrInvalidLevel)
		return
	}

	disks := append(slices.Clone(serverDisks), "")
	w.u32(uint32(len(disks))) // EntriesRead
	w.ptr(true)
	w.u32(uint32(len(disks))) // max_count
	w.u32(0)                  // offset
	w.u32(uint32(len(disks))) // actual_count
	for _, d := range disks {
		w.varyingStr(d)
	}
	w.u32(uint32(len(serverDisks))) // TotalEntries
	w.ptr(resumePtr)
	if resumePtr {
		w.u32(uint32(len(serverDisks)))
	}
	w.u32(werrOK)
}
