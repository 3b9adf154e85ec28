package vfs

import (
	"io"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// dirState is a directory scan in progress.
type dirState struct {
	dots int // 0: "." next, 1: ".." next, 2: entries from disk
	rd   dirReader
}

// Stat returns fresh metadata from the open descriptor (statx(2)).
func (f *File) Stat() (Info, error) {
	var info Info
	var err error
	if cerr := f.control(func(fd int) { info, err = f.share.stat(fd, "") }); cerr != nil {
		return Info{}, cerr
	}
	if err != nil {
		return Info{}, &fs.PathError{Op: "stat", Path: f.Name, Err: err}
	}
	info.Name = f.Info.Name
	return info, nil
}

// ReadDir returns the next n entries of the directory, starting with "."
// and ".." (for the share root, ".." describes the root itself, as Windows
// servers answer). With n > 0 it returns at most n entries and io.EOF once
// the scan is done; with n <= 0 it returns all remaining entries and a nil
// error, like os.File.ReadDir.
//
// Memory does not grow with the directory: entries come from getdents64
// through a fixed buffer, and each is stat'ed with statx(2) without
// following symbolic links. A symbolic link that resolves inside the share
// is reported with its target's metadata under the link's name, which is
// what a client that opens it will see. A link that leaves the share, dangles
// or loops is skipped: the client could never open it, and listing names
// that fail to open breaks clients that stat every entry. Entries removed
// during the scan are skipped too.
//
// The scan runs with the rights of the Cred the directory was opened with:
// reading the names needs only the open descriptor, but stat'ing an entry
// by name needs search permission on the directory, and an entry the Cred
// may not stat fails the call with an error matching fs.ErrPermission.
func (f *File) ReadDir(n int) ([]Info, error) {
	if !f.Info.IsDir {
		return nil, &fs.PathError{Op: "readdir", Path: f.Name, Err: unix.ENOTDIR}
	}
	if f.pathOnly {
		return nil, &fs.PathError{Op: "readdir", Path: f.Name, Err: unix.EBADF}
	}
	if f.dir == nil {
		f.dir = new(dirState)
	}
	var out []Info
	if n > 0 {
		out = make([]Info, 0, min(n, 256))
	}
	var err error
	cerr := f.control(func(fd int) {
		err = f.cred.run(func() error {
			for n <= 0 || len(out) < n {
				info, ok, err := f.nextEntry(fd)
				if err != nil || !ok {
					return err
				}
				out = append(out, info)
			}
			return nil
		})
	})
	if cerr != nil {
		return out, cerr
	}
	if err != nil {
		return out, &fs.PathError{Op: "readdir", Path: f.Name, Err: err}
	}
	if n > 0 && len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

// nextEntry produces one entry; ok is false at the end of the directory.
func (f *File) nextEntry(fd int) (Info, bool, error) {
	d := f.dir
	switch d.dots {
	case 0:
		d.dots = 1
		info, err := f.share.stat(fd, "")
		info.Name = "."
		return info, err == nil, err
	case 1:
		d.dots = 2
		return f.parentInfo(fd)
	}
	for {
		name, err := d.rd.next(fd)
		if err != nil || name == "" {
			return Info{}, false, err
		}
		shown, ok := f.share.listName(name)
		if !ok {
			continue // no SMB name can reach it: see listName
		}
		info, err := f.share.stat(fd, name)
		if err == unix.ENOENT {
			continue // removed since getdents
		}
		if err != nil {
			return Info{}, false, err
		}
		if info.Mode&fs.ModeSymlink != 0 {
			target, err := f.share.statComps(f.childComps(name))
			if err != nil {
				continue // leaves the share, dangles or loops: see ReadDir
			}
			info = target
		}
		info.Name = shown
		if shown != name {
			info.DiskName = name
		}
		return info, true, nil
	}
}

// listable reports whether a name read from the disk can be sent to a client
// as a file name and opened again by it, when names are not mangled. A '\'
// would read as a path separator (smbclient and every libsmbclient client
// abort the whole listing with NT_STATUS_INVALID_NETWORK_RESPONSE when an
// entry contains one), and the characters MS-FSCC 2.1.5.2 forbids make every
// open of the name fail. Such entries are left out, like links that leave
// the share.
func listable(name string) bool {
	return strings.IndexByte(name, '\\') < 0 && checkComponent(name) == nil
}

// parentInfo describes ".." of the directory: the lexical parent of its
// share-relative name, or the directory itself at the share root.
func (f *File) parentInfo(fd int) (Info, bool, error) {
	if f.Name != "" {
		parent := path.Dir(f.Name)
		var comps []string
		if parent != "." {
			comps = strings.Split(parent, "/")
		}
		if info, err := f.share.statComps(comps); err == nil {
			info.Name = ".."
			return info, true, nil
		}
		// The parent was renamed away or the share closed: describe the
		// directory itself rather than fail the whole listing.
	}
	info, err := f.share.stat(fd, "")
	info.Name = ".."
	return info, err == nil, err
}

func (f *File) childComps(name string) []string {
	if f.Name == "" {
		return []string{name}
	}
	return append(strings.Split(f.Name, "/"), name)
}

// Rewind restarts the directory scan from "." (SMB2_RESTART_SCANS and
// SMB2_REOPEN in MS-SMB2 2.2.33). It only seeks the open descriptor, which
// checks no permission, so it runs with the process's identity; the
// ReadDir that follows has the opener's.
func (f *File) Rewind() error {
	var err error
	if cerr := f.control(func(fd int) { _, err = unix.Seek(fd, 0, io.SeekStart) }); cerr != nil {
		return cerr
	}
	if err != nil {
		return &fs.PathError{Op: "seek", Path: f.Name, Err: err}
	}
	if f.dir != nil {
		f.dir.dots = 0
		f.dir.rd.reset()
	}
	return nil
}

// control runs fn with the descriptor, which os.File keeps from being
// closed meanwhile.
func (f *File) control(fn func(fd int)) error {
	rc, err := f.File.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) { fn(int(fd)) })
}
