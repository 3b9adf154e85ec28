package vfs

import "golang.org/x/sys/unix"

// MayRead reports whether the opener may read the file, or list it if it is a directory, as the
// kernel decides with the opener's credentials (mode bits and POSIX ACLs). It answers for a file
// opened with OpenPath too, whose descriptor does not tell.
func (f *File) MayRead() bool { return f.may(unix.R_OK) }

// MayWrite reports whether the mode lets the opener write the file, as the kernel decides with the
// opener's credentials; on a file system mounted read-only it is false.
func (f *File) MayWrite() bool { return f.may(unix.W_OK) }

// MayExecute reports whether the opener may execute the file, or search it if it is a directory, as
// the kernel decides with the opener's credentials. smbd grants FILE_EXECUTE only then: its NT ACL of
// a file is made from the same bits.
func (f *File) MayExecute() bool { return f.may(unix.X_OK) }

func (f *File) may(mode uint32) bool {
	ok := false
	f.cred.run(func() error {
		return f.control(func(fd int) {
			// AT_EACCESS checks the file-system ids that run switched to, not the real ones.
			ok = unix.Faccessat2(fd, "", mode, unix.AT_EMPTY_PATH|unix.AT_EACCESS) == nil
		})
	})
	return ok
}

// KeepReadable returns the entries of a listing of the directory f that the opener may read (read
// permission, as the kernel decides with the opener's credentials, following a symbolic link to what
// the listing showed), in their order; "." and ".." are kept. One switch of credentials serves the
// whole batch. It is Samba's `hide unreadable`.
func (f *File) KeepReadable(entries []Info) []Info {
	kept := entries[:0]
	f.cred.run(func() error {
		return f.control(func(fd int) {
			for _, e := range entries {
				if e.Name == "." || e.Name == ".." || unix.Faccessat2(fd, e.OnDisk(), unix.R_OK, unix.AT_EACCESS) == nil {
					kept = append(kept, e)
				}
			}
		})
	})
	return kept
}
