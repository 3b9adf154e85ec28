package server

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/dcerpc"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/vfs"
)

// shareWriteRights are the rights a read-only share takes out of every open, as smbd does: asking for one
// is STATUS_ACCESS_DENIED as soon as the open could create or reaches a directory. The reserved bits of
// MS-FSA 2.1.5.1 (0x0CE0FE00) are refused in the same place by smbd.
const shareWriteRights = smb.FileWriteData | smb.FileAppendData | smb.FileWriteEA | smb.FileWriteAttributes |
	smb.FileDeleteChild | smb.GenericWrite | smb.GenericAll | 0x0CE0FE00

// objectWriteRights change an existing file or directory; they are refused once the name is found.
const objectWriteRights = smb.Delete | smb.WriteDAC | smb.WriteOwner

// handleCreate answers CREATE (MS-SMB2 3.3.5.9) on read-only shares: opens of existing files and
// directories only. Anything that would create, overwrite, write or delete is refused, and nothing on
// disk changes; which status the refusal carries follows smbd 4.17 (createRefusal).
func handleCreate(r *request) error {
	var req smb.CreateRequest
	if err := req.Decode(r.msg); err != nil {
		if errors.Is(err, smb.ErrInvalidName) {
			return smb.StatusObjectNameInvalid
		}
		return smb.StatusInvalidParameter
	}
	if err := validateContexts(req.Contexts); err != nil {
		return err
	}
	if reconnectsDurable(&req) {
		// MS-SMB2 3.3.5.9.7, 3.3.5.9.12: a reconnect names an open to take back, and zsmbd grants no
		// durable handles, so there is none; it must not quietly become a new open (smbd answers the
		// same).
		return smb.StatusObjectNameNotFound
	}
	if r.tree.share.ipc {
		return r.createPipe(&req)
	}
	if req.Name == quotaFakeFile {
		// NTFS's quota file, which Windows opens for a share's quota settings: smbd serves it to root
		// alone and answers everyone else ACCESS_DENIED (this spelling only); no zsmbd session is root.
		return smb.StatusAccessDenied
	}
	if req.CreateOptions&smb.FileNonDirectoryFile != 0 && strings.HasSuffix(req.Name, `\`) {
		return smb.StatusObjectNameInvalid // MS-FSA 2.1.5.1
	}
	// As smbd 4.17 does, the name is resolved before the request is checked: a missing or bad way to it
	// is the answer, whatever the open asked for.
	f, err := r.openName(&req)
	if err != nil {
		if st := r.lookupStatus(req.Name, err); st != smb.StatusObjectNameNotFound {
			return st
		}
		if err := validateCreate(&req); err != nil {
			return err
		}
		return createRefusal(&req, false, false)
	}
	info := f.Info
	access, maximal, err := checkOpen(&req, f, &r.tree.share.cfg)
	if err != nil {
		f.Close()
		return err
	}
	o := &open{sess: r.sess, tree: r.tree, file: f, name: req.Name, access: access}
	if err := r.c.addOpen(o); err != nil {
		f.Close()
		return err
	}
	r.cs.fileID = o.id
	resp := smb.CreateResponse{
		OplockLevel:    r.grantOplock(o, oplockLevel(&req, f, &r.tree.share.cfg)),
		CreateAction:   smb.FileOpened,
		OpenAttributes: openAttributes(fileInfo(info, r.tree.share)),
		FileID:         o.id,
	}
	for _, cc := range req.Contexts {
		switch cc.Name {
		case "MxAc": // MS-SMB2 2.2.14.2.5
			m := smb.MaximalAccessResponse{MaximalAccess: maximal}
			resp.Contexts = append(resp.Contexts, smb.CreateContext{Name: "MxAc", Data: m.AppendTo(nil)})
		case "QFid": // MS-SMB2 2.2.14.2.9
			q := smb.QueryOnDiskIDResponse{DiskFileID: info.Inode, VolumeID: info.Dev}
			resp.Contexts = append(resp.Contexts, smb.CreateContext{Name: "QFid", Data: q.AppendTo(nil)})
		}
	}
	r.out = resp.AppendTo(r.out)
	return nil
}

// quotaFakeFile is the name of NTFS's quota file (MS-FSCC 2.5.2's FileFsControlInformation is its
// file-system side), as smbd recognizes it.
const quotaFakeFile = `$Extend\$Quota:$Q:$INDEX_ALLOCATION`

// openName opens the CREATE's name with the session's rights. An open that asks for no data is a stat
// open: it needs no permission on the file itself, only on the way to it, and gets an O_PATH descriptor.
// One that asks for data it may not read still finds the name, so that what the request asks of it is
// answered first (checkOpen), as smbd answers, and MAXIMUM_ALLOWED gets what the mode allows.
func (r *request) openName(req *smb.CreateRequest) (*vfs.File, error) {
	fsys, cred := r.tree.share.fs, r.tree.cred
	if req.DesiredAccess&dataRights == 0 {
		return fsys.OpenPath(cred, req.Name)
	}
	f, err := fsys.Open(cred, req.Name)
	if errors.Is(err, fs.ErrPermission) {
		if pf, perr := fsys.OpenPath(cred, req.Name); perr == nil {
			return pf, nil
		}
	}
	return f, err
}

// checkOpen checks a CREATE of a name that exists, f, and returns the access the open gets and the
// maximal access an MxAc context reports.
func checkOpen(req *smb.CreateRequest, f *vfs.File, sh *config.Share) (access, maximal uint32, err error) {
	if err := validateCreate(req); err != nil {
		return 0, 0, err
	}
	if err := createRefusal(req, true, f.Info.IsDir); err != nil {
		return 0, 0, err
	}
	return createAccess(req, f, hasContext(req, "MxAc"), sh.AclAllowExecuteAlways)
}

// dataRights ask for a file's data or a directory's listing (or may: MAXIMUM_ALLOWED and the generic
// rights); an open without any of them is a stat open, which smbd makes without reading the file.
const dataRights = smb.FileReadData | smb.FileExecute | smb.MaximumAllowed | smb.GenericRead | smb.GenericExecute |
	smb.GenericAll

// createAccess works out what an open of f grants, as smbd's ACL made from the mode does for the
// session: each right asked for must be one the mode allows (FILE_READ_DATA and FILE_READ_EA need read
// permission, FILE_EXECUTE execute permission, READ_CONTROL and SYNCHRONIZE any of read, write and
// execute, which each grant them; FILE_READ_ATTRIBUTES anyone may have who found the name),
// MAXIMUM_ALLOWED gets all of those, and maximal is what MxAc reports. A stat open (f from OpenPath)
// cannot read data, whatever the mode says. A directory always gets FILE_READ_ATTRIBUTES, as from smbd.
// With execAlways (`acl allow execute always`), FILE_EXECUTE asked for a file the session may read is
// granted whatever its mode, as smbd grants it; MAXIMUM_ALLOWED still follows the mode. The permission
// checks are system calls made with the session's ids, so each is made only when a right asked for
// needs it.
func createAccess(req *smb.CreateRequest, f *vfs.File, mxac, execAlways bool) (access, maximal uint32, err error) {
	var checked, allowed uint8 // bits: mayRead, mayWrite, mayExec
	const mayRead, mayWrite, mayExec = 1, 2, 4
	may := func(bit uint8) bool {
		if checked&bit == 0 {
			checked |= bit
			var ok bool
			switch bit {
			case mayRead:
				ok = !f.PathOnly() || f.MayRead() // a data open was allowed to read
			case mayWrite:
				ok = f.MayWrite()
			case mayExec:
				ok = f.MayExecute()
			}
			if ok {
				allowed |= bit
			}
		}
		return allowed&bit != 0
	}
	modeAllows := func() uint32 {
		m := uint32(smb.FileReadAttributes)
		if may(mayRead) {
			m |= smb.FileGenericRead
		}
		if may(mayExec) {
			m |= smb.FileGenericExecute
		}
		if m&smb.ReadControl == 0 && may(mayWrite) {
			m |= smb.ReadControl | smb.Synchronize // FILE_GENERIC_WRITE's, less the writing
		}
		return m
	}
	access = grantedAccess(req.DesiredAccess &^ smb.MaximumAllowed)
	switch {
	case f.PathOnly() && access&(smb.FileReadData|smb.FileExecute) != 0,
		access&(smb.FileReadData|smb.FileReadEA) != 0 && !may(mayRead),
		access&smb.FileExecute != 0 && !may(mayExec) && !(execAlways && !f.Info.IsDir && !f.PathOnly()),
		access&(smb.ReadControl|smb.Synchronize) != 0 && !may(mayRead) && !may(mayExec) && !may(mayWrite):
		return 0, 0, smb.StatusAccessDenied
	}
	if req.DesiredAccess&smb.MaximumAllowed != 0 {
		access |= modeAllows()
		if f.PathOnly() {
			access &^= smb.FileReadData | smb.FileExecute
		}
	}
	if mxac {
		maximal = modeAllows()
	}
	if f.Info.IsDir {
		access |= smb.FileReadAttributes
	}
	return access, maximal, nil
}

// validateCreate applies the parameter checks of MS-SMB2 2.2.13 and 3.3.5.9 and MS-FSA 2.1.5.1, with
// the statuses smbd 4.17 answers once the way to the name is resolved, in its order. A name that
// starts with a separator is refused as smbd and Windows refuse it (MS-SMB2 3.3.5.9; checked with
// impacket and smbtorture's smb2.create.leading-slash).
func validateCreate(req *smb.CreateRequest) error {
	const invalidOptions = 0xFF000000 | smb.FileReserveOpfilter // reserved bits; Samba refuses both
	switch {
	case req.ImpersonationLevel > smb.ImpersonationDelegate:
		return smb.StatusBadImpersonationLevel
	case strings.HasPrefix(req.Name, `\`):
		return smb.StatusInvalidParameter
	case req.CreateOptions&smb.FileOpenByFileID != 0:
		return smb.StatusNotSupported // the name would be a file id
	case req.CreateOptions&invalidOptions != 0:
		return smb.StatusInvalidParameter
	case req.CreateOptions&smb.FileDeleteOnClose != 0 && req.DesiredAccess&smb.Delete == 0:
		return smb.StatusInvalidParameter
	case req.CreateDisposition > smb.FileOverwriteIf,
		req.CreateOptions&smb.FileDirectoryFile != 0 && req.CreateOptions&smb.FileNonDirectoryFile != 0:
		return smb.StatusInvalidParameter
	case req.DesiredAccess&smb.AccessSystemSecurity != 0:
		return smb.StatusPrivilegeNotHeld // the SACL right needs SeSecurityPrivilege, which no session holds
	}
	return nil
}

// createRefusal is the answer to a CREATE that may not open the name on a read-only share, or nil if it
// may: found says whether the name exists and dir whether it is a directory. The order of the checks is
// smbd 4.17's, measured with impacket over every disposition, the directory options and each access
// right, on a file, a directory and a missing name. As smbd does, an open that goes to a directory (one
// found without FILE_NON_DIRECTORY_FILE, or any with FILE_DIRECTORY_FILE) meets the share's write
// rights first; an open of a file first meets what the disposition says about the name being there.
func createRefusal(req *smb.CreateRequest, found, dir bool) error {
	access, opts := req.DesiredAccess, req.CreateOptions
	shareWrite := access&shareWriteRights != 0
	overwrites := req.CreateDisposition == smb.FileSupersede || req.CreateDisposition == smb.FileOverwrite ||
		req.CreateDisposition == smb.FileOverwriteIf
	creates := req.CreateDisposition != smb.FileOpen && req.CreateDisposition != smb.FileOverwrite
	if opts&smb.FileDirectoryFile != 0 || found && dir && opts&smb.FileNonDirectoryFile == 0 {
		// MAXIMUM_ALLOWED with DELETE asks the share for more than it grants a directory.
		if shareWrite || found && access&smb.MaximumAllowed != 0 && access&smb.Delete != 0 {
			return smb.StatusAccessDenied
		}
		switch {
		case overwrites:
			return smb.StatusInvalidParameter // a directory cannot be overwritten or superseded
		case !found && creates:
			return smb.StatusAccessDenied // it would make a directory
		case !found:
			return smb.StatusObjectNameNotFound
		case req.CreateDisposition == smb.FileCreate:
			return smb.StatusObjectNameCollision
		case !dir:
			return smb.StatusNotADirectory
		}
	} else {
		switch {
		case !found && !creates:
			return smb.StatusObjectNameNotFound
		case found && dir && req.CreateDisposition == smb.FileCreate:
			return smb.StatusFileIsADirectory
		case found && req.CreateDisposition == smb.FileCreate:
			return smb.StatusObjectNameCollision
		case shareWrite:
			return smb.StatusAccessDenied
		case !found:
			return smb.StatusObjectNameNotFound // it would be created: smbd opens without O_CREAT
		case dir:
			return smb.StatusFileIsADirectory
		case overwrites:
			return smb.StatusAccessDenied
		}
	}
	if access&objectWriteRights != 0 || opts&smb.FileDeleteOnClose != 0 {
		return smb.StatusAccessDenied
	}
	return nil
}

// grantedAccess maps the generic rights and MAXIMUM_ALLOWED onto what a read-only share grants
// (MS-SMB2 3.3.5.9, MS-DTYP 2.4.3).
func grantedAccess(desired uint32) uint32 {
	if desired&smb.MaximumAllowed != 0 {
		return readOnlyAccess
	}
	g := desired &^ (smb.GenericRead | smb.GenericExecute)
	if desired&smb.GenericRead != 0 {
		g |= smb.FileGenericRead
	}
	if desired&smb.GenericExecute != 0 {
		g |= smb.FileGenericExecute
	}
	return g & (readOnlyAccess | smb.ReadControl | smb.Synchronize)
}

// createPipe opens a named pipe on IPC$.
func (r *request) createPipe(req *smb.CreateRequest) error {
	name := strings.TrimPrefix(strings.TrimPrefix(req.Name, "\\"), "PIPE\\")
	// `access based share enum`: a share the session may not connect to is left out of its lists.
	// The pipe outlives this request: the closure keeps the connection and session, not r.
	c, sess := r.c, r.sess
	listed := func(sh *share) bool { return !sh.cfg.AccessBasedShareEnum || c.refusal(sess, sh) == "" }
	p, err := dcerpc.Open(name, r.c.srv.rpcServer(listed))
	if err != nil {
		return smb.StatusObjectNameNotFound
	}
	o := &open{sess: r.sess, tree: r.tree, pipe: p, name: name, access: pipeAccess}
	if err := r.c.addOpen(o); err != nil {
		return err
	}
	r.cs.fileID = o.id
	resp := smb.CreateResponse{
		CreateAction:   smb.FileOpened,
		OpenAttributes: smb.OpenAttributes{FileAttributes: fscc.FILE_ATTRIBUTE_NORMAL},
		FileID:         o.id,
	}
	r.out = resp.AppendTo(r.out)
	return nil
}

// lookupStatus maps the error of opening name. Samba 4.17 with `wide links = no` answers a symbolic
// link that leaves the share, and a link loop, as if the name did not exist: the final component
// STATUS_OBJECT_NAME_NOT_FOUND, an intermediate one STATUS_OBJECT_PATH_NOT_FOUND (observed with
// smbclient). vfs does not say which component failed, so the parent is looked up again, on this
// error path only.
func (r *request) lookupStatus(name string, err error) smb.Status {
	if errors.Is(err, vfs.ErrAboveRoot) || !errors.Is(err, vfs.ErrEscapes) && !errors.Is(err, vfs.ErrLoop) {
		return vfsStatus(err)
	}
	name = strings.TrimRight(name, "\\")
	i := strings.LastIndexByte(name, '\\')
	if i < 0 {
		return smb.StatusObjectNameNotFound
	}
	if info, err := r.tree.share.fs.Stat(r.tree.cred, name[:i]); err != nil || !info.IsDir {
		return smb.StatusObjectPathNotFound
	}
	return smb.StatusObjectNameNotFound
}

// vfsStatus maps a vfs or system error to the NTSTATUS Samba answers with.
func vfsStatus(err error) smb.Status {
	var errno syscall.Errno
	switch {
	case errors.Is(err, vfs.ErrAboveRoot):
		return smb.StatusObjectPathSyntaxBad // Samba's check_path_syntax
	case errors.Is(err, vfs.ErrNameInvalid), errors.Is(err, vfs.ErrStream):
		// A named stream, on a server that does not offer them (no FILE_NAMED_STREAMS), is a name
		// with a ':' in it, as Samba without a streams module answers.
		return smb.StatusObjectNameInvalid
	case errors.Is(err, vfs.ErrNotFound):
		return smb.StatusObjectNameNotFound
	case errors.Is(err, vfs.ErrPathNotFound):
		return smb.StatusObjectPathNotFound
	case errors.Is(err, vfs.ErrEscapes), errors.Is(err, vfs.ErrLoop):
		return smb.StatusObjectNameNotFound // see lookupStatus
	case errors.Is(err, fs.ErrPermission):
		return smb.StatusAccessDenied
	case errors.Is(err, fs.ErrNotExist):
		return smb.StatusObjectNameNotFound
	case errors.As(err, &errno):
		switch errno {
		case syscall.ENOTDIR, syscall.ELOOP:
			return smb.StatusObjectPathNotFound
		case syscall.ENAMETOOLONG:
			return smb.StatusObjectNameInvalid
		case syscall.EMFILE, syscall.ENFILE:
			return smb.StatusTooManyOpenedFiles
		}
	}
	return smb.StatusUnsuccessful
}
