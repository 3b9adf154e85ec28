package smb

import (
	"net/netip"

	"github.com/zsmbd/zsmbd/internal/le"
)

// IOCTL Flags (MS-SMB2 2.2.31): the request is an FSCTL (clients always set it; MS-SMB2 3.3.5.15 fails
// requests without it).
const IoctlIsFsctl = 1

// FSCTL and IOCTL control codes (MS-SMB2 2.2.31, MS-FSCC 2.3).
const (
	FsctlDfsGetReferrals           = 0x00060194
	FsctlDfsGetReferralsEx         = 0x000601B0
	FsctlPipePeek                  = 0x0011400C
	FsctlPipeWait                  = 0x00110018
	FsctlPipeTransceive            = 0x0011C017
	FsctlSrvCopychunk              = 0x001440F2
	FsctlSrvCopychunkWrite         = 0x001480F2
	FsctlSrvEnumerateSnapshots     = 0x00144064
	FsctlSrvRequestResumeKey       = 0x00140078
	FsctlSrvReadHash               = 0x001441BB
	FsctlLmrRequestResiliency      = 0x001401D4
	FsctlQueryNetworkInterfaceInfo = 0x001401FC
	FsctlValidateNegotiateInfo     = 0x00140204
	FsctlSetReparsePoint           = 0x000900A4
	FsctlGetReparsePoint           = 0x000900A8
	FsctlDeleteReparsePoint        = 0x000900AC
	FsctlCreateOrGetObjectID       = 0x000900C0
	FsctlGetObjectID               = 0x0009009C
	FsctlSetSparse                 = 0x000900C4
	FsctlSetZeroData               = 0x000980C8
	FsctlQueryAllocatedRanges      = 0x000940CF
	FsctlGetCompression            = 0x0009003C
	FsctlSetCompression            = 0x0009C040
	FsctlFileLevelTrim             = 0x00098208
	FsctlGetIntegrityInformation   = 0x0009027C
	FsctlQueryFileRegions          = 0x00090284
	FsctlDuplicateExtentsToFile    = 0x00098344
	FsctlIsVolumeDirty             = 0x00090078
	FsctlFindFilesBySID            = 0x0009008F
)

// IoctlRequest is the SMB2 IOCTL request (MS-SMB2 2.2.31). The request's own output buffer (OutputOffset,
// OutputCount) is checked to lie in the message but not returned: no FSCTL zsmbd serves uses it.
type IoctlRequest struct {
	CtlCode           uint32
	FileID            FileID
	MaxInputResponse  uint32
	MaxOutputResponse uint32
	Flags             uint32
	// Input aliases the message after Decode.
	Input []byte
}

const (
	ioctlRequestSize  = 57
	ioctlResponseSize = 49
)

// Decode parses an IOCTL request from msg, the whole message starting at the SMB2 header.
func (r *IoctlRequest) Decode(msg []byte) error {
	rd, err := body(msg, ioctlRequestSize, "ioctl")
	if err != nil {
		return err
	}
	rd.Skip(2) // Reserved
	r.CtlCode = rd.U32()
	r.FileID = readFileID(&rd)
	inOff := rd.U32()
	inLen := rd.U32()
	r.MaxInputResponse = rd.U32()
	outOff := rd.U32()
	outLen := rd.U32()
	r.MaxOutputResponse = rd.U32()
	r.Flags = rd.U32()
	if _, err := buffer(msg, outOff, outLen, 56, "ioctl: output"); err != nil {
		return err
	}
	r.Input, err = buffer(msg, inOff, inLen, 56, "ioctl: input")
	return err
}

// AppendTo appends the request body; Input starts at 0x78 (64+56). The offset of an empty buffer is 0,
// as MS-SMB2 2.2.31 says a client SHOULD send (Samba's client sends 0x78 instead: both decode alike).
func (r *IoctlRequest) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, ioctlRequestSize)
	b = le.AppendU16(b, 0)
	b = le.AppendU32(b, r.CtlCode)
	b = r.FileID.AppendTo(b)
	var inOff uint32
	if len(r.Input) > 0 {
		inOff = HeaderSize + 56
	}
	b = le.AppendU32(b, inOff)
	b = le.AppendU32(b, uint32(len(r.Input)))
	b = le.AppendU32(b, r.MaxInputResponse)
	b = le.AppendU32(b, 0) // OutputOffset
	b = le.AppendU32(b, 0) // OutputCount
	b = le.AppendU32(b, r.MaxOutputResponse)
	b = le.AppendU32(b, r.Flags)
	b = le.AppendU32(b, 0) // Reserved2
	if len(r.Input) == 0 {
		return append(b, 0) // the Buffer is at least one byte (StructureSize 57)
	}
	return append(b, r.Input...)
}

