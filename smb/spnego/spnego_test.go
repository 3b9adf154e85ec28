package spnego

import (
	"bytes"
	encasn1 "encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/zsmbd/zsmbd/internal/capture"

	"github.com/geoffgarside/ber"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// securityBuffers returns the SPNEGO token of each recorded SMB2 NEGOTIATE or
// SESSION_SETUP message, found through its SecurityBufferOffset/Length.
// MS-SMB2 2.2.4, 2.2.5, 2.2.6
func securityBuffers(t testing.TB) map[string][]byte {
	t.Helper()
	msgs, err := capture.Session()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	le := binary.LittleEndian
	for name, p := range msgs {
		body := p[64:]
		var at int
		switch cmd, resp := le.Uint16(p[12:]), le.Uint32(p[16:])&1 != 0; {
		case cmd == 0 && resp:
			at = 56 // NEGOTIATE response
		case cmd == 1 && resp:
			at = 4 // SESSION_SETUP response
		case cmd == 1:
			at = 12 // SESSION_SETUP request
		default:
			continue
		}
		off, n := int(le.Uint16(body[at:])), int(le.Uint16(body[at+2:]))
		out[name] = p[off : off+n]
	}
	return out
}

var (
	oidNEGOEX = encasn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 2, 30}
	ntlmsspOn = []encasn1.ObjectIdentifier{OIDNTLMSSP}
)

// goSMB2Init is the NegTokenInit go-smb2 v1.1.0 sends (its spnego_test.go).
const goSMB2Init = "604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a04284e544c4d5353500001000000978208e2000000000000000000000000000000000a005a290000000f"

func TestParse(t *testing.T) {
	tok := securityBuffers(t)
	ntlm := func(b []byte) []byte { return b[bytes.Index(b, []byte("NTLMSSP\x00")):] }
	for _, tc := range []struct {
		name string
		in   []byte
		want Token
	}{
		{"go-smb2 NegTokenInit", unhex(t, goSMB2Init), Token{
			Init: true, MechTypes: ntlmsspOn,
			MechToken:    unhex(t, goSMB2Init)[len(unhex(t, goSMB2Init))-40:],
			RawMechTypes: unhex(t, "300c060a2b06010401823702020a"),
		}},
		{"Windows 10 NegTokenInit", tok["setup_req1"], Token{
			Init: true, MechTypes: ntlmsspOn, MechToken: ntlm(tok["setup_req1"]),
			RawMechTypes: unhex(t, "300c060a2b06010401823702020a"),
		}},
		{"Windows 10 NegTokenResp with mechListMIC", tok["setup_req2"], Token{
			MechToken:   ntlm(tok["setup_req2"])[:422],
			MechListMIC: unhex(t, "0100000063775a9a5fd97f0600000000"),
		}},
		{"Windows Server NEGOTIATE hint with NEGOEX", tok["negotiate_resp"], Token{
			Init: true, MechTypes: []encasn1.ObjectIdentifier{oidNEGOEX, OIDNTLMSSP},
			MechToken:    tok["negotiate_resp"][len(tok["negotiate_resp"])-264:],
			RawMechTypes: unhex(t, "3018060a2b06010401823702021e060a2b06010401823702020a"),
		}},
		{"Windows Server challenge", tok["setup_resp1"], Token{MechToken: ntlm(tok["setup_resp1"])}},
		{"Windows Server accept-completed", tok["setup_resp2"], Token{MechListMIC: unhex(t, "010000003b453cdc3524164200000000")}},
		// BER with non-minimal lengths (go-smb2 pull request 34).
		{"BER long-form lengths", unhex(t, "a182000b30820007a08200030a0100"), Token{}},
		{"NegTokenInit2 hint", NegTokenInitHint(), Token{
			Init: true, MechTypes: ntlmsspOn, RawMechTypes: unhex(t, "300c060a2b06010401823702020a"),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("Parse =\n %+v\nwant\n %+v", *got, tc.want)
			}
		})
	}
}

func TestNegTokenInitHint(t *testing.T) {
	want := "6048" + "06062b0601050502" + "a03e" + "303c" +
		"a00e" + "300c" + "060a2b06010401823702020a" +
		"a32a" + "3028" + "a026" + "1b24" + hex.EncodeToString([]byte("not_defined_in_RFC4178@please_ignore"))
	if got := hex.EncodeToString(NegTokenInitHint()); got != want {
		t.Errorf("NegTokenInitHint\n got %s\nwant %s", got, want)
	}
}

