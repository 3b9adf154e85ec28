package server

import (
	"strings"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/vfs"
)

// fileInfo turns what stat said into the FSCC view of a file, with the DOS attributes smbd 4.17 shows:
// those Samba stored in user.DOSATTRIB (`store dos attributes`, read but never written here), then
// DIRECTORY for a directory, HIDDEN for dot files (`hide dot files`, yes by default)
// and the share's `hide files`, and NORMAL for a file with nothing else; beyond smbd, SPARSE_FILE for a
// file with fewer blocks than its size needs. A directory has one link, as smbd and NTFS report.
func fileInfo(i vfs.Info, sh *share) fscc.File {
	f := fscc.File{
		Name:           i.Name,
		CreationTime:   fscc.Filetime(i.Btime),
		LastAccessTime: fscc.Filetime(i.Atime),
		LastWriteTime:  fscc.Filetime(i.Mtime),
		ChangeTime:     fscc.Filetime(i.Ctime),
		FileID:         i.Inode,
		NumberOfLinks:  i.Nlink,
		Directory:      i.IsDir,
	}
	if i.HasDOSAttributes {
		// What Samba stored (smbd's dos_mode reads it first); the rest is added below as smbd adds it.
		f.Attributes = i.DOSAttributes & storedAttributes
	}
	if i.IsDir {
		f.Attributes |= fscc.FILE_ATTRIBUTE_DIRECTORY
		f.NumberOfLinks = 1
	} else {
		f.EndOfFile = i.Size
		f.AllocationSize = i.Blocks * 512
		if f.AllocationSize < f.EndOfFile {
			f.Attributes |= fscc.FILE_ATTRIBUTE_SPARSE_FILE
		}
	}
	disk := i.OnDisk() // smbd hides a mangled name by the name on disk
	dotFile := strings.HasPrefix(disk, ".") && disk != "." && disk != ".."
	if dotFile && !sh.cfg.ShowDotFiles || sh.cfg.HideFiles.Match(disk) {
		f.Attributes |= fscc.FILE_ATTRIBUTE_HIDDEN
	}
	if f.Attributes == 0 {
		f.Attributes = fscc.FILE_ATTRIBUTE_NORMAL // valid only alone (MS-FSCC 2.6)
	}
	return f
}

// storedAttributes are the bits of a stored DOS attribute value a file keeps: all of Samba's
// (SAMBA_ATTRIBUTES_MASK) but DIRECTORY and NORMAL, which follow what the file is.
const storedAttributes = 0x7fff &^ (fscc.FILE_ATTRIBUTE_DIRECTORY | fscc.FILE_ATTRIBUTE_NORMAL)

// openAttributes are the attributes of f that CREATE and CLOSE responses carry.
func openAttributes(f fscc.File) smb.OpenAttributes {
	return smb.OpenAttributes{
		CreationTime:   f.CreationTime,
		LastAccessTime: f.LastAccessTime,
		LastWriteTime:  f.LastWriteTime,
		ChangeTime:     f.ChangeTime,
		AllocationSize: f.AllocationSize,
		EndOfFile:      f.EndOfFile,
		FileAttributes: f.Attributes,
	}
}
