package smb

import (
	"slices"

	"github.com/zsmbd/zsmbd/internal/le"
)

// RequestedOplockLevel / OplockLevel values (MS-SMB2 2.2.13, 2.2.14).
const (
	OplockLevelNone      = 0x00
	OplockLevelII        = 0x01
	OplockLevelExclusive = 0x08
	OplockLevelBatch     = 0x09
	OplockLevelLease     = 0xFF
)

// ImpersonationLevel values (MS-SMB2 2.2.13).
const (
	ImpersonationAnonymous      = 0
	ImpersonationIdentification = 1
	ImpersonationImpersonation  = 2
	ImpersonationDelegate       = 3
)

// CreateDisposition values (MS-SMB2 2.2.13).
const (
	FileSupersede   = 0
	FileOpen        = 1
	FileCreate      = 2
	FileOpenIf      = 3
	FileOverwrite   = 4
	FileOverwriteIf = 5
)

// CreateOptions bits (MS-SMB2 2.2.13).
const (
	FileDirectoryFile           = 0x00000001
	FileWriteThrough            = 0x00000002
	FileSequentialOnly          = 0x00000004
	FileNoIntermediateBuffering = 0x00000008
	FileSynchronousIOAlert      = 0x00000010
	FileSynchronousIONonalert   = 0x00000020
	FileNonDirectoryFile        = 0x00000040
	FileCompleteIfOplocked      = 0x00000100
	FileNoEAKnowledge           = 0x00000200
	FileRandomAccess            = 0x00000800
	FileDeleteOnClose           = 0x00001000
	FileOpenByFileID            = 0x00002000
	FileOpenForBackupIntent     = 0x00004000
	FileNoCompression           = 0x00008000
	FileOpenRemoteInstance      = 0x00000400
	FileOpenRequiringOplock     = 0x00010000
	FileDisallowExclusive       = 0x00020000
	FileReserveOpfilter         = 0x00100000
	FileOpenReparsePoint        = 0x00200000
	FileOpenNoRecall            = 0x00400000
	FileOpenForFreeSpaceQuery   = 0x00800000
)

// Access mask bits (MS-SMB2 2.2.13.1). For a directory FileReadData is FILE_LIST_DIRECTORY,
// FileWriteData FILE_ADD_FILE, FileAppendData FILE_ADD_SUBDIRECTORY and FileExecute FILE_TRAVERSE.
const (
	FileReadData         = 0x00000001
	FileWriteData        = 0x00000002
	FileAppendData       = 0x00000004
	FileReadEA           = 0x00000008
	FileWriteEA          = 0x00000010
	FileExecute          = 0x00000020
	FileDeleteChild      = 0x00000040
	FileReadAttributes   = 0x00000080
	FileWriteAttributes  = 0x00000100
	Delete               = 0x00010000
	ReadControl          = 0x00020000
	WriteDAC             = 0x00040000
	WriteOwner           = 0x00080000
	Synchronize          = 0x00100000
	AccessSystemSecurity = 0x01000000
	MaximumAllowed       = 0x02000000
	GenericAll           = 0x10000000
	GenericExecute       = 0x20000000
	GenericWrite         = 0x40000000
	GenericRead          = 0x80000000
)

// What the generic rights stand for on a file or directory (MS-SMB2 2.2.13.1.1, MS-DTYP 2.4.3); a
// Unix mode's read, write and execute bits stand for the first three in smbd's ACLs.
const (
	FileGenericRead    = 0x00120089
	FileGenericWrite   = 0x00120116
	FileGenericExecute = 0x001200A0
	FileAllAccess      = 0x001F01FF
)

// ShareAccess bits (MS-SMB2 2.2.13).
const (
	FileShareRead   = 0x1
	FileShareWrite  = 0x2
	FileShareDelete = 0x4
)

// CreateAction values (MS-SMB2 2.2.14).
const (
	FileSuperseded  = 0
	FileOpened      = 1
	FileCreated     = 2
	FileOverwritten = 3
)

// CREATE response Flags (MS-SMB2 2.2.14).
const CreateFlagReparsepoint = 0x01

// Create context names (MS-SMB2 2.2.13.2).
const (
	CreateCtxExtendedAttributes   = "ExtA"
	CreateCtxSecurityDescriptor   = "SecD"
	CreateCtxDurableHandleRequest = "DHnQ"
	CreateCtxDurableReconnect     = "DHnC"
	CreateCtxAllocationSize       = "AlSi"
	CreateCtxMaximalAccess        = "MxAc"
	CreateCtxTimewarp             = "TWrp"
	CreateCtxQueryOnDiskID        = "QFid"
	CreateCtxRequestLease         = "RqLs"
	CreateCtxDurableRequestV2     = "DH2Q"
	CreateCtxDurableReconnectV2   = "DH2C"
	CreateCtxAppInstanceID        = "\x45\xBC\xA6\x6A\xEF\xA7\xF7\x4A\x90\x08\xFA\x46\x2E\x14\x4D\x74"
)

