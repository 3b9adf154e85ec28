package fscc

// File system information classes (MS-FSCC 2.5), as carried in the
// FileInfoClass field of QUERY_INFO with InfoType SMB2_0_INFO_FILESYSTEM.
const (
	FileFsVolumeInformation     uint8 = 1
	FileFsSizeInformation       uint8 = 3
	FileFsDeviceInformation     uint8 = 4
	FileFsAttributeInformation  uint8 = 5
	FileFsControlInformation    uint8 = 6 // quotas: see the server
	FileFsFullSizeInformation   uint8 = 7
	FileFsObjectIdInformation   uint8 = 8
	FileFsSectorSizeInformation uint8 = 11
)

// Volume is what the file system classes are built from; the server fills it
// from statfs and the share's configuration.
type Volume struct {
	// Label is the volume label (Samba reports the share name).
	Label        string
	SerialNumber uint32
	CreationTime uint64 // FILETIME
	// TotalUnits, FreeUnits and CallerAvailUnits count allocation units
	// of SectorsPerUnit * BytesPerSector bytes (statfs f_blocks, f_bfree,
	// f_bavail scaled accordingly).
	TotalUnits, FreeUnits, CallerAvailUnits uint64
	SectorsPerUnit, BytesPerSector          uint32
	// FSName is the file system name; "NTFS" as Samba reports by default,
	// because clients treat other names specially.
	FSName string
	// MaxNameLen is MaximumComponentNameLength; 0 means 255.
	MaxNameLen uint32
	// Attributes holds FILE_* file system attribute bits; see
	// DefaultFSAttributes. FILE_READ_ONLY_VOLUME also marks the device
	// read-only in FileFsDeviceInformation.
	Attributes uint32
	// ObjectID is FileFsObjectIdInformation's ObjectId.
	ObjectID [16]byte
}

// Fixed sizes and minimums (MS-FSA 2.1.5.13): the label and file system
// name classes need BlockAlign(FieldOffset(name), 8) and (…, 4).
const (
	volLabelOffset   = 18 // MS-FSCC 2.5.9 up to VolumeLabel
	minVolumeInfo    = 24 // BlockAlign(18, 8)
	sizeFsSize       = 24 // MS-FSCC 2.5.8
	sizeFsDevice     = 8  // MS-FSCC 2.5.10
	fsNameOffset     = 12 // MS-FSCC 2.5.1 up to FileSystemName
	minAttributeInfo = 16 // BlockAlign(12+2, 4): one UTF-16 unit of the name, as Windows and Samba count it
	sizeFsFullSize   = 32 // MS-FSCC 2.5.4
	sizeFsObjectID   = 64 // MS-FSCC 2.5.6
	sizeFsSectorSize = 28 // MS-FSCC 2.5.7
)

// FSInfo encodes file system information class class in at most maxLen
// bytes. Errors are as for FileInfo: ErrInvalidClass, ErrInfoLength, and
// ErrBufferOverflow with the bytes that fit when the label or file system
// name is cut (MS-FSA copies as many bytes as remain, odd counts included).
func FSInfo(class uint8, v Volume, maxLen int) ([]byte, error) {
	if maxLen < 0 {
		maxLen = 0
	}
	switch class {
	case FileFsVolumeInformation:
		if maxLen < minVolumeInfo {
			return nil, ErrInfoLength
		}
		b := make([]byte, 0, volLabelOffset+utf16Len(v.Label))
		b = le64(b, v.CreationTime)
		b = le32(b, v.SerialNumber)
		b = le32(b, uint32(utf16Len(v.Label)))
		// SupportsObjects: FALSE, as Samba sends; zsmbd has no object IDs.
		b = append(b, 0, 0)
		return appendCut(b, v.Label, maxLen)
	case FileFsSizeInformation:
		return fixed(maxLen, sizeFsSize, func(b []byte) []byte {
			b = le64(b, v.TotalUnits)
			b = le64(b, v.CallerAvailUnits)
			b = le32(b, v.SectorsPerUnit)
			return le32(b, v.BytesPerSector)
		})
	case FileFsDeviceInformation:
		return fixed(maxLen, sizeFsDevice, func(b []byte) []byte {
			// Samba: a mounted disk, read-only when the share is.
			ch := FILE_DEVICE_IS_MOUNTED
			if v.Attributes&FILE_READ_ONLY_VOLUME != 0 {
				ch |= FILE_READ_ONLY_DEVICE
			}
			return le32(le32(b, FILE_DEVICE_DISK), ch)
		})
	case FileFsAttributeInformation:
		if maxLen < minAttributeInfo {
			return nil, ErrInfoLength
		}
		maxName := v.MaxNameLen
		if maxName == 0 {
			maxName = 255
		}
		b := make([]byte, 0, fsNameOffset+utf16Len(v.FSName))
		b = le32(b, v.Attributes)
		b = le32(b, maxName)
		b = le32(b, uint32(utf16Len(v.FSName)))
		return appendCut(b, v.FSName, maxLen)
	case FileFsFullSizeInformation:
		return fixed(maxLen, sizeFsFullSize, func(b []byte) []byte {
			b = le64(b, v.TotalUnits)
			b = le64(b, v.CallerAvailUnits)
			b = le64(b, v.FreeUnits)
			b = le32(b, v.SectorsPerUnit)
			return le32(b, v.BytesPerSector)
		})
	case FileFsObjectIdInformation:
		// MS-FSCC 2.5.6: ObjectId and 48 bytes of ExtendedInfo, which
		// zsmbd leaves zero. (Samba returns truncated data with
		// STATUS_BUFFER_OVERFLOW here; the structure is fixed, so this
		// follows MS-FSA and fails instead.)
		return fixed(maxLen, sizeFsObjectID, func(b []byte) []byte {
			b = append(b, v.ObjectID[:]...)
			return append(b, make([]byte, 48)...)
		})
	case FileFsSectorSizeInformation:
		return fixed(maxLen, sizeFsSectorSize, func(b []byte) []byte {
			// MS-FSCC 2.5.7: one sector size for all four fields and
			// aligned-device flags, as Samba reports.
			bps := v.BytesPerSector
			b = le32(b, bps) // LogicalBytesPerSector
			b = le32(b, bps) // PhysicalBytesPerSectorForAtomicity
			b = le32(b, bps) // PhysicalBytesPerSectorForPerformance
			b = le32(b, bps) // FileSystemEffectivePhysicalBytesPerSectorForAtomicity
			b = le32(b, SSINFO_FLAGS_ALIGNED_DEVICE|SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE)
			b = le32(b, 0) // ByteOffsetForSectorAlignment
			return le32(b, 0)
		})
	}
	return nil, ErrInvalidClass
}

// appendCut appends s as UTF-16LE and cuts the result to maxLen bytes,
// reporting ErrBufferOverflow when anything was cut.
func appendCut(b []byte, s string, maxLen int) ([]byte, error) {
	b = appendUTF16(b, s)
	if len(b) > maxLen {
		return b[:maxLen], ErrBufferOverflow
	}
	return b, nil
}
