package server

import (
	"errors"

	"github.com/zsmbd/zsmbd/internal/le"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
)

// handleQueryInfo answers QUERY_INFO (MS-SMB2 3.3.5.20): file classes from stat, file system classes
// from statfs of the share, and a security descriptor built from the owner.
func handleQueryInfo(r *request) error {
	var req smb.QueryInfoRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	if err := r.checkCharge(max(uint64(len(req.Input)), uint64(req.OutputBufferLength))); err != nil {
		return err
	}
	max := int(req.OutputBufferLength)
	var data []byte
	switch req.InfoType {
	case smb.InfoFile:
		switch req.FileInfoClass {
		case fscc.FileBasicInformation, fscc.FileAllInformation, fscc.FileNetworkOpenInformation,
			fscc.FileAttributeTagInformation:
			if o.access&smb.FileReadAttributes == 0 {
				return smb.StatusAccessDenied // MS-SMB2 3.3.5.20.1
			}
		case fscc.FileFullEaInformation:
			// MS-FSA 2.1.5.11 (FileFullEaInformation): a file without extended attributes (zsmbd shows none, and
			// FileEaInformation says EaSize 0) is STATUS_NO_EAS_ON_FILE, as smbd answers.
			return smb.StatusNoEasOnFile
		case fscc.FileNormalizedNameInformation:
			r.c.mu.Lock()
			dialect := r.c.neg.dialect
			r.c.mu.Unlock()
			if dialect < smb.Dialect311 {
				return smb.StatusNotSupported // MS-SMB2 3.3.5.20.1
			}
		}
		data, err = r.fileInfoClass(o, req.FileInfoClass, max)
	case smb.InfoFilesystem:
		if o.file == nil {
			return smb.StatusInvalidParameter
		}
		data, err = r.fsInfoClass(req.FileInfoClass, max)
	case smb.InfoSecurity:
		if o.file == nil {
			return smb.StatusInvalidParameter
		}
		const needReadControl = smb.OwnerSecurityInformation | smb.GroupSecurityInformation |
			smb.DACLSecurityInformation | smb.LabelSecurityInformation
		if req.AdditionalInformation&needReadControl != 0 && o.access&smb.ReadControl == 0 ||
			req.AdditionalInformation&smb.SACLSecurityInformation != 0 && o.access&smb.AccessSystemSecurity == 0 {
			return smb.StatusAccessDenied // MS-SMB2 3.3.5.20.3 (an open never has ACCESS_SYSTEM_SECURITY here)
		}
		i := o.file.Info
		data, err = fscc.SecurityInfo(i.Uid, i.Gid, uint32(i.Mode.Perm()), i.IsDir, req.AdditionalInformation, max)
		var small *fscc.BufferTooSmallError
		if errors.As(err, &small) {
			// MS-SMB2 3.3.5.20.3: the error data is the size the descriptor needs.
			return r.errorData(smb.StatusBufferTooSmall, le.AppendU32(nil, small.Required))
		}
	case smb.InfoQuota:
		return smb.StatusNotSupported
	default:
		return smb.StatusInvalidParameter
	}
	switch {
	case errors.Is(err, fscc.ErrBufferOverflow):
		r.status = smb.StatusBufferOverflow
	case err != nil:
		return fsccStatus(err)
	}
	r.out = (&smb.QueryInfoResponse{Buffer: data}).AppendTo(r.out)
	return nil
}

func (r *request) fileInfoClass(o *open, class uint8, max int) ([]byte, error) {
	if o.pipe != nil {
		// smbclient asks FileStandardInformation of pipes; a pipe is an empty, unlinked-looking file.
		return fscc.FileInfo(class, fscc.File{NumberOfLinks: 1, Attributes: fscc.FILE_ATTRIBUTE_NORMAL}, fscc.Open{AccessMask: o.access, Path: o.name}, max)
	}
	info, err := o.file.Stat()
	if err != nil {
		return nil, vfsStatus(err)
	}
	f := fileInfo(info, r.tree.share)
	return fscc.FileInfo(class, f, fscc.Open{AccessMask: o.access, Path: o.name}, max)
}

func (r *request) fsInfoClass(class uint8, max int) ([]byte, error) {
	if class == fscc.FileFsControlInformation {
		// The quota settings: smbd answers anyone but root ACCESS_DENIED (users and guests alike,
		// checked with smbtorture's smb2.getinfo.fsinfo), and no zsmbd session is root.
		return nil, smb.StatusAccessDenied
	}
	sh := r.tree.share
	fs, err := sh.fs.Statfs()
	if err != nil {
		return nil, vfsStatus(err)
	}
	root, err := sh.fs.Stat(r.tree.cred, "")
	if err != nil {
		return nil, vfsStatus(err)
	}
	unit := uint32(fs.BlockSize)
	v := fscc.Volume{
		Label:            sh.cfg.Name,
		SerialNumber:     uint32(fs.FSID) ^ uint32(fs.FSID>>32),
		CreationTime:     fscc.Filetime(root.Btime),
		TotalUnits:       fs.TotalBlocks,
		FreeUnits:        fs.FreeBlocks,
		CallerAvailUnits: fs.AvailBlocks,
		SectorsPerUnit:   max32(unit/512, 1),
		BytesPerSector:   min(unit, 512),
		FSName:           "NTFS",
		MaxNameLen:       255,
		Attributes:       fscc.DefaultFSAttributes(true),
	}
	le.PutU64(v.ObjectID[:], 0, fs.FSID)
	return fscc.FSInfo(class, v, max)
}

func max32(a, b uint32) uint32 { return max(a, b) }

// fsccStatus maps an fscc encoding error to its NTSTATUS.
func fsccStatus(err error) smb.Status {
	switch {
	case errors.Is(err, fscc.ErrInvalidClass):
		return smb.StatusInvalidInfoClass
	case errors.Is(err, fscc.ErrInfoLength):
		return smb.StatusInfoLengthMismatch
	case errors.Is(err, fscc.ErrNoShortName):
		// A long name has no 8.3 name (zsmbd mangles only names clients cannot use). NTFS answers OBJECT_NAME_NOT_FOUND, on
		// which smbclient's allinfo gives up; it carries on after NOT_SUPPORTED ("altname:" empty).
		return smb.StatusNotSupported
	case errors.Is(err, fscc.ErrBufferTooSmall):
		return smb.StatusBufferTooSmall
	}
	if s, ok := err.(smb.Status); ok {
		return s
	}
	return smb.StatusInternalError
}

// errorData answers status with an ERROR response that carries data (MS-SMB2 2.2.2).
func (r *request) errorData(status smb.Status, data []byte) error {
	r.errData = data
	return status
}