// CreateContext is one SMB2_CREATE_CONTEXT (MS-SMB2 2.2.13.2). Name is the tag ("MxAc", "QFid", "DHnQ",
// "RqLs"...), or the raw 16 bytes of a GUID-named context; Data is the payload, copied out of the message.
type CreateContext struct {
	Name string
	Data []byte
}

// CreateRequest is the SMB2 CREATE request (MS-SMB2 2.2.13).
type CreateRequest struct {
	SecurityFlags        uint8
	RequestedOplockLevel uint8
	ImpersonationLevel   uint32
	SmbCreateFlags       uint64
	DesiredAccess        uint32
	FileAttributes       uint32
	ShareAccess          uint32
	CreateDisposition    uint32
	CreateOptions        uint32
	// Name is the path relative to the share root, decoded from UTF-16LE; empty for the root.
	Name     string
	Contexts []CreateContext
}

const (
	createRequestSize  = 57
	createResponseSize = 89
)

// Decode parses a CREATE request from msg, the whole message starting at the SMB2 header. A name with an
// odd length or an unpaired surrogate returns ErrInvalidName; any other bad size, offset or context chain
// returns ErrMalformed.
func (r *CreateRequest) Decode(msg []byte) error {
	rd, err := body(msg, createRequestSize, "create")
	if err != nil {
		return err
	}
	r.SecurityFlags = rd.U8()
	r.RequestedOplockLevel = rd.U8()
	r.ImpersonationLevel = rd.U32()
	r.SmbCreateFlags = rd.U64()
	rd.Skip(8) // Reserved
	r.DesiredAccess = rd.U32()
	r.FileAttributes = rd.U32()
	r.ShareAccess = rd.U32()
	r.CreateDisposition = rd.U32()
	r.CreateOptions = rd.U32()
	nameOff := rd.U16()
	nameLen := rd.U16()
	ctxOff := rd.U32()
	ctxLen := rd.U32()
	name, err := buffer(msg, uint32(nameOff), uint32(nameLen), 56, "create: name")
	if err != nil {
		return err
	}
	if r.Name, err = DecodeUTF16(name); err != nil {
		return err
	}
	ctxs, err := buffer(msg, ctxOff, ctxLen, 56, "create: contexts")
	if err != nil {
		return err
	}
	r.Contexts, err = DecodeCreateContexts(ctxs)
	return err
}

// AppendTo appends the request body: the name at 0x78 (64+56), then the contexts at the next 8-aligned
// offset.
func (r *CreateRequest) AppendTo(b []byte) []byte {
	start := len(b) - HeaderSize
	b = le.AppendU16(b, createRequestSize)
	b = append(b, r.SecurityFlags, r.RequestedOplockLevel)
	b = le.AppendU32(b, r.ImpersonationLevel)
	b = le.AppendU64(b, r.SmbCreateFlags)
	b = le.AppendU64(b, 0)
	b = le.AppendU32(b, r.DesiredAccess)
	b = le.AppendU32(b, r.FileAttributes)
	b = le.AppendU32(b, r.ShareAccess)
	b = le.AppendU32(b, r.CreateDisposition)
	b = le.AppendU32(b, r.CreateOptions)
	b = le.AppendU16(b, HeaderSize+56)
	b = le.AppendU16(b, uint16(utf16Len(r.Name)))
	ctxPos := len(b)
	b = le.AppendU64(b, 0) // CreateContextsOffset, CreateContextsLength
	b = AppendUTF16(b, r.Name)
	if len(r.Contexts) > 0 {
		b = le.Pad(b, start, 8)
		off := len(b)
		b = AppendCreateContexts(b, r.Contexts)
		le.PutU32(b, ctxPos, uint32(off-start))
		le.PutU32(b, ctxPos+4, uint32(len(b)-off))
	} else if len(r.Name) == 0 {
		b = append(b, 0) // the Buffer is at least one byte (StructureSize 57)
	}
	return b
}

// DecodeCreateContexts parses a chain of create contexts (MS-SMB2 2.2.13.2): each starts 8-aligned,
// Next is the offset from this context to the next (0 for the last), and NameOffset/DataOffset count from
// the context's start. A malformed chain returns ErrMalformed.
func DecodeCreateContexts(b []byte) ([]CreateContext, error) {
	var ctxs []CreateContext
	for len(b) > 0 {
		rd := le.NewReader(b)
		next := rd.U32()
		nameOff := int(rd.U16())
		nameLen := int(rd.U16())
		rd.Skip(2) // Reserved
		dataOff := int(rd.U16())
		dataLen := int(rd.U32())
		if rd.Err() != nil {
			return nil, malformed("create context: short header")
		}
		this := b
		if next != 0 {
			if next%8 != 0 || uint64(next) >= uint64(len(b)) || next < 16 {
				return nil, malformed("create context: Next")
			}
			this = b[:next]
		}
		if nameLen == 0 || nameOff < 16 {
			return nil, malformed("create context: name")
		}
		name, err := le.Slice(this, nameOff, nameLen)
		if err != nil {
			return nil, malformed("create context: name out of bounds")
		}
		var data []byte
		if dataLen > 0 {
			if dataOff < 16 {
				return nil, malformed("create context: DataOffset")
			}
			d, err := le.Slice(this, dataOff, dataLen)
			if err != nil {
				return nil, malformed("create context: data out of bounds")
			}
			data = slices.Clone(d)
		}
		ctxs = append(ctxs, CreateContext{Name: string(name), Data: data})
		if next == 0 {
			break
		}
		b = b[next:]
	}
	return ctxs, nil
}