// IoctlResponse is the SMB2 IOCTL response (MS-SMB2 2.2.32).
type IoctlResponse struct {
	CtlCode uint32
	FileID  FileID
	Flags   uint32
	// Input is usually empty: the server echoes no input (MS-SMB2 3.3.5.15). Decode aliases the message.
	Input []byte
	// Output is the FSCTL's result. Decode aliases the message.
	Output []byte
}

// AppendTo appends the response body. InputOffset is 0x70 (64+48) even when Input is empty, as MS-SMB2
// 2.2.32 and Windows do; Output follows Input at the next 8-aligned offset.
func (r *IoctlResponse) AppendTo(b []byte) []byte {
	start := len(b) - HeaderSize
	b = le.AppendU16(b, ioctlResponseSize)
	b = le.AppendU16(b, 0)
	b = le.AppendU32(b, r.CtlCode)
	b = r.FileID.AppendTo(b)
	outOff := (HeaderSize + 48 + len(r.Input) + 7) &^ 7
	b = le.AppendU32(b, HeaderSize+48)
	b = le.AppendU32(b, uint32(len(r.Input)))
	b = le.AppendU32(b, uint32(outOff))
	b = le.AppendU32(b, uint32(len(r.Output)))
	b = le.AppendU32(b, r.Flags)
	b = le.AppendU32(b, 0) // Reserved2
	b = append(b, r.Input...)
	if len(r.Output) > 0 {
		b = le.Pad(b, start, 8)
		b = append(b, r.Output...)
	}
	return b
}

// Decode parses an IOCTL response from msg, the whole message starting at the SMB2 header.
func (r *IoctlResponse) Decode(msg []byte) error {
	rd, err := body(msg, ioctlResponseSize, "ioctl response")
	if err != nil {
		return err
	}
	rd.Skip(2)
	r.CtlCode = rd.U32()
	r.FileID = readFileID(&rd)
	inOff := rd.U32()
	inLen := rd.U32()
	outOff := rd.U32()
	outLen := rd.U32()
	r.Flags = rd.U32()
	if r.Input, err = buffer(msg, inOff, inLen, 48, "ioctl response: input"); err != nil {
		return err
	}
	r.Output, err = buffer(msg, outOff, outLen, 48, "ioctl response: output")
	return err
}

// ValidateNegotiateInfoRequest is the VALIDATE_NEGOTIATE_INFO request (MS-SMB2 2.2.31.4), the Input of
// FSCTL_VALIDATE_NEGOTIATE_INFO.
type ValidateNegotiateInfoRequest struct {
	Capabilities uint32
	Guid         [16]byte
	SecurityMode uint16
	Dialects     []uint16
}

// Decode parses the FSCTL input b.
func (v *ValidateNegotiateInfoRequest) Decode(b []byte) error {
	rd := le.NewReader(b)
	v.Capabilities = rd.U32()
	rd.Copy(v.Guid[:])
	v.SecurityMode = rd.U16()
	n := int(rd.U16())
	if rd.Err() != nil || rd.Len() < 2*n {
		return malformed("validate negotiate info")
	}
	v.Dialects = make([]uint16, n)
	for i := range v.Dialects {
		v.Dialects[i] = rd.U16()
	}
	return nil
}

// AppendTo appends the FSCTL input.
func (v *ValidateNegotiateInfoRequest) AppendTo(b []byte) []byte {
	b = le.AppendU32(b, v.Capabilities)
	b = append(b, v.Guid[:]...)
	b = le.AppendU16(b, v.SecurityMode)
	return appendU16List(b, v.Dialects)
}

// ValidateNegotiateInfoResponseSize is the length of a VALIDATE_NEGOTIATE_INFO response.
const ValidateNegotiateInfoResponseSize = 24

// ValidateNegotiateInfoResponse is the VALIDATE_NEGOTIATE_INFO response (MS-SMB2 2.2.32.6).
type ValidateNegotiateInfoResponse struct {
	Capabilities uint32
	Guid         [16]byte
	SecurityMode uint16
	Dialect      uint16
}

