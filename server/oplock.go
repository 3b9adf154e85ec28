package server

import (
	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/vfs"
)

// oplockLevel is the oplock a CREATE may grant (MS-SMB2 3.3.5.9.8): level II, with which a client may
// cache what it reads, to a file open that asked for any oplock (II, exclusive or batch), unless the
// share says `oplocks = no` or `level2 oplocks = no`; none to a directory, as MS-CIFS 3.3.5.2.7 says
// and smbd answers. smbd grants a lone open the exclusive or batch oplock it asks for and breaks it to
// level II when a second open comes, waiting for the holder's acknowledgment; zsmbd grants level II at
// once: on a read-only share nothing an SMB client does can break it. What can is a change made to the
// file on the server's disk, which grantOplock watches for. Leases are not offered (no
// SMB2_GLOBAL_CAP_LEASING), so a lease request (RequestedOplockLevel LEASE) gets none and its create
// context is ignored, as MS-SMB2 3.3.5.9.8 says.
func oplockLevel(req *smb.CreateRequest, f *vfs.File, sh *config.Share) uint8 {
	switch req.RequestedOplockLevel {
	case smb.OplockLevelII, smb.OplockLevelExclusive, smb.OplockLevelBatch:
		// A stat open caches no data, so it gets no oplock, as from smbd.
		if !f.Info.IsDir && !f.PathOnly() && !sh.NoOplocks && !sh.NoLevel2Oplocks {
			return smb.OplockLevelII
		}
	}
	return smb.OplockLevelNone
}

// oplock is an open's level II oplock. It is broken to none when the file changes on disk (written,
// truncated, its metadata changed, removed or renamed by a local program): the client then drops what
// it cached, where smbd without `kernel oplocks` would leave it reading stale data. A level II break
// needs no acknowledgment (MS-SMB2 2.2.24.1). Guarded by the open's mu.
type oplock struct {
	watch     *vfs.Watch
	announced bool // the CREATE response that grants it has been sent
	changed   bool // the file changed before that: break once it is sent
	done      bool // broken, or the open closed
}

// grantOplock watches o's file for the level II oplock its CREATE response grants, and returns the
// level to answer: none when the file cannot be watched (inotify's limit of watches is reached), since
// an oplock that nothing would break could leave a client reading stale data. The break waits until
// the response has been sent (announceOplock), so that the client knows the FileId it names.
func (r *request) grantOplock(o *open, level uint8) uint8 {
	if level != smb.OplockLevelII {
		return level
	}
	op := &oplock{}
	o.mu.Lock()
	o.oplock = op
	o.mu.Unlock()
	w, err := r.c.srv.notifier.WatchFile(o.file, func([]vfs.Change) { o.fileChanged() })
	if err != nil {
		r.c.log.Info().Err(err).Str("file", o.name).Msg("no oplock granted: the file cannot be watched for changes")
		o.mu.Lock()
		o.oplock = nil
		o.mu.Unlock()
		return smb.OplockLevelNone
	}
	o.mu.Lock()
	op.watch = w
	closed := op.done
	o.mu.Unlock()
	if closed {
		w.Close() // the open was closed meanwhile (its tree or session went)
	}
	r.oplocked = o
	return smb.OplockLevelII
}

// fileChanged breaks o's oplock, now or once its CREATE response is sent. It runs on the Notifier's
// goroutine, so the break is sent by another.
func (o *open) fileChanged() {
	o.mu.Lock()
	defer o.mu.Unlock()
	op := o.oplock
	switch {
	case op == nil || op.done:
	case !op.announced:
		op.changed = true
	default:
		op.done = true
		go o.breakOplock(op.watch)
	}
}

// announceOplock notes that the CREATE response granting o's oplock has been sent, and sends the break
// if the file changed meanwhile.
func (o *open) announceOplock() {
	o.mu.Lock()
	defer o.mu.Unlock()
	op := o.oplock
	if op == nil || op.done {
		return
	}
	op.announced = true
	if op.changed {
		op.done = true
		go o.breakOplock(op.watch)
	}
}

// endOplock lets go of o's oplock when the open closes.
func (o *open) endOplock() {
	o.mu.Lock()
	op := o.oplock
	var w *vfs.Watch
	if op != nil {
		op.done = true
		w = op.watch
	}
	o.mu.Unlock()
	if w != nil {
		w.Close()
	}
}

// breakOplock sends the Oplock Break Notification (MS-SMB2 2.2.23.1, 3.3.4.6) that lowers o's level II
// oplock to none, as smbd sends it: MessageId 0xFFFFFFFFFFFFFFFF, no session or tree id, unsigned, and
// encrypted when the open's session or tree encrypts.
func (o *open) breakOplock(w *vfs.Watch) {
	if w != nil {
		w.Close()
	}
	c := o.sess.c
	if c.closing.Load() || o.closed.Load() {
		return
	}
	f := newFrame()
	r := f.newRequest()
	*r = request{c: c, sess: o.sess, tree: o.tree}
	h := smb.Header{Command: smb.OplockBreak, Flags: smb.FlagServerToRedir, MessageID: ^uint64(0)}
	f.buf = h.AppendTo(f.buf)
	f.buf = (&smb.OplockBreakAck{OplockLevel: smb.OplockLevelNone, FileID: o.id}).AppendTo(f.buf)
	if r.wantsSeal() {
		f.seal = o.sess
		sealFrame(f)
	} else {
		smb.PutTransportHeader(f.buf, int(f.size(nil)))
	}
	c.log.Debug().Uint64("session", o.sess.id).Str("file", o.name).Msg("oplock broken: the file changed on disk")
	c.send(f)
}