// AppendCreateContexts appends a chain of create contexts. b must end 8-aligned relative to the message
// (callers pad first); each context's name sits at offset 16 and its data at the next 8-aligned offset,
// and contexts are padded to 8 bytes between one another but not after the last.
func AppendCreateContexts(b []byte, ctxs []CreateContext) []byte {
	for i, c := range ctxs {
		start := len(b)
		b = le.AppendU32(b, 0) // Next, patched below
		b = le.AppendU16(b, 16)
		b = le.AppendU16(b, uint16(len(c.Name)))
		b = le.AppendU16(b, 0)
		dataOffPos := len(b)
		b = le.AppendU16(b, 0)
		b = le.AppendU32(b, uint32(len(c.Data)))
		b = append(b, c.Name...)
		if len(c.Data) > 0 {
			b = le.Pad(b, start, 8)
			le.PutU16(b, dataOffPos, uint16(len(b)-start))
			b = append(b, c.Data...)
		}
		if i < len(ctxs)-1 {
			b = le.Pad(b, start, 8)
			le.PutU32(b, start, uint32(len(b)-start))
		}
	}
	return b
}

// CreateResponse is the SMB2 CREATE response (MS-SMB2 2.2.14).
type CreateResponse struct {
	OplockLevel  uint8
	Flags        uint8
	CreateAction uint32
	OpenAttributes
	FileID   FileID
	Contexts []CreateContext
}

// AppendTo appends the response body; contexts, if any, start at 0x98 (64+88, 8-aligned).
func (r *CreateResponse) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, createResponseSize)
	b = append(b, r.OplockLevel, r.Flags)
	b = le.AppendU32(b, r.CreateAction)
	b = r.OpenAttributes.appendTo(b)
	b = le.AppendU32(b, 0) // Reserved2
	b = r.FileID.AppendTo(b)
	ctxPos := len(b)
	b = le.AppendU64(b, 0) // CreateContextsOffset, CreateContextsLength
	if len(r.Contexts) > 0 {
		off := len(b)
		b = AppendCreateContexts(b, r.Contexts)
		le.PutU32(b, ctxPos, HeaderSize+88)
		le.PutU32(b, ctxPos+4, uint32(len(b)-off))
	}
	return b
}

// Decode parses a CREATE response from msg, the whole message starting at the SMB2 header.
func (r *CreateResponse) Decode(msg []byte) error {
	rd, err := body(msg, createResponseSize, "create response")
	if err != nil {
		return err
	}
	r.OplockLevel = rd.U8()
	r.Flags = rd.U8()
	r.CreateAction = rd.U32()
	r.OpenAttributes.decode(&rd)
	rd.Skip(4)
	r.FileID = readFileID(&rd)
	ctxOff := rd.U32()
	ctxLen := rd.U32()
	ctxs, err := buffer(msg, ctxOff, ctxLen, 88, "create response: contexts")
	if err != nil {
		return err
	}
	r.Contexts, err = DecodeCreateContexts(ctxs)
	return err
}

// MaximalAccessResponse is the payload of an MxAc create context in a response (MS-SMB2 2.2.14.2.5).
type MaximalAccessResponse struct {
	QueryStatus   Status
	MaximalAccess uint32
}

// AppendTo appends the 8-byte payload.
func (m *MaximalAccessResponse) AppendTo(b []byte) []byte {
	b = le.AppendU32(b, uint32(m.QueryStatus))
	return le.AppendU32(b, m.MaximalAccess)
}

// Decode parses the payload b.
func (m *MaximalAccessResponse) Decode(b []byte) error {
	rd := le.NewReader(b)
	m.QueryStatus = Status(rd.U32())
	m.MaximalAccess = rd.U32()
	if rd.Err() != nil {
		return malformed("MxAc response")
	}
	return nil
}

// QueryOnDiskIDResponse is the payload of a QFid create context in a response (MS-SMB2 2.2.14.2.9):
// DiskFileId, VolumeId and 16 reserved bytes.
type QueryOnDiskIDResponse struct {
	DiskFileID uint64
	VolumeID   uint64
}

// AppendTo appends the 32-byte payload.
func (q *QueryOnDiskIDResponse) AppendTo(b []byte) []byte {
	b = le.AppendU64(b, q.DiskFileID)
	b = le.AppendU64(b, q.VolumeID)
	return append(b, make([]byte, 16)...)
}

// Decode parses the payload b.
func (q *QueryOnDiskIDResponse) Decode(b []byte) error {
	if len(b) < 32 {
		return malformed("QFid response")
	}
	rd := le.NewReader(b)
	q.DiskFileID = rd.U64()
	q.VolumeID = rd.U64()
	return nil
}
