package server

import (
	"math"

	"github.com/zsmbd/zsmbd/smb"
)

// handleRead answers READ (MS-SMB2 3.3.5.12). It checks the open and the range and leaves the file data
// to conn.send: the response body here is the 16-byte fixed part, and r.tail names the file range that
// follows it on the wire. Which strategy moves those bytes (sendfile, splice, copy, mmap), and whether
// the response has to take the copy path after all (signed, inside a compound), is decided when the
// frame is built (process) and sent (zerocopy.Sender).
func handleRead(r *request) error {
	var req smb.ReadRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	if o.pipe != nil {
		return r.readPipe(o, &req)
	}
	if o.file.Info.IsDir {
		return smb.StatusInvalidDeviceRequest // before the access check, as smbd 4.17 answers
	}
	if o.access&(smb.FileReadData|smb.FileExecute) == 0 {
		return smb.StatusAccessDenied
	}
	r.c.mu.Lock()
	maxRead := r.c.neg.maxRead
	r.c.mu.Unlock()
	if req.Length > maxRead {
		return smb.StatusInvalidParameter
	}
	if err := r.checkCharge(uint64(req.Length)); err != nil {
		return err
	}
	if req.Offset > math.MaxInt64 || req.Offset+uint64(req.Length) > math.MaxInt64 {
		return smb.StatusInvalidParameter // the range must end within an off_t, as smbd checks
	}
	size, err := o.file.Size()
	if err != nil {
		return smb.StatusUnsuccessful
	}
	off := int64(req.Offset)
	if off >= size && req.Length > 0 {
		return smb.StatusEndOfFile // a READ of nothing succeeds wherever it points, as with Samba
	}
	n := max(min(int64(req.Length), size-off), 0)
	if n < int64(req.MinimumCount) {
		return smb.StatusEndOfFile
	}
	if r.c.srv.locks.readConflicts(o, uint64(off), uint64(n)) {
		return smb.StatusFileLockConflict
	}
	resp := smb.ReadResponse{DataOffset: smb.HeaderSize + smb.ReadResponseFixedSize, DataLength: uint32(n)}
	r.out = resp.AppendTo(r.out)
	if n > 0 {
		o.refs.Add(1) // dropped once the data is on the wire
		r.tailRoom = readTail{open: o, off: off, n: n}
		r.tail = &r.tailRoom
	}
	return nil
}

// readPipe answers a READ on a named pipe with the DCE/RPC bytes queued for the client;
// STATUS_BUFFER_OVERFLOW says more remain (go-smb2 and smbclient then read again).
func (r *request) readPipe(o *open, req *smb.ReadRequest) error {
	o.mu.Lock()
	data, more := o.pipe.Read(int(req.Length))
	o.mu.Unlock()
	if len(data) == 0 {
		return smb.StatusPipeEmpty
	}
	resp := smb.ReadResponse{DataOffset: smb.HeaderSize + smb.ReadResponseFixedSize, DataLength: uint32(len(data))}
	r.out = resp.AppendTo(r.out)
	r.out = append(r.out, data...)
	if more {
		r.status = smb.StatusBufferOverflow
	}
	return nil
}
