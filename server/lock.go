package server

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/zsmbd/zsmbd/smb"
)

// byteRange is a byte-range lock held by an open.
type byteRange struct {
	off, n    uint64
	exclusive bool
}

func (a byteRange) overlaps(b byteRange) bool {
	if a.n == 0 || b.n == 0 {
		return false // zero-length ranges never conflict
	}
	aEnd, bEnd := a.off+a.n-1, b.off+b.n-1 // inclusive ends cannot overflow
	return a.off <= bEnd && b.off <= aEnd
}

// lockTable holds the byte-range locks of every open on the server, by file (device, inode), so
// clients on different connections conflict as they would on one host.
type lockTable struct {
	mu    sync.Mutex
	files map[fileKey]map[*open][]byteRange
	// inUse is len(files), kept for READ: with no file locked (nearly always) a READ checks nothing
	// but this.
	inUse atomic.Int64
	held  int // ranges held in all, at most maxLocks
}

// Bounds on the ranges held, so that a client cannot grow the table, or the time each LOCK spends
// comparing under the table's mutex, without end: at most maxLocksPerOpen per open and maxLocks on
// the whole server. A LOCK beyond them is STATUS_INSUFFICIENT_RESOURCES, Windows' answer when its lock
// memory runs out.
const (
	maxLocksPerOpen = 1024
	maxLocks        = 64 << 10
)

type fileKey struct{ dev, ino uint64 }

// handleLock answers LOCK (MS-SMB2 3.3.5.14). Locks never wait: a conflict is STATUS_LOCK_NOT_GRANTED.
func handleLock(r *request) error {
	var req smb.LockRequest
	if err := req.Decode(r.msg); err != nil || len(req.Locks) == 0 {
		return smb.StatusInvalidParameter
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	if o.file == nil || o.file.Info.IsDir {
		return smb.StatusInvalidDeviceRequest
	}
	if o.file.PathOnly() {
		return smb.StatusInvalidHandle // a stat open has no data to lock: smbd's answer for one
	}
	if err := validateLocks(req.Locks); err != nil {
		return err
	}
	if err := r.c.srv.locks.apply(o, req.Locks); err != nil {
		return err
	}
	r.out = (&smb.LockResponse{}).AppendTo(r.out)
	return nil
}

// validateLocks checks a whole LOCK request before any of its elements is tried, as smbd 4.17 does
// (MS-SMB2 3.3.5.14): every element unlocks if the first does, and otherwise takes a shared or
// exclusive lock, with FAIL_IMMEDIATELY when there are several; anything else is
// STATUS_INVALID_PARAMETER. A range that wraps past 2^64 is STATUS_INVALID_LOCK_RANGE (MS-FSA 2.1.5.7).
func validateLocks(elems []smb.LockElement) error {
	unlock := elems[0].Flags&smb.LockFlagUnlock != 0
	for _, e := range elems {
		kind := e.Flags &^ smb.LockFlagFailImmediately
		switch {
		case unlock && e.Flags != smb.LockFlagUnlock,
			!unlock && kind != smb.LockFlagShared && kind != smb.LockFlagExclusive,
			!unlock && len(elems) > 1 && e.Flags&smb.LockFlagFailImmediately == 0:
			return smb.StatusInvalidParameter
		case e.Length != 0 && e.Offset+e.Length-1 < e.Offset:
			return smb.StatusInvalidLockRange
		}
	}
	return nil
}

// apply takes or releases the ranges of one LOCK request, all or nothing.
func (t *lockTable) apply(o *open, elems []smb.LockElement) error {
	key := fileKey{o.file.Info.Dev, o.file.Info.Inode}
	t.mu.Lock()
	defer t.mu.Unlock()
	// closeOpen marks the open closed before releaseOwner takes t.mu: an open closed while this request
	// was on its way must not take locks that nothing would release.
	if o.closed.Load() {
		return smb.StatusFileClosed
	}
	if t.files == nil {
		t.files = make(map[fileKey]map[*open][]byteRange)
	}
	holders := t.files[key]
	if holders == nil {
		holders = make(map[*open][]byteRange)
		t.files[key] = holders
		t.inUse.Store(int64(len(t.files)))
	}
	unlock := elems[0].Flags&smb.LockFlagUnlock != 0
	if unlock {
		if len(elems) > len(holders[o]) {
			return smb.StatusRangeNotLocked // more than the open holds: one of them is not locked
		}
		mine := slices.Clone(holders[o]) // all or nothing: the open's ranges change only if every element is held
		for _, e := range elems {
			if e.Flags != smb.LockFlagUnlock {
				return smb.StatusInvalidParameter
			}
			i := indexRange(mine, e.Offset, e.Length)
			if i < 0 {
				return smb.StatusRangeNotLocked
			}
			mine = append(mine[:i], mine[i+1:]...)
		}
		t.held -= len(holders[o]) - len(mine)
		holders[o] = mine
		return nil
	}
	if len(holders[o])+len(elems) > maxLocksPerOpen || t.held+len(elems) > maxLocks {
		return smb.StatusInsufficientResources
	}
	added := 0
	for _, e := range elems {
		kind := e.Flags &^ smb.LockFlagFailImmediately
		if kind != smb.LockFlagShared && kind != smb.LockFlagExclusive || e.Length != 0 && e.Offset+e.Length-1 < e.Offset {
			holders[o] = holders[o][:len(holders[o])-added]
			return smb.StatusInvalidParameter
		}
		want := byteRange{off: e.Offset, n: e.Length, exclusive: kind == smb.LockFlagExclusive}
		for _, held := range holders {
			for _, h := range held {
				if h.overlaps(want) && (h.exclusive || want.exclusive) {
					holders[o] = holders[o][:len(holders[o])-added]
					return smb.StatusLockNotGranted
				}
			}
		}
		holders[o] = append(holders[o], want)
		added++
	}
	t.held += added
	return nil
}

func indexRange(rs []byteRange, off, n uint64) int {
	for i, r := range rs {
		if r.off == off && r.n == n {
			return i
		}
	}
	return -1
}

// releaseOwner drops every lock of an open (on CLOSE, logoff, disconnect).
func (t *lockTable) releaseOwner(o *open) {
	if o.file == nil {
		return
	}
	key := fileKey{o.file.Info.Dev, o.file.Info.Inode}
	t.mu.Lock()
	defer t.mu.Unlock()
	if holders := t.files[key]; holders != nil {
		t.held -= len(holders[o])
		delete(holders, o)
		if len(holders) == 0 {
			delete(t.files, key)
			t.inUse.Store(int64(len(t.files)))
		}
	}
}

// readConflicts reports whether another open holds an exclusive lock on part of [off, off+n): such a
// READ is STATUS_FILE_LOCK_CONFLICT (MS-FSA 2.1.4.10; Windows and Samba enforce locks on reads).
// Shared locks, and the open's own locks, let it read.
func (t *lockTable) readConflicts(o *open, off, n uint64) bool {
	if t.inUse.Load() == 0 || n == 0 {
		return false
	}
	want := byteRange{off: off, n: n}
	t.mu.Lock()
	defer t.mu.Unlock()
	for holder, held := range t.files[fileKey{o.file.Info.Dev, o.file.Info.Inode}] {
		if holder == o {
			continue
		}
		for _, h := range held {
			if h.exclusive && h.overlaps(want) {
				return true
			}
		}
	}
	return false
}
