package server

import (
	"slices"
	"sync"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/vfs"
)

// maxAsync bounds the CHANGE_NOTIFY requests one connection may have pending; past it a request fails
// with STATUS_INSUFFICIENT_RESOURCES, as MS-SMB2 3.3.4.2 lets a server whose resources are constrained.
const maxAsync = 256

// maxNotifyBuffer bounds the changes a directory open keeps for its next CHANGE_NOTIFY, encoded as
// FILE_NOTIFY_INFORMATION (Windows keeps 64 KiB too). Past it, or past the request's
// OutputBufferLength, the request gets STATUS_NOTIFY_ENUM_DIR: the client lists the directory again.
const maxNotifyBuffer = 64 << 10

// handleChangeNotify watches a directory open (MS-SMB2 3.3.5.19). The first request sets the watch up;
// from then on the open keeps the changes (to the directory's own entries: Samba's inotify backend
// does not see deeper either) until a request collects them. A request that finds changes waiting is
// answered at once; otherwise it gets an interim STATUS_PENDING response and is answered when a change
// comes, when the client cancels it (STATUS_CANCELLED), or when the open is closed
// (STATUS_NOTIFY_CLEANUP).
func handleChangeNotify(r *request) error {
	var req smb.ChangeNotifyRequest
	if err := req.Decode(r.msg); err != nil {
		return smb.StatusInvalidParameter
	}
	o, err := r.open(req.FileID)
	if err != nil {
		return err
	}
	if err := r.checkCharge(uint64(req.OutputBufferLength)); err != nil {
		return err
	}
	if r.tree.share.cfg.NoChangeNotify {
		return smb.StatusNotImplemented // Samba's answer with `change notify = no`
	}
	if o.file == nil || !o.file.Info.IsDir {
		return smb.StatusInvalidParameter
	}
	if o.access&smb.FileReadData == 0 { // FILE_LIST_DIRECTORY
		return smb.StatusAccessDenied
	}
	r.c.mu.Lock()
	maxTransact := r.c.neg.maxRead
	r.c.mu.Unlock()
	if req.OutputBufferLength > maxTransact {
		return smb.StatusInvalidParameter
	}
	ns, err := o.notifications()
	if err != nil {
		r.c.log.Warn().Err(err).Str("name", o.name).Msg("cannot watch directory")
		return smb.StatusInsufficientResources
	}
	a := &asyncNotify{c: r.c, hdr: r.hdr, sess: r.sess, tree: r.tree, sealedBy: r.sealedBy, ns: ns,
		maxLen: min(int(req.OutputBufferLength), maxNotifyBuffer)}
	if !r.c.addAsync(a) {
		return smb.StatusInsufficientResources
	}
	status, entries, now := ns.wait(a, req.CompletionFilter)
	if now {
		r.c.dropAsync(a)
		if status != smb.StatusSuccess {
			return status
		}
		r.out = (&smb.ChangeNotifyResponse{Buffer: entries}).AppendTo(r.out)
		return nil
	}
	// MS-SMB2 3.3.4.2: the interim response, with the AsyncId the final one and CANCEL will carry.
	r.async, r.status = a, smb.StatusPending
	r.out = (&smb.ErrorResponse{}).AppendTo(r.out)
	return nil
}

// notifyState is what a directory open watches for CHANGE_NOTIFY.
type notifyState struct {
	watch *vfs.Watch

	mu      sync.Mutex
	filter  uint32 // the CompletionFilter of the latest request
	changes []fscc.Notification
	size    int  // the changes' encoded size
	lost    bool // changes were dropped, or inotify lost some: the next answer is STATUS_NOTIFY_ENUM_DIR
	waiting []*asyncNotify
	closed  bool
}

// asyncNotify is a CHANGE_NOTIFY request that went asynchronous (MS-SMB2 3.3.4.2).
type asyncNotify struct {
	c        *conn
	id       uint64     // AsyncId
	hdr      smb.Header // the request's
	sess     *session
	tree     *tree
	sealedBy *session
	ns       *notifyState
	maxLen   int

	// Guarded by ns.mu. The final response may go out only after the interim one: armed says the
	// interim is sent; until then an outcome waits in ended.
	armed bool
	ended smb.Status // STATUS_CANCELLED or STATUS_NOTIFY_CLEANUP decided before armed
}

