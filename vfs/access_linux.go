package vfs

import "golang.org/x/sys/unix"

// MayExecute reports whether the opener may execute the file, or search it if it is a directory, as
// the kernel decides with the opener's credentials (mode bits and POSIX ACLs). smbd grants
// FILE_EXECUTE only then: its NT ACL of a file is made from the same bits.
func (f *File) MayExecute() bool {
	ok := false
	f.cred.run(func() error {
		return f.control(func(fd int) {
			// AT_EACCESS checks the file-system ids that run switched to, not the real ones.
			ok = unix.Faccessat2(fd, "", unix.X_OK, unix.AT_EMPTY_PATH|unix.AT_EACCESS) == nil
		})
	})
	return ok
}