func TestResponseMatchesWindows(t *testing.T) {
	tok := securityBuffers(t)
	challenge := tok["setup_resp1"][bytes.Index(tok["setup_resp1"], []byte("NTLMSSP\x00")):]
	if got := Response(AcceptIncomplete, true, challenge, nil); !bytes.Equal(got, tok["setup_resp1"]) {
		t.Errorf("challenge response\n got %x\nwant %x", got, tok["setup_resp1"])
	}
	mic := unhex(t, "010000003b453cdc3524164200000000")
	if got := Response(AcceptCompleted, false, nil, mic); !bytes.Equal(got, tok["setup_resp2"]) {
		t.Errorf("final response\n got %x\nwant %x", got, tok["setup_resp2"])
	}
	if got := hex.EncodeToString(Response(Reject, false, nil, nil)); got != "a1073005a0030a0102" {
		t.Errorf("reject = %s", got)
	}
}

// goSMB2NegTokenResp mirrors go-smb2 v1.1.0's internal spnego.NegTokenResp, which
// it decodes with github.com/geoffgarside/ber.
type goSMB2NegTokenResp struct {
	NegState      encasn1.Enumerated       `asn1:"optional,explicit,tag:0"`
	SupportedMech encasn1.ObjectIdentifier `asn1:"optional,explicit,tag:1"`
	ResponseToken []byte                   `asn1:"optional,explicit,tag:2"`
	MechListMIC   []byte                   `asn1:"optional,explicit,tag:3"`
}

// TestResponseDecodesInGoSMB2 decodes our responses the way go-smb2's client does.
func TestResponseDecodesInGoSMB2(t *testing.T) {
	token := bytes.Repeat([]byte{0x4e}, 300) // long enough for multi-byte lengths
	for _, tc := range []struct {
		name     string
		state    State
		withMech bool
		token    []byte
		mic      []byte
	}{
		{"challenge", AcceptIncomplete, true, token, nil},
		{"completed", AcceptCompleted, false, nil, []byte("0123456789abcdef")},
		{"reject", Reject, false, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Response(tc.state, tc.withMech, tc.token, tc.mic)
			var r goSMB2NegTokenResp
			if _, err := ber.UnmarshalWithParams(b, &r, "explicit,tag:1"); err != nil {
				t.Fatalf("go-smb2's decoder: %v", err)
			}
			if int(r.NegState) != int(tc.state) || !bytes.Equal(r.ResponseToken, tc.token) || !bytes.Equal(r.MechListMIC, tc.mic) {
				t.Errorf("decoded %+v", r)
			}
			if tc.withMech != r.SupportedMech.Equal(OIDNTLMSSP) {
				t.Errorf("supportedMech = %v", r.SupportedMech)
			}
			// And our own parser round-trips it.
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Init || !bytes.Equal(got.MechToken, tc.token) || !bytes.Equal(got.MechListMIC, tc.mic) {
				t.Errorf("Parse = %+v", *got)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tok := securityBuffers(t)
	valid := [][]byte{unhex(t, goSMB2Init), tok["setup_req1"], tok["setup_req2"], NegTokenInitHint()}
	for _, v := range valid {
		for n := range len(v) {
			if _, err := Parse(v[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("%x truncated to %d: err = %v", v[:8], n, err)
			}
		}
	}
	for name, h := range map[string]string{
		"empty":                  "",
		"NTLMSSP without SPNEGO": "4e544c4d5353500001000000",
		"Kerberos OID wrapper":   "600d06092a864886f712010202a000",
		"indefinite length":      "a18030030a0100" + "0000",
		"trailing bytes":         "a1073005a0030a010000",
		"high tag number":        "bf1f00",
		"constructed mechToken": "604206062b0601050502a0383036a00e300c060a2b06010401823702020a" +
			"a2242422" + "0420" + "4e544c4d5353500001000000978208e200000000000000000000000000000000",
		"fields out of order":    "a10c300aa2030401aaa0030a0100",
		"bad OID":                "600a0601ffa0053003a00100",
		"5-byte length":          "a185000000000300",
		"mechTypes not SEQUENCE": "601a06062b0601050502a010300ea00c040a2b06010401823702020a",
	} {
		if _, err := Parse(unhex(t, h)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, h := range []string{goSMB2Init, "a182000b30820007a08200030a0100"} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Add(NegTokenInitHint())
	f.Add(Response(AcceptIncomplete, true, []byte("NTLMSSP\x00\x02"), nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		tok, err := Parse(b)
		if err != nil {
			return
		}
		// Whatever parses as a NegTokenResp survives a rebuild with the same contents.
		if !tok.Init {
			again, err := Parse(Response(AcceptIncomplete, true, tok.MechToken, tok.MechListMIC))
			if err != nil || !bytes.Equal(again.MechToken, tok.MechToken) || !bytes.Equal(again.MechListMIC, tok.MechListMIC) {
				t.Fatalf("rebuilt response differs: %v", err)
			}
		}
	})
}
