package fscc

import (
	"encoding/hex"
	"strings"
	"testing"
)

// unhex decodes a hex string, ignoring spaces and newlines so vectors can be
// laid out by field.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	s = strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex vector: %v", err)
	}
	return b
}

// Values of the Samba 4.17.12 capture (Debian bookworm, ext4, read-only share
// "ro", queried with impacket over SMB 3.0.2): testdata/README.md says how the
// captures were made.
const (
	helloTime   = 0x01dd7ef3ac8e1b99 // hello.txt: all four times (its birth time)
	subdirTime  = 0x01dd7ef3ac8eb7d9 // subdir and its files: creation, write, change
	subdirATime = 0x01dd7ef3ac8f7545 // subdir: last access
	rootATime   = 0x01dd7ef3ac8f74a1 // share root: last access (other times = helloTime)
)

var (
	sambaHello = File{
		Name: "hello.txt", CreationTime: helloTime, LastAccessTime: helloTime, LastWriteTime: helloTime, ChangeTime: helloTime,
		EndOfFile: 12, AllocationSize: 4096, Attributes: FILE_ATTRIBUTE_NORMAL, FileID: 0x98442e, NumberOfLinks: 1,
	}
	// Samba reports the open's DOS attributes as FileModeInformation; the
	// captures are reproduced with the same Mode.
	sambaHelloOpen = Open{AccessMask: 0x00020089, Mode: 0x80, Path: "hello.txt"}

	sambaSubdir = File{
		Name: "subdir", CreationTime: subdirTime, LastAccessTime: subdirATime, LastWriteTime: subdirTime, ChangeTime: subdirTime,
		Attributes: FILE_ATTRIBUTE_DIRECTORY, FileID: 0x98442d, NumberOfLinks: 1, Directory: true,
	}
	sambaSubdirOpen = Open{AccessMask: 0x00020089, Mode: 0x10, Path: `subdir`}

	sambaRoot = File{
		Name: "", CreationTime: helloTime, LastAccessTime: rootATime, LastWriteTime: helloTime, ChangeTime: helloTime,
		Attributes: FILE_ATTRIBUTE_DIRECTORY, FileID: 0x984426, NumberOfLinks: 1, Directory: true,
	}
	sambaRootOpen = Open{AccessMask: 0x00020089, Mode: 0x10, Path: ""}
)
