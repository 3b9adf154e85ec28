package vfs

// Cred is the Unix identity whose rights a session has on the file system: the kernel checks every
// lookup, open and directory read of a client's name against it, as Samba's smbd does by switching
// to the logged-on user's uid, gid and groups for each file-system operation.
//
// A nil *Cred means the process's own identity (for tools and tests). Credentials are switched only
// when the process runs as root (os.Geteuid() == 0); otherwise the kernel already applies the
// process's own, smaller rights and nothing is switched.
type Cred struct {
	UID, GID uint32
	Groups   []uint32 // supplementary groups
}
