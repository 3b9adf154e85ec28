package server

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/zsmbd/zsmbd/internal/le"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/vfs"
)

// errCloseConnection makes process close the connection after a request (a failed
// FSCTL_VALIDATE_NEGOTIATE_INFO: the negotiation was tampered with).
var errCloseConnection = errors.New("server: close the connection")

// handleIoctl answers IOCTL (MS-SMB2 3.3.5.15) for the FSCTLs clients send to a read-only server.
func handleIoctl(r *request) error {
	var req smb.IoctlRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	// The charge covers the input or the most the response may carry, checked first as smbd 4.17 does:
	// an IOCTL's FileId may be all ones.
	if err := r.checkCharge(max(uint64(len(req.Input)), uint64(req.MaxInputResponse)+uint64(req.MaxOutputResponse))); err != nil {
		return err
	}
	if req.Flags != smb.IoctlIsFsctl {
		return smb.StatusNotSupported
	}
	switch req.CtlCode {
	case smb.FsctlValidateNegotiateInfo:
		return r.validateNegotiate(&req)
	case smb.FsctlDfsGetReferrals, smb.FsctlDfsGetReferralsEx:
		return smb.StatusNotFound // no DFS: cifs.ko and Windows take this to mean a plain share
	case smb.FsctlQueryNetworkInterfaceInfo:
		return r.networkInterfaces(&req)
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	switch req.CtlCode {
	case smb.FsctlPipeTransceive:
		if o.pipe == nil {
			return smb.StatusNotSupported // smbd's answer on a file or directory
		}
		o.mu.Lock()
		err := o.pipe.Write(req.Input)
		var out []byte
		var more bool
		if err == nil {
			out, more = o.pipe.Read(int(req.MaxOutputResponse))
		}
		o.mu.Unlock()
		if err != nil {
			r.c.log.Info().Err(err).Str("pipe", o.name).Msg("bad DCE/RPC request")
			return smb.StatusInvalidParameter
		}
		if more {
			r.status = smb.StatusBufferOverflow // the client READs the remainder
		}
		return r.ioctlOut(&req, out)
	case smb.FsctlQueryAllocatedRanges:
		return r.allocatedRanges(o, &req)
	}
	if o.pipe != nil {
		return smb.StatusNotSupported
	}
	return r.fileFsctl(o, &req)
}

// fileFsctl answers the FSCTLs sent on a file or directory that zsmbd answers from nothing but the open,
// with smbd 4.17's statuses (measured with impacket against both, empty and 64-byte inputs). An FSCTL
// it does not know is STATUS_INVALID_DEVICE_REQUEST, as MS-FSA 2.1.5.9 says and smbd answers.
func (r *request) fileFsctl(o *open, req *smb.IoctlRequest) error {
	if o.file == nil {
		return smb.StatusInvalidDeviceRequest
	}
	switch req.CtlCode {
	case smb.FsctlGetReparsePoint, smb.FsctlSetReparsePoint, smb.FsctlDeleteReparsePoint:
		return smb.StatusNotAReparsePoint // zsmbd shows no reparse points, and so sets or deletes none
	case smb.FsctlGetCompression: // MS-FSCC 2.3.22: COMPRESSION_FORMAT_NONE
		return r.ioctlOut(req, []byte{0, 0})
	case smb.FsctlCreateOrGetObjectID:
		return r.ioctlOut(req, objectID(o, r.tree.share.cfg.Name))
	case smb.FsctlSetCompression, smb.FsctlSetZeroData:
		return smb.StatusAccessDenied // the open cannot write
	case smb.FsctlSetSparse:
		return smb.StatusMediaWriteProtected // smbd's answer on a read-only share
	case smb.FsctlPipeWait, smb.FsctlIsVolumeDirty, smb.FsctlFindFilesBySID:
		return smb.StatusInvalidParameter // each is sent on something else than a file's open
	}
	return smb.StatusInvalidDeviceRequest
}

// objectID is FSCTL_CREATE_OR_GET_OBJECT_ID's FILE_OBJECTID_BUFFER (MS-FSCC 2.1.3): an object id made
// of the file's device and inode, as smbd makes it (nothing is stored, so the id is the same for every
// open of the file, and the file needs no write access), the share's volume id as BirthVolumeId, the
// object id again as BirthObjectId, and no DomainId. Windows asks for it to track what a shortcut
// points to.
func objectID(o *open, share string) []byte {
	var b [64]byte
	binary.LittleEndian.PutUint64(b[0:], o.file.Info.Dev)
	binary.LittleEndian.PutUint64(b[8:], o.file.Info.Inode)
	vol := sha256.Sum256([]byte(strings.ToLower(share)))
	copy(b[16:32], vol[:16])
	copy(b[32:48], b[0:16])
	return b[:]
}

// ioctlOut answers with out, or STATUS_BUFFER_TOO_SMALL when it is longer than the client's
// MaxOutputResponse (MS-SMB2 3.3.5.15; the pipe and allocated-range answers fit themselves to it).
func (r *request) ioctlOut(req *smb.IoctlRequest, out []byte) error {
	if len(out) > int(req.MaxOutputResponse) {
		return smb.StatusBufferTooSmall
	}
	resp := smb.IoctlResponse{CtlCode: req.CtlCode, FileID: req.FileID, Output: out}
	r.out = resp.AppendTo(r.out)
	return nil
}

// validateNegotiate checks that what the client negotiated was what it sent (MS-SMB2 3.3.5.15.12); a
// mismatch means someone in the middle changed it, and the connection closes.
func (r *request) validateNegotiate(req *smb.IoctlRequest) error {
	var v smb.ValidateNegotiateInfoRequest
	if err := v.Decode(req.Input); err != nil || req.MaxOutputResponse < smb.ValidateNegotiateInfoResponseSize {
		return errCloseConnection
	}
	r.c.mu.Lock()
	neg := r.c.neg
	r.c.mu.Unlock()
	if v.Capabilities != neg.clientCaps || v.Guid != neg.clientGUID || v.SecurityMode != neg.clientSecurityMode ||
		!slices.Equal(v.Dialects, neg.clientDialects) {
		r.c.log.Warn().Msg("FSCTL_VALIDATE_NEGOTIATE_INFO mismatch: closing connection")
		return errCloseConnection
	}
	out := smb.ValidateNegotiateInfoResponse{
		Capabilities: neg.caps,
		Guid:         r.c.srv.guid,
		SecurityMode: neg.securityMode,
		Dialect:      neg.dialect,
	}
	return r.ioctlOut(req, out.AppendTo(nil))
}

// networkInterfaces lists the address this connection came in on: the interface the server listens on.
// No RSS or RDMA capability is claimed, and no multichannel is negotiated, so clients keep one
// connection.
func (r *request) networkInterfaces(req *smb.IoctlRequest) error {
	local, ok := r.c.nc.LocalAddr().(*net.TCPAddr)
	if !ok {
		return smb.StatusNotSupported
	}
	addr, _ := netip.AddrFromSlice(local.IP)
	addr = addr.Unmap()
	ifIndex := 1
	if ifs, err := net.Interfaces(); err == nil {
		for _, ifc := range ifs {
			addrs, _ := ifc.Addrs()
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok && n.IP.Equal(local.IP) {
					ifIndex = ifc.Index
				}
			}
		}
	}
	out := smb.AppendNetworkInterfaces(nil, []smb.NetworkInterface{{IfIndex: uint32(ifIndex), LinkSpeed: 10_000_000_000, Addr: addr}})
	return r.ioctlOut(req, out)
}