// AppendTo appends the 24-byte FSCTL output.
func (v *ValidateNegotiateInfoResponse) AppendTo(b []byte) []byte {
	b = le.AppendU32(b, v.Capabilities)
	b = append(b, v.Guid[:]...)
	b = le.AppendU16(b, v.SecurityMode)
	return le.AppendU16(b, v.Dialect)
}

// Decode parses the FSCTL output b.
func (v *ValidateNegotiateInfoResponse) Decode(b []byte) error {
	rd := le.NewReader(b)
	v.Capabilities = rd.U32()
	rd.Copy(v.Guid[:])
	v.SecurityMode = rd.U16()
	v.Dialect = rd.U16()
	if rd.Err() != nil {
		return malformed("validate negotiate info response")
	}
	return nil
}

// NETWORK_INTERFACE_INFO Capability bits (MS-SMB2 2.2.32.5).
const (
	InterfaceRSSCapable  = 0x1
	InterfaceRDMACapable = 0x2
)

// NetworkInterface is one NETWORK_INTERFACE_INFO entry (MS-SMB2 2.2.32.5).
type NetworkInterface struct {
	IfIndex    uint32
	Capability uint32
	LinkSpeed  uint64 // bits per second
	Addr       netip.Addr
}

// networkInterfaceSize is one entry: Next, IfIndex, Capability, Reserved, LinkSpeed and a 128-byte
// SOCKADDR_STORAGE.
const networkInterfaceSize = 152

// Address families of SOCKADDR_STORAGE (MS-SMB2 2.2.32.5.1).
const (
	afInet  = 0x0002
	afInet6 = 0x0017
)

// AppendNetworkInterfaces appends the FSCTL_QUERY_NETWORK_INTERFACE_INFO output: one 152-byte entry per
// interface, each Next pointing at the following entry and 0 in the last. Port, FlowInfo and ScopeId
// are sent as zero, as Windows does.
func AppendNetworkInterfaces(b []byte, ifs []NetworkInterface) []byte {
	for i, f := range ifs {
		next := uint32(networkInterfaceSize)
		if i == len(ifs)-1 {
			next = 0
		}
		start := len(b)
		b = le.AppendU32(b, next)
		b = le.AppendU32(b, f.IfIndex)
		b = le.AppendU32(b, f.Capability)
		b = le.AppendU32(b, 0) // Reserved
		b = le.AppendU64(b, f.LinkSpeed)
		addr := f.Addr.Unmap()
		if addr.Is4() {
			a := addr.As4()
			b = le.AppendU16(b, afInet)
			b = le.AppendU16(b, 0) // Port
			b = append(b, a[:]...)
		} else {
			a := addr.As16()
			b = le.AppendU16(b, afInet6)
			b = le.AppendU16(b, 0) // Port
			b = le.AppendU32(b, 0) // FlowInfo
			b = append(b, a[:]...)
			b = le.AppendU32(b, 0) // ScopeId
		}
		for len(b)-start < networkInterfaceSize {
			b = append(b, 0)
		}
	}
	return b
}

// DecodeNetworkInterfaces parses an FSCTL_QUERY_NETWORK_INTERFACE_INFO output.
func DecodeNetworkInterfaces(b []byte) ([]NetworkInterface, error) {
	var ifs []NetworkInterface
	for len(b) > 0 {
		if len(b) < networkInterfaceSize {
			return nil, malformed("network interface info: short entry")
		}
		rd := le.NewReader(b)
		next := rd.U32()
		f := NetworkInterface{IfIndex: rd.U32(), Capability: rd.U32()}
		rd.Skip(4)
		f.LinkSpeed = rd.U64()
		switch rd.U16() {
		case afInet:
			rd.Skip(2)
			var a [4]byte
			rd.Copy(a[:])
			f.Addr = netip.AddrFrom4(a)
		case afInet6:
			rd.Skip(6)
			var a [16]byte
			rd.Copy(a[:])
			f.Addr = netip.AddrFrom16(a)
		default:
			return nil, malformed("network interface info: address family")
		}
		ifs = append(ifs, f)
		if next == 0 {
			break
		}
		if next < networkInterfaceSize || uint64(next) > uint64(len(b)) {
			return nil, malformed("network interface info: Next")
		}
		b = b[next:]
	}
	return ifs, nil
}
