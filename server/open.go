package server

import (
	"sync"
	"sync/atomic"

	"github.com/zsmbd/zsmbd/dcerpc"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/vfs"
)

// open is an open file, directory or named pipe. It belongs to one session and tree: any other session
// or tree naming its FileId gets STATUS_FILE_CLOSED. The descriptor closes when the open is closed and
// no response that uses it is still in flight (refs).
type open struct {
	id     smb.FileID
	sess   *session
	tree   *tree
	file   *vfs.File    // files and directories
	pipe   *dcerpc.Pipe // IPC$
	name   string       // share-relative, '\' separated, as the client named it
	access uint32       // granted access

	refs   atomic.Int32
	closed atomic.Bool

	mu     sync.Mutex // the directory scan, pipe I/O and notify
	scan   *dirScan
	notify *notifyState // set by the first CHANGE_NOTIFY
	oplock *oplock      // a level II oplock granted by the CREATE
}

// unref drops one reference; the last closes the descriptor.
func (o *open) unref() {
	if o.refs.Add(-1) == 0 && o.file != nil {
		o.file.Close()
	}
}

// closeOpen marks the open closed and drops the table's reference. It is idempotent.
func (o *open) closeOpen() {
	if o.closed.Swap(true) {
		return
	}
	o.sess.c.srv.locks.releaseOwner(o)
	o.endOplock()
	o.mu.Lock()
	ns := o.notify
	o.mu.Unlock()
	if ns != nil {
		ns.close()
	}
	o.sess.mu.Lock()
	o.sess.opens--
	o.sess.mu.Unlock()
	o.unref()
}

// addOpen registers a new open under a fresh FileId, enforcing `max open files` per session.
func (c *conn) addOpen(o *open) error {
	max := c.srv.state.Load().cfg.Global.MaxOpenFiles
	s := o.sess
	s.mu.Lock()
	if max > 0 && s.opens >= max {
		s.mu.Unlock()
		return smb.StatusTooManyOpenedFiles
	}
	s.opens++
	s.mu.Unlock()
	o.refs.Store(1)
	c.mu.Lock()
	// A LOGOFF or TREE_DISCONNECT handled while this CREATE was under way has already closed the
	// session's or tree's opens (dropSession, closeOpens: both take c.mu after removing the session
	// or tree): an open added now would never be closed before the connection ends.
	if gone := c.goneLocked(o); gone != 0 {
		c.mu.Unlock()
		s.mu.Lock()
		s.opens--
		s.mu.Unlock()
		return gone
	}
	c.nextID++
	o.id = smb.FileID{Persistent: c.nextID, Volatile: c.nextID ^ 0x5a5a_0000_0000_0000}
	c.opens[o.id.Volatile] = o
	c.mu.Unlock()
	return nil
}

// goneLocked reports, with c.mu held, why o's session or tree no longer takes opens (0: it does).
func (c *conn) goneLocked(o *open) smb.Status {
	if c.sessions[o.sess.id] != o.sess {
		return smb.StatusUserSessionDeleted
	}
	o.sess.mu.Lock()
	defer o.sess.mu.Unlock()
	if !o.sess.valid {
		return smb.StatusUserSessionDeleted
	}
	if o.sess.trees[o.tree.id] != o.tree {
		return smb.StatusNetworkNameDeleted
	}
	return 0
}

// open finds the open a request names and takes a reference the request drops when it is answered.
// The FileId of a related compound request is the one the previous CREATE returned.
func (r *request) open(id smb.FileID) (*open, error) {
	if id.IsRelated() {
		if !r.related {
			return nil, smb.StatusFileClosed
		}
		if r.cs.createStatus.IsError() {
			return nil, r.cs.createStatus
		}
		id = r.cs.fileID
	}
	r.c.mu.Lock()
	o := r.c.opens[id.Volatile]
	if o != nil && (o.id != id || o.sess != r.sess || o.tree != r.tree || o.closed.Load()) {
		o = nil
	}
	if o != nil {
		o.refs.Add(1)
	}
	r.c.mu.Unlock()
	if o == nil {
		return nil, smb.StatusFileClosed
	}
	if r.held == nil {
		r.held = r.heldRoom[:0]
	}
	r.held = append(r.held, o)
	return o, nil
}

// removeOpen takes the open out of the table and closes it.
func (c *conn) removeOpen(o *open) {
	c.mu.Lock()
	if c.opens[o.id.Volatile] == o {
		delete(c.opens, o.id.Volatile)
	}
	c.mu.Unlock()
	o.closeOpen()
}

// closeOpens closes every open that match selects.
func (c *conn) closeOpens(match func(*open) bool) {
	c.mu.Lock()
	var gone []*open
	for id, o := range c.opens {
		if match(o) {
			gone = append(gone, o)
			delete(c.opens, id)
		}
	}
	c.mu.Unlock()
	for _, o := range gone {
		o.closeOpen()
	}
}
