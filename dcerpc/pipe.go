package dcerpc

import (
	"errors"
	"strings"
	"sync/atomic"
	"time"
)

// Share types reported in SHARE_INFO_x.shi_type. MS-SRVS 2.2.2.4.
const (
	STypeDiskTree = 0x00000000 // STYPE_DISKTREE
	STypeIPC      = 0x00000003 // STYPE_IPC
	STypeSpecial  = 0x80000000 // STYPE_SPECIAL: administrative share
)

// Share describes one share as srvsvc reports it.
type Share struct {
	Name    string
	Comment string
	// Path is the share's directory on the host. Share info level 2 reports
	// it the way Samba does: an absolute Unix path /srv/x becomes C:\srv\x.
	Path string
	// Type is STypeDiskTree or STypeIPC, or'ed with STypeSpecial for IPC$
	// and names ending in '$' (see ShareType). It is reported as given.
	Type uint32
}

// ShareType returns the Type for a share named name: STypeIPC for an IPC
// share, STypeDiskTree otherwise, with STypeSpecial for IPC$ and for names
// that end in '$'.
func ShareType(name string, ipc bool) uint32 {
	t := uint32(STypeDiskTree)
	if ipc {
		t = STypeIPC
	}
	if strings.HasSuffix(name, "$") {
		t |= STypeSpecial
	}
	return t
}

// Server describes the host for NetrServerGetInfo, NetrWkstaGetInfo and share
// enumeration. Its functions are called once per operation, from the
// goroutine that calls Pipe.Write.
type Server struct {
	NetBIOSName string
	Workgroup   string
	Comment     string
	// VersionMajor and VersionMinor are the announced OS version. Both zero
	// means 6.1, what Samba announces (SAMBA_MAJOR/MINOR_NBT_ANNOUNCE_VERSION,
	// Windows 7 / 2008 R2) so that MMC offers every share setting.
	VersionMajor, VersionMinor uint32
	// Now is the clock NetrRemoteTOD reads; nil is time.Now.
	Now func() time.Time
	// Shares returns the browseable shares and IPC$, in the order to report
	// them. The caller leaves out shares with `browseable = no`.
	Shares func() []Share
	// Share finds any share by name, hidden ones too (NetrShareGetInfo).
	// Names compare case-insensitively; the caller does the lookup.
	Share func(name string) (Share, bool)
}

func (s *Server) version() (uint32, uint32) {
	if s.VersionMajor == 0 && s.VersionMinor == 0 {
		return 6, 1
	}
	return s.VersionMajor, s.VersionMinor
}

func (s *Server) shares() []Share {
	if s.Shares == nil {
		return nil
	}
	return s.Shares()
}

func (s *Server) share(name string) (Share, bool) {
	if s.Share == nil {
		return Share{}, false
	}
	return s.Share(name)
}

// ErrNoSuchPipe is returned by Open for a pipe name this package does not
// serve; the SMB server answers the CREATE with STATUS_OBJECT_NAME_NOT_FOUND.
var ErrNoSuchPipe = errors.New("dcerpc: no such pipe")

// PipeNames returns the pipe names Open accepts, in their canonical case.
func PipeNames() []string {
	names := make([]string, len(interfaces))
	for i, it := range interfaces {
		names[i] = it.pipe
	}
	return names
}

