package smb

import (
	"slices"

	"github.com/zsmbd/zsmbd/internal/le"
)

// Negotiate context types (MS-SMB2 2.2.3.1).
const (
	CtxPreauthIntegrity = 1
	CtxEncryption       = 2
	CtxCompression      = 3
	CtxNetname          = 5
	CtxTransport        = 6
	CtxRDMA             = 7
	CtxSigning          = 8
)

// Preauth integrity hash algorithms (MS-SMB2 2.2.3.1.1).
const HashSHA512 = 1

// Ciphers (MS-SMB2 2.2.3.1.2).
const (
	CipherAES128CCM = 1
	CipherAES128GCM = 2
	CipherAES256CCM = 3
	CipherAES256GCM = 4
)

// Signing algorithms (MS-SMB2 2.2.3.1.7).
const (
	SigningHMACSHA256 = 0
	SigningAESCMAC    = 1
	SigningAESGMAC    = 2
)

// SecurityMode bits (MS-SMB2 2.2.3).
const (
	SecurityModeSigningEnabled  = 1
	SecurityModeSigningRequired = 2
)

// Global capabilities (MS-SMB2 2.2.3, 2.2.4).
const (
	CapDFS               = 0x01
	CapLeasing           = 0x02
	CapLargeMTU          = 0x04
	CapMultiChannel      = 0x08
	CapPersistentHandles = 0x10
	CapDirectoryLeasing  = 0x20
	CapEncryption        = 0x40
	CapNotifications     = 0x80
)

// NegotiateContext is one SMB2 NEGOTIATE_CONTEXT (MS-SMB2 2.2.3.1). Data is the context's payload,
// copied out of the message.
type NegotiateContext struct {
	Type uint16
	Data []byte
}

// NegotiateRequest is the SMB2 NEGOTIATE request (MS-SMB2 2.2.3).
type NegotiateRequest struct {
	SecurityMode uint16
	Capabilities uint32
	ClientGUID   [16]byte
	Dialects     []uint16
	// Contexts is read only when Dialects lists 3.1.1; otherwise those header bytes are ClientStartTime.
	Contexts []NegotiateContext
}

const negotiateRequestSize = 36

// Decode parses a NEGOTIATE request from msg, the whole message starting at the SMB2 header.
func (r *NegotiateRequest) Decode(msg []byte) error {
	rd, err := body(msg, negotiateRequestSize, "negotiate")
	if err != nil {
		return err
	}
	count := int(rd.U16())
	r.SecurityMode = rd.U16()
	rd.Skip(2) // Reserved
	r.Capabilities = rd.U32()
	rd.Copy(r.ClientGUID[:])
	ctxOff := rd.U32()
	ctxCount := int(rd.U16())
	rd.Skip(2) // Reserved2
	if count == 0 {
		return malformed("negotiate: DialectCount 0") // MS-SMB2 3.3.5.4: STATUS_INVALID_PARAMETER
	}
	if rd.Len() < 2*count {
		return malformed("negotiate: dialects")
	}
	r.Dialects = make([]uint16, count)
	for i := range r.Dialects {
		r.Dialects[i] = rd.U16()
	}
	if rd.Err() != nil {
		return malformed("negotiate: dialects")
	}
	r.Contexts = nil
	if !slices.Contains(r.Dialects, Dialect311) || ctxCount == 0 {
		return nil
	}
	if ctxOff%8 != 0 || ctxOff < HeaderSize+negotiateRequestSize {
		return malformed("negotiate: NegotiateContextOffset")
	}
	r.Contexts, err = decodeNegotiateContexts(msg, int(ctxOff), ctxCount)
	return err
}

// decodeNegotiateContexts reads count contexts starting at msg[off:], each 8-aligned relative to the
// start of the message (MS-SMB2 2.2.3.1).
func decodeNegotiateContexts(msg []byte, off, count int) ([]NegotiateContext, error) {
	if off > len(msg) {
		return nil, malformed("negotiate: context offset")
	}
	ctxs := make([]NegotiateContext, 0, min(count, 16))
	for i := 0; i < count; i++ {
		off = (off + 7) &^ 7
		if off > len(msg) {
			return nil, malformed("negotiate: context list")
		}
		rd := le.NewReader(msg[off:])
		typ := rd.U16()
		n := int(rd.U16())
		rd.Skip(4) // Reserved
		data := rd.Bytes(n)
		if rd.Err() != nil {
			return nil, malformed("negotiate: context")
		}
		ctxs = append(ctxs, NegotiateContext{Type: typ, Data: slices.Clone(data)})
		off += 8 + n
	}
	return ctxs, nil
}

