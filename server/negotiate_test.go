package server

import (
	"testing"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/seal"
	"github.com/zsmbd/zsmbd/smb/sign"
)

// preauth is the preauthentication integrity context every 3.1.1 NEGOTIATE carries.
var preauth = smb.NegotiateContext{Type: smb.CtxPreauthIntegrity,
	Data: (&smb.PreauthIntegrity{HashAlgorithms: []uint16{smb.HashSHA512}, Salt: make([]byte, 32)}).AppendTo(nil)}

// TestEncryptionContext: at 3.1.1 the server answers the client's cipher list with the first of its own
// preference the client offers (Samba's: AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM), leaves the
// context out when nothing is in common or encryption is off, and refuses an empty list or a second
// encryption context (MS-SMB2 3.3.5.4).
func TestEncryptionContext(t *testing.T) {
	ciphers := func(c ...uint16) smb.NegotiateContext {
		return smb.NegotiateContext{Type: smb.CtxEncryption, Data: (&smb.EncryptionCapabilities{Ciphers: c}).AppendTo(nil)}
	}
	for _, tc := range []struct {
		name    string
		ctxs    []smb.NegotiateContext
		offer   bool
		want    seal.Cipher
		wantErr bool
	}{
		{"go-smb2", []smb.NegotiateContext{preauth, ciphers(2, 1)}, true, seal.AES128GCM, false},
		{"client order ignored", []smb.NegotiateContext{preauth, ciphers(4, 3, 1, 2)}, true, seal.AES128GCM, false},
		{"impacket", []smb.NegotiateContext{preauth, ciphers(1)}, true, seal.AES128CCM, false},
		{"AES-256 only", []smb.NegotiateContext{preauth, ciphers(3, 4)}, true, seal.AES256GCM, false},
		{"nothing in common", []smb.NegotiateContext{preauth, ciphers(9)}, true, 0, false},
		{"encryption off", []smb.NegotiateContext{preauth, ciphers(2, 1)}, false, 0, false},
		{"no context", []smb.NegotiateContext{preauth}, true, 0, false},
		{"empty list", []smb.NegotiateContext{preauth, {Type: smb.CtxEncryption, Data: []byte{0, 0}}}, true, 0, true},
		{"two contexts", []smb.NegotiateContext{preauth, ciphers(2), ciphers(1)}, true, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, cipher, err := negotiateContexts(tc.ctxs, tc.offer)
			if tc.wantErr {
				if err != smb.StatusInvalidParameter {
					t.Fatalf("err %v, want STATUS_INVALID_PARAMETER", err)
				}
				return
			}
			if err != nil || cipher != tc.want {
				t.Fatalf("cipher %v, err %v; want %v", cipher, err, tc.want)
			}
			var answered []uint16
			for _, c := range out {
				if c.Type == smb.CtxEncryption {
					var e smb.EncryptionCapabilities
					if err := e.Decode(c.Data); err != nil {
						t.Fatal(err)
					}
					answered = append(answered, e.Ciphers...)
				}
			}
			switch {
			case tc.want == 0 && answered != nil:
				t.Errorf("answered ciphers %v; want no encryption context", answered)
			case tc.want != 0 && (len(answered) != 1 || answered[0] != uint16(tc.want)):
				t.Errorf("answered ciphers %v; want [%d]", answered, tc.want)
			}
		})
	}
}

// TestSigningContext: at 3.1.1 the server answers the client's signing algorithms with the first GMAC
// or CMAC it lists, with HMAC-SHA256 when it lists neither (smbtorture's
// smb2.session.signing-hmac-sha-256 offers it alone and refuses anything else), and leaves the
// context out, signing with CMAC, when there is no context or nothing in common.
func TestSigningContext(t *testing.T) {
	algs := func(a ...uint16) smb.NegotiateContext {
		return smb.NegotiateContext{Type: smb.CtxSigning, Data: (&smb.SigningCapabilities{Algorithms: a}).AppendTo(nil)}
	}
	for _, tc := range []struct {
		name   string
		ctxs   []smb.NegotiateContext
		want   sign.Algorithm // 0: none chosen (the caller keeps CMAC)
		answer int            // the id answered; -1 for no context
	}{
		{"smbclient", []smb.NegotiateContext{preauth, algs(2, 1, 0)}, sign.AESGMAC, 2},
		{"CMAC first", []smb.NegotiateContext{preauth, algs(1, 2)}, sign.AESCMAC, 1},
		{"HMAC-SHA256 alone", []smb.NegotiateContext{preauth, algs(0)}, sign.HMACSHA256, 0},
		{"HMAC-SHA256 before CMAC", []smb.NegotiateContext{preauth, algs(0, 1)}, sign.AESCMAC, 1},
		{"nothing known", []smb.NegotiateContext{preauth, algs(7)}, 0, -1},
		{"no context", []smb.NegotiateContext{preauth}, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, alg, _, err := negotiateContexts(tc.ctxs, true)
			if err != nil || alg != tc.want {
				t.Fatalf("algorithm %v, err %v; want %v", alg, err, tc.want)
			}
			answered := -1
			for _, c := range out {
				if c.Type == smb.CtxSigning {
					var s smb.SigningCapabilities
					if err := s.Decode(c.Data); err != nil || len(s.Algorithms) != 1 {
						t.Fatalf("signing context %x: %v", c.Data, err)
					}
					answered = int(s.Algorithms[0])
				}
			}
			if answered != tc.answer {
				t.Errorf("answered %d, want %d", answered, tc.answer)
			}
		})
	}
}
