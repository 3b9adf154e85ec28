package vfs

import (
	"errors"
	"strings"

	"golang.org/x/sys/unix"
)

const (
	// resolveFlags confine openat2(2) beneath the root descriptor: a
	// symbolic link or ".." that leaves it fails with EXDEV, and /proc
	// magic links are refused.
	resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS

	// openFlags open files and directories for Open. O_NONBLOCK keeps a
	// FIFO in the share from blocking; O_NOCTTY keeps a terminal device
	// from becoming ours.
	openFlags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOATIME | unix.O_NONBLOCK | unix.O_NOCTTY

	// pathFlags give a descriptor that only names a file, for Stat and
	// for the walk's directories.
	pathFlags = unix.O_PATH | unix.O_CLOEXEC

	// maxSymlinks is the kernel's MAXSYMLINKS, so both resolvers give up
	// at the same depth.
	maxSymlinks = 40

	// walkRetries bounds restarts of the walk when a file is replaced
	// between looking at it and opening it.
	walkRetries = 3
)

// errRetry restarts the walk: the final component changed under it.
var errRetry = errors.New("vfs: component changed during lookup")

// resolve turns cleaned components into a descriptor beneath the root:
// opened with openFlags when open is set, else an O_PATH descriptor. It
// returns the canonical share-relative name. The caller holds s.mu for
// reading.
//
// openat2 does the common case in one system call. When it reports ENOENT
// the walk takes over, because only the walk knows case-insensitive
// lookups and which component was missing.
func (s *Share) resolve(comps []string, open bool) (int, string, error) {
	if !s.noOpenat2.Load() {
		p := "."
		if len(comps) > 0 {
			p = strings.Join(comps, "/")
		}
		flags := uint64(pathFlags)
		if open {
			flags = openFlags
		}
		resolve := uint64(resolveFlags)
		if s.noFollow.Load() {
			resolve |= unix.RESOLVE_NO_SYMLINKS // a link anywhere on the way is ELOOP: ErrLoop
		}
		fd, err := openBeneath(s.rootFd, p, flags, resolve)
		switch err {
		case nil:
			if p == "." {
				p = ""
			}
			return fd, p, nil
		case unix.ENOSYS:
			s.noOpenat2.Store(true)
		case unix.ENOENT, unix.EAGAIN:
		default:
			return -1, "", resolveError(err, true)
		}
	}
	for try := 0; ; try++ {
		fd, canon, err := s.walk(comps, open)
		if err != errRetry {
			return fd, canon, err
		}
		if try == walkRetries {
			return -1, "", ErrNotFound
		}
	}
}

// openBeneath is openat2 with RESOLVE_BENEATH, retrying EINTR, a few EAGAINs
// (a concurrent rename made the kernel unsure of a ".." step) and, for
// files we do not own, without O_NOATIME.
func openBeneath(rootFd int, p string, flags, resolve uint64) (int, error) {
	how := unix.OpenHow{Flags: flags, Resolve: resolve}
	for tries := 0; ; tries++ {
		fd, err := unix.Openat2(rootFd, p, &how)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && tries < 4:
			continue
		case err == unix.EPERM && how.Flags&unix.O_NOATIME != 0:
			how.Flags &^= unix.O_NOATIME
			continue
		}
		return fd, err
	}
}

// openNoatime is openat, retried without O_NOATIME for files we do not own.
func openNoatime(dirfd int, name string, flags int) (int, error) {
	fd, err := openat(dirfd, name, flags)
	if err == unix.EPERM && flags&unix.O_NOATIME != 0 {
		fd, err = openat(dirfd, name, flags&^unix.O_NOATIME)
	}
	return fd, err
}

// resolveError maps an errno from a lookup to the package's errors. final
// tells whether the failing component was the last one.
func resolveError(err error, final bool) error {
	switch err {
	case unix.ENOENT:
		if final {
			return ErrNotFound
		}
		return ErrPathNotFound
	case unix.ENOTDIR:
		return ErrPathNotFound
	case unix.EXDEV:
		return ErrEscapes
	case unix.ELOOP:
		return ErrLoop
	case unix.ENAMETOOLONG:
		return ErrNameInvalid
	}
	return err
}

// step is one component still to resolve. client is its index in the
// client's components, or -1 for a component of a symbolic link's target:
// only the client's own components are matched case-insensitively (a
// link's target is a Unix path, resolved as the kernel would) and only
// they make up the canonical name.
type step struct {
	name   string
	client int
}

