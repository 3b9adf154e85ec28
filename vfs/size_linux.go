package vfs

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Size returns the file's current size, read from the open descriptor with fstat(2): the READ path
// asks for it once per request, to find the end of the file as it is now.
//
// On a file system whose fstat only copies the in-memory inode (the local ones sleeplessStat
// names) it is a raw system call: it cannot sleep, and an ordinary one costs the Go runtime's system
// call bookkeeping and, after the server was idle, wakes its sysmon thread, which then polls every
// 20 us (5-6% of the server's CPU under go-smb2's pipelined READs). Where fstat may ask a server (NFS,
// SMB, FUSE) it is an ordinary call, so that the runtime can give the P to other goroutines while it
// waits.
//
// f must not be closed meanwhile (the server holds a reference on the open for the request).
func (f *File) Size() (int64, error) {
	var st unix.Stat_t
	fd := f.File.Fd()
	if f.sleeplessStat {
		if _, _, e := unix.RawSyscall(unix.SYS_FSTAT, fd, uintptr(unsafe.Pointer(&st)), 0); e != 0 {
			return 0, e
		}
		return st.Size, nil
	}
	if err := unix.Fstat(int(fd), &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// sleeplessStat reports whether fstat on a file system of this statfs(2) type only reads the
// in-memory inode. overlayfs passes getattr to its layers, which Docker's overlay2 keeps on ext4 or
// xfs.
func sleeplessStat(fsType int64) bool {
	switch uint32(fsType) {
	case unix.EXT4_SUPER_MAGIC, // also ext2 and ext3
		unix.XFS_SUPER_MAGIC,
		unix.BTRFS_SUPER_MAGIC,
		unix.TMPFS_MAGIC,
		unix.RAMFS_MAGIC,
		unix.F2FS_SUPER_MAGIC,
		unix.OVERLAYFS_SUPER_MAGIC:
		return true
	}
	return false
}
