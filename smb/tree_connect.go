package smb

import "github.com/zsmbd/zsmbd/internal/le"

// TREE_CONNECT request Flags (MS-SMB2 2.2.9).
const (
	TreeConnectFlagClusterReconnect = 0x1
	TreeConnectFlagRedirectToOwner  = 0x2
	TreeConnectFlagExtensionPresent = 0x4
)

// ShareType values (MS-SMB2 2.2.10).
const (
	ShareTypeDisk  = 1
	ShareTypePipe  = 2
	ShareTypePrint = 3
)

// ShareFlags (MS-SMB2 2.2.10). The caching policy is the two bits under ShareFlagCachingMask.
const (
	ShareFlagManualCaching            = 0x00000000
	ShareFlagAutoCaching              = 0x00000010
	ShareFlagVDOCaching               = 0x00000020
	ShareFlagNoCaching                = 0x00000030
	ShareFlagCachingMask              = 0x00000030
	ShareFlagDFS                      = 0x00000001
	ShareFlagDFSRoot                  = 0x00000002
	ShareFlagRestrictExclusiveOpens   = 0x00000100
	ShareFlagForceSharedDelete        = 0x00000200
	ShareFlagAllowNamespaceCaching    = 0x00000400
	ShareFlagAccessBasedDirectoryEnum = 0x00000800
	ShareFlagForceLevelIIOplock       = 0x00001000
	ShareFlagEnableHashV1             = 0x00002000
	ShareFlagEnableHashV2             = 0x00004000
	ShareFlagEncryptData              = 0x00008000
	ShareFlagIdentityRemoting         = 0x00040000
	ShareFlagCompressData             = 0x00100000
)

// Share Capabilities (MS-SMB2 2.2.10).
const (
	CapShareDFS                    = 0x00000008
	CapShareContinuousAvailability = 0x00000010
	CapShareScaleout               = 0x00000020
	CapShareCluster                = 0x00000040
	CapShareAsymmetric             = 0x00000080
	CapShareRedirectToOwner        = 0x00000100
)

// TreeConnectRequest is the SMB2 TREE_CONNECT request (MS-SMB2 2.2.9).
type TreeConnectRequest struct {
	Flags uint16
	// Path is the share path, "\\server\share", decoded from UTF-16LE. With the 3.1.1 extension flag the
	// tree connect contexts are ignored: Path is still found through PathOffset/PathLength.
	Path string
}

const (
	treeConnectRequestSize  = 9
	treeConnectResponseSize = 16
)

// Decode parses a TREE_CONNECT request from msg, the whole message starting at the SMB2 header. A path
// that is not valid UTF-16 is malformed.
func (r *TreeConnectRequest) Decode(msg []byte) error {
	rd, err := body(msg, treeConnectRequestSize, "tree connect")
	if err != nil {
		return err
	}
	r.Flags = rd.U16()
	off := rd.U16()
	n := rd.U16()
	p, err := buffer(msg, uint32(off), uint32(n), 8, "tree connect: path")
	if err != nil {
		return err
	}
	if r.Path, err = DecodeUTF16(p); err != nil {
		return malformed("tree connect: path is not UTF-16")
	}
	return nil
}

// AppendTo appends the request body; the path starts at 0x48 (64+8).
func (r *TreeConnectRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, treeConnectRequestSize)
	b = le.AppendU16(b, r.Flags)
	b = le.AppendU16(b, HeaderSize+8)
	b = le.AppendU16(b, uint16(utf16Len(r.Path)))
	return AppendUTF16(b, r.Path)
}

// TreeConnectResponse is the SMB2 TREE_CONNECT response (MS-SMB2 2.2.10).
type TreeConnectResponse struct {
	ShareType     uint8
	ShareFlags    uint32
	Capabilities  uint32
	MaximalAccess uint32
}

// AppendTo appends the 16-byte response body.
func (r *TreeConnectResponse) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, treeConnectResponseSize)
	b = append(b, r.ShareType, 0)
	b = le.AppendU32(b, r.ShareFlags)
	b = le.AppendU32(b, r.Capabilities)
	return le.AppendU32(b, r.MaximalAccess)
}

// Decode parses a TREE_CONNECT response from msg, the whole message starting at the SMB2 header.
func (r *TreeConnectResponse) Decode(msg []byte) error {
	rd, err := body(msg, treeConnectResponseSize, "tree connect response")
	if err != nil {
		return err
	}
	r.ShareType = rd.U8()
	rd.Skip(1)
	r.ShareFlags = rd.U32()
	r.Capabilities = rd.U32()
	r.MaximalAccess = rd.U32()
	return nil
}
