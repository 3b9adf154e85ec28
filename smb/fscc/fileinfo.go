package fscc

import (
	"encoding/binary"
	"strings"
)

// File information classes (MS-FSCC 2.4), as carried in the
// FileInfoClass field of QUERY_INFO and QUERY_DIRECTORY.
const (
	FileDirectoryInformation       uint8 = 1
	FileFullDirectoryInformation   uint8 = 2
	FileBothDirectoryInformation   uint8 = 3
	FileBasicInformation           uint8 = 4
	FileStandardInformation        uint8 = 5
	FileInternalInformation        uint8 = 6
	FileEaInformation              uint8 = 7
	FileAccessInformation          uint8 = 8
	FileNameInformation            uint8 = 9
	FileNamesInformation           uint8 = 12
	FilePositionInformation        uint8 = 14
	FileFullEaInformation          uint8 = 15
	FileModeInformation            uint8 = 16
	FileAlignmentInformation       uint8 = 17
	FileAllInformation             uint8 = 18
	FileAlternateNameInformation   uint8 = 21
	FileStreamInformation          uint8 = 22
	FileCompressionInformation     uint8 = 28
	FileNetworkOpenInformation     uint8 = 34
	FileAttributeTagInformation    uint8 = 35
	FileIdBothDirectoryInformation uint8 = 37
	FileIdFullDirectoryInformation uint8 = 38
	FileNormalizedNameInformation  uint8 = 48
	FileIdExtdDirectoryInformation uint8 = 60
)

// File is what every file information class is built from; the server fills
// it from a stat result.
type File struct {
	// Name is the base name, used by directory entries and
	// FileAlternateNameInformation ("" for the share root).
	Name string
	// ShortName is the 8.3 name, usually "" (zsmbd gives long names none).
	ShortName string
	// CreationTime, LastAccessTime, LastWriteTime and ChangeTime are
	// FILETIMEs (see Filetime).
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime uint64
	EndOfFile, AllocationSize                               int64
	// Attributes holds FILE_ATTRIBUTE_* bits.
	Attributes uint32
	// FileID is the IndexNumber / FileId: the inode number.
	FileID        uint64
	NumberOfLinks uint32
	DeletePending bool
	Directory     bool
	// EASize is FileEaInformation's EaSize; directory entries report 0.
	EASize uint32
}

// Open is the per-open state some classes report.
type Open struct {
	// AccessMask is the access granted to the open (FileAccessInformation).
	AccessMask uint32
	// Position is CurrentByteOffset (FilePositionInformation). MS-SMB2
	// 3.3.5.20.1 says a server SHOULD report 0.
	Position int64
	// Mode is FileModeInformation's FILE_* create-option bits.
	Mode uint32
	// Path is the share-relative path with '\' separators; FileNameInformation
	// and FileAllInformation report it with a leading '\' ("\" for the share
	// root), FileNormalizedNameInformation without ("" for the root).
	Path string
}

// Fixed sizes and minimum output lengths. The minimums of name-bearing
// classes follow MS-FSA 2.1.5.12: BlockAlign(FieldOffset(FileName)+2, 4) for
// FILE_NAME_INFORMATION, the same aligned to 8 for FILE_ALL_INFORMATION and
// sizeof(FILE_STREAM_INFORMATION) (with its one-WCHAR name, padded to 8) for
// streams. Samba 4.17 answers STATUS_INFO_LENGTH_MISMATCH at exactly these
// boundaries.
const (
	sizeBasic       = 40 // MS-FSCC 2.4.7
	sizeStandard    = 24 // MS-FSCC 2.4.47
	sizeInternal    = 8  // MS-FSCC 2.4.26
	sizeEa          = 4  // MS-FSCC 2.4.13
	sizeAccess      = 4  // MS-FSCC 2.4.1
	sizePosition    = 8  // MS-FSCC 2.4.40
	sizeMode        = 4  // MS-FSCC 2.4.31
	sizeAlignment   = 4  // MS-FSCC 2.4.3
	sizeCompression = 16 // MS-FSCC 2.4.9
	sizeNetworkOpen = 56 // MS-FSCC 2.4.33
	sizeAttrTag     = 8  // MS-FSCC 2.4.6

	// FileAllInformation: fixed part up to NameInformation.FileName.
	allNameOffset = sizeBasic + sizeStandard + sizeInternal + sizeEa + sizeAccess + sizePosition + sizeMode + sizeAlignment + 4 // 100

	minNameInfo   = 8   // BlockAlign(4+2, 4)
	minAllInfo    = 104 // BlockAlign(100+2, 8)
	minStreamInfo = 32  // BlockAlign(24+2, 8)

	streamEntryFixed = 24 // MS-FSCC 2.4.49 up to StreamName
)

// defaultStream is the name of a file's unnamed data stream.
const defaultStream = "::$DATA"

