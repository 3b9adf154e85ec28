package dcerpc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

var le = binary.LittleEndian

// ErrMalformed reports a PDU that cannot be framed or parsed. The pipe that
// received it is unusable afterwards, as Samba drops such a connection.
var ErrMalformed = errors.New("dcerpc: malformed PDU")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Packet types. C706 12.6.4 and MS-RPCE 2.2.2.
const (
	ptypeRequest          = 0
	ptypeResponse         = 2
	ptypeFault            = 3
	ptypeBind             = 11
	ptypeBindAck          = 12
	ptypeBindNak          = 13
	ptypeAlterContext     = 14
	ptypeAlterContextResp = 15
	ptypeAuth3            = 16
	ptypeShutdown         = 17
	ptypeCoCancel         = 18
	ptypeOrphaned         = 19
)

// pfc_flags. C706 12.6.3.1.
const (
	pfcFirstFrag     = 0x01
	pfcLastFrag      = 0x02
	pfcDidNotExecute = 0x20
	pfcObjectUUID    = 0x80
)

// Fault statuses. C706 appendix E and MS-RPCE 2.2.2.11/3.
const (
	ncaOpRangeError   = 0x1c010002 // nca_s_op_rng_error: opnum out of range
	ncaUnknownIf      = 0x1c010003 // nca_s_unknown_if: no such presentation context
	ncaProtoError     = 0x1c01000b // nca_proto_error
	faultAccessDenied = 0x00000005
	faultBadStubData  = 0x000006f7 // RPC_X_BAD_STUB_DATA, Samba's DCERPC_FAULT_NDR
)

// Bind result and reasons. C706 12.6.3.1, MS-RPCE 2.2.2.4 and 3.3.1.5.3.
const (
	resultAcceptance        = 0
	resultProviderRejection = 2
	resultNegotiateAck      = 3

	reasonAbstractSyntaxNotSupported  = 1
	reasonTransferSyntaxNotSupported  = 2
	rejectReasonNotSpecified          = 0
	rejectProtocolVersionNotSupported = 4
	rejectAuthTypeNotRecognized       = 8
)

const (
	headerLen = 16 // common header of every connection-oriented PDU
	// requestHeaderLen and responseHeaderLen include alloc_hint, p_cont_id and
	// opnum (request) or cancel_count (response).
	requestHeaderLen  = 24
	responseHeaderLen = 24

	// maxFragLen is what the server offers in bind_ack: Samba's and
	// go-smb2's 4280.
	maxFragLen = 4280
	// minFragLen is C706's MustRecvFragSize; no peer may offer less.
	minFragLen = 1432
	// maxRequestStub bounds a reassembled request. The operations served
	// here take a few hundred bytes at most.
	maxRequestStub = 1 << 20
	// maxQueued bounds the response bytes a client may leave unread while
	// it sends further PDUs. A client waits for each answer (ncacn_np has
	// no pipelining), so only one that never reads gets near it; a single
	// response larger than this is still delivered, as the check is made
	// before each new PDU.
	maxQueued = 64 << 10
)

// header is the common part of every connection-oriented PDU. C706 12.6.3.1.
type header struct {
	VersionMinor uint8
	PacketType   uint8
	Flags        uint8
	DataRep      [4]byte
	FragLength   uint16
	AuthLength   uint16
	CallID       uint32
}

// ndrDataRep is packed_drep for little-endian integers, ASCII characters and
// IEEE floats: the only representation this server reads and writes.
var ndrDataRep = [4]byte{0x10, 0, 0, 0}

func (h *header) decode(b []byte) error {
	if len(b) < headerLen {
		return malformed("short header: %d bytes", len(b))
	}
	if b[0] != 5 {
		return malformed("rpc_vers %d", b[0])
	}
	if b[1] > 1 {
		return malformed("rpc_vers_minor %d", b[1])
	}
	h.VersionMinor = b[1]
	h.PacketType = b[2]
	h.Flags = b[3]
	copy(h.DataRep[:], b[4:8])
	h.FragLength = le.Uint16(b[8:10])
	h.AuthLength = le.Uint16(b[10:12])
	h.CallID = le.Uint32(b[12:16])
	if h.FragLength < headerLen {
		return malformed("frag_length %d", h.FragLength)
	}
	return nil
}