// appendNegotiateContexts appends ctxs, padding before each one so it starts 8-aligned relative to
// start (the header's first byte or any 8-aligned point); nothing follows the last.
func appendNegotiateContexts(b []byte, start int, ctxs []NegotiateContext) []byte {
	for _, c := range ctxs {
		b = le.Pad(b, start, 8)
		b = le.AppendU16(b, c.Type)
		b = le.AppendU16(b, uint16(len(c.Data)))
		b = le.AppendU32(b, 0)
		b = append(b, c.Data...)
	}
	return b
}

// AppendTo appends the request body. The contexts, if any, follow the dialects at an 8-aligned offset;
// offsets assume the 64-byte header immediately precedes the body.
func (r *NegotiateRequest) AppendTo(b []byte) []byte {
	start := len(b) - HeaderSize // virtual header start: alignment is relative to it
	b = le.AppendU16(b, negotiateRequestSize)
	b = le.AppendU16(b, uint16(len(r.Dialects)))
	b = le.AppendU16(b, r.SecurityMode)
	b = le.AppendU16(b, 0)
	b = le.AppendU32(b, r.Capabilities)
	b = append(b, r.ClientGUID[:]...)
	offPos := len(b)
	b = le.AppendU32(b, 0)
	b = le.AppendU16(b, uint16(len(r.Contexts)))
	b = le.AppendU16(b, 0)
	for _, d := range r.Dialects {
		b = le.AppendU16(b, d)
	}
	if len(r.Contexts) > 0 {
		b = le.Pad(b, start, 8)
		le.PutU32(b, offPos, uint32(len(b)-start))
		b = appendNegotiateContexts(b, start, r.Contexts)
	}
	return b
}

// NegotiateResponse is the SMB2 NEGOTIATE response (MS-SMB2 2.2.4).
type NegotiateResponse struct {
	SecurityMode    uint16
	DialectRevision uint16
	ServerGUID      [16]byte
	Capabilities    uint32
	MaxTransactSize uint32
	MaxReadSize     uint32
	MaxWriteSize    uint32
	SystemTime      uint64 // FILETIME
	ServerStartTime uint64 // FILETIME, 0 is allowed
	// SecurityBuffer aliases the message after Decode.
	SecurityBuffer []byte
	// Contexts are sent and read only for dialect 3.1.1.
	Contexts []NegotiateContext
}

const negotiateResponseSize = 65

// AppendTo appends the response body. The security buffer starts at 0x80 (64+64); for 3.1.1 the context
// list follows it at an 8-aligned offset, each context 8-aligned, with no padding after the last.
func (r *NegotiateResponse) AppendTo(b []byte) []byte {
	start := len(b) - HeaderSize
	ctxs := r.Contexts
	if r.DialectRevision != Dialect311 {
		ctxs = nil
	}
	b = le.AppendU16(b, negotiateResponseSize)
	b = le.AppendU16(b, r.SecurityMode)
	b = le.AppendU16(b, r.DialectRevision)
	b = le.AppendU16(b, uint16(len(ctxs)))
	b = append(b, r.ServerGUID[:]...)
	b = le.AppendU32(b, r.Capabilities)
	b = le.AppendU32(b, r.MaxTransactSize)
	b = le.AppendU32(b, r.MaxReadSize)
	b = le.AppendU32(b, r.MaxWriteSize)
	b = le.AppendU64(b, r.SystemTime)
	b = le.AppendU64(b, r.ServerStartTime)
	b = le.AppendU16(b, HeaderSize+64) // SecurityBufferOffset
	b = le.AppendU16(b, uint16(len(r.SecurityBuffer)))
	offPos := len(b)
	b = le.AppendU32(b, 0)
	b = append(b, r.SecurityBuffer...)
	if len(ctxs) > 0 {
		b = le.Pad(b, start, 8)
		le.PutU32(b, offPos, uint32(len(b)-start))
		b = appendNegotiateContexts(b, start, ctxs)
	}
	return b
}

