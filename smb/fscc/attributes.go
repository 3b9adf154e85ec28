package fscc

// File attributes (MS-FSCC 2.6).
const (
	FILE_ATTRIBUTE_READONLY              uint32 = 0x00000001
	FILE_ATTRIBUTE_HIDDEN                uint32 = 0x00000002
	FILE_ATTRIBUTE_SYSTEM                uint32 = 0x00000004
	FILE_ATTRIBUTE_DIRECTORY             uint32 = 0x00000010
	FILE_ATTRIBUTE_ARCHIVE               uint32 = 0x00000020
	FILE_ATTRIBUTE_NORMAL                uint32 = 0x00000080
	FILE_ATTRIBUTE_TEMPORARY             uint32 = 0x00000100
	FILE_ATTRIBUTE_SPARSE_FILE           uint32 = 0x00000200
	FILE_ATTRIBUTE_REPARSE_POINT         uint32 = 0x00000400
	FILE_ATTRIBUTE_COMPRESSED            uint32 = 0x00000800
	FILE_ATTRIBUTE_OFFLINE               uint32 = 0x00001000
	FILE_ATTRIBUTE_NOT_CONTENT_INDEXED   uint32 = 0x00002000
	FILE_ATTRIBUTE_ENCRYPTED             uint32 = 0x00004000
	FILE_ATTRIBUTE_INTEGRITY_STREAM      uint32 = 0x00008000
	FILE_ATTRIBUTE_NO_SCRUB_DATA         uint32 = 0x00020000
	FILE_ATTRIBUTE_RECALL_ON_OPEN        uint32 = 0x00040000
	FILE_ATTRIBUTE_PINNED                uint32 = 0x00080000
	FILE_ATTRIBUTE_UNPINNED              uint32 = 0x00100000
	FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS uint32 = 0x00400000
)

// File system attributes of FileFsAttributeInformation (MS-FSCC 2.5.1).
const (
	FILE_CASE_SENSITIVE_SEARCH        uint32 = 0x00000001
	FILE_CASE_PRESERVED_NAMES         uint32 = 0x00000002
	FILE_UNICODE_ON_DISK              uint32 = 0x00000004
	FILE_PERSISTENT_ACLS              uint32 = 0x00000008
	FILE_FILE_COMPRESSION             uint32 = 0x00000010
	FILE_VOLUME_QUOTAS                uint32 = 0x00000020
	FILE_SUPPORTS_SPARSE_FILES        uint32 = 0x00000040
	FILE_SUPPORTS_REPARSE_POINTS      uint32 = 0x00000080
	FILE_SUPPORTS_REMOTE_STORAGE      uint32 = 0x00000100
	FILE_VOLUME_IS_COMPRESSED         uint32 = 0x00008000
	FILE_SUPPORTS_OBJECT_IDS          uint32 = 0x00010000
	FILE_SUPPORTS_ENCRYPTION          uint32 = 0x00020000
	FILE_NAMED_STREAMS                uint32 = 0x00040000
	FILE_READ_ONLY_VOLUME             uint32 = 0x00080000
	FILE_SEQUENTIAL_WRITE_ONCE        uint32 = 0x00100000
	FILE_SUPPORTS_TRANSACTIONS        uint32 = 0x00200000
	FILE_SUPPORTS_HARD_LINKS          uint32 = 0x00400000
	FILE_SUPPORTS_EXTENDED_ATTRIBUTES uint32 = 0x00800000
	FILE_SUPPORTS_OPEN_BY_FILE_ID     uint32 = 0x01000000
	FILE_SUPPORTS_USN_JOURNAL         uint32 = 0x02000000
	FILE_SUPPORTS_BLOCK_REFCOUNTING   uint32 = 0x08000000
)

// DefaultFSAttributes returns the FileSystemAttributes for a share.
//
// Samba 4.17 on ext4 reports 0x0001006f: case-sensitive search, preserved
// names, Unicode on disk, persistent ACLs, volume quotas, sparse files and
// object IDs, and never FILE_READ_ONLY_VOLUME, even for a read-only share.
// Clients act on what is advertised (a Windows client offers quota and
// object-ID operations it then issues), so this keeps only the four
// properties zsmbd really has, and adds FILE_READ_ONLY_VOLUME for a read-only
// share so Windows does not offer writes that must fail.
func DefaultFSAttributes(readOnly bool) uint32 {
	a := FILE_CASE_SENSITIVE_SEARCH | FILE_CASE_PRESERVED_NAMES |
		FILE_UNICODE_ON_DISK | FILE_PERSISTENT_ACLS
	if readOnly {
		a |= FILE_READ_ONLY_VOLUME
	}
	return a
}

// Device type and characteristics of FileFsDeviceInformation (MS-FSCC 2.5.10).
const (
	FILE_DEVICE_DISK uint32 = 0x00000007

	FILE_REMOVABLE_MEDIA   uint32 = 0x00000001
	FILE_READ_ONLY_DEVICE  uint32 = 0x00000002
	FILE_REMOTE_DEVICE     uint32 = 0x00000010
	FILE_DEVICE_IS_MOUNTED uint32 = 0x00000020
)

// Flags of FileFsSectorSizeInformation (MS-FSCC 2.5.8).
const (
	SSINFO_FLAGS_ALIGNED_DEVICE              uint32 = 0x00000001
	SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE uint32 = 0x00000002
	SSINFO_FLAGS_NO_SEEK_PENALTY             uint32 = 0x00000004
	SSINFO_FLAGS_TRIM_ENABLED                uint32 = 0x00000008
)
