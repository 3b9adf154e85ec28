package smb

import "github.com/zsmbd/zsmbd/internal/le"

// OpenAttributes are the file's times, sizes and attributes that a CREATE response (MS-SMB2 2.2.14) and
// a CLOSE response with ClosePostQueryAttrib (2.2.16) both carry, in the same 52-byte layout.
type OpenAttributes struct {
	CreationTime   uint64 // FILETIME
	LastAccessTime uint64
	LastWriteTime  uint64
	ChangeTime     uint64
	AllocationSize int64
	EndOfFile      int64
	FileAttributes uint32
}

func (a *OpenAttributes) appendTo(b []byte) []byte {
	b = le.AppendU64(b, a.CreationTime)
	b = le.AppendU64(b, a.LastAccessTime)
	b = le.AppendU64(b, a.LastWriteTime)
	b = le.AppendU64(b, a.ChangeTime)
	b = le.AppendU64(b, uint64(a.AllocationSize))
	b = le.AppendU64(b, uint64(a.EndOfFile))
	return le.AppendU32(b, a.FileAttributes)
}

func (a *OpenAttributes) decode(rd *le.Reader) {
	a.CreationTime = rd.U64()
	a.LastAccessTime = rd.U64()
	a.LastWriteTime = rd.U64()
	a.ChangeTime = rd.U64()
	a.AllocationSize = int64(rd.U64())
	a.EndOfFile = int64(rd.U64())
	a.FileAttributes = rd.U32()
}
