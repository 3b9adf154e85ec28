package server

import (
	"encoding/binary"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
)

// handleClose answers CLOSE (MS-SMB2 3.3.5.10), with the attributes after close when asked.
func handleClose(r *request) error {
	var req smb.CloseRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	resp := smb.CloseResponse{}
	if req.Flags&smb.ClosePostQueryAttrib != 0 && o.file != nil {
		if info, err := o.file.Stat(); err == nil {
			resp = smb.CloseResponse{
				Flags:          smb.ClosePostQueryAttrib,
				OpenAttributes: openAttributes(fileInfo(info, r.tree.share)),
			}
		}
	}
	r.c.removeOpen(o)
	r.out = resp.AppendTo(r.out)
	return nil
}

// handleFlush answers FLUSH (MS-SMB2 3.3.5.11): nothing was written, and the spec refuses a flush
// without write access; pipes have nothing to flush.
func handleFlush(r *request) error {
	var req smb.FlushRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	if o.pipe == nil && o.access&(smb.FileWriteData|smb.FileAppendData) == 0 {
		return smb.StatusAccessDenied
	}
	r.out = (&smb.FlushResponse{}).AppendTo(r.out)
	return nil
}

// handleWrite answers WRITE: DCE/RPC requests on IPC$ pipes; share files are read-only.
func handleWrite(r *request) error {
	var req smb.WriteRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	if err := r.checkCharge(uint64(req.Length)); err != nil {
		return err
	}
	if o.pipe == nil {
		return smb.StatusAccessDenied
	}
	o.mu.Lock()
	err = o.pipe.Write(req.Data)
	o.mu.Unlock()
	if err != nil {
		r.c.log.Info().Err(err).Str("pipe", o.name).Msg("bad DCE/RPC request")
		return smb.StatusInvalidParameter
	}
	r.out = (&smb.WriteResponse{Count: uint32(len(req.Data))}).AppendTo(r.out)
	return nil
}

// handleSetInfo refuses SET_INFO: renames, deletes, size, time and security changes would all write
// (MS-SMB2 3.3.5.21).
func handleSetInfo(r *request) error {
	var req smb.SetInfoRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	if _, err := r.open(req.FileID); err != nil {
		return err
	}
	if err := r.checkCharge(uint64(len(req.Buffer))); err != nil {
		return err
	}
	return setInfoStatus(&req)
}

// setInfoStatus is the answer to a SET_INFO on a read-only share, in smbd 4.17's order (measured with
// impacket against both servers, every class below 70 with 0, 8 and 64 bytes): a request with no data
// or too little for its class is STATUS_INVALID_PARAMETER, a class that cannot be set
// STATUS_INVALID_INFO_CLASS, and any change STATUS_ACCESS_DENIED. What changes nothing succeeds, as on
// smbd: FilePositionInformation and FileModeInformation (kept by the client's file object, nothing on
// disk) and FileDispositionInformation that clears DeletePending, as none is ever set here.
func setInfoStatus(req *smb.SetInfoRequest) error {
	b := req.Buffer
	if len(b) == 0 {
		return smb.StatusInvalidParameter
	}
	switch req.InfoType {
	case smb.InfoFile:
		n, ok := setInfoSizes[req.FileInfoClass]
		switch {
		case req.FileInfoClass == fileValidDataLengthInformation || req.FileInfoClass == fileShortNameInformation:
			return smb.StatusNotSupported
		case !ok:
			return smb.StatusInvalidInfoClass
		case len(b) < n:
			return smb.StatusInvalidParameter
		}
		switch req.FileInfoClass {
		case fileRenameInformation, fileLinkInformation:
			if nameLen := binary.LittleEndian.Uint32(b[16:]); nameLen == 0 || uint64(nameLen) > uint64(len(b)-20) {
				return smb.StatusInvalidParameter
			}
		case fileDispositionInformation:
			if b[0] == 0 {
				return nil
			}
		case fscc.FilePositionInformation, fscc.FileModeInformation:
			return nil
		}
	case smb.InfoFilesystem:
		if req.FileInfoClass != fileFsControlInformation {
			return smb.StatusInvalidInfoClass
		}
	case smb.InfoQuota:
		// FILE_QUOTA_INFORMATION (MS-FSCC 2.4.36): 40 bytes, then a SID of SidLength bytes (8 at least).
		if len(b) < 40 || binary.LittleEndian.Uint32(b[4:]) < 8 || uint64(binary.LittleEndian.Uint32(b[4:])) > uint64(len(b)-40) {
			return smb.StatusInvalidParameter
		}
	case smb.InfoSecurity:
	default:
		return smb.StatusInvalidParameter
	}
	return smb.StatusAccessDenied
}

// setInfoSizes are the file classes SET_INFO takes, with the least data each needs (MS-FSCC 2.4): a
// rename or link names a target after 20 bytes; basic is 40 bytes, its 36 and padding, as smbd asks.
var setInfoSizes = map[uint8]int{fscc.FileBasicInformation: 40, fileRenameInformation: 24,
	fileLinkInformation: 24, fileDispositionInformation: 1, fscc.FilePositionInformation: 8,
	fscc.FileFullEaInformation: 9, fscc.FileModeInformation: 4, fileAllocationInformation: 8,
	fileEndOfFileInformation: 8}

// Information classes SET_INFO names that QUERY_INFO does not answer (MS-FSCC 2.4, 2.5).
const (
	fileRenameInformation          = 10
	fileLinkInformation            = 11
	fileDispositionInformation     = 13
	fileAllocationInformation      = 19
	fileEndOfFileInformation       = 20
	fileValidDataLengthInformation = 39
	fileShortNameInformation       = 40
	fileFsControlInformation       = 6
)

// handleOplockBreak refuses an acknowledgment, with smbd 4.17's statuses. zsmbd grants only level II
// oplocks, whose breaks are not acknowledged, so no open awaits one: an oplock acknowledgment naming an
// open is STATUS_INVALID_OPLOCK_PROTOCOL, one naming none STATUS_FILE_CLOSED (MS-SMB2 3.3.5.22.1), and
// a lease acknowledgment STATUS_OBJECT_NAME_NOT_FOUND, as no lease exists (3.3.5.22.2).
func handleOplockBreak(r *request) error {
	var lease smb.LeaseBreakAck
	if lease.Decode(r.msg) == nil {
		return smb.StatusObjectNameNotFound
	}
	var ack smb.OplockBreakAck
	if err := ack.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	if _, err := r.open(ack.FileID); err != nil {
		return err
	}
	return smb.StatusInvalidOplockProtocol
}
