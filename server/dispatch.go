package server

import (
	"encoding/binary"
	"time"

	"github.com/zsmbd/zsmbd/internal/le"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/seal"
	"github.com/zsmbd/zsmbd/smb/sign"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// request is one SMB2 message being answered. Handlers read hdr and msg, append the response body to out
// and return nil, or return an error (an smb.Status answers the request; anything else is
// STATUS_INTERNAL_ERROR). A handler never writes to the socket.
type request struct {
	c       *conn
	hdr     smb.Header
	msg     []byte
	sess    *session
	tree    *tree
	cs      *compoundState
	related bool
	charge  uint16 // the credits the request consumed (CreditCharge; 1 before 2.1)
	// sealedBy is the session whose key decrypted the request; nil when it came in the clear.
	sealedBy *session

	out    []byte     // the frame so far; the body goes after the 64-byte header at start
	start  int        // where this message's header begins in out
	status smb.Status // a non-error status sent with a normal body (BUFFER_OVERFLOW, MORE_PROCESSING_REQUIRED)
	tail   *readTail  // READ: file data that follows the body
	last   bool       // the last message of its frame
	// async, when set, makes the response an interim one (STATUS_PENDING, MS-SMB2 3.3.4.2): a
	// CHANGE_NOTIFY answered later.
	async *asyncNotify
	// oplocked is the open a CREATE granted an oplock: told when the response has been sent.
	oplocked *open

	// signWith, when set, signs this response with that signer whatever the usual rule says
	// (the final SESSION_SETUP response of 3.1.1).
	signWith sign.Signer
	// after, when set, sees the finished, unsigned response message (NEGOTIATE and SESSION_SETUP feed the
	// 3.1.1 preauth integrity hash with it).
	after   func(resp []byte)
	held    []*open // references taken by r.open, dropped when the response is built
	errData []byte  // ErrorData of an error response (BUFFER_TOO_SMALL's required size)

	// Room inside the request for what a READ needs, so that it costs no allocations of its own.
	heldRoom [1]*open
	tailRoom readTail
}

// compoundState carries what related operations inherit (MS-SMB2 3.3.5.2.7.2).
type compoundState struct {
	sessionID uint64
	treeID    uint32
	fileID    smb.FileID
	status    smb.Status // the previous message's status: a failed SESSION_SETUP or TREE_CONNECT fails what follows
	// createStatus is the last CREATE's: when it failed, the related requests that name its FileId fail
	// with it (MS-SMB2 3.3.5.2.7.2; Samba and Windows do so only after a CREATE, so a failed QUERY_INFO
	// between a CREATE and its CLOSE still lets the CLOSE close).
	createStatus smb.Status
	started      bool // a previous message exists
	// badChain: the first message claimed to be related to one before it. Every message of the frame
	// that claims so fails with STATUS_INVALID_PARAMETER, as smbd answers (smbtorture's
	// smb2.compound.invalid1); the unrelated ones are served.
	badChain bool
}

type handlerFunc func(r *request) error

// command describes how a command is dispatched.
type command struct {
	handle      handlerFunc
	needSession bool
	needTree    bool
}

var commands [smb.OplockBreak + 1]command

func init() {
	commands = [...]command{
		smb.Negotiate:      {handle: handleNegotiate},
		smb.SessionSetup:   {handle: handleSessionSetup},
		smb.Logoff:         {handle: handleLogoff, needSession: true},
		smb.TreeConnect:    {handle: handleTreeConnect, needSession: true},
		smb.TreeDisconnect: {handle: handleTreeDisconnect, needSession: true, needTree: true},
		smb.Create:         {handle: handleCreate, needSession: true, needTree: true},
		smb.Close:          {handle: handleClose, needSession: true, needTree: true},
		smb.Flush:          {handle: handleFlush, needSession: true, needTree: true},
		smb.Read:           {handle: handleRead, needSession: true, needTree: true},
		smb.Write:          {handle: handleWrite, needSession: true, needTree: true},
		smb.Lock:           {handle: handleLock, needSession: true, needTree: true},
		smb.Ioctl:          {handle: handleIoctl, needSession: true, needTree: true},
		smb.Cancel:         {handle: handleCancel},
		smb.Echo:           {handle: handleEcho},
		smb.QueryDirectory: {handle: handleQueryDirectory, needSession: true, needTree: true},
		smb.ChangeNotify:   {handle: handleChangeNotify, needSession: true, needTree: true},
		smb.QueryInfo:      {handle: handleQueryInfo, needSession: true, needTree: true},
		smb.SetInfo:        {handle: handleSetInfo, needSession: true, needTree: true},
		smb.OplockBreak:    {handle: handleOplockBreak, needSession: true, needTree: true},
	}
}

// handleFrame answers one transport frame (one message or a compound), decrypted with sealedBy's key
// when it came encrypted. It returns false when the connection must close (bad framing, MessageId
// outside the window, a protocol violation).
func (c *conn) handleFrame(msg []byte, sealedBy *session) bool {
	if smb.IsSMB1(msg) {
		return c.handleSMB1(msg)
	}
	var room [4][]byte // most frames are one message; Windows compounds three or four
	parts, err := smb.SplitCompound(room[:0], msg)
	if err != nil {
		c.log.Info().Err(err).Msg("closing connection: bad compound")
		return false
	}
	f := newFrame()
	if !c.reserve(f, c.responseRoom(parts)) {
		f.release() // the connection ended while waiting for the budget
		return false
	}
	f.seal = sealedBy // MS-SMB2 3.3.4.1.4: the response to an encrypted request is encrypted
	cs := &f.cs
	var answeredRoom [4]*request
	answered := answeredRoom[:0] // signed once the frame is whole: a later message may turn on encryption
	var prev *request
	for i, part := range parts {
		mark := len(f.buf)
		if prev != nil {
			// MS-SMB2 3.3.4.1.3: each response of a compound starts 8-byte aligned.
			f.buf = le.Pad(f.buf, smb.TransportHeaderSize, 8)
			le.PutU32(f.buf[prev.start:], smb.OffNextCommand, uint32(len(f.buf)-prev.start))
		}
		r, ok := c.process(f, part, cs, sealedBy, i == len(parts)-1)
		if !ok {
			f.release()
			return false
		}
		if r == nil { // no response (CANCEL): undo the padding
			f.buf = f.buf[:mark]
			if prev != nil {
				le.PutU32(f.buf[prev.start:], smb.OffNextCommand, 0)
			}
			continue
		}
		answered = append(answered, r)
		prev = r
	}
	if prev == nil {
		f.release()
		return true
	}
	if f.seal != nil {
		sealFrame(f) // encrypted messages are not signed (MS-SMB2 3.3.4.1.1)
	} else {
		for i, r := range answered[:len(answered)-1] {
			r.sign(f.buf[r.start:answered[i+1].start], nil)
		}
		prev.sign(f.buf[prev.start:], f.data)
		smb.PutTransportHeader(f.buf, int(f.size(nil)))
	}
	async, oplocked := f.async, f.oplocked // the frame is pooled once sent
	f.async, f.oplocked = nil, nil
	c.send(f)
	for _, a := range async {
		a.arm() // their final responses may follow the interim ones now
	}
	for _, o := range oplocked {
		o.announceOplock() // a break may follow the CREATE response now
	}
	return true
}

// responseRoom is what a frame's responses may need in memory beyond their headers, reserved from the
// connection's budget before any is built: each QUERY_DIRECTORY's listing (up to its
// OutputBufferLength) and, in a compound, each READ's data (a READ in the middle of a compound, or any
// when signed or encrypted, is read into user space; a last one that goes out zero-copy is counted
// all the same, as whether it will be signed is known only once it runs). Each is counted up to the
// negotiated maximum, which neither exceeds. A lone READ reserves at its copy, if it is copied.
func (c *conn) responseRoom(parts [][]byte) int64 {
	var n, most int64
	for _, p := range parts {
		if len(p) < smb.HeaderSize+32 {
			continue // too short for either body: answered with an error
		}
		var want uint32
		switch smb.Command(binary.LittleEndian.Uint16(p[12:])) {
		case smb.Read:
			if len(parts) > 1 {
				want = binary.LittleEndian.Uint32(p[smb.HeaderSize+4:]) // Length
			}
		case smb.QueryDirectory:
			want = binary.LittleEndian.Uint32(p[smb.HeaderSize+28:]) // OutputBufferLength
		}
		if want == 0 {
			continue
		}
		if most == 0 {
			c.mu.Lock()
			most = int64(c.neg.maxRead)
			c.mu.Unlock()
		}
		n += min(int64(want), most)
	}
	return n
}

// process answers one message of a frame, appending its unsigned response to f. It returns ok=false to
// close the connection, and a nil request when the message gets no response.
func (c *conn) process(f *outFrame, msg []byte, cs *compoundState, sealedBy *session, last bool) (*request, bool) {
	began := time.Now()
	hdr, err := smb.DecodeHeader(msg)
	if err != nil || hdr.Flags&smb.FlagServerToRedir != 0 {
		c.log.Info().Err(err).Msg("closing connection: bad SMB2 header")
		return nil, false
	}
	if hdr.Command == smb.Cancel {
		// MS-SMB2 3.3.5.16: CANCEL takes no credit and gets no response.
		c.cancelAsync(hdr)
		return nil, true
	}
	c.mu.Lock()
	negotiated, dialect := c.neg.done, c.neg.dialect
	c.mu.Unlock()
	if negotiated == (hdr.Command == smb.Negotiate) {
		c.log.Info().Stringer("command", hdr.Command).Bool("negotiated", negotiated).Msg("closing connection: NEGOTIATE out of order")
		return nil, false
	}
	charge := hdr.CreditCharge
	if dialect == smb.Dialect202 || !negotiated {
		charge = 1 // 2.0.2 has no multi-credit requests; CreditCharge is reserved
	}
	if !c.credits.consume(hdr.MessageID, charge) {
		c.log.Info().Uint64("message_id", hdr.MessageID).Uint16("charge", charge).Msg("closing connection: MessageId outside the credit window")
		return nil, false
	}
	if hdr.Flags&smb.FlagRelatedOps != 0 && !cs.started {
		cs.badChain = true // nothing before it to be related to
	}
	// Related operations inherit session, tree and file from the previous message (MS-SMB2 3.3.5.2.7.2).
	related := hdr.Flags&smb.FlagRelatedOps != 0 && cs.started
	if related {
		if hdr.SessionID == ^uint64(0) {
			hdr.SessionID = cs.sessionID
		}
		if hdr.TreeID == ^uint32(0) {
			hdr.TreeID = cs.treeID
		}
	}
	r := f.newRequest()
	*r = request{c: c, hdr: hdr, msg: msg, cs: cs, related: related, charge: max(charge, 1), out: f.buf, start: len(f.buf), last: last, sealedBy: sealedBy}
	r.out = append(r.out, make([]byte, smb.HeaderSize)...)
	err = r.runHolding()
	if err == errCloseConnection {
		return nil, false
	}
	r.finish(err)
	for _, o := range r.held {
		o.unref()
	}
	f.buf = r.out
	if r.after != nil {
		r.after(f.buf[r.start:])
	}
	if !c.joins(f, r, sealedBy) {
		if r.tail != nil {
			r.tail.open.unref()
		}
		return nil, false
	}
	if r.tail != nil {
		if reason, copied := c.copyReason(f, r); !copied {
			f.tail = r.tail
		} else if !c.copyTail(f, r, reason) {
			return nil, false // the connection ended while the copy waited for the budget
		}
	}
	cs.started = true
	cs.sessionID, cs.treeID = r.hdr.SessionID, r.hdr.TreeID
	cs.status = r.respStatus(err)
	if hdr.Command == smb.Create {
		cs.createStatus = cs.status
	}
	if r.async != nil {
		f.async = append(f.async, r.async)
	}
	if r.oplocked != nil {
		f.oplocked = append(f.oplocked, r.oplocked)
	}
	if e := c.log.Debug(); e.Enabled() {
		e.Stringer("command", hdr.Command).Uint64("message_id", hdr.MessageID).Uint64("session", r.hdr.SessionID).
			Uint32("tree", r.hdr.TreeID).Stringer("status", cs.status).Dur("took", time.Since(began)).Msg("request")
	}
	return r, true
}

// joins reports whether r's response can join the frame f, turning on the frame's encryption when r's
// session or tree asks for it. It logs why not: an unencrypted compound whose responses would need two
// sessions' keys (in an encrypted one, a message of another session is refused and answered with the
// sealing session's key), or responses that would not fit in one transport frame (an encrypted one's
// transform header counted, whether or not a later message turns encryption on; Samba closes the
// connection too).
func (c *conn) joins(f *outFrame, r *request, sealedBy *session) bool {
	if r.wantsSeal() {
		switch {
		case f.seal == nil:
			f.seal = r.sess // any message of the frame turns encryption on for all its responses
		case f.seal != r.sess && sealedBy == nil:
			c.log.Info().Uint64("session", r.sess.id).Uint64("sealing_session", f.seal.id).Msg("closing connection: a compound's responses must be encrypted for two sessions")
			return false
		}
	}
	if size := f.size(r.tail); size+seal.TransformHeaderSize > smb.MaxFrameSize {
		c.log.Info().Int64("size", size).Msg("closing connection: a compound's responses exceed the largest frame")
		return false
	}
	return true
}

// smallRead is the READ length below which the copy path (pread + one writev) is used whatever the
// strategy: BenchmarkSmallReads in zerocopy measured copy about 15% faster than sendmsg + sendfile at 1
// and 4 KiB on the test machine, and the two level from 16 KiB.
const smallRead = 16 << 10

// copyReason reports whether a READ's data must be read into user space, and why: the frame is
// encrypted, the response signed, more responses follow it, or the read is small.
func (c *conn) copyReason(f *outFrame, r *request) (zerocopy.Reason, bool) {
	switch {
	case f.seal != nil:
		return zerocopy.FallbackEncrypted, true
	case r.signWith != nil || r.shouldSign():
		return zerocopy.FallbackSigned, true
	case !r.last:
		return zerocopy.FallbackCompound, true
	case r.tail.n < smallRead && c.sender.Strategy() != zerocopy.Copy:
		return zerocopy.FallbackSmall, true
	}
	return 0, false
}

// copyTail puts a READ's file data in user space: after the response in the frame when more responses
// follow, or in a pooled buffer that is signed and sent after it. The reason is counted. A lone READ
// takes its bytes of the connection's response budget here (a compound took its READs' up front); it
// returns false when the connection ended while it waited.
func (c *conn) copyTail(f *outFrame, r *request, reason zerocopy.Reason) bool {
	t := r.tail
	r.tail = nil
	defer t.open.unref()
	if f.held == 0 && !c.reserve(f, t.n) {
		return false
	}
	c.srv.stats.Fallback(reason)
	var dst []byte
	if r.last {
		f.data = zerocopy.GetBuffer(int(t.n))
		dst = f.data.Bytes()
	} else {
		at := len(f.buf)
		f.buf = append(f.buf, make([]byte, t.n)...)
		dst = f.buf[at:]
	}
	n, err := c.srv.stats.CopyRange(t.open.file.File, dst, t.off)
	switch {
	case err != nil:
		c.log.Warn().Err(err).Msg("read failed after the length was announced; padded with zeros")
	case n < len(dst):
		c.log.Info().Int64("offset", t.off).Int("announced", len(dst)).Int("read", n).Msg("file shrank after the length was announced; padded with zeros")
	}
	return true
}

// runHolding is run, letting go of the opens the request holds if a handler panics: the panic goes
// on to close the connection, whose opens close their files only once no request holds them.
func (r *request) runHolding() error {
	defer func() {
		if p := recover(); p != nil {
			for _, o := range r.held {
				o.unref()
			}
			r.held = nil
			if r.tail != nil {
				r.tail.open.unref()
				r.tail = nil
			}
			panic(p)
		}
	}()
	return r.run()
}

// run checks the session, tree and signature and calls the handler.
func (r *request) run() error {
	cmd := r.hdr.Command
	var d command
	if int(cmd) < len(commands) {
		d = commands[cmd]
	}
	// The session and signature are checked first, also for a related request that only inherits the
	// previous failure, so that its error response is signed like any other (MS-SMB2 3.3.4.1.1). A signed
	// ECHO is verified too (MS-SMB2 3.3.5.2.4 applies to every signed request but NEGOTIATE and CANCEL),
	// and an unsigned one that names a session keeps to that session's encryption, as Samba's does; one
	// naming no session that exists is answered all the same.
	signed := r.hdr.Flags&smb.FlagSigned != 0
	if d.needSession || (cmd == smb.SessionSetup && r.hdr.SessionID != 0) ||
		(cmd == smb.Echo && (signed || r.hdr.SessionID != 0)) {
		s, err := r.c.session(r.hdr.SessionID, cmd == smb.SessionSetup)
		switch {
		case err != nil && cmd == smb.Echo && !signed:
		case err != nil:
			if r.related && r.cs.status.IsError() {
				return r.cs.status
			}
			return err
		default:
			r.sess = s
			if err := r.checkEncryption(); err != nil {
				return err
			}
			if err := r.checkSignature(); err != nil {
				return err
			}
		}
	}
	if d.handle == nil || r.cs.badChain && r.hdr.Flags&smb.FlagRelatedOps != 0 {
		return smb.StatusInvalidParameter
	}
	if d.needTree {
		t, err := r.sess.tree(r.hdr.TreeID)
		if err != nil {
			if r.related && r.cs.status.IsError() {
				return r.cs.status // the TREE_CONNECT before it failed
			}
			return err
		}
		r.tree = t // also for the refusal below, which is encrypted like any response on the tree
		r.c.useTree()
		if t.encryptRequired && r.sealedBy == nil {
			r.c.log.Warn().Uint64("session", r.sess.id).Uint32("tree", t.id).Stringer("command", cmd).Msg("unencrypted request on a share that requires encryption")
			return smb.StatusAccessDenied
		}
	}
	return d.handle(r)
}

// checkSignature verifies a signed request and refuses unsigned ones where signing is required
// (MS-SMB2 3.3.5.2.4).
func (r *request) checkSignature() error {
	if r.sealedBy != nil {
		return nil // decrypting it authenticated it (MS-SMB2 3.3.5.2.4)
	}
	signer, required := r.sess.signing()
	if signer == nil {
		return nil
	}
	if r.hdr.Flags&smb.FlagSigned != 0 {
		if !sign.VerifyMessage(signer, r.msg) {
			r.c.log.Warn().Uint64("session", r.sess.id).Stringer("command", r.hdr.Command).Msg("bad signature: request refused")
			return smb.StatusAccessDenied
		}
		return nil
	}
	if required && r.hdr.Command != smb.SessionSetup {
		r.c.log.Warn().Uint64("session", r.sess.id).Stringer("command", r.hdr.Command).Msg("unsigned request on a session that requires signing")
		return smb.StatusAccessDenied
	}
	return nil
}

func statusOf(err error) smb.Status {
	if s, ok := err.(smb.Status); ok {
		return s
	}
	return smb.StatusInternalError
}

func (r *request) respStatus(err error) smb.Status {
	if err != nil {
		return statusOf(err)
	}
	return r.status
}

// finish writes the response header, replacing the body with an ERROR response when err is set.
func (r *request) finish(err error) {
	status := r.respStatus(err)
	if err != nil {
		if _, ok := err.(smb.Status); !ok {
			r.c.log.Error().Err(err).Stringer("command", r.hdr.Command).Msg("internal error")
		}
		r.out = r.out[:r.start+smb.HeaderSize]
		r.tail = nil
		r.out = (&smb.ErrorResponse{ErrorData: r.errData}).AppendTo(r.out)
	}
	h := smb.Header{
		CreditCharge: r.hdr.CreditCharge,
		Status:       status,
		Command:      r.hdr.Command,
		Credits:      r.c.credits.grant(creditsAsked(r.charge, r.hdr.Credits)),
		Flags:        smb.FlagServerToRedir | r.hdr.Flags&smb.FlagRelatedOps,
		MessageID:    r.hdr.MessageID,
		TreeID:       r.hdr.TreeID,
		SessionID:    r.hdr.SessionID,
	}
	if r.async != nil && err == nil {
		h.Flags |= smb.FlagAsyncCommand
		h.AsyncID = r.async.id
	}
	h.AppendTo(r.out[r.start:r.start])
}

// creditsAsked is what a response grants before the window's cap: the request's charge back plus what
// the client asked for beyond one credit, as Samba and Windows Server 2016 grant. Replacing only what
// was asked lets a client's count drift above the window: go-smb2 puts the credits of a READ that
// failed (STATUS_END_OF_FILE) back into its pool on top of those the response grants, and with several
// READs in flight it then sends MessageIds past the window and the connection is closed.
func creditsAsked(charge, requested uint16) uint16 {
	if requested == 0 {
		return 0
	}
	return uint16(min(uint32(charge)+uint32(requested)-1, 0xFFFF))
}

// shouldSign applies MS-SMB2 3.3.4.1.1: a response is signed when the session has a key and the request
// was signed or the session requires signing (error responses included).
func (r *request) shouldSign() bool {
	if r.sess == nil {
		return false
	}
	signer, required := r.sess.signing()
	return signer != nil && (required || r.hdr.Flags&smb.FlagSigned != 0)
}

// sign signs msg, the response as it stands in the frame (with its compound padding), followed by the
// copied READ data when there is some.
func (r *request) sign(msg []byte, data *zerocopy.Buffer) {
	if r.async != nil {
		return // MS-SMB2 3.3.4.2: an interim response is not signed
	}
	signer := r.signWith
	if signer == nil {
		if !r.shouldSign() {
			return
		}
		signer, _ = r.sess.signing()
	}
	flags := le.NewReader(msg[smb.OffFlags:]).U32() | smb.FlagSigned
	le.PutU32(msg, smb.OffFlags, flags)
	var sig [16]byte
	switch {
	case data == nil:
		sig = sign.Single(signer, msg)
	case len(msg) <= zerocopy.Headroom:
		// Signed as one slice, the response copied into the room in front of the data: AES-GMAC
		// (cipher.AEAD) takes its input whole, and joining the two would copy the data once more.
		whole := data.WithFront(len(msg))
		copy(whole, msg)
		sig = sign.Single(signer, whole)
	default:
		sig = signer.Sign(msg, data.Bytes())
	}
	copy(msg[smb.OffSignature:], sig[:])
}
