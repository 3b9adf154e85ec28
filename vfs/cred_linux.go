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
// The switch is per thread: setgroups, setfsgid and setfsuid as raw system calls on the locked
// thread. syscall.Setgroups, Setuid and the like would not do: Go applies those to every thread of
// the process.
//
// fn runs on a goroutine of its own, locked to its thread. When the process's identity cannot be
// verified back on that thread, the goroutine ends still locked, and the runtime then terminates
// the thread (runtime.LockOSThread), so no thread is left with a user's identity to run other
// goroutines. Running fn on the caller's goroutine would leave no such way out: the caller (a
// connection's handler) cannot end in the middle of a request.
//
// While the goroutine is locked, a thread the runtime starts meanwhile (to run other goroutines
// while fn waits in a system call) is cloned by the runtime's template thread, never by a locked
// one (newm in runtime/proc.go), so no new thread inherits a switched identity.
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
	done := make(chan error, 1)
	var panicked any
	go func() {
		runtime.LockOSThread()
		var err error
		restored := false
		defer func() {
			panicked = recover() // handed to the caller, whose connection recovers it
			if restored {
				runtime.UnlockOSThread()
			} // else this goroutine ends locked and takes the thread with it
			done <- err
		}()
		restored, err = c.switched(&own, fn)
	}()
	err := <-done
	if panicked != nil {
		panic(panicked)
	}
	return err
}

// switched runs fn on the calling thread, which the caller keeps locked, with c's identity, then
// restores own's and reports whether the restore was verified (the deferred restore sets restored,
// whatever the return statements say). If the switch fails, fn does not run and the error is
// returned. If fn panics, the panic goes on with restored unknown to the caller, which then treats
// the thread as lost.
func (c *Cred) switched(own *ownIDs, fn func() error) (restored bool, err error) {
	defer func() { restored = own.restore() }()
	if err := setgroups(c.Groups); err != nil {
		return false, err
	}
	if !setfsgid(c.GID) || !setfsuid(c.UID) {
		return false, unix.EPERM // no CAP_SETUID or CAP_SETGID: refuse rather than run as root
	}
	return false, fn()
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