// lookupInterface matches a pipe name case-insensitively, with or without
// a leading \PIPE\ (clients send "srvsvc" in SMB2 CREATE; SMB1-era code and
// some tools use the full \PIPE\srvsvc form).
func lookupInterface(name string) *iface {
	name = strings.TrimLeft(name, `\/`)
	if len(name) > 5 && strings.EqualFold(name[:5], `PIPE\`) {
		name = name[5:]
	}
	for _, it := range interfaces {
		if strings.EqualFold(name, it.pipe) {
			return it
		}
	}
	return nil
}

// assocGroups numbers association groups. Clients only echo the value back
// in later binds, so it need only be non-zero and rarely repeat.
var assocGroups atomic.Uint32

func init() { assocGroups.Store(0x5a40) }

// Pipe is one open instance of a named pipe. Not safe for concurrent use:
// the SMB server serializes the operations on one open.
//
// A Pipe behaves like a message-mode pipe: each PDU the server sends is one
// message, and Read never returns bytes of two PDUs at once.
type Pipe struct {
	srv   *Server
	iface *iface

	in       []byte   // bytes written but not yet a whole PDU
	out      [][]byte // queued PDUs, one message each
	outOff   int      // bytes of out[0] already read
	buffered int      // unread bytes in out
	broken   error

	bound      bool
	assocGroup uint32
	fragLen    int      // negotiated max fragment size for responses
	contexts   []uint16 // accepted presentation context ids

	// Request fragments being reassembled. C706 12.6.3.1 / MS-RPCE 3.3.1.5.2.
	partial   bool
	partCall  uint32
	partCtx   uint16
	partOpnum uint16
	partStub  []byte
	partMinor uint8
}

// Open opens the named pipe name ("srvsvc" or "wkssvc", any case, with or
// without a leading \PIPE\) for the host srv describes. An unknown name
// returns ErrNoSuchPipe.
func Open(name string, srv *Server) (*Pipe, error) {
	it := lookupInterface(name)
	if it == nil {
		return nil, ErrNoSuchPipe
	}
	if srv == nil {
		srv = &Server{}
	}
	return &Pipe{srv: srv, iface: it, fragLen: maxFragLen}, nil
}

// Write consumes bytes the client wrote (an SMB2 WRITE, or the input of
// FSCTL_PIPE_TRANSCEIVE). Every complete PDU is processed and its response
// queued for Read; a partial PDU is kept until the rest arrives, and request
// fragments (PFC_FIRST_FRAG ... PFC_LAST_FRAG) are reassembled into one call.
// Calls the server cannot serve are answered with fault PDUs, not errors.
// Write returns an error wrapping ErrMalformed when the byte stream cannot be
// framed or breaks the protocol; the pipe then refuses further writes and
// the SMB server should close it. b is not retained.
func (p *Pipe) Write(b []byte) error {
	if p.broken != nil {
		return p.broken
	}
	p.in = append(p.in, b...)
	for len(p.in) >= headerLen {
		var h header
		if err := h.decode(p.in); err != nil {
			return p.fail(err)
		}
		if len(p.in) < int(h.FragLength) {
			break
		}
		if p.buffered > maxQueued {
			return p.fail(malformed("%d response bytes left unread", p.buffered))
		}
		pdu := p.in[:h.FragLength]
		if err := p.handle(&h, pdu); err != nil {
			return p.fail(err)
		}
		p.in = p.in[h.FragLength:]
	}
	if len(p.in) == 0 {
		p.in = nil
	} else {
		// Keep only the partial PDU, not the whole buffer it sat in.
		p.in = append([]byte(nil), p.in...)
	}
	return nil
}

func (p *Pipe) fail(err error) error {
	p.broken = err
	p.in = nil
	p.partStub = nil
	p.partial = false
	return err
}

// Read returns up to max bytes of the next queued response PDU. more is true
// when that PDU has bytes left: the SMB server then answers
// STATUS_BUFFER_OVERFLOW and the client READs the rest (go-smb2's
// ListSharenames transceives with a 1024-byte output limit and relies on
// this). Read never joins two PDUs, as a message-mode pipe returns one
// message per read. With nothing queued it returns (nil, false); with max <= 0
// and bytes queued, (nil, true). The returned slice is never modified by the
// Pipe.
func (p *Pipe) Read(max int) (b []byte, more bool) {
	if len(p.out) == 0 {
		return nil, false
	}
	if max <= 0 {
		return nil, true
	}
	msg := p.out[0][p.outOff:]
	n := min(max, len(msg))
	b = msg[:n:n]
	p.outOff += n
	p.buffered -= n
	if p.outOff < len(p.out[0]) {
		return b, true
	}
	p.out[0] = nil
	p.out = p.out[1:]
	p.outOff = 0
	if len(p.out) == 0 {
		p.out = nil
	}
	return b, false
}

// Buffered returns the number of response bytes queued and not yet read,
// across all PDUs (what FSCTL_PIPE_PEEK reports as ReadDataAvailable).
func (p *Pipe) Buffered() int { return p.buffered }

func (p *Pipe) queue(pdu []byte) {
	p.out = append(p.out, pdu)
	p.buffered += len(pdu)
}

// handle processes one complete PDU. Errors are protocol errors that end the
// pipe; everything answerable is answered.
func (p *Pipe) handle(h *header, pdu []byte) error {
	switch h.PacketType {
	case ptypeBind, ptypeAlterContext:
		return p.handleBind(h, pdu)
	case ptypeRequest:
		return p.handleRequest(h, pdu)
	case ptypeAuth3:
		// Third leg of an authenticated bind; binds with auth are refused,
		// so there is nothing to complete.
		return nil
	case ptypeCoCancel, ptypeOrphaned:
		// The client abandons a call: drop its fragments. No response.
		// MS-RPCE 3.3.1.5.10.
		if p.partial && p.partCall == h.CallID {
			p.partial, p.partStub = false, nil
		}
		return nil
	default:
		return malformed("unexpected packet type %d from client", h.PacketType)
	}
}

// handleBind answers bind with bind_ack (or bind_nak) and alter_context with
// alter_context_resp. C706 12.6.4.3-12.6.4.6, MS-RPCE 3.3.1.5.6.
func (p *Pipe) handleBind(h *header, pdu []byte) error {
	body, err := h.body(pdu)
	if err != nil {
		return err
	}
	var req bind
	if err := req.decode(body); err != nil {
		return err
	}
	alter := h.PacketType == ptypeAlterContext
	nak := func(reason uint16) error {
		p.queue(appendBindNak(nil, h.CallID, h.VersionMinor, reason))
		return nil
	}
	if alter && !p.bound {
		// MS-RPCE 3.3.1.5.6: alter_context only on a bound connection.
		p.queue(appendFault(nil, pfcDidNotExecute, h.CallID, h.VersionMinor, 0, ncaProtoError))
		return nil
	}
	if !alter {
		switch {
		case p.bound:
			// One bind per connection; later contexts come with alter_context.
			return nak(rejectReasonNotSpecified)
		case !h.littleEndian():
			return nak(rejectReasonNotSpecified)
		case h.AuthLength != 0:
			// The SMB session authenticated the caller; DCE/RPC-level
			// authentication is not offered.
			return nak(rejectAuthTypeNotRecognized)
		case len(req.Contexts) == 0:
			return nak(rejectReasonNotSpecified)
		}
	}

	ack := bindAck{Results: make([]contextResult, len(req.Contexts))}
	for i, c := range req.Contexts {
		ack.Results[i] = p.negotiate(c)
	}

	if !alter {
		// Each side transmits no more than the other receives: the smaller
		// of the client's sizes and ours, 8-aligned, and at least C706's
		// MustRecvFragSize.
		frag := min(int(req.MaxXmitFrag), int(req.MaxRecvFrag), maxFragLen)
		frag = max(frag, minFragLen) &^ 7
		p.fragLen = frag
		p.assocGroup = req.AssocGroupID
		if p.assocGroup == 0 {
			p.assocGroup = assocGroups.Add(1)
		}
		ack.SecondaryAddr = `\PIPE\` + p.iface.pipe
	}
	ack.MaxXmitFrag = uint16(p.fragLen)
	ack.MaxRecvFrag = uint16(p.fragLen)
	ack.AssocGroupID = p.assocGroup
	for _, r := range ack.Results {
		if r.Result == resultAcceptance {
			p.bound = true
		}
	}

	ptype := uint8(ptypeBindAck)
	if alter {
		ptype = ptypeAlterContextResp
	}
	b, start := startPDU(nil, ptype, pfcFirstFrag|pfcLastFrag, h.CallID, h.VersionMinor)
	b = ack.appendTo(b, start)
	p.queue(finishPDU(b, start))
	return nil
}

// negotiate decides one presentation context. MS-RPCE 3.3.1.5.3 and
// 3.3.1.5.6: the feature-negotiation pseudo syntax gets negotiate_ack with
// the features both sides support; otherwise NDR 2.0 is accepted for this
// pipe's interface and everything else is rejected.
func (p *Pipe) negotiate(c contextElem) contextResult {
	for _, t := range c.Transfers {
		if string(t.UUID[:8]) == string(bindTimeFeaturePrefix) {
			return contextResult{Result: resultNegotiateAck, Reason: uint16(t.UUID[8]) & supportedFeatures}
		}
	}
	a := c.Abstract
	if a.UUID != p.iface.syntax.UUID || a.Version != p.iface.syntax.Version || a.VersionMinor > p.iface.syntax.VersionMinor {
		return contextResult{Result: resultProviderRejection, Reason: reasonAbstractSyntaxNotSupported}
	}
	for _, t := range c.Transfers {
		if t == ndrSyntax {
			p.addContext(c.ContextID)
			return contextResult{Result: resultAcceptance, Transfer: ndrSyntax}
		}
	}
	return contextResult{Result: resultProviderRejection, Reason: reasonTransferSyntaxNotSupported}
}

func (p *Pipe) addContext(id uint16) {
	for _, c := range p.contexts {
		if c == id {
			return
		}
	}
	p.contexts = append(p.contexts, id)
}

func (p *Pipe) hasContext(id uint16) bool {
	for _, c := range p.contexts {
		if c == id {
			return true
		}
	}
	return false
}

// handleRequest reassembles request fragments and answers the call with
// response fragments or a fault. C706 12.6.4.9, MS-RPCE 3.3.1.5.2.
func (p *Pipe) handleRequest(h *header, pdu []byte) error {
	body, err := h.body(pdu)
	if err != nil {
		return err
	}
	var req request
	if err := req.decode(h, body); err != nil {
		return err
	}
	first, last := h.Flags&pfcFirstFrag != 0, h.Flags&pfcLastFrag != 0
	switch {
	case first && p.partial:
		return malformed("call %d starts while call %d is incomplete", h.CallID, p.partCall)
	case !first && !p.partial:
		return malformed("call %d: fragment without PFC_FIRST_FRAG", h.CallID)
	case !first && h.CallID != p.partCall:
		return malformed("call %d: fragment of call %d expected", h.CallID, p.partCall)
	}
	if first {
		p.partial = true
		p.partCall, p.partCtx, p.partOpnum, p.partMinor = h.CallID, req.ContextID, req.Opnum, h.VersionMinor
		p.partStub = p.partStub[:0]
	}
	if len(p.partStub)+len(req.Stub) > maxRequestStub {
		return malformed("call %d: request larger than %d bytes", h.CallID, maxRequestStub)
	}
	p.partStub = append(p.partStub, req.Stub...)
	if h.AuthLength != 0 {
		p.partial, p.partStub = false, nil
		p.queue(appendFault(nil, pfcDidNotExecute, h.CallID, h.VersionMinor, req.ContextID, faultAccessDenied))
		return nil
	}
	if !last {
		return nil
	}
	stub := p.partStub
	p.partial, p.partStub = false, nil
	p.call(h.CallID, p.partCtx, p.partOpnum, p.partMinor, h.littleEndian(), stub)
	return nil
}

// call runs one reassembled request and queues its answer.
func (p *Pipe) call(callID uint32, ctxID, opnum uint16, minor uint8, littleEndian bool, stub []byte) {
	fault := func(flags uint8, status uint32) {
		p.queue(appendFault(nil, flags, callID, minor, ctxID, status))
	}
	if !p.bound || !p.hasContext(ctxID) {
		fault(pfcDidNotExecute, ncaUnknownIf)
		return
	}
	if !littleEndian {
		fault(pfcDidNotExecute, ncaProtoError)
		return
	}
	op, ok := p.iface.ops[opnum]
	if !ok {
		fault(pfcDidNotExecute, ncaOpRangeError)
		return
	}
	r := &ndrReader{b: stub}
	w := &ndrWriter{}
	op(p.srv, r, w)
	if r.err != nil {
		fault(0, faultBadStubData)
		return
	}
	p.respond(callID, ctxID, minor, w.b)
}

// respond queues the response stub in fragments of at most the negotiated
// size; each fragment but the last carries a multiple of 8 stub bytes so
// that NDR alignment survives reassembly.
func (p *Pipe) respond(callID uint32, ctxID uint16, minor uint8, stub []byte) {
	chunk := (p.fragLen - responseHeaderLen) &^ 7
	flags := uint8(pfcFirstFrag)
	for {
		n := min(chunk, len(stub))
		if n == len(stub) {
			flags |= pfcLastFrag
		}
		p.queue(appendResponse(nil, flags, callID, minor, uint32(len(stub)), ctxID, stub[:n]))
		stub = stub[n:]
		if flags&pfcLastFrag != 0 {
			return
		}
		flags = 0
	}
}
