package fscc

import (
	"encoding/binary"
	"errors"
)

// ErrEntryOffsets reports start or prev arguments of AppendDirEntry that do
// not point into b.
var ErrEntryOffsets = errors.New("fscc: directory entry offsets out of range")

// Directory entry fixed parts, up to FileName (MS-FSCC 2.4).
const (
	dirEntryDirectory = 64  // FILE_DIRECTORY_INFORMATION, 2.4.10
	dirEntryFull      = 68  // FILE_FULL_DIR_INFORMATION, 2.4.17
	dirEntryBoth      = 94  // FILE_BOTH_DIR_INFORMATION, 2.4.8
	dirEntryNames     = 12  // FILE_NAMES_INFORMATION, 2.4.35
	dirEntryIDBoth    = 104 // FILE_ID_BOTH_DIR_INFORMATION, 2.4.21
	dirEntryIDFull    = 80  // FILE_ID_FULL_DIR_INFORMATION, 2.4.23
	dirEntryIDExtd    = 88  // FILE_ID_EXTD_DIR_INFORMATION, 2.4.22

	shortNameField = 24 // ShortName: 12 UTF-16 code units
)

// DirEntryFixedSize returns the size of class's entry without its name, or 0
// when class is not a directory class. A server answers
// STATUS_INFO_LENGTH_MISMATCH when OutputBufferLength is below it (MS-SMB2
// 3.3.5.18).
func DirEntryFixedSize(class uint8) int {
	switch class {
	case FileDirectoryInformation:
		return dirEntryDirectory
	case FileFullDirectoryInformation:
		return dirEntryFull
	case FileBothDirectoryInformation:
		return dirEntryBoth
	case FileNamesInformation:
		return dirEntryNames
	case FileIdBothDirectoryInformation:
		return dirEntryIDBoth
	case FileIdFullDirectoryInformation:
		return dirEntryIDFull
	case FileIdExtdDirectoryInformation:
		return dirEntryIDExtd
	}
	return 0
}

// AppendDirEntry appends one QUERY_DIRECTORY entry of class to b.
//
// Entries of one response start at b[start:]. The new entry begins at the
// next 8-byte boundary relative to start, the gap zero-filled, and when prev
// is not -1 the NextEntryOffset of the entry at b[prev:] is set to the
// distance to it. The new entry's own NextEntryOffset is 0 and it is not
// padded, so the last entry of a response ends at its name: MS-FSCC 2.4 asks
// for no padding after the last element and Samba 4.17 sends none (checked
// against its FileIdBothDirectoryInformation listings).
//
// When the padded entry would make len(nb)-start exceed maxLen, AppendDirEntry
// returns b unchanged, off -1 and ok false; the server ends the batch there
// and returns the entry on the next QUERY_DIRECTORY. FileIndex is 0 and EaSize
// is 0, as Samba sends; ShortName is f.ShortName (normally empty).
func AppendDirEntry(b []byte, start, prev int, class uint8, f File, maxLen int) (nb []byte, off int, ok bool, err error) {
	fixedSize := DirEntryFixedSize(class)
	if fixedSize == 0 {
		return b, -1, false, ErrInvalidClass
	}
	if start < 0 || start > len(b) || (prev != -1 && (prev < start || prev > len(b)-4)) {
		return b, -1, false, ErrEntryOffsets
	}
	rel := len(b) - start
	padded := (rel + 7) &^ 7
	nameLen := utf16Len(f.Name)
	if padded+fixedSize+nameLen > maxLen {
		return b, -1, false, nil
	}
	off = start + padded
	for len(b) < off {
		b = append(b, 0)
	}
	if prev != -1 {
		binary.LittleEndian.PutUint32(b[prev:], uint32(off-prev))
	}

	b = le32(b, 0) // NextEntryOffset: set by the next entry, if any
	b = le32(b, 0) // FileIndex: no meaningful position (MS-FSCC 2.4.10)
	if class == FileNamesInformation {
		b = le32(b, uint32(nameLen))
		return appendUTF16(b, f.Name), off, true, nil
	}
	b = appendTimes(b, &f)
	b = le64(b, uint64(f.EndOfFile))
	b = le64(b, uint64(f.AllocationSize))
	b = le32(b, f.Attributes)
	b = le32(b, uint32(nameLen))
	if class != FileDirectoryInformation {
		b = le32(b, 0) // EaSize (ReparsePointTag would go here for reparse points)
	}
	switch class {
	case FileBothDirectoryInformation, FileIdBothDirectoryInformation:
		b = appendShortName(b, f.ShortName)
		if class == FileIdBothDirectoryInformation {
			b = le16(b, 0) // Reserved2
			b = le64(b, f.FileID)
		}
	case FileIdFullDirectoryInformation:
		b = le32(b, 0) // Reserved
		b = le64(b, f.FileID)
	case FileIdExtdDirectoryInformation:
		b = le32(b, 0) // ReparsePointTag
		// FileId is 128 bits (FILE_ID_128, MS-FSCC 2.1.10): the inode in
		// the low half, little-endian.
		b = le64(b, f.FileID)
		b = le64(b, 0)
	}
	return appendUTF16(b, f.Name), off, true, nil
}

// appendShortName appends ShortNameLength, Reserved and the 24-byte
// ShortName field, the name cut to 12 UTF-16 code units.
func appendShortName(b []byte, short string) []byte {
	enc := appendUTF16(make([]byte, 0, shortNameField+4), short)
	if len(enc) > shortNameField {
		enc = enc[:shortNameField]
	}
	b = append(b, byte(len(enc)), 0)
	b = append(b, enc...)
	return append(b, make([]byte, shortNameField-len(enc))...)
}
