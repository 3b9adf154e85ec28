package vfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Share is one exported directory tree. It is safe for concurrent use.
type Share struct {
	root string

	mu     sync.RWMutex // held for reading while rootFd is in use
	rootFd int
	closed bool

	// noOpenat2 is set when the kernel lacks openat2(2) (ENOSYS), and by
	// tests to exercise the walking resolver.
	noOpenat2 atomic.Bool

	ci ciCache

	veto     atomic.Pointer[func(name string) bool] // see Veto
	noFollow atomic.Bool                            // see FollowSymlinks
	mangle   atomic.Int32                           // see MangleNames
	dosAttrs atomic.Bool                            // see ReadDOSAttributes
}

// MangleNames makes listings show a name no Windows client could use (see mustMangle) under the
// 8.3 name Samba's `mangled names` gives it, which a lookup then finds, with prefix characters of the
// name leading it (Samba's `mangle prefix`, 1 to 6). 0 leaves such names out of listings instead. A
// change applies to listings and lookups from then on.
func (s *Share) MangleNames(prefix int) {
	if p := int32(min(max(prefix, 0), 6)); s.mangle.Swap(p) != p {
		s.ci.clear() // its maps hold the mangled names of the old setting
	}
}

// listName returns the name a listing shows for the entry name read from a directory, and false
// when the entry is left out: vetoed, not UTF-8 (it has no UTF-16 form; Samba skips it too), or, with
// mangling off, a name no client could open (see listable).
func (s *Share) listName(name string) (string, bool) {
	switch p := s.mangle.Load(); {
	case !utf8.ValidString(name) || s.vetoed(name):
		return "", false
	case p == 0:
		return name, listable(name)
	case mustMangle(name):
		return mangle(name, int(p)), true
	}
	return name, true
}

// shownName returns the name clients see for the name disk found by a lookup, and disk again when
// that is a mangled name, "" otherwise (Info's Name and DiskName).
func (s *Share) shownName(disk string) (shown, diskName string) {
	if shown, ok := s.listName(disk); ok && shown != disk {
		return shown, disk
	}
	return disk, ""
}

// FollowSymlinks says whether lookups follow symbolic links inside the share (the default; links that
// leave it never resolve). Without, as Samba's `follow symlinks = no`, every link is ErrLoop to a
// lookup and is left out of listings.
func (s *Share) FollowSymlinks(follow bool) { s.noFollow.Store(!follow) }

// Veto makes the names for which veto reports true invisible to clients, as Samba's `veto files`
// does: left out of listings, and not found when a client's path names them. It applies to lookups
// and listings from then on; nil lifts it.
func (s *Share) Veto(veto func(name string) bool) {
	s.ci.clear() // its maps leave out vetoed names from mangled ones
	if veto == nil {
		s.veto.Store(nil)
		return
	}
	s.veto.Store(&veto)
}

// vetoed reports whether a name read from a directory is hidden by Veto.
func (s *Share) vetoed(name string) bool {
	v := s.veto.Load()
	return v != nil && (*v)(name)
}

// checkVeto fails a lookup whose components name a vetoed file the way a missing one fails: a
// vetoed directory on the way is ErrPathNotFound, a vetoed final component ErrNotFound, unless
// its parent is missing too. It runs with the caller's rights, like the lookup, and s.mu held.
func (s *Share) checkVeto(comps []string) error {
	for i, c := range comps {
		if !s.vetoed(c) {
			continue
		}
		if i < len(comps)-1 {
			return ErrPathNotFound
		}
		if parent, err := s.statLocked(comps[:i]); err != nil || !parent.IsDir {
			return ErrPathNotFound
		}
		return ErrNotFound
	}
	return nil
}

// New opens the share rooted at the directory root.
func New(root string) (*Share, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	fd, err := openat(unix.AT_FDCWD, abs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: abs, Err: err}
	}
	s := &Share{root: abs, rootFd: fd}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: resolveFlags}
	if pfd, err := unix.Openat2(fd, ".", &how); err == nil {
		unix.Close(pfd)
	} else if err == unix.ENOSYS {
		s.noOpenat2.Store(true)
	}
	return s, nil
}

// Root returns the absolute path of the share root.
func (s *Share) Root() string { return s.root }

// Close releases the root descriptor. Files opened from the share stay
// usable; new lookups fail with fs.ErrClosed.
func (s *Share) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fs.ErrClosed
	}
	s.closed = true
	return unix.Close(s.rootFd)
}

// File is an open file or directory of a share.
//
// The embedded *os.File reads file data (ReadAt) and gives the descriptor
// to the zero-copy path. Its ReadDir and Stat are replaced by the ones
// below. A File's directory methods must not be called concurrently.
type File struct {
	*os.File
	// Info is the file's metadata as of Open.
	Info Info
	// Name is the share-relative name, '/' separated, with each component
	// spelled as it is on disk (case corrected) and symbolic links not
	// expanded: the name the client used, cleaned. "" is the share root.
	Name string

	share *Share
	cred  *Cred // whose rights the directory methods use: the opener's
	dir   *dirState

	pathOnly bool // an O_PATH descriptor (OpenPath): no data, no directory listing

	sleeplessStat bool // fstat cannot sleep here: see Size
}