// notifications returns the open's notifyState, setting up its watch at the first CHANGE_NOTIFY.
func (o *open) notifications() (*notifyState, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.notify != nil {
		return o.notify, nil
	}
	ns := &notifyState{}
	w, err := o.sess.c.srv.notifier.Watch(o.file, ns.add)
	if err != nil {
		return nil, err
	}
	ns.watch = w
	o.notify = ns
	if o.closed.Load() {
		ns.close() // closeOpen ran meanwhile and found no notifyState
	}
	return ns, nil
}

// wait takes the changes kept for a, the request that found them, or queues a until some come.
// now reports that a is answered at once, with status and the encoded entries.
func (ns *notifyState) wait(a *asyncNotify, filter uint32) (status smb.Status, entries []byte, now bool) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.closed {
		return smb.StatusNotifyCleanup, nil, true
	}
	ns.filter = filter
	if len(ns.waiting) == 0 && (ns.lost || len(ns.changes) > 0) {
		status, entries = ns.takeLocked(a.maxLen)
		return status, entries, true
	}
	ns.waiting = append(ns.waiting, a)
	return 0, nil, false
}

// takeLocked encodes the kept changes for a request that takes up to maxLen bytes, and forgets them.
func (ns *notifyState) takeLocked(maxLen int) (smb.Status, []byte) {
	defer func() { ns.changes, ns.size, ns.lost = ns.changes[:0], 0, false }()
	if ns.lost {
		return smb.StatusNotifyEnumDir, nil
	}
	b, ok := fscc.AppendNotifications(nil, ns.changes, maxLen)
	if !ok {
		return smb.StatusNotifyEnumDir, nil
	}
	return smb.StatusSuccess, b
}

// add keeps the changes the request's filter asks for (MS-SMB2 2.2.35) and answers the oldest armed
// request waiting. It runs on the Notifier's goroutine, so it sends nothing itself.
func (ns *notifyState) add(changes []vfs.Change) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.closed {
		return
	}
	for _, c := range changes {
		if c.Action == vfs.Overflow {
			ns.lost = true
			continue
		}
		if ns.filter&changeFilter(c) == 0 {
			continue
		}
		n := fscc.Notification{Action: uint32(c.Action), Name: c.Name}
		if c.Action == vfs.Modified && slices.Contains(ns.changes, n) {
			continue // a file written in many calls is reported once per answer
		}
		ns.size += 12 + 2*len(n.Name) + 3 // an upper bound: FILE_NOTIFY_INFORMATION, UTF-16, padding
		ns.changes = append(ns.changes, n)
	}
	if ns.size > maxNotifyBuffer {
		ns.lost, ns.changes, ns.size = true, nil, 0
	}
	ns.answerLocked()
}

// answerLocked answers the oldest waiting request if it is armed and there is something to tell.
func (ns *notifyState) answerLocked() {
	if len(ns.waiting) == 0 || !ns.waiting[0].armed || !ns.lost && len(ns.changes) == 0 {
		return
	}
	a := ns.waiting[0]
	ns.waiting = ns.waiting[1:]
	status, entries := ns.takeLocked(a.maxLen)
	go a.complete(status, entries)
}

// changeFilter is the CompletionFilter bits a change answers to.
func changeFilter(c vfs.Change) uint32 {
	switch {
	case c.Action != vfs.Modified && c.Dir:
		return smb.NotifyChangeDirName
	case c.Action != vfs.Modified:
		return smb.NotifyChangeFileName
	case c.What == vfs.Content:
		return smb.NotifyChangeSize | smb.NotifyChangeLastWrite
	default: // mode, owner or timestamps
		return smb.NotifyChangeAttributes | smb.NotifyChangeLastWrite | smb.NotifyChangeLastAccess |
			smb.NotifyChangeSecurity
	}
}