// AppendTo appends the header; FragLength is whatever the caller set and is
// usually patched by finishPDU.
func (h *header) AppendTo(b []byte) []byte {
	b = append(b, 5, h.VersionMinor, h.PacketType, h.Flags)
	b = append(b, h.DataRep[:]...)
	b = le.AppendUint16(b, h.FragLength)
	b = le.AppendUint16(b, h.AuthLength)
	return le.AppendUint32(b, h.CallID)
}

// littleEndian reports whether the sender marshals integers little-endian.
func (h *header) littleEndian() bool { return h.DataRep[0]&0xf0 == 0x10 }

// body returns the PDU bytes after the common header and before any
// authentication verifier (sec_trailer plus auth_length bytes).
func (h *header) body(pdu []byte) ([]byte, error) {
	end := int(h.FragLength)
	if h.AuthLength > 0 {
		end -= 8 + int(h.AuthLength)
	}
	if end < headerLen {
		return nil, malformed("auth_length %d exceeds frag_length %d", h.AuthLength, h.FragLength)
	}
	return pdu[headerLen:end], nil
}

// startPDU appends a header for a PDU the server sends; finishPDU fills in
// frag_length once the body is written.
func startPDU(b []byte, ptype, flags uint8, callID uint32, minor uint8) ([]byte, int) {
	start := len(b)
	h := header{VersionMinor: minor, PacketType: ptype, Flags: flags, DataRep: ndrDataRep, CallID: callID}
	return h.AppendTo(b), start
}

func finishPDU(b []byte, start int) []byte {
	le.PutUint16(b[start+8:], uint16(len(b)-start))
	return b
}

// syntaxID is p_syntax_id_t: an interface or transfer syntax UUID and its
// version. C706 12.6.3.1.
type syntaxID struct {
	UUID         [16]byte // in wire (little-endian fields) order
	Version      uint16
	VersionMinor uint16
}

const syntaxIDLen = 20

func (s *syntaxID) decode(b []byte) error {
	if len(b) < syntaxIDLen {
		return malformed("short syntax id")
	}
	copy(s.UUID[:], b[:16])
	s.Version = le.Uint16(b[16:18])
	s.VersionMinor = le.Uint16(b[18:20])
	return nil
}

func (s *syntaxID) AppendTo(b []byte) []byte {
	b = append(b, s.UUID[:]...)
	b = le.AppendUint16(b, s.Version)
	return le.AppendUint16(b, s.VersionMinor)
}

// parseUUID turns the textual form "8a885d04-1ceb-11c9-9fe8-08002b104860"
// into wire order: the first three fields little-endian, the rest as written.
func parseUUID(s string) ([16]byte, error) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("dcerpc: bad uuid %q", s)
	}
	hex := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	var raw [16]byte
	for i := range raw {
		hi, ok1 := unhex(hex[2*i])
		lo, ok2 := unhex(hex[2*i+1])
		if !ok1 || !ok2 {
			return u, fmt.Errorf("dcerpc: bad uuid %q", s)
		}
		raw[i] = hi<<4 | lo
	}
	u[0], u[1], u[2], u[3] = raw[3], raw[2], raw[1], raw[0]
	u[4], u[5] = raw[5], raw[4]
	u[6], u[7] = raw[7], raw[6]
	copy(u[8:], raw[8:])
	return u, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func mustSyntax(uuid string, major, minor uint16) syntaxID {
	u, err := parseUUID(uuid)
	if err != nil {
		panic(err)
	}
	return syntaxID{UUID: u, Version: major, VersionMinor: minor}
}

