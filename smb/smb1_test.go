package smb

import (
	"errors"
	"reflect"
	"testing"
)

// smb1Negotiate builds an SMB_COM_NEGOTIATE request with the given dialect strings.
func smb1Negotiate(dialects ...string) []byte {
	msg := make([]byte, smb1HeaderSize)
	copy(msg, "\xffSMB")
	msg[4] = smb1ComNegotiate
	var buf []byte
	for _, d := range dialects {
		buf = append(buf, 0x02)
		buf = append(buf, d...)
		buf = append(buf, 0)
	}
	msg = append(msg, 0, byte(len(buf)), byte(len(buf)>>8))
	return append(msg, buf...)
}

func TestParseSMB1Negotiate(t *testing.T) {
	want := []string{"NT LM 0.12", "SMB 2.002", "SMB 2.???"}
	got, err := ParseSMB1Negotiate(smb1Negotiate(want...))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, %v", got, err)
	}
	bad := map[string][]byte{
		"not smb1":         append([]byte("\xfeSMB"), make([]byte, 40)...),
		"not negotiate":    func() []byte { m := smb1Negotiate("SMB 2.002"); m[4] = 0x73; return m }(),
		"short":            []byte("\xffSMB\x72"),
		"byte count":       func() []byte { m := smb1Negotiate("SMB 2.002"); m[33] = 0xFF; return m }(),
		"unterminated":     func() []byte { m := smb1Negotiate("SMB 2.002"); return m[:len(m)-1] }(),
		"buffer format":    func() []byte { m := smb1Negotiate("SMB 2.002"); m[35] = 0x03; return m }(),
		"word count bound": func() []byte { m := smb1Negotiate(); m[32] = 200; return m }(),
	}
	for name, msg := range bad {
		if name == "unterminated" {
			msg[33]-- // keep ByteCount consistent so the missing NUL is what fails
		}
		if _, err := ParseSMB1Negotiate(msg); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !IsSMB1([]byte("\xffSMBr")) || IsSMB1([]byte("\xfeSMB")) || IsSMB1([]byte("\xff")) {
		t.Error("IsSMB1")
	}
}
