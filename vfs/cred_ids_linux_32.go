//go:build linux && (386 || arm)

package vfs

import "golang.org/x/sys/unix"

// System calls that take 32-bit ids: on 386 and arm the unsuffixed ones take 16-bit ids.
const (
	sysSetgroups = unix.SYS_SETGROUPS32
	sysSetfsuid  = unix.SYS_SETFSUID32
	sysSetfsgid  = unix.SYS_SETFSGID32
)