// Open resolves an SMB name and opens it read-only, files and directories
// alike.
//
// name is '\' separated and relative to the share root; "" and "\" mean the
// root; leading, doubled and trailing separators are ignored; "." is
// ignored and ".." removes the previous component (ErrAboveRoot at the
// root). A final "::$DATA" names the file itself; other stream names give
// ErrStream. Symbolic links are followed while they stay beneath the root
// (ErrEscapes otherwise). A component missing in its exact spelling is
// looked up case-insensitively.
//
// The name is resolved and the file opened with cred's rights (see Cred):
// a file or directory cred may not read, or a directory on the way it may
// not search, fails with an error that matches fs.ErrPermission. The File
// keeps cred for its directory methods. Reads of the open descriptor check
// nothing more, as with any Unix descriptor.
//
// The descriptor is opened O_RDONLY|O_CLOEXEC|O_NOATIME (without O_NOATIME
// when cred does not own the file) and O_NONBLOCK, so that a FIFO in
// the share cannot block the server; O_NONBLOCK is cleared again for
// regular files and directories.
func (s *Share) Open(cred *Cred, name string) (*File, error) {
	return s.open(cred, name, true)
}

// OpenPath resolves name like Open but keeps only an O_PATH descriptor: the
// file's metadata, not its data. It needs search permission on the
// directories on the way and no permission on the file itself, so it opens
// what Open may not read, as smbd's opens without data access do. ReadDir,
// Rewind and data reads fail on it; Stat, Size and MayRead/MayExecute work.
func (s *Share) OpenPath(cred *Cred, name string) (*File, error) {
	return s.open(cred, name, false)
}

func (s *Share) open(cred *Cred, name string, data bool) (*File, error) {
	comps, err := parseName(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrClosed}
	}
	var fd int
	var canon string
	err = cred.run(func() (err error) {
		if err := s.checkVeto(comps); err != nil {
			return err
		}
		fd, canon, err = s.resolve(comps, data)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	info, err := s.stat(fd, "") // of the descriptor: no permission involved
	if err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if data && (info.Mode.IsRegular() || info.IsDir) {
		if err := clearNonblock(fd); err != nil {
			unix.Close(fd)
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	info.Name, info.DiskName = s.shownName(baseName(canon))
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &File{
		File:          os.NewFile(uintptr(fd), filepath.Join(s.root, canon)),
		Info:          info,
		Name:          canon,
		share:         s,
		cred:          cred,
		pathOnly:      !data,
		sleeplessStat: sleeplessStat(int64(sfs.Type)),
	}, nil
}

// PathOnly reports whether f came from OpenPath: a descriptor for metadata only.
func (f *File) PathOnly() bool { return f.pathOnly }

// Stat resolves name like Open, with cred's rights, and returns its
// metadata without keeping a descriptor. Only search permission on the
// directories on the way is needed.
func (s *Share) Stat(cred *Cred, name string) (Info, error) {
	comps, err := parseName(name)
	if err != nil {
		return Info{}, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	var info Info
	err = cred.run(func() (err error) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		if s.closed {
			return fs.ErrClosed
		}
		if err := s.checkVeto(comps); err != nil {
			return err
		}
		info, err = s.statLocked(comps)
		return err
	})
	if err != nil {
		return Info{}, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return info, nil
}

// statComps stats already-parsed components, with the rights of the calling
// thread.
func (s *Share) statComps(comps []string) (Info, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return Info{}, fs.ErrClosed
	}
	return s.statLocked(comps)
}

// statLocked is statComps with s.mu held and the share open.
func (s *Share) statLocked(comps []string) (Info, error) {
	fd, canon, err := s.resolve(comps, false)
	if err != nil {
		return Info{}, err
	}
	defer unix.Close(fd)
	info, err := s.stat(fd, "")
	if err != nil {
		return Info{}, err
	}
	info.Name, info.DiskName = s.shownName(baseName(canon))
	return info, nil
}

// FSInfo describes the file system holding the share (statfs(2)).
type FSInfo struct {
	BlockSize   uint64 // fragment size f_frsize, the unit of the block counts
	TotalBlocks uint64
	FreeBlocks  uint64
	AvailBlocks uint64 // free blocks available to unprivileged users
	NameMax     uint32
	Type        int64 // f_type magic number
	FSID        uint64
}

// Statfs reports the size and free space of the file system holding the
// share root.
func (s *Share) Statfs() (FSInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return FSInfo{}, &fs.PathError{Op: "statfs", Path: s.root, Err: fs.ErrClosed}
	}
	var st unix.Statfs_t
	if err := ignoringEINTR(func() error { return unix.Fstatfs(s.rootFd, &st) }); err != nil {
		return FSInfo{}, &fs.PathError{Op: "statfs", Path: s.root, Err: err}
	}
	bsize := uint64(st.Frsize)
	if bsize == 0 {
		bsize = uint64(st.Bsize)
	}
	return FSInfo{
		BlockSize:   bsize,
		TotalBlocks: st.Blocks,
		FreeBlocks:  st.Bfree,
		AvailBlocks: st.Bavail,
		NameMax:     uint32(st.Namelen),
		Type:        int64(st.Type),
		FSID:        uint64(uint32(st.Fsid.Val[0])) | uint64(uint32(st.Fsid.Val[1]))<<32,
	}, nil
}

func baseName(canon string) string {
	return canon[strings.LastIndexByte(canon, '/')+1:]
}

func clearNonblock(fd int) error {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return err
	}
	if fl&unix.O_NONBLOCK == 0 {
		return nil
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, fl&^unix.O_NONBLOCK)
	return err
}

// openat retries EINTR.
func openat(dirfd int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
