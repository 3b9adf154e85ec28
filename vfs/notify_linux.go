package vfs

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Action is what happened to a directory entry. The values are MS-FSCC's FILE_ACTION codes (2.7.1),
// so that the server passes them through.
type Action uint32

// Actions a Watch reports. Overflow is not an entry's change: events were lost (the kernel's queue
// overflowed, or the directory itself went away), and the directory must be listed again.
const (
	Overflow   Action = 0
	Added      Action = 1
	Removed    Action = 2
	Modified   Action = 3
	RenamedOld Action = 4
	RenamedNew Action = 5
)

// What says what a Modified change touched.
type What uint8

const (
	Content    What = 1 << iota // written to or truncated
	Attributes                  // mode, owner, timestamps or link count
)

// Change is one change to an entry of a watched directory.
type Change struct {
	Action Action
	Name   string // the entry's name in the directory, as listings show it
	Dir    bool   // the entry is a directory
	What   What   // for Modified
}

// watchMask is what every watch asks inotify for. IN_EXCL_UNLINK keeps a file that is unlinked but
// still open from reporting its later writes; IN_ONLYDIR refuses a descriptor that is not a directory.
const watchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_EXCL_UNLINK | unix.IN_ONLYDIR

// Notifier reports changes to the entries of watched directories. It uses one inotify instance,
// made at the first Watch, for every directory the server watches: the kernel allows a user 128
// instances by default, and a watch, not an instance, per directory. Like Samba's inotify backend it
// sees a directory's own entries only, not those of its subdirectories.
type Notifier struct {
	mu      sync.Mutex
	f       *os.File // nil until the first Watch
	fd      int      // f's descriptor (f.Fd would make f blocking, out of the netpoller's reach)
	byWD    map[int32]map[*Watch]struct{}
	closed  bool
	stopped chan struct{} // closed when the reader has returned
}

// fileMask is what a WatchFile asks inotify for: the file's content or metadata changed, or it went.
const fileMask = unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF

// Watch is one receiver's watch of one directory, or of one file (WatchFile); Close ends it.
type Watch struct {
	n     *Notifier
	wd    int32
	share *Share
	fn    func([]Change)
	file  bool
}

// ErrNotifierClosed is returned by Watch after Close.
var ErrNotifierClosed = errors.New("vfs: notifier closed")

// Watch watches the directory dir, a File of share, and calls fn with each batch of changes to its
// entries, leaving out names the share vetoes. fn is called on the Notifier's goroutine: it must not
// block, and it may still be called once while Close is under way.
func (n *Notifier) Watch(dir *File, fn func([]Change)) (*Watch, error) {
	return n.watch(dir, watchMask, fn)
}

// WatchFile watches the file f, which must not be a directory, and calls fn (as Watch does) when its
// content or metadata change, or it is removed or renamed: each such batch is one Change with Action
// Modified and no Name, or Overflow when the file is gone or events were lost.
func (n *Notifier) WatchFile(f *File, fn func([]Change)) (*Watch, error) {
	if f.Info.IsDir {
		return nil, unix.EISDIR
	}
	return n.watch(f, fileMask, fn)
}

func (n *Notifier) watch(dir *File, mask uint32, fn func([]Change)) (*Watch, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, ErrNotifierClosed
	}
	if n.f == nil {
		fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		if err != nil {
			return nil, os.NewSyscallError("inotify_init1", err)
		}
		n.f, n.fd = os.NewFile(uintptr(fd), "inotify"), fd // non-blocking: reads wait on the netpoller
		n.byWD = make(map[int32]map[*Watch]struct{})
		n.stopped = make(chan struct{})
		go n.read(n.f, n.stopped)
	}
	rc, err := dir.SyscallConn()
	if err != nil {
		return nil, err
	}
	var wd int
	var addErr error
	err = rc.Control(func(fd uintptr) {
		// The descriptor's /proc link names the directory it holds, whatever its path is now: no
		// name is resolved below the share root.
		wd, addErr = unix.InotifyAddWatch(n.fd, "/proc/self/fd/"+strconv.Itoa(int(fd)), mask)
	})
	if err == nil {
		err = addErr
	}
	if err != nil {
		return nil, os.NewSyscallError("inotify_add_watch", err)
	}
	w := &Watch{n: n, wd: int32(wd), share: dir.share, fn: fn, file: mask == fileMask}
	set := n.byWD[w.wd]
	if set == nil {
		set = make(map[*Watch]struct{}) // the same directory opened twice shares one wd
		n.byWD[w.wd] = set
	}
	set[w] = struct{}{}
	return w, nil
}

// Close ends the watch; the last watch of a directory removes the kernel's.
func (w *Watch) Close() {
	n := w.n
	n.mu.Lock()
	defer n.mu.Unlock()
	set := n.byWD[w.wd]
	if _, ok := set[w]; !ok {
		return
	}
	delete(set, w)
	if len(set) == 0 {
		delete(n.byWD, w.wd)
		if !n.closed {
			unix.InotifyRmWatch(n.fd, uint32(w.wd))
		}
	}
}

// Close stops the Notifier: its watches report nothing more.
func (n *Notifier) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	f, stopped := n.f, n.stopped
	n.mu.Unlock()
	if f == nil {
		return nil
	}
	err := f.Close()
	<-stopped
	return err
}

// moveWait is how long a read waits for the MOVED_TO of a rename whose MOVED_FROM ended a batch.
const moveWait = 20 * time.Millisecond

