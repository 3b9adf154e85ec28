package smb

import (
	"errors"
	"reflect"
	"testing"

	"github.com/zsmbd/zsmbd/internal/le"
)

func TestNegotiateContextPayloads(t *testing.T) {
	p := PreauthIntegrity{HashAlgorithms: []uint16{HashSHA512}, Salt: []byte{1, 2, 3}}
	b := p.AppendTo(nil)
	if want := unhex(t, "0100 0300 0100 010203"); string(b) != string(want) {
		t.Fatalf("PreauthIntegrity %x", b)
	}
	var p2 PreauthIntegrity
	if err := p2.Decode(b); err != nil || !reflect.DeepEqual(p, p2) {
		t.Fatalf("PreauthIntegrity round trip %+v %v", p2, err)
	}
	e := EncryptionCapabilities{Ciphers: []uint16{CipherAES128GCM, CipherAES128CCM}}
	if b := e.AppendTo(nil); string(b) != string(unhex(t, "0200 0200 0100")) {
		t.Fatalf("EncryptionCapabilities %x", b)
	}
	var e2 EncryptionCapabilities
	if err := e2.Decode(e.AppendTo(nil)); err != nil || !reflect.DeepEqual(e, e2) {
		t.Fatalf("EncryptionCapabilities round trip %+v %v", e2, err)
	}
	s := SigningCapabilities{Algorithms: []uint16{SigningAESGMAC, SigningAESCMAC}}
	if b := s.AppendTo(nil); string(b) != string(unhex(t, "0200 0200 0100")) {
		t.Fatalf("SigningCapabilities %x", b)
	}
	var s2 SigningCapabilities
	if err := s2.Decode(s.AppendTo(nil)); err != nil || !reflect.DeepEqual(s, s2) {
		t.Fatalf("SigningCapabilities round trip %+v %v", s2, err)
	}

	bad := []struct {
		name string
		dec  func([]byte) error
		in   string
	}{
		{"preauth no algorithms", new(PreauthIntegrity).Decode, "0000 0000"},
		{"preauth short salt", new(PreauthIntegrity).Decode, "0100 0400 0100 0102"},
		{"preauth short algorithms", new(PreauthIntegrity).Decode, "0300 0000 0100"},
		{"encryption count 0", new(EncryptionCapabilities).Decode, "0000"},
		{"encryption short", new(EncryptionCapabilities).Decode, "0200 0100"},
		{"signing empty", new(SigningCapabilities).Decode, ""},
		{"signing short", new(SigningCapabilities).Decode, "0300 0100 0200"},
	}
	for _, tc := range bad {
		if err := tc.dec(unhex(t, tc.in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestNegotiateRequestMalformed(t *testing.T) {
	valid := (&NegotiateRequest{Dialects: []uint16{Dialect311}, Contexts: []NegotiateContext{
		{Type: CtxPreauthIntegrity, Data: []byte{1, 0, 0, 0, 1, 0}}, {Type: CtxSigning, Data: []byte{1, 0, 1, 0}}}}).AppendTo(nil)
	tests := []struct {
		name   string
		mutate func(b []byte) []byte // b is the body
	}{
		{"dialect count 0", func(b []byte) []byte { le.PutU16(b, 2, 0); return b }},
		{"dialects past the end", func(b []byte) []byte { le.PutU16(b, 2, 200); return b }},
		{"context offset unaligned", func(b []byte) []byte { le.PutU32(b, 28, 0x6C); return b }},
		{"context offset inside the fixed part", func(b []byte) []byte { le.PutU32(b, 28, 0x48); return b }},
		{"context offset past the end", func(b []byte) []byte { le.PutU32(b, 28, 0x1000); return b }},
		{"context count too high", func(b []byte) []byte { le.PutU16(b, 32, 3); return b }},
		{"context data past the end", func(b []byte) []byte { return b[:len(b)-1] }},
	}
	for _, tc := range tests {
		var r NegotiateRequest
		body := tc.mutate(append([]byte(nil), valid...))
		if err := r.Decode(message(Negotiate, body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Without 3.1.1 in the list those bytes are ClientStartTime: garbage there is not an error.
	b := (&NegotiateRequest{Dialects: []uint16{Dialect202}}).AppendTo(nil)
	le.PutU32(b, 28, 0xDEADBEEF)
	le.PutU16(b, 32, 7)
	var r NegotiateRequest
	if err := r.Decode(message(Negotiate, b)); err != nil || r.Contexts != nil {
		t.Errorf("ClientStartTime: %+v %v", r, err)
	}
}

// TestNegotiateResponseContextsOnlyFor311 checks the contract: contexts are sent only for 3.1.1.
func TestNegotiateResponseContextsOnlyFor311(t *testing.T) {
	r := NegotiateResponse{DialectRevision: Dialect300, SecurityBuffer: []byte{1},
		Contexts: []NegotiateContext{{Type: CtxPreauthIntegrity, Data: []byte{1, 0, 0, 0, 1, 0}}}}
	b := r.AppendTo(nil)
	if len(b) != 64+1 || le.NewReader(b[6:]).U16() != 0 || le.NewReader(b[60:]).U32() != 0 {
		t.Fatalf("3.0 response carries contexts: %x", b)
	}
	// 3.1.1 with an 8-aligned security buffer: the context follows it with no padding.
	r = NegotiateResponse{DialectRevision: Dialect311, SecurityBuffer: make([]byte, 16),
		Contexts: []NegotiateContext{{Type: CtxEncryption, Data: []byte{1, 0, 2, 0}}}}
	b = r.AppendTo(nil)
	if off := le.NewReader(b[60:]).U32(); off != 0x90 || len(b) != 64+16+8+4 {
		t.Fatalf("context offset 0x%x, body %d bytes", off, len(b))
	}
}
