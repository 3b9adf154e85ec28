package server

import (
	"crypto/rand"
	"crypto/sha512"
	"slices"
	"strings"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/smb/seal"
	"github.com/zsmbd/zsmbd/smb/sign"
	"github.com/zsmbd/zsmbd/smb/spnego"
)

// supportedDialects in order of preference, highest first.
var supportedDialects = []uint16{smb.Dialect311, smb.Dialect302, smb.Dialect300, smb.Dialect210, smb.Dialect202}

// handleNegotiate answers SMB2 NEGOTIATE (MS-SMB2 3.3.5.4).
func handleNegotiate(r *request) error {
	var req smb.NegotiateRequest
	if err := req.Decode(r.msg); err != nil || len(req.Dialects) == 0 {
		return smb.StatusInvalidParameter
	}
	cfg := r.c.srv.state.Load().cfg
	dialect := pickDialect(req.Dialects, cfg.Global.MinProtocol, cfg.Global.MaxProtocol)
	if dialect == 0 {
		r.c.log.Info().Interface("dialects", req.Dialects).Msg("no common dialect")
		return smb.StatusNotSupported
	}
	neg := negotiation{
		done:               true,
		dialect:            dialect,
		clientGUID:         req.ClientGUID,
		clientSecurityMode: req.SecurityMode,
		clientCaps:         req.Capabilities,
		clientDialects:     slices.Clone(req.Dialects),
		securityMode:       smb.SecurityModeSigningEnabled,
		signingAlg:         sign.HMACSHA256,
		maxRead:            uint32(cfg.Global.SMB2MaxRead),
	}
	if cfg.Global.ServerSigning == config.SigningMandatory {
		neg.securityMode |= smb.SecurityModeSigningRequired
	}
	if dialect >= smb.Dialect210 {
		neg.caps |= smb.CapLargeMTU
	} else {
		neg.maxRead = 64 << 10 // 2.0.2 has no multi-credit requests
	}
	if dialect >= smb.Dialect300 {
		neg.signingAlg = sign.AESCMAC
	}
	offerEncryption := cfg.Global.ServerSMBEncrypt != config.EncryptOff
	if (dialect == smb.Dialect300 || dialect == smb.Dialect302) && offerEncryption && req.Capabilities&smb.CapEncryption != 0 {
		// 3.0 and 3.0.2 have one cipher, AES-128-CCM, agreed by this capability (MS-SMB2 3.3.5.4).
		neg.caps |= smb.CapEncryption
		neg.cipher = seal.AES128CCM
	}
	resp := smb.NegotiateResponse{
		SecurityMode:    neg.securityMode,
		DialectRevision: dialect,
		ServerGUID:      r.c.srv.guid,
		Capabilities:    neg.caps,
		MaxTransactSize: neg.maxRead,
		MaxReadSize:     neg.maxRead,
		MaxWriteSize:    neg.maxRead,
		SystemTime:      fscc.Filetime(time.Now()),
		SecurityBuffer:  spnego.NegTokenInitHint(),
	}
	if dialect == smb.Dialect311 {
		ctxs, alg, cipher, err := negotiateContexts(req.Contexts, offerEncryption)
		if err != nil {
			return err
		}
		resp.Contexts = ctxs
		if alg != 0 {
			neg.signingAlg = alg
		}
		neg.cipher = cipher
	}
	r.out = resp.AppendTo(r.out)
	r.after = func(respMsg []byte) {
		if dialect == smb.Dialect311 {
			h := sha512.New()
			h.Write(neg.preauth[:])
			h.Write(r.msg)
			h.Sum(neg.preauth[:0])
			h.Reset()
			h.Write(neg.preauth[:])
			h.Write(respMsg)
			h.Sum(neg.preauth[:0])
		}
		r.c.mu.Lock()
		r.c.neg = neg
		r.c.mu.Unlock()
	}
	r.c.log.Debug().Str("dialect", config.ProtocolName(dialect)).Msg("negotiated")
	return nil
}

// pickDialect returns the highest dialect both sides speak within [min, max], or 0.
func pickDialect(offered []uint16, lo, hi uint16) uint16 {
	for _, d := range supportedDialects {
		if d >= lo && d <= hi && slices.Contains(offered, d) {
			return d
		}
	}
	return 0
}

