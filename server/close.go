package server

import (
	"github.com/zsmbd/zsmbd/smb"
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

// handleSetInfo refuses SET_INFO: renames, deletes, size, time and security changes would all write.
func handleSetInfo(r *request) error {
	var req smb.SetInfoRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	if _, err := r.open(req.FileID); err != nil {
		return err
	}
	return smb.StatusAccessDenied
}

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
