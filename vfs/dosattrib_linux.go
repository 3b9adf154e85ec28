package vfs

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Samba keeps the DOS attributes Windows users set (hidden, read-only, system, archive) and the
// creation time in the extended attribute user.DOSATTRIB (`store dos attributes`, its default). A
// share Samba served before carries them, and smbd shows them; with ReadDOSAttributes, so does zsmbd.
// zsmbd reads them and never writes them.

const dosAttribXattr = "user.DOSATTRIB"

// ReadDOSAttributes says whether metadata handed to clients carries the DOS attributes and creation
// time Samba stored in user.DOSATTRIB (Info.DOSAttributes, Btime).
func (s *Share) ReadDOSAttributes(on bool) { s.dosAttrs.Store(on) }

// stat is statAt for metadata a client will see: with ReadDOSAttributes, it adds what Samba stored.
// A file whose attribute the caller may not read (user.* attributes need read permission) or that has
// none keeps what stat says.
func (s *Share) stat(dirfd int, name string) (Info, error) {
	info, err := statAt(dirfd, name)
	if err != nil || !s.dosAttrs.Load() || info.Mode&fs.ModeSymlink != 0 {
		return info, err
	}
	var buf [128]byte
	n, xerr := getxattrAt(dirfd, name, dosAttribXattr, buf[:])
	if xerr != nil {
		return info, nil
	}
	if attrs, created, ok := parseDOSAttrib(buf[:n]); ok {
		info.DOSAttributes, info.HasDOSAttributes = attrs, true
		if !created.IsZero() {
			info.Btime = created
		}
	}
	return info, nil
}

// noGetxattrat is set once the kernel lacks getxattrat(2) (before Linux 6.13).
var noGetxattrat atomic.Bool

// xattrArgs is getxattrat(2)'s struct xattr_args.
type xattrArgs struct {
	value uint64 // the buffer's address
	size  uint32
	flags uint32
}

// getxattrAt reads the extended attribute attr of dirfd/name, not following a final symbolic link
// (name "" is dirfd itself, O_PATH descriptors included). For a name it uses getxattrat(2), one
// system call with no path to resolve; otherwise, and on kernels without it, the descriptor's
// /proc/self/fd link, which costs the kernel a path walk per call (getxattrat refuses O_PATH
// descriptors, which opens use).
func getxattrAt(dirfd int, name, attr string, buf []byte) (int, error) {
	if name != "" && !noGetxattrat.Load() {
		p, err := unix.BytePtrFromString(name)
		if err != nil {
			return 0, err
		}
		a, err := unix.BytePtrFromString(attr)
		if err != nil {
			return 0, err
		}
		flags := unix.AT_SYMLINK_NOFOLLOW
		args := xattrArgs{value: uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))), size: uint32(len(buf))}
		n, _, errno := unix.Syscall6(unix.SYS_GETXATTRAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(flags),
			uintptr(unsafe.Pointer(a)), uintptr(unsafe.Pointer(&args)), unsafe.Sizeof(args))
		runtime.KeepAlive(buf) // its address travels inside args, out of the compiler's sight
		switch errno {
		case 0:
			return int(n), nil
		case unix.ENOSYS:
			noGetxattrat.Store(true)
		default:
			return 0, errno
		}
	}
	p := "/proc/self/fd/" + strconv.Itoa(dirfd)
	if name == "" {
		return unix.Getxattr(p, attr, buf) // follows the descriptor's link to the file
	}
	return unix.Lgetxattr(p+"/"+name, attr, buf)
}

// Bits of xattr_DosInfo's valid_flags (Samba's librpc/idl/xattr.idl).
const (
	dosInfoAttrib     = 0x01
	dosInfoCreateTime = 0x10
)

// parseDOSAttrib reads a user.DOSATTRIB value: an NDR xattr_DOSATTRIB, a string of the attributes in
// hex ("0x22", all that Samba 3.0 wrote, and what newer versions may still put first), then the
// version, the same number again as the union's level, and at a 4-byte boundary the version's
// structure. Versions 1 to 5 give the attributes; 4 and 5 the creation time too (the layouts of
// 1 to 3 put it after 8-byte fields whose alignment is not checked here).
func parseDOSAttrib(b []byte) (attrs uint32, created time.Time, ok bool) {
	nul := bytes.IndexByte(b, 0)
	if nul < 0 { // Samba 3.0: the hex string alone
		v, err := strconv.ParseUint(strings.TrimPrefix(string(b), "0x"), 16, 32)
		return uint32(v), time.Time{}, err == nil
	}
	hex, hexErr := strconv.ParseUint(strings.TrimPrefix(string(b[:nul]), "0x"), 16, 32)
	hexOnly := func() (uint32, time.Time, bool) { return uint32(hex), time.Time{}, nul > 0 && hexErr == nil }
	off := (nul + 2) &^ 1 // past the NUL, at a 2-byte boundary
	if len(b) < off+4 || binary.LittleEndian.Uint16(b[off:]) != binary.LittleEndian.Uint16(b[off+2:]) {
		return hexOnly()
	}
	version := binary.LittleEndian.Uint16(b[off:])
	body := b[min((off+4+3)&^3, len(b)):]
	u32 := func(i int) (uint32, bool) {
		if len(body) < i+4 {
			return 0, false
		}
		return binary.LittleEndian.Uint32(body[i:]), true
	}
	switch version {
	case 1: // attrib first
		a, ok := u32(0)
		return a, time.Time{}, ok
	case 2: // flags, attrib
		a, ok := u32(4)
		return a, time.Time{}, ok
	case 3, 4, 5: // valid_flags, attrib, ...
		valid, ok1 := u32(0)
		a, ok2 := u32(4)
		if !ok1 || !ok2 || valid&dosInfoAttrib == 0 {
			return hexOnly()
		}
		at := 8 // create_time: next in 5, after itime in 4
		if version == 4 {
			at = 16
		}
		if valid&dosInfoCreateTime != 0 && version >= 4 && len(body) >= at+8 {
			created = filetimeToTime(binary.LittleEndian.Uint64(body[at:]))
		}
		return a, created, true
	}
	return hexOnly()
}

// filetimeToTime converts 100 ns intervals since 1601 to a time; 0 is the zero time.
func filetimeToTime(ft uint64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
	t := int64(ft) - epochDiff
	return time.Unix(t/1e7, (t%1e7)*100)
}