// negotiateContexts answers the 3.1.1 negotiate contexts (MS-SMB2 3.3.5.4): preauth integrity (SHA-512,
// required), signing capabilities (AES-GMAC or AES-CMAC, in the client's order), encryption capabilities
// (when encryption is offered: the first of seal.ServerPreference the client lists). With no cipher in
// common, or encryption off, no encryption context is returned: go-smb2 rejects one that names none.
// Unknown contexts are ignored.
func negotiateContexts(in []smb.NegotiateContext, offerEncryption bool) ([]smb.NegotiateContext, sign.Algorithm, seal.Cipher, error) {
	var out []smb.NegotiateContext
	var alg sign.Algorithm
	var cipher seal.Cipher
	sawPreauth, sawEncryption := false, false
	for _, c := range in {
		switch c.Type {
		case smb.CtxPreauthIntegrity:
			if sawPreauth {
				return nil, 0, 0, smb.StatusInvalidParameter
			}
			sawPreauth = true
			var p smb.PreauthIntegrity
			if err := p.Decode(c.Data); err != nil || !slices.Contains(p.HashAlgorithms, smb.HashSHA512) {
				return nil, 0, 0, smb.StatusInvalidParameter
			}
			salt := make([]byte, 32)
			rand.Read(salt)
			resp := smb.PreauthIntegrity{HashAlgorithms: []uint16{smb.HashSHA512}, Salt: salt}
			out = append(out, smb.NegotiateContext{Type: smb.CtxPreauthIntegrity, Data: resp.AppendTo(nil)})
		case smb.CtxEncryption:
			// MS-SMB2 3.3.5.4: at most one encryption context, and a malformed one fails the NEGOTIATE.
			var e smb.EncryptionCapabilities
			if sawEncryption || e.Decode(c.Data) != nil {
				return nil, 0, 0, smb.StatusInvalidParameter
			}
			sawEncryption = true
			if cipher = seal.Pick(e.Ciphers); cipher != 0 && offerEncryption {
				resp := smb.EncryptionCapabilities{Ciphers: []uint16{uint16(cipher)}}
				out = append(out, smb.NegotiateContext{Type: smb.CtxEncryption, Data: resp.AppendTo(nil)})
			} else {
				cipher = 0
			}
		case smb.CtxSigning:
			var s smb.SigningCapabilities
			if err := s.Decode(c.Data); err != nil {
				return nil, 0, 0, smb.StatusInvalidParameter
			}
			// GMAC or CMAC, the client's first; HMAC-SHA256 only when the client offers neither (smbtorture's
			// smb2.session.signing-hmac-sha-256 offers it alone, and refuses an algorithm it did not list).
			wire := -1
			for _, a := range s.Algorithms {
				if a == smb.SigningAESGMAC || a == smb.SigningAESCMAC {
					wire = int(a)
					break
				}
			}
			if wire < 0 && slices.Contains(s.Algorithms, smb.SigningHMACSHA256) {
				wire = smb.SigningHMACSHA256
			}
			if wire >= 0 {
				alg = sign.Algorithm(wire)
				if wire == smb.SigningHMACSHA256 {
					alg = sign.HMACSHA256
				}
				resp := smb.SigningCapabilities{Algorithms: []uint16{uint16(wire)}}
				out = append(out, smb.NegotiateContext{Type: smb.CtxSigning, Data: resp.AppendTo(nil)})
			}
		}
	}
	if !sawPreauth {
		return nil, 0, 0, smb.StatusInvalidParameter
	}
	return out, alg, cipher, nil
}

// handleSMB1 answers the SMB1 multi-protocol NEGOTIATE that some clients open with (MS-SMB2 3.3.5.3.1):
// "SMB 2.???" gets the wildcard dialect 0x02FF and the client follows with an SMB2 NEGOTIATE; "SMB 2.002"
// alone negotiates 2.0.2 at once. Any other SMB1 closes the connection.
func (c *conn) handleSMB1(msg []byte) bool {
	c.mu.Lock()
	done := c.neg.done
	c.mu.Unlock()
	if done {
		return false
	}
	dialects, err := smb.ParseSMB1Negotiate(msg)
	if err != nil {
		c.log.Info().Err(err).Msg("closing connection: SMB1 is not supported")
		return false
	}
	cfg := c.srv.state.Load().cfg
	var dialect uint16
	for _, d := range dialects {
		switch {
		case strings.EqualFold(d, "SMB 2.???") && cfg.Global.MaxProtocol >= smb.Dialect210:
			dialect = smb.DialectWildcard
		case d == "SMB 2.002" && dialect == 0 && cfg.Global.MinProtocol <= smb.Dialect202:
			dialect = smb.Dialect202
		}
	}
	if dialect == 0 {
		c.log.Info().Strs("dialects", dialects).Msg("closing connection: SMB1 negotiate offers no SMB2 dialect")
		return false
	}
	if !c.credits.consume(0, 1) {
		return false
	}
	maxRead := uint32(64 << 10)
	resp := smb.NegotiateResponse{
		SecurityMode:    smb.SecurityModeSigningEnabled,
		DialectRevision: dialect,
		ServerGUID:      c.srv.guid,
		MaxTransactSize: maxRead,
		MaxReadSize:     maxRead,
		MaxWriteSize:    maxRead,
		SystemTime:      fscc.Filetime(time.Now()),
		SecurityBuffer:  spnego.NegTokenInitHint(),
	}
	if cfg.Global.ServerSigning == config.SigningMandatory {
		resp.SecurityMode |= smb.SecurityModeSigningRequired
	}
	h := smb.Header{Command: smb.Negotiate, Credits: c.credits.grant(1), Flags: smb.FlagServerToRedir}
	f := newFrame()
	f.buf = h.AppendTo(f.buf)
	f.buf = resp.AppendTo(f.buf)
	smb.PutTransportHeader(f.buf, len(f.buf)-smb.TransportHeaderSize)
	if dialect == smb.Dialect202 {
		c.mu.Lock()
		c.neg = negotiation{done: true, dialect: dialect, securityMode: resp.SecurityMode, signingAlg: sign.HMACSHA256, maxRead: maxRead}
		c.mu.Unlock()
	}
	c.send(f)
	return true
}
