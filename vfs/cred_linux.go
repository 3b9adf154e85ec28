package vfs

import (
	"os"
	"runtime"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ownIDs is the process's own identity, which a thread goes back to after a switch.
type ownIDs struct {
	root   bool // euid 0: the only case where anything is switched
	gid    uint32
	groups []uint32
	err    error // the groups could not be read: refuse to switch, since they could not be restored
}

var processIDs = sync.OnceValue(func() ownIDs {
	own := ownIDs{root: os.Geteuid() == 0, gid: uint32(os.Getegid())}
	// No thread is switched yet when this runs: only the goroutines of run switch, and they restore
	// or end with their thread.
	groups, err := unix.Getgroups()
	if err != nil {
		own.err = err
	}
	for _, g := range groups {
		own.groups = append(own.groups, uint32(g))
	}
	return own
})

// run calls fn with the file-system identity of c: the kernel checks fn's lookups, opens and
// directory reads against c's fsuid, fsgid and groups. With a nil c, or when the process is not
// root, fn runs with the process's own identity: a process that is not root cannot switch, and the
// kernel already applies its own rights.
//
// The switch is per thread: setgroups, setfsgid and setfsuid as raw system calls on the calling
// goroutine's thread, locked to it for the duration. syscall.Setgroups, Setuid and the like would
// not do: Go applies those to every thread of the process. If the switch does not take, fn does not
// run (EPERM: no CAP_SETUID or CAP_SETGID; refuse rather than run as root).
//
// Afterwards the process's identity is put back and read back. If that cannot be verified, the
// goroutine stays locked to the thread: no other goroutine ever runs on it again, and the runtime
// ends the thread when the goroutine exits (runtime.LockOSThread); a connection's handler goroutine
// ends with its request, its reader with the connection. fn runs on the caller's goroutine, not one
// of its own: handing it to another goroutine woke a second thread per lookup (go-smb2's Stat took
// 20% longer).
//
// While the thread is locked, a thread the runtime starts meanwhile (to run other goroutines while
// fn waits in a system call) is cloned by the runtime's template thread, never by a locked one (newm
// in runtime/proc.go), so no new thread inherits a switched identity.
func (c *Cred) run(fn func() error) error {
	if c == nil {
		return fn()
	}
	own := processIDs()
	if !own.root {
		return fn()
	}
	if own.err != nil {
		return own.err
	}
	runtime.LockOSThread()
	defer func() {
		if own.restore() {
			runtime.UnlockOSThread()
		}
	}()
	if err := setgroups(c.Groups); err != nil {
		return err
	}
	if !setfsgid(c.GID) || !setfsuid(c.UID) {
		return unix.EPERM
	}
	return fn()
}

// restore gives the calling thread the process's identity back: fsuid 0 (run switches only in a
// root process), fsgid the process's egid and its supplementary groups.
func (own *ownIDs) restore() bool {
	return setfsuid(0) && setfsgid(own.gid) && setgroups(own.groups) == nil
}

// setfsuid sets the calling thread's fsuid and reports whether it is now uid. setfsuid(2) has no
// error return: it returns the previous fsuid, so a second call with the same id reads back the one
// in force.
func setfsuid(uid uint32) bool {
	unix.RawSyscall(sysSetfsuid, uintptr(uid), 0, 0)
	now, _, _ := unix.RawSyscall(sysSetfsuid, uintptr(uid), 0, 0)
	return uint32(now) == uid
}

// setfsgid is setfsuid for the fsgid.
func setfsgid(gid uint32) bool {
	unix.RawSyscall(sysSetfsgid, uintptr(gid), 0, 0)
	now, _, _ := unix.RawSyscall(sysSetfsgid, uintptr(gid), 0, 0)
	return uint32(now) == gid
}

// setgroups sets the calling thread's supplementary groups. The system call is per thread; glibc
// and Go's syscall.Setgroups broadcast it to every thread.
func setgroups(gids []uint32) error {
	var e unix.Errno
	if len(gids) == 0 {
		_, _, e = unix.RawSyscall(sysSetgroups, 0, 0, 0)
	} else {
		_, _, e = unix.RawSyscall(sysSetgroups, uintptr(len(gids)), uintptr(unsafe.Pointer(&gids[0])), 0)
	}
	if e != 0 {
		return e
	}
	return nil
}