// read reads inotify events until the Notifier closes, and hands each watch its changes. A rename's
// MOVED_TO may not be queued yet when its MOVED_FROM is read (inotify(7) does not promise the pair
// is queued at once), so a batch that ends with a MOVED_FROM waits a moment for more, and the pair is
// reported as a rename, not as a removal and an addition.
func (n *Notifier) read(f *os.File, stopped chan struct{}) {
	defer close(stopped)
	buf := make([]byte, 64<<10)
	for {
		k, err := f.Read(buf)
		if err != nil {
			return
		}
		evs := parseEvents(buf[:k])
		for len(evs) > 0 && evs[len(evs)-1].mask&unix.IN_MOVED_FROM != 0 {
			if f.SetReadDeadline(time.Now().Add(moveWait)) != nil {
				break
			}
			k, err = f.Read(buf)
			f.SetReadDeadline(time.Time{})
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					break // a move out of the directory: a removal
				}
				n.dispatch(evs)
				return
			}
			evs = append(evs, parseEvents(buf[:k])...)
		}
		n.dispatch(evs)
	}
}

// event is one inotify event, its name copied out of the read buffer.
type event struct {
	wd     int32
	mask   uint32
	cookie uint32
	name   string
}

func parseEvents(b []byte) []event {
	var evs []event
	for len(b) >= unix.SizeofInotifyEvent {
		raw := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		end := unix.SizeofInotifyEvent + int(raw.Len)
		if end > len(b) {
			break
		}
		name := b[unix.SizeofInotifyEvent:end]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		evs = append(evs, event{wd: raw.Wd, mask: raw.Mask, cookie: raw.Cookie, name: string(name)})
		b = b[end:]
	}
	return evs
}

// dispatch turns a batch of events into changes and calls each watch of their directory.
func (n *Notifier) dispatch(evs []event) {
	byWD := make(map[int32][]Change)
	var gone []int32
	lost := false
	for i := 0; i < len(evs); i++ {
		ev := evs[i]
		switch {
		case ev.mask&unix.IN_Q_OVERFLOW != 0:
			lost = true
			continue
		case ev.mask&unix.IN_IGNORED != 0:
			// The directory went away (or its last watch was removed): whoever still watches it
			// must look again.
			byWD[ev.wd] = append(byWD[ev.wd], Change{Action: Overflow})
			gone = append(gone, ev.wd)
			continue
		case ev.name == "" && ev.mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF) != 0:
			byWD[ev.wd] = append(byWD[ev.wd], Change{Action: Overflow}) // a watched file went
			continue
		case ev.name == "" && ev.mask&(unix.IN_MODIFY|unix.IN_ATTRIB) != 0:
			// A watched file changed (a directory's own such events are not asked for, but a
			// directory watched for its entries gets IN_ATTRIB about itself: its file watches, if
			// any, take it; its entry watches leave it out, in visible).
			byWD[ev.wd] = append(byWD[ev.wd], Change{Action: Modified})
			continue
		case ev.name == "":
			continue // an event about the directory itself
		}
		c := Change{Name: ev.name, Dir: ev.mask&unix.IN_ISDIR != 0}
		switch {
		case ev.mask&unix.IN_CREATE != 0:
			c.Action = Added
		case ev.mask&unix.IN_DELETE != 0:
			c.Action = Removed
		case ev.mask&unix.IN_MOVED_FROM != 0:
			// A rename within the directory is a MOVED_FROM followed by its MOVED_TO with the same
			// cookie; one out of it is a removal.
			c.Action = Removed
			if i+1 < len(evs) {
				if to := evs[i+1]; to.mask&unix.IN_MOVED_TO != 0 && to.cookie == ev.cookie && to.wd == ev.wd {
					byWD[ev.wd] = append(byWD[ev.wd], Change{Action: RenamedOld, Name: ev.name, Dir: c.Dir},
						Change{Action: RenamedNew, Name: to.name, Dir: c.Dir})
					i++
					continue
				}
			}
		case ev.mask&unix.IN_MOVED_TO != 0:
			c.Action = Added
		case ev.mask&unix.IN_MODIFY != 0:
			c.Action, c.What = Modified, Content
		case ev.mask&unix.IN_ATTRIB != 0:
			c.Action, c.What = Modified, Attributes
		default:
			continue
		}
		byWD[ev.wd] = append(byWD[ev.wd], c)
	}
	n.mu.Lock()
	type call struct {
		w       *Watch
		changes []Change
	}
	var calls []call
	if lost { // every watch must list again: visit them all, not only those with events
		for wd := range n.byWD {
			byWD[wd] = append(byWD[wd], Change{Action: Overflow})
		}
	}
	for wd, changes := range byWD {
		for w := range n.byWD[wd] {
			calls = append(calls, call{w, changes})
		}
	}
	for _, wd := range gone {
		// The kernel removed the watch and may give its number to another directory; the watches
		// that had it learn of it from their Overflow change, and their Close has nothing to undo.
		delete(n.byWD, wd)
	}
	n.mu.Unlock()
	for _, c := range calls {
		if visible := c.w.visible(c.changes); len(visible) > 0 {
			c.w.fn(visible)
		}
	}
}

// visible leaves out the changes to names listings leave out (vetoed, or no client could use them),
// and names the others as listings do (mangled, see Share.MangleNames).
func (w *Watch) visible(changes []Change) []Change {
	out := changes[:0:0]
	for _, c := range changes {
		if c.Action != Overflow && (c.Name == "") != w.file {
			continue // a file's change to a directory watch, or an entry's to a file watch
		}
		if c.Action != Overflow && c.Name != "" && w.share != nil {
			shown, ok := w.share.listName(c.Name)
			if !ok {
				continue
			}
			c.Name = shown
		}
		out = append(out, c)
	}
	return out
}