// Decode parses a NEGOTIATE response from msg, the whole message starting at the SMB2 header.
func (r *NegotiateResponse) Decode(msg []byte) error {
	rd, err := body(msg, negotiateResponseSize, "negotiate response")
	if err != nil {
		return err
	}
	r.SecurityMode = rd.U16()
	r.DialectRevision = rd.U16()
	ctxCount := int(rd.U16())
	rd.Copy(r.ServerGUID[:])
	r.Capabilities = rd.U32()
	r.MaxTransactSize = rd.U32()
	r.MaxReadSize = rd.U32()
	r.MaxWriteSize = rd.U32()
	r.SystemTime = rd.U64()
	r.ServerStartTime = rd.U64()
	secOff := rd.U16()
	secLen := rd.U16()
	ctxOff := rd.U32()
	if rd.Err() != nil {
		return malformed("negotiate response")
	}
	if r.SecurityBuffer, err = buffer(msg, uint32(secOff), uint32(secLen), 64, "negotiate response: security buffer"); err != nil {
		return err
	}
	r.Contexts = nil
	if r.DialectRevision != Dialect311 || ctxCount == 0 {
		return nil
	}
	if ctxOff%8 != 0 || ctxOff < HeaderSize+64 {
		return malformed("negotiate response: NegotiateContextOffset")
	}
	r.Contexts, err = decodeNegotiateContexts(msg, int(ctxOff), ctxCount)
	return err
}

// PreauthIntegrity is the SMB2_PREAUTH_INTEGRITY_CAPABILITIES context payload (MS-SMB2 2.2.3.1.1).
type PreauthIntegrity struct {
	HashAlgorithms []uint16
	Salt           []byte // copied
}

// Decode parses the context payload b.
func (p *PreauthIntegrity) Decode(b []byte) error {
	rd := le.NewReader(b)
	n := int(rd.U16())
	saltLen := int(rd.U16())
	if n == 0 {
		return malformed("preauth integrity: no hash algorithm") // MS-SMB2 3.3.5.4
	}
	algs := make([]uint16, 0, min(n, len(b)/2))
	for i := 0; i < n && rd.Err() == nil; i++ {
		algs = append(algs, rd.U16())
	}
	salt := rd.Bytes(saltLen)
	if rd.Err() != nil {
		return malformed("preauth integrity")
	}
	p.HashAlgorithms = algs
	p.Salt = slices.Clone(salt)
	return nil
}

// AppendTo appends the context payload.
func (p *PreauthIntegrity) AppendTo(b []byte) []byte {
	b = le.AppendU16(b, uint16(len(p.HashAlgorithms)))
	b = le.AppendU16(b, uint16(len(p.Salt)))
	for _, a := range p.HashAlgorithms {
		b = le.AppendU16(b, a)
	}
	return append(b, p.Salt...)
}

// decodeU16List reads a count-prefixed list of uint16, the shape of several negotiate contexts.
func decodeU16List(b []byte, what string) ([]uint16, error) {
	rd := le.NewReader(b)
	n := int(rd.U16())
	if n == 0 {
		return nil, malformed(what + ": empty list") // MS-SMB2 3.3.5.4
	}
	if rd.Len() < 2*n {
		return nil, malformed(what)
	}
	l := make([]uint16, n)
	for i := range l {
		l[i] = rd.U16()
	}
	return l, nil
}

func appendU16List(b []byte, l []uint16) []byte {
	b = le.AppendU16(b, uint16(len(l)))
	for _, v := range l {
		b = le.AppendU16(b, v)
	}
	return b
}

// EncryptionCapabilities is the SMB2_ENCRYPTION_CAPABILITIES context payload (MS-SMB2 2.2.3.1.2).
type EncryptionCapabilities struct {
	Ciphers []uint16
}

// Decode parses the context payload b. A CipherCount of 0 is malformed (MS-SMB2 3.3.5.4).
func (e *EncryptionCapabilities) Decode(b []byte) (err error) {
	e.Ciphers, err = decodeU16List(b, "encryption capabilities")
	return err
}

// AppendTo appends the context payload.
func (e *EncryptionCapabilities) AppendTo(b []byte) []byte { return appendU16List(b, e.Ciphers) }

// SigningCapabilities is the SMB2_SIGNING_CAPABILITIES context payload (MS-SMB2 2.2.3.1.7).
type SigningCapabilities struct {
	Algorithms []uint16
}

// Decode parses the context payload b. A SigningAlgorithmCount of 0 is malformed (MS-SMB2 3.3.5.4).
func (s *SigningCapabilities) Decode(b []byte) (err error) {
	s.Algorithms, err = decodeU16List(b, "signing capabilities")
	return err
}

// AppendTo appends the context payload.
func (s *SigningCapabilities) AppendTo(b []byte) []byte { return appendU16List(b, s.Algorithms) }
