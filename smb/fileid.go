package smb

import "github.com/zsmbd/zsmbd/internal/le"

// FileID is an SMB2_FILEID (MS-SMB2 2.2.14.1): the persistent and volatile halves of an open's handle.
type FileID struct {
	Persistent, Volatile uint64
}

// RelatedFileID is the FileID a related compound request uses to mean "the file opened by the previous
// request in this compound" (MS-SMB2 3.2.4.1.4, 3.3.5.2.7.2).
var RelatedFileID = FileID{Persistent: 0xFFFFFFFFFFFFFFFF, Volatile: 0xFFFFFFFFFFFFFFFF}

// IsRelated reports whether id is the related-compound placeholder.
func (id FileID) IsRelated() bool { return id == RelatedFileID }

// AppendTo appends the 16-byte encoding of id.
func (id FileID) AppendTo(b []byte) []byte {
	b = le.AppendU64(b, id.Persistent)
	return le.AppendU64(b, id.Volatile)
}

// readFileID reads a FileID from r.
func readFileID(r *le.Reader) FileID {
	return FileID{Persistent: r.U64(), Volatile: r.U64()}
}

// DecodeFileID decodes a 16-byte SMB2_FILEID from the start of b.
func DecodeFileID(b []byte) (FileID, error) {
	r := le.NewReader(b)
	id := readFileID(r)
	if r.Err() != nil {
		return FileID{}, malformed("FileId")
	}
	return id, nil
}