// arm is called once a's interim response is sent: what happened to a meanwhile is answered now.
func (a *asyncNotify) arm() {
	ns := a.ns
	ns.mu.Lock()
	defer ns.mu.Unlock()
	a.armed = true
	if a.ended != 0 {
		go a.complete(a.ended, nil)
		return
	}
	ns.answerLocked()
}

// end answers a with status (CANCEL, or its open closed) unless it is already answered.
func (ns *notifyState) end(a *asyncNotify, status smb.Status) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	i := slices.Index(ns.waiting, a)
	if i < 0 {
		return
	}
	ns.waiting = slices.Delete(ns.waiting, i, i+1)
	if a.armed {
		go a.complete(status, nil)
	} else {
		a.ended = status
	}
}

// close ends the watch when the open closes: waiting requests get STATUS_NOTIFY_CLEANUP, as Windows
// and Samba answer them.
func (ns *notifyState) close() {
	ns.watch.Close()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.closed {
		return
	}
	ns.closed = true
	for _, a := range ns.waiting {
		if a.armed {
			go a.complete(smb.StatusNotifyCleanup, nil)
		} else {
			a.ended = smb.StatusNotifyCleanup
		}
	}
	ns.waiting = nil
}

// addAsync gives a an AsyncId and registers it for CANCEL, unless the connection has maxAsync already.
func (c *conn) addAsync(a *asyncNotify) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.async) >= maxAsync {
		return false
	}
	if c.async == nil {
		c.async = make(map[uint64]*asyncNotify)
	}
	c.nextID++
	a.id = c.nextID
	c.async[a.id] = a
	return true
}

func (c *conn) dropAsync(a *asyncNotify) {
	c.mu.Lock()
	delete(c.async, a.id)
	c.mu.Unlock()
}

// cancelAsync answers CANCEL (MS-SMB2 3.3.5.16): the request it names, by AsyncId once the client has the
// interim response or by MessageId before, ends with STATUS_CANCELLED. Only the session that sent a
// request can cancel it. Nothing else here waits long enough to be cancelled.
func (c *conn) cancelAsync(h smb.Header) {
	c.mu.Lock()
	a := c.async[h.AsyncID]
	if h.Flags&smb.FlagAsyncCommand == 0 {
		a = nil
		for _, x := range c.async {
			if x.hdr.MessageID == h.MessageID {
				a = x
				break
			}
		}
	}
	c.mu.Unlock()
	if a != nil && a.hdr.SessionID == h.SessionID {
		a.ns.end(a, smb.StatusCancelled)
	}
}

// complete sends a's final response (MS-SMB2 3.3.4.3): async header, no credits (the interim response
// granted them), signed or encrypted as the request's response would be.
func (a *asyncNotify) complete(status smb.Status, entries []byte) {
	c := a.c
	c.dropAsync(a)
	if c.closing.Load() {
		return
	}
	f := newFrame()
	r := f.newRequest()
	*r = request{c: c, hdr: a.hdr, sess: a.sess, tree: a.tree, sealedBy: a.sealedBy, out: f.buf, start: len(f.buf)}
	h := smb.Header{
		CreditCharge: a.hdr.CreditCharge,
		Status:       status,
		Command:      smb.ChangeNotify,
		Flags:        smb.FlagServerToRedir | smb.FlagAsyncCommand,
		MessageID:    a.hdr.MessageID,
		AsyncID:      a.id,
		SessionID:    a.hdr.SessionID,
	}
	r.out = h.AppendTo(r.out)
	if status == smb.StatusSuccess {
		r.out = (&smb.ChangeNotifyResponse{Buffer: entries}).AppendTo(r.out)
	} else {
		r.out = (&smb.ErrorResponse{}).AppendTo(r.out)
	}
	f.buf = r.out
	f.seal = a.sealedBy
	if f.seal == nil && r.wantsSeal() {
		f.seal = a.sess
	}
	if f.seal != nil {
		sealFrame(f)
	} else {
		r.sign(f.buf[r.start:], nil)
		smb.PutTransportHeader(f.buf, int(f.size(nil)))
	}
	c.send(f)
}
