package vfs

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Info describes a file as the SMB server needs it.
type Info struct {
	Name string // base name as clients see it ("" for the share root, "." and ".." in listings)
	// DiskName is the base name on disk when Name is its mangled name (Share.MangleNames), else "".
	DiskName string
	// DOSAttributes are the attributes Samba stored for the file (Share.ReadDOSAttributes), when
	// HasDOSAttributes.
	DOSAttributes    uint32
	HasDOSAttributes bool
	Size             int64
	Blocks           int64 // 512-byte blocks; AllocationSize = Blocks*512
	IsDir            bool
	Mode             os.FileMode
	Inode            uint64
	Dev              uint64
	Nlink            uint32
	Uid              uint32
	Gid              uint32
	Atime            time.Time
	Mtime            time.Time
	Ctime            time.Time
	// Btime is the birth time from statx(2) STATX_BTIME when the file
	// system reports it, otherwise the earlier of Mtime and Ctime.
	Btime time.Time
}

// OnDisk returns the base name on disk.
func (i *Info) OnDisk() string {
	if i.DiskName != "" {
		return i.DiskName
	}
	return i.Name
}

const statxMask = unix.STATX_BASIC_STATS | unix.STATX_BTIME

// statAt stats dirfd/name (name "" means dirfd itself) without following a
// final symbolic link.
func statAt(dirfd int, name string) (Info, error) {
	flags := unix.AT_SYMLINK_NOFOLLOW | unix.AT_STATX_SYNC_AS_STAT
	if name == "" {
		flags |= unix.AT_EMPTY_PATH
	}
	var stx unix.Statx_t
	err := ignoringEINTR(func() error { return unix.Statx(dirfd, name, flags, statxMask, &stx) })
	if err == unix.ENOSYS {
		return fstatatInfo(dirfd, name, flags&^unix.AT_STATX_SYNC_AS_STAT)
	}
	if err != nil {
		return Info{}, err
	}
	return infoFromStatx(&stx), nil
}

func infoFromStatx(stx *unix.Statx_t) Info {
	in := Info{
		Size:   int64(stx.Size),
		Blocks: int64(stx.Blocks),
		Mode:   fileMode(uint32(stx.Mode)),
		Inode:  stx.Ino,
		Dev:    unix.Mkdev(stx.Dev_major, stx.Dev_minor),
		Nlink:  stx.Nlink,
		Uid:    stx.Uid,
		Gid:    stx.Gid,
		Atime:  statxTime(stx.Atime),
		Mtime:  statxTime(stx.Mtime),
		Ctime:  statxTime(stx.Ctime),
	}
	in.IsDir = in.Mode.IsDir()
	if stx.Mask&unix.STATX_BTIME != 0 {
		in.Btime = statxTime(stx.Btime)
	} else {
		in.Btime = earlier(in.Mtime, in.Ctime)
	}
	return in
}

// fstatatInfo is the fallback for kernels (or seccomp filters) without
// statx(2).
func fstatatInfo(dirfd int, name string, flags int) (Info, error) {
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstatat(dirfd, name, &st, flags) }); err != nil {
		return Info{}, err
	}
	in := Info{
		Size:   st.Size,
		Blocks: st.Blocks,
		Mode:   fileMode(st.Mode),
		Inode:  st.Ino,
		Dev:    st.Dev,
		Nlink:  uint32(st.Nlink),
		Uid:    st.Uid,
		Gid:    st.Gid,
		Atime:  time.Unix(st.Atim.Unix()),
		Mtime:  time.Unix(st.Mtim.Unix()),
		Ctime:  time.Unix(st.Ctim.Unix()),
	}
	in.IsDir = in.Mode.IsDir()
	in.Btime = earlier(in.Mtime, in.Ctime)
	return in, nil
}

func statxTime(t unix.StatxTimestamp) time.Time { return time.Unix(t.Sec, int64(t.Nsec)) }

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// fileMode converts a Unix st_mode the way the os package does.
func fileMode(m uint32) os.FileMode {
	mode := os.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= os.ModeDir
	case unix.S_IFLNK:
		mode |= os.ModeSymlink
	case unix.S_IFIFO:
		mode |= os.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= os.ModeSocket
	case unix.S_IFCHR:
		mode |= os.ModeDevice | os.ModeCharDevice
	case unix.S_IFBLK:
		mode |= os.ModeDevice
	}
	if m&unix.S_ISUID != 0 {
		mode |= os.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= os.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= os.ModeSticky
	}
	return mode
}

func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != unix.EINTR {
			return err
		}
	}
}