// walk resolves components one at a time with O_PATH|O_NOFOLLOW, following
// symbolic links itself. It keeps the chain of directories from the root
// as open descriptors, so a ".." in a link target is the previous
// directory of that chain, and popping the root is an escape: the same
// answers as openat2 with RESOLVE_BENEATH.
func (s *Share) walk(comps []string, open bool) (fd int, canon string, err error) {
	canonComps := comps
	copied := false

	todo := make([]step, 0, len(comps)+4) // reversed: the next step is last
	for i := len(comps) - 1; i >= 0; i-- {
		todo = append(todo, step{comps[i], i})
	}
	stack := make([]int, 1, len(comps)+1)
	stack[0] = s.rootFd // borrowed, never closed here
	defer func() {
		for _, d := range stack[1:] {
			unix.Close(d)
		}
	}()
	links := 0
	for len(todo) > 0 {
		st := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		last := len(todo) == 0
		dir := stack[len(stack)-1]

		if st.name == ".." { // from a link target; the client's were removed lexically
			if len(stack) == 1 {
				return -1, "", ErrEscapes
			}
			unix.Close(dir)
			stack = stack[:len(stack)-1]
			continue
		}
		cfd, err := openat(dir, st.name, pathFlags|unix.O_NOFOLLOW)
		if err == unix.ENOENT && st.client >= 0 {
			// Samba's default for Windows clients: when the exact
			// spelling is missing, accept a case-insensitive match.
			// A directory that cannot be scanned has no such match.
			if real, ok, cerr := s.ci.lookup(s, dir, st.name); cerr == nil && ok {
				if !copied {
					canonComps = append([]string(nil), comps...)
					copied = true
				}
				canonComps[st.client] = real
				st.name = real
				cfd, err = openat(dir, st.name, pathFlags|unix.O_NOFOLLOW)
			} else if cerr == unix.EACCES || cerr == unix.EPERM {
				// A directory the caller may search but not list: Samba's scan fails the
				// same way and answers ACCESS_DENIED, as for a name there it may not open,
				// so the answer does not tell which of its names exist.
				err = cerr
			}
		}
		if err != nil {
			return -1, "", resolveError(err, last)
		}
		var sb unix.Stat_t
		if err := unix.Fstat(cfd, &sb); err != nil {
			unix.Close(cfd)
			return -1, "", err
		}
		switch sb.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			stack = append(stack, cfd)
		case unix.S_IFLNK:
			if s.noFollow.Load() {
				unix.Close(cfd)
				return -1, "", ErrLoop // as openat2 with RESOLVE_NO_SYMLINKS answers
			}
			links++
			target, err := readlinkFd(cfd)
			unix.Close(cfd)
			switch {
			case links > maxSymlinks:
				return -1, "", ErrLoop
			case err != nil:
				return -1, "", err
			case target == "":
				return -1, "", resolveError(unix.ENOENT, last)
			case target[0] == '/':
				// RESOLVE_BENEATH refuses every absolute link, even one
				// naming a path inside the share.
				return -1, "", ErrEscapes
			}
			parts := strings.Split(target, "/")
			for i := len(parts) - 1; i >= 0; i-- {
				if parts[i] != "" && parts[i] != "." {
					todo = append(todo, step{parts[i], -1})
				}
			}
		default:
			if !last {
				unix.Close(cfd)
				return -1, "", ErrPathNotFound
			}
			if !open {
				return cfd, strings.Join(canonComps, "/"), nil
			}
			ofd, err := reopenSame(dir, st.name, &sb)
			unix.Close(cfd)
			if err != nil {
				return -1, "", err
			}
			return ofd, strings.Join(canonComps, "/"), nil
		}
	}
	// Every step done and the result is the directory on top of the stack.
	// Opening its "." needs search permission on it, where openat2 needs
	// only read permission: a directory the caller may read but not search
	// fails here, rather than at the first entry its listing stats.
	top := stack[len(stack)-1]
	if !open && len(stack) > 1 {
		stack = stack[:len(stack)-1] // hand the descriptor to the caller
		return top, strings.Join(canonComps, "/"), nil
	}
	flags := pathFlags
	if open {
		flags = openFlags | unix.O_DIRECTORY
	}
	fd, err = openNoatime(top, ".", flags)
	if err != nil {
		return -1, "", err
	}
	return fd, strings.Join(canonComps, "/"), nil
}

// reopenSame opens dir/name for reading and checks that it is still the
// file that was looked at (sb); if it changed, the walk starts again.
func reopenSame(dir int, name string, sb *unix.Stat_t) (int, error) {
	fd, err := openNoatime(dir, name, openFlags|unix.O_NOFOLLOW)
	if err == unix.ELOOP || err == unix.ENOENT {
		return -1, errRetry // replaced by a symbolic link, or removed
	}
	if err != nil {
		return -1, err
	}
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if now.Dev != sb.Dev || now.Ino != sb.Ino {
		unix.Close(fd)
		return -1, errRetry
	}
	return fd, nil
}

// readlinkFd reads the target of the symbolic link that the O_PATH
// descriptor fd names.
func readlinkFd(fd int) (string, error) {
	buf := make([]byte, unix.PathMax)
	for {
		n, err := unix.Readlinkat(fd, "", buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		if n >= len(buf) {
			return "", unix.ENAMETOOLONG
		}
		return string(buf[:n]), nil
	}
}