// FileInfo encodes file information class class for QUERY_INFO in at most
// maxLen bytes (the request's OutputBufferLength).
//
// It returns ErrInfoLength when maxLen is below the class's minimum,
// ErrInvalidClass for classes QUERY_INFO does not answer (directory-only
// classes included, as Samba does), ErrNoShortName from
// FileAlternateNameInformation for a long name without ShortName, and
// ErrBufferOverflow together with the truncated bytes when the variable part
// does not fit.
func FileInfo(class uint8, f File, o Open, maxLen int) ([]byte, error) {
	if maxLen < 0 {
		maxLen = 0
	}
	switch class {
	case FileBasicInformation:
		return fixed(maxLen, sizeBasic, func(b []byte) []byte { return appendBasic(b, &f) })
	case FileStandardInformation:
		return fixed(maxLen, sizeStandard, func(b []byte) []byte { return appendStandard(b, &f) })
	case FileInternalInformation:
		return fixed(maxLen, sizeInternal, func(b []byte) []byte { return le64(b, f.FileID) })
	case FileEaInformation:
		return fixed(maxLen, sizeEa, func(b []byte) []byte { return le32(b, f.EASize) })
	case FileAccessInformation:
		return fixed(maxLen, sizeAccess, func(b []byte) []byte { return le32(b, o.AccessMask) })
	case FilePositionInformation:
		return fixed(maxLen, sizePosition, func(b []byte) []byte { return le64(b, uint64(o.Position)) })
	case FileModeInformation:
		return fixed(maxLen, sizeMode, func(b []byte) []byte { return le32(b, o.Mode) })
	case FileAlignmentInformation:
		// FILE_BYTE_ALIGNMENT: no alignment requirement (MS-FSCC 2.4.3).
		return fixed(maxLen, sizeAlignment, func(b []byte) []byte { return le32(b, 0) })
	case FileCompressionInformation:
		return fixed(maxLen, sizeCompression, func(b []byte) []byte { return appendCompression(b, &f) })
	case FileNetworkOpenInformation:
		return fixed(maxLen, sizeNetworkOpen, func(b []byte) []byte { return appendNetworkOpen(b, &f) })
	case FileAttributeTagInformation:
		// MS-FSCC 2.4.6: ReparseTag is 0 unless the file is a reparse point.
		return fixed(maxLen, sizeAttrTag, func(b []byte) []byte { return le32(le32(b, f.Attributes), 0) })
	case FileNameInformation:
		// MS-FSCC 2.4.32: FILE_NAME_INFORMATION, the path with a leading '\'.
		if maxLen < minNameInfo {
			return nil, ErrInfoLength
		}
		return appendName(nil, sharePath(o.Path), maxLen)
	case FileNormalizedNameInformation:
		// MS-FSCC 2.4.34: the same path (zsmbd keeps no short-name components) without the leading
		// '\', and empty for the share root, as Windows and smbd answer (smbtorture's
		// smb2.getinfo.normalized). The dialect check (3.1.1 only) is the server's.
		if maxLen < minNameInfo {
			return nil, ErrInfoLength
		}
		return appendName(nil, strings.TrimPrefix(sharePath(o.Path), `\`), maxLen)
	case FileAlternateNameInformation:
		// MS-FSCC 2.4.5: FILE_NAME_INFORMATION holding the 8.3 name.
		if maxLen < minNameInfo {
			return nil, ErrInfoLength
		}
		short, ok := shortName(&f)
		if !ok {
			return nil, ErrNoShortName
		}
		return appendName(nil, short, maxLen)
	case FileAllInformation:
		if maxLen < minAllInfo {
			return nil, ErrInfoLength
		}
		return appendAll(&f, &o, maxLen)
	case FileStreamInformation:
		if maxLen < minStreamInfo {
			return nil, ErrInfoLength
		}
		return appendStreams(&f, maxLen)
	}
	return nil, ErrInvalidClass
}

// fixed encodes a fixed-size class: all or nothing (MS-FSA 2.1.5.12).
func fixed(maxLen, size int, enc func([]byte) []byte) ([]byte, error) {
	if maxLen < size {
		return nil, ErrInfoLength
	}
	return enc(make([]byte, 0, size)), nil
}

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func le32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func le64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// appendTimes appends CreationTime, LastAccessTime, LastWriteTime and
// ChangeTime, the order every class uses.
func appendTimes(b []byte, f *File) []byte {
	b = le64(b, f.CreationTime)
	b = le64(b, f.LastAccessTime)
	b = le64(b, f.LastWriteTime)
	return le64(b, f.ChangeTime)
}

// appendBasic appends FILE_BASIC_INFORMATION (MS-FSCC 2.4.7).
func appendBasic(b []byte, f *File) []byte {
	b = appendTimes(b, f)
	b = le32(b, f.Attributes)
	return le32(b, 0) // Reserved
}

// appendStandard appends FILE_STANDARD_INFORMATION (MS-FSCC 2.4.47).
func appendStandard(b []byte, f *File) []byte {
	b = le64(b, uint64(f.AllocationSize))
	b = le64(b, uint64(f.EndOfFile))
	b = le32(b, f.NumberOfLinks)
	b = append(b, boolByte(f.DeletePending), boolByte(f.Directory))
	return le16(b, 0) // Reserved
}

// appendCompression appends FILE_COMPRESSION_INFORMATION (MS-FSCC 2.4.9) for
// an uncompressed file: CompressedFileSize is the file size (Samba reports
// EndOfFile, 0 for directories), COMPRESSION_FORMAT_NONE, and zero shifts.
func appendCompression(b []byte, f *File) []byte {
	size := uint64(f.EndOfFile)
	if f.Directory {
		size = 0
	}
	b = le64(b, size)
	b = le16(b, 0)            // CompressionFormat: COMPRESSION_FORMAT_NONE
	b = append(b, 0, 0, 0)    // CompressionUnitShift, ChunkShift, ClusterShift
	return append(b, 0, 0, 0) // Reserved
}

// appendNetworkOpen appends FILE_NETWORK_OPEN_INFORMATION (MS-FSCC 2.4.33).
func appendNetworkOpen(b []byte, f *File) []byte {
	b = appendTimes(b, f)
	b = le64(b, uint64(f.AllocationSize))
	b = le64(b, uint64(f.EndOfFile))
	b = le32(b, f.Attributes)
	return le32(b, 0) // Reserved
}

// appendName appends FILE_NAME_INFORMATION (MS-FSCC 2.4.32) with name cut to
// the whole UTF-16 code units that fit in maxLen; FileNameLength always holds
// the full length so the client can retry with a larger buffer (MS-FSA
// 2.1.5.12.19). maxLen must be at least 4 past the start of b's record.
func appendName(b []byte, name string, maxLen int) ([]byte, error) {
	n := utf16Len(name)
	b = le32(b, uint32(n))
	avail := (maxLen - 4) &^ 1
	if avail >= n {
		return appendUTF16(b, name), nil
	}
	start := len(b)
	b = appendUTF16(b, name)
	return b[:start+avail], ErrBufferOverflow
}

// appendAll encodes FILE_ALL_INFORMATION (MS-FSCC 2.4.2): the eight fixed
// structures followed by FILE_NAME_INFORMATION, whose status is the class's
// status (MS-FSA 2.1.5.12.3). No padding follows the name: Samba and Windows
// return exactly FieldOffset(FileName) + FileNameLength bytes.
func appendAll(f *File, o *Open, maxLen int) ([]byte, error) {
	path := sharePath(o.Path)
	b := make([]byte, 0, allNameOffset+utf16Len(path))
	b = appendBasic(b, f)
	b = appendStandard(b, f)
	b = le64(b, f.FileID)           // InternalInformation
	b = le32(b, f.EASize)           // EaInformation
	b = le32(b, o.AccessMask)       // AccessInformation
	b = le64(b, uint64(o.Position)) // PositionInformation
	b = le32(b, o.Mode)             // ModeInformation
	b = le32(b, 0)                  // AlignmentInformation: FILE_BYTE_ALIGNMENT
	return appendName(b, path, maxLen-(allNameOffset-4))
}

// appendStreams encodes FileStreamInformation (MS-FSCC 2.4.49). zsmbd has no
// named streams: a file has its unnamed data stream "::$DATA" and a directory
// has none, so the answer for a directory is empty (Samba and NTFS agree).
// Entries are returned whole: when "::$DATA" does not fit, MS-FSA 2.1.5.12.29
// fails with STATUS_BUFFER_OVERFLOW and no entries, as Samba does.
func appendStreams(f *File, maxLen int) ([]byte, error) {
	if f.Directory {
		return []byte{}, nil
	}
	nameLen := utf16Len(defaultStream)
	if streamEntryFixed+nameLen > maxLen {
		return []byte{}, ErrBufferOverflow
	}
	b := make([]byte, 0, streamEntryFixed+nameLen)
	b = le32(b, 0) // NextEntryOffset: last entry
	b = le32(b, uint32(nameLen))
	b = le64(b, uint64(f.EndOfFile))
	b = le64(b, uint64(f.AllocationSize))
	return appendUTF16(b, defaultStream), nil
}

// shortName returns the 8.3 name FileAlternateNameInformation reports:
// ShortName when set, else the name itself when it already is a legal 8.3
// name (Samba answers "hello.txt" for hello.txt and "." for the share root).
// A long name with no ShortName has no 8.3 name, which Windows reports as
// STATUS_OBJECT_NAME_NOT_FOUND. Note smbclient's allinfo stops at that error;
// Samba avoids it by mangling, which a server wanting allinfo on long names
// must do too by filling ShortName.
func shortName(f *File) (string, bool) {
	if f.ShortName != "" {
		return f.ShortName, true
	}
	name := f.Name
	if name == "" || name == `\` {
		name = "."
	}
	if is83(name) {
		return name, true
	}
	return "", false
}