var (
	// ndrSyntax is NDR 2.0, the only transfer syntax served. C706 14.
	ndrSyntax = mustSyntax("8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 0)
	// bindTimeFeaturePrefix is the first 8 octets (wire order) of the
	// transfer syntax that carries the bind time feature bitmask.
	// MS-RPCE 3.3.1.5.3.
	bindTimeFeaturePrefix = func() []byte {
		u := mustSyntax("6cb71c2c-9812-4540-0000-000000000000", 1, 0).UUID
		return u[:8]
	}()
)

// Bind time feature bits. MS-RPCE 2.2.2.14.
const (
	featureSecurityContextMultiplexing = 0x01
	featureKeepConnectionOnOrphan      = 0x02
	// supportedFeatures: orphaned PDUs never close a pipe here, and without
	// authentication there is no security context to multiplex.
	supportedFeatures = featureKeepConnectionOnOrphan
)

// contextElem is p_cont_elem_t. C706 12.6.3.1.
type contextElem struct {
	ContextID uint16
	Abstract  syntaxID
	Transfers []syntaxID
}

// bind is the body of a bind or alter_context PDU. C706 12.6.4.3.
type bind struct {
	MaxXmitFrag  uint16
	MaxRecvFrag  uint16
	AssocGroupID uint32
	Contexts     []contextElem
}

func (m *bind) decode(b []byte) error {
	if len(b) < 12 {
		return malformed("short bind: %d bytes", len(b))
	}
	m.MaxXmitFrag = le.Uint16(b[0:2])
	m.MaxRecvFrag = le.Uint16(b[2:4])
	m.AssocGroupID = le.Uint32(b[4:8])
	n := int(b[8])
	off := 12
	m.Contexts = make([]contextElem, 0, n)
	for i := 0; i < n; i++ {
		if len(b)-off < 4+syntaxIDLen {
			return malformed("bind context %d truncated", i)
		}
		var c contextElem
		c.ContextID = le.Uint16(b[off:])
		nt := int(b[off+2])
		off += 4
		if err := c.Abstract.decode(b[off:]); err != nil {
			return err
		}
		off += syntaxIDLen
		if len(b)-off < nt*syntaxIDLen {
			return malformed("bind context %d: %d transfer syntaxes truncated", i, nt)
		}
		c.Transfers = make([]syntaxID, nt)
		for j := range c.Transfers {
			c.Transfers[j].decode(b[off:])
			off += syntaxIDLen
		}
		m.Contexts = append(m.Contexts, c)
	}
	return nil
}

// AppendTo appends the bind body (used by tests to play the client).
func (m *bind) AppendTo(b []byte) []byte {
	b = le.AppendUint16(b, m.MaxXmitFrag)
	b = le.AppendUint16(b, m.MaxRecvFrag)
	b = le.AppendUint32(b, m.AssocGroupID)
	b = append(b, uint8(len(m.Contexts)), 0, 0, 0)
	for _, c := range m.Contexts {
		b = le.AppendUint16(b, c.ContextID)
		b = append(b, uint8(len(c.Transfers)), 0)
		b = c.Abstract.AppendTo(b)
		for _, t := range c.Transfers {
			b = t.AppendTo(b)
		}
	}
	return b
}

// contextResult is p_result_t. C706 12.6.3.1.
type contextResult struct {
	Result   uint16
	Reason   uint16
	Transfer syntaxID
}

// bindAck is the body of bind_ack and alter_context_resp. C706 12.6.4.4.
type bindAck struct {
	MaxXmitFrag   uint16
	MaxRecvFrag   uint16
	AssocGroupID  uint32
	SecondaryAddr string // port_spec without its NUL; empty encodes length 0
	Results       []contextResult
}

// appendTo appends the body; start is the offset of the PDU's first byte in
// b, needed because the result list is 4-aligned from the PDU start.
func (m *bindAck) appendTo(b []byte, start int) []byte {
	b = le.AppendUint16(b, m.MaxXmitFrag)
	b = le.AppendUint16(b, m.MaxRecvFrag)
	b = le.AppendUint32(b, m.AssocGroupID)
	if m.SecondaryAddr == "" {
		b = le.AppendUint16(b, 0)
	} else {
		b = le.AppendUint16(b, uint16(len(m.SecondaryAddr)+1))
		b = append(b, m.SecondaryAddr...)
		b = append(b, 0)
	}
	for (len(b)-start)%4 != 0 {
		b = append(b, 0)
	}
	b = append(b, uint8(len(m.Results)), 0, 0, 0)
	for _, r := range m.Results {
		b = le.AppendUint16(b, r.Result)
		b = le.AppendUint16(b, r.Reason)
		b = r.Transfer.AppendTo(b)
	}
	return b
}

func (m *bindAck) decode(pdu []byte) error {
	b := pdu[headerLen:]
	if len(b) < 10 {
		return malformed("short bind_ack")
	}
	m.MaxXmitFrag = le.Uint16(b[0:])
	m.MaxRecvFrag = le.Uint16(b[2:])
	m.AssocGroupID = le.Uint32(b[4:])
	n := int(le.Uint16(b[8:]))
	off := headerLen + 10
	if len(pdu) < off+n {
		return malformed("bind_ack secondary address truncated")
	}
	m.SecondaryAddr = ""
	if n > 0 {
		m.SecondaryAddr = string(pdu[off : off+n-1])
	}
	off += n
	off = (off + 3) &^ 3
	if len(pdu) < off+4 {
		return malformed("bind_ack result list truncated")
	}
	nr := int(pdu[off])
	off += 4
	if len(pdu) < off+nr*24 {
		return malformed("bind_ack results truncated")
	}
	m.Results = make([]contextResult, nr)
	for i := range m.Results {
		m.Results[i].Result = le.Uint16(pdu[off:])
		m.Results[i].Reason = le.Uint16(pdu[off+2:])
		m.Results[i].Transfer.decode(pdu[off+4:])
		off += 24
	}
	return nil
}

// request is the body of a request PDU. C706 12.6.4.9.
type request struct {
	AllocHint uint32
	ContextID uint16
	Opnum     uint16
	Stub      []byte // aliases the PDU
}

func (m *request) decode(h *header, body []byte) error {
	if len(body) < requestHeaderLen-headerLen {
		return malformed("short request")
	}
	m.AllocHint = le.Uint32(body[0:])
	m.ContextID = le.Uint16(body[4:])
	m.Opnum = le.Uint16(body[6:])
	body = body[8:]
	if h.Flags&pfcObjectUUID != 0 {
		if len(body) < 16 {
			return malformed("request object uuid truncated")
		}
		body = body[16:]
	}
	m.Stub = body
	return nil
}

// appendResponse appends one response fragment. C706 12.6.4.10.
func appendResponse(b []byte, flags uint8, callID uint32, minor uint8, allocHint uint32, ctxID uint16, stub []byte) []byte {
	b, start := startPDU(b, ptypeResponse, flags, callID, minor)
	b = le.AppendUint32(b, allocHint)
	b = le.AppendUint16(b, ctxID)
	b = append(b, 0, 0) // cancel_count, reserved
	b = append(b, stub...)
	return finishPDU(b, start)
}

// appendFault appends a fault PDU. C706 12.6.4.7; MS-RPCE 2.2.2.11 keeps the
// four reserved octets after the status.
func appendFault(b []byte, flags uint8, callID uint32, minor uint8, ctxID uint16, status uint32) []byte {
	b, start := startPDU(b, ptypeFault, pfcFirstFrag|pfcLastFrag|flags, callID, minor)
	b = le.AppendUint32(b, 0) // alloc_hint
	b = le.AppendUint16(b, ctxID)
	b = append(b, 0, 0) // cancel_count, reserved
	b = le.AppendUint32(b, status)
	b = le.AppendUint32(b, 0)
	return finishPDU(b, start)
}

// appendBindNak appends a bind_nak listing 5.0 as the supported protocol
// version. C706 12.6.4.5.
func appendBindNak(b []byte, callID uint32, minor uint8, reason uint16) []byte {
	b, start := startPDU(b, ptypeBindNak, pfcFirstFrag|pfcLastFrag, callID, minor)
	b = le.AppendUint16(b, reason)
	b = append(b, 1, 5, 0) // n_protocols, rpc_vers 5, rpc_vers_minor 0
	for (len(b)-start)%4 != 0 {
		b = append(b, 0)
	}
	return finishPDU(b, start)
}
