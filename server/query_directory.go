package server

import (
	"errors"
	"io"
	"strings"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/vfs"
)

// dirBatch is how many entries are read from the directory at a time: memory per open directory stays
// bounded whatever the directory's size.
const dirBatch = 128

// dirScan is the enumeration state of an open directory (MS-SMB2 3.3.5.18).
type dirScan struct {
	pattern  string
	pending  []vfs.Info // read from the directory, not yet returned
	eof      bool
	answered bool // the search answered with entries or STATUS_NO_SUCH_FILE since it (re)started
}

var dirClasses = map[uint8]bool{
	fscc.FileDirectoryInformation:       true,
	fscc.FileFullDirectoryInformation:   true,
	fscc.FileBothDirectoryInformation:   true,
	fscc.FileNamesInformation:           true,
	fscc.FileIdBothDirectoryInformation: true,
	fscc.FileIdFullDirectoryInformation: true,
	fscc.FileIdExtdDirectoryInformation: true,
}

// handleQueryDirectory answers QUERY_DIRECTORY: "." and ".." first, wildcards as MS-FSA 2.1.4.4 defines
// them, entries 8-byte aligned and never beyond OutputBufferLength.
func handleQueryDirectory(r *request) error {
	var req smb.QueryDirectoryRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	if o.file == nil || !o.file.Info.IsDir {
		return smb.StatusInvalidParameter
	}
	if o.access&smb.FileReadData == 0 {
		return smb.StatusAccessDenied // FILE_LIST_DIRECTORY (Samba 4.17)
	}
	if !dirClasses[req.FileInformationClass] {
		return smb.StatusInvalidInfoClass
	}
	// MS-FSA 2.1.5.6.3: the pattern is one name component; wildcards, "." and ".." are allowed.
	if strings.ContainsFunc(req.FileName, func(c rune) bool { return c < 0x20 || strings.ContainsRune(`\/:|`, c) }) {
		return smb.StatusObjectNameInvalid
	}
	r.c.mu.Lock()
	maxTransact := r.c.neg.maxRead // MaxTransactSize
	r.c.mu.Unlock()
	if req.OutputBufferLength == 0 || req.OutputBufferLength > maxTransact {
		return smb.StatusInvalidParameter // smbd 4.17's answer to both
	}
	if err := r.checkCharge(uint64(req.OutputBufferLength)); err != nil {
		return err
	}
	maxLen := int(req.OutputBufferLength)
	if maxLen < fscc.DirEntryFixedSize(req.FileInformationClass) {
		return smb.StatusInfoLengthMismatch // before the search state changes (MS-FSA 2.1.5.6.3)
	}

	o.mu.Lock()
	defer o.mu.Unlock()
	if o.scan == nil || req.Flags&(smb.RestartScans|smb.Reopen) != 0 {
		pattern := req.FileName
		if pattern == "" {
			pattern = "*"
		}
		if o.scan != nil {
			if err := o.file.Rewind(); err != nil {
				return vfsStatus(err)
			}
			if req.FileName == "" {
				pattern = o.scan.pattern
			}
		}
		o.scan = &dirScan{pattern: pattern}
		if !hasWildcard(pattern) {
			return r.queryOneName(o, &req, maxLen)
		}
	}
	s := o.scan
	var buf []byte
	prev := -1
	for {
		if len(s.pending) == 0 {
			if s.eof {
				break
			}
			batch, err := o.file.ReadDir(dirBatch)
			if errors.Is(err, io.EOF) || err == nil && len(batch) == 0 {
				s.eof = true
			} else if err != nil {
				return vfsStatus(err)
			}
			if r.tree.share.cfg.HideUnreadable {
				batch = o.file.KeepReadable(batch) // Samba's `hide unreadable`
			}
			s.pending = batch
			continue
		}
		e := s.pending[0]
		if !vfs.Match(s.pattern, e.Name) {
			s.pending = s.pending[1:]
			continue
		}
		nb, off, ok, err := fscc.AppendDirEntry(buf, 0, prev, req.FileInformationClass, fileInfo(e, r.tree.share), maxLen)
		if err != nil {
			return fsccStatus(err)
		}
		if !ok {
			if prev < 0 {
				return smb.StatusInfoLengthMismatch // not even one entry fits
			}
			break // the entry waits for the next query
		}
		buf, prev = nb, off
		s.pending = s.pending[1:]
		s.answered = true
		if req.Flags&smb.ReturnSingleEntry != 0 {
			break
		}
	}
	if prev < 0 {
		// MS-FSA 2.1.5.6.3: the first query of a search that matches nothing is STATUS_NO_SUCH_FILE,
		// every query after it STATUS_NO_MORE_FILES (as Samba answers).
		if !s.answered {
			s.answered = true
			return smb.StatusNoSuchFile
		}
		return smb.StatusNoMoreFiles
	}
	r.out = (&smb.QueryDirectoryResponse{Buffer: buf}).AppendTo(r.out)
	return nil
}

// queryOneName answers a search for one exact name (clients probe names this way) with a lookup, not
// a scan of the directory.
func (r *request) queryOneName(o *open, req *smb.QueryDirectoryRequest, maxLen int) error {
	s := o.scan
	s.eof = true
	name := s.pattern
	if o.name != "" {
		name = strings.TrimSuffix(o.name, "\\") + "\\" + name
	}
	var info vfs.Info
	var err error
	switch s.pattern {
	case ".", "..":
		info, err = o.file.Stat()
		info.Name = s.pattern
	default:
		info, err = r.tree.share.fs.Stat(r.tree.cred, name)
	}
	if err != nil {
		s.answered = true
		return smb.StatusNoSuchFile
	}
	buf, _, ok, err := fscc.AppendDirEntry(nil, 0, -1, req.FileInformationClass, fileInfo(info, r.tree.share), maxLen)
	if err != nil {
		return fsccStatus(err)
	}
	if !ok {
		o.scan = nil // the entry was not returned: the next query looks it up again
		return smb.StatusInfoLengthMismatch
	}
	s.answered = true
	r.out = (&smb.QueryDirectoryResponse{Buffer: buf}).AppendTo(r.out)
	return nil
}

func hasWildcard(p string) bool { return strings.ContainsAny(p, `*?<>"`) }
