package server

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"github.com/zsmbd/zsmbd/dcerpc"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/vfs"
)

// writeIntent is every access right that could change a file, its attributes or its security.
const writeIntent = smb.FileWriteData | smb.FileAppendData | smb.FileWriteEA | smb.FileWriteAttributes |
	smb.FileDeleteChild | smb.Delete | smb.WriteDAC | smb.WriteOwner | smb.AccessSystemSecurity |
	smb.GenericWrite | smb.GenericAll

// handleCreate answers CREATE (MS-SMB2 3.3.5.9) on read-only shares: opens of existing files and
// directories only. Anything that would create, overwrite, write or delete is STATUS_ACCESS_DENIED,
// whether the name exists or not, and nothing on disk changes.
func handleCreate(r *request) error {
	var req smb.CreateRequest
	if err := req.Decode(r.msg); err != nil {
		if errors.Is(err, smb.ErrInvalidName) {
			return smb.StatusObjectNameInvalid
		}
		return smb.StatusInvalidParameter
	}
	r.c.mu.Lock()
	dialect := r.c.neg.dialect
	r.c.mu.Unlock()
	if reconnectsDurable(&req, dialect) {
		// MS-SMB2 3.3.5.9.7, 3.3.5.9.12: a reconnect names an open to take back, and zsmbd grants no
		// durable handles, so there is none; it must not quietly become a new open (smbd answers the
		// same).
		return smb.StatusObjectNameNotFound
	}
	if r.tree.share.ipc {
		return r.createPipe(&req)
	}
	if err := validateCreate(&req); err != nil {
		return err
	}
	switch req.CreateDisposition {
	case smb.FileOpen, smb.FileOpenIf:
	case smb.FileSupersede, smb.FileCreate, smb.FileOverwrite, smb.FileOverwriteIf:
		return smb.StatusAccessDenied
	default:
		return smb.StatusInvalidParameter
	}
	if req.DesiredAccess&writeIntent != 0 || req.CreateOptions&smb.FileDeleteOnClose != 0 {
		return smb.StatusAccessDenied
	}
	if req.CreateOptions&smb.FileDirectoryFile != 0 && req.CreateOptions&smb.FileNonDirectoryFile != 0 {
		return smb.StatusInvalidParameter
	}
	f, err := r.tree.share.fs.Open(r.tree.cred, req.Name)
	if err != nil {
		if req.CreateDisposition == smb.FileOpenIf && errors.Is(err, vfs.ErrNotFound) {
			return smb.StatusAccessDenied // it would be created
		}
		return r.lookupStatus(req.Name, err)
	}
	info := f.Info
	switch {
	case req.CreateOptions&smb.FileDirectoryFile != 0 && !info.IsDir:
		f.Close()
		return smb.StatusNotADirectory
	case req.CreateOptions&smb.FileNonDirectoryFile != 0 && info.IsDir:
		f.Close()
		return smb.StatusFileIsADirectory
	}
	o := &open{sess: r.sess, tree: r.tree, file: f, name: req.Name, access: grantedAccess(req.DesiredAccess)}
	if err := r.c.addOpen(o); err != nil {
		f.Close()
		return err
	}
	r.cs.fileID = o.id
	resp := smb.CreateResponse{
		OplockLevel:    r.grantOplock(o, oplockLevel(&req, info.IsDir, &r.tree.share.cfg)),
		CreateAction:   smb.FileOpened,
		OpenAttributes: openAttributes(fileInfo(info, r.tree.share)),
		FileID:         o.id,
	}
	for _, cc := range req.Contexts {
		switch cc.Name {
		case "MxAc": // MS-SMB2 2.2.14.2.5
			m := smb.MaximalAccessResponse{MaximalAccess: readOnlyAccess}
			resp.Contexts = append(resp.Contexts, smb.CreateContext{Name: "MxAc", Data: m.AppendTo(nil)})
		case "QFid": // MS-SMB2 2.2.14.2.9
			q := smb.QueryOnDiskIDResponse{DiskFileID: info.Inode, VolumeID: info.Dev}
			resp.Contexts = append(resp.Contexts, smb.CreateContext{Name: "QFid", Data: q.AppendTo(nil)})
		}
	}
	r.out = resp.AppendTo(r.out)
	return nil
}

// reconnectsDurable reports whether a CREATE asks to reconnect a durable open: DHnC, or DH2C at 3.x.
func reconnectsDurable(req *smb.CreateRequest, dialect uint16) bool {
	for _, cc := range req.Contexts {
		if cc.Name == "DHnC" || cc.Name == "DH2C" && dialect >= smb.Dialect300 {
			return true
		}
	}
	return false
}

// validateCreate applies the parameter checks of MS-SMB2 2.2.13 and 3.3.5.9 and MS-FSA 2.1.5.1 that come
// before any look-up, with the statuses Samba 4.17 answers. (A leading separator, which MS-SMB2 3.3.5.9
// refuses, stays tolerated: see vfs.)
func validateCreate(req *smb.CreateRequest) error {
	const invalidAccess = 0x0CE0FE00                            // reserved bits (MS-FSA 2.1.5.1)
	const invalidOptions = 0xFF000000 | smb.FileReserveOpfilter // reserved bits; Samba refuses both
	switch {
	case req.ImpersonationLevel > smb.ImpersonationDelegate:
		return smb.StatusBadImpersonationLevel
	case req.CreateOptions&smb.FileOpenByFileID != 0:
		return smb.StatusNotSupported // the name would be a file id
	case req.CreateOptions&invalidOptions != 0:
		return smb.StatusInvalidParameter
	case req.CreateOptions&smb.FileDeleteOnClose != 0 && req.DesiredAccess&smb.Delete == 0:
		return smb.StatusInvalidParameter
	case req.CreateOptions&smb.FileDirectoryFile != 0 && req.CreateDisposition != smb.FileCreate &&
		req.CreateDisposition != smb.FileOpen && req.CreateDisposition != smb.FileOpenIf:
		return smb.StatusInvalidParameter // a directory cannot be overwritten or superseded
	case req.DesiredAccess&invalidAccess != 0:
		return smb.StatusAccessDenied
	case req.CreateOptions&smb.FileNonDirectoryFile != 0 && strings.HasSuffix(req.Name, `\`):
		return smb.StatusObjectNameInvalid // MS-FSA 2.1.5.1
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
		g |= 0x00120089 // FILE_GENERIC_READ
	}
	if desired&smb.GenericExecute != 0 {
		g |= 0x001200A0 // FILE_GENERIC_EXECUTE
	}
	return g & (readOnlyAccess | smb.ReadControl | smb.Synchronize)
}

// createPipe opens a named pipe on IPC$.
func (r *request) createPipe(req *smb.CreateRequest) error {
	name := strings.TrimPrefix(strings.TrimPrefix(req.Name, "\\"), "PIPE\\")
	p, err := dcerpc.Open(name, r.c.srv.rpcServer())
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
	case errors.Is(err, vfs.ErrNameInvalid):
		return smb.StatusObjectNameInvalid
	case errors.Is(err, vfs.ErrNotFound), errors.Is(err, vfs.ErrStream):
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