// allocatedRanges answers FSCTL_QUERY_ALLOCATED_RANGES (MS-FSCC 2.3.33) from SEEK_DATA/SEEK_HOLE.
func (r *request) allocatedRanges(o *open, req *smb.IoctlRequest) error {
	if o.access&(smb.FileReadData|smb.FileExecute) == 0 {
		return smb.StatusAccessDenied // the ranges tell about the data: smbd asks for read access first
	}
	if o.file == nil || o.file.Info.IsDir {
		return smb.StatusInvalidParameter
	}
	in := le.NewReader(req.Input)
	off, length := int64(in.U64()), int64(in.U64())
	if in.Err() != nil || off < 0 || length < 0 {
		return smb.StatusInvalidParameter
	}
	ranges, err := vfs.AllocatedRanges(o.file.File, off, length)
	if err != nil {
		return vfsStatus(err)
	}
	max := int(req.MaxOutputResponse)
	if len(ranges) > 0 && max < 16 {
		return smb.StatusBufferTooSmall
	}
	var out []byte
	for _, rg := range ranges {
		if len(out)+16 > max {
			r.status = smb.StatusBufferOverflow
			break
		}
		out = le.AppendU64(out, uint64(rg.Off))
		out = le.AppendU64(out, uint64(rg.Len))
	}
	return r.ioctlOut(req, out)
}
