package seal

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// The Microsoft examples' keys: "Encryption in SMB 3.0: A protocol perspective"
// (SessionKey B4546771...) and "SMB 3.1.1 Encryption in Windows 10" (SessionKey
// 419FDDF3..., with its preauthentication hash), as transcribed in pike's
// test_smb3_encryption_vector.py and SMBLibrary's SMB2EncryptionTests.cs. The
// blogs name the keys from the client's side: its EncryptionKey is the server's
// dec.
const (
	sessionKey30   = "B4546771B515F766A86735532DD6C4F0"
	sessionKey311  = "419FDDF34C1E001909D362AE7FB6AF79"
	preauthHash311 = "B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E977F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770"

	// sessionKey256 stands in for a 32-byte Kerberos key; the AES-256 keys
	// derived from it were computed independently with Python's hmac.
	sessionKey256 = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
)

func TestKeys(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dialect    uint16
		cipher     Cipher
		sessionKey string
		preauth    string
		enc, dec   string
	}{
		{"3.0", 0x0300, AES128CCM, sessionKey30, "", "8FE2B57EC34D2DB5B1A9727F526BBDB5", "261B72350558F2E9DCF613070383EDBF"},
		{"3.0.2 as 3.0", 0x0302, AES128CCM, sessionKey30, "", "8FE2B57EC34D2DB5B1A9727F526BBDB5", "261B72350558F2E9DCF613070383EDBF"},
		{"3.0 ignores the cipher", 0x0300, AES256GCM, sessionKey30, preauthHash311, "8FE2B57EC34D2DB5B1A9727F526BBDB5", "261B72350558F2E9DCF613070383EDBF"},
		{"3.1.1 AES-128-GCM", 0x0311, AES128GCM, sessionKey311, preauthHash311, "748C50868C90F302962A5C35F5F9A8BF", "A2F5E80E5D59103034F32E52F698E5EC"},
		{"3.1.1 AES-128-CCM", 0x0311, AES128CCM, sessionKey311, preauthHash311, "748C50868C90F302962A5C35F5F9A8BF", "A2F5E80E5D59103034F32E52F698E5EC"},
		{"3.1.1 AES-128 uses 16 bytes of a longer key", 0x0311, AES128GCM, sessionKey256, preauthHash311,
			"137e5f5244b90821326403936e219d4c", "ef44dad04de49956035738a53ab35045"},
		{"3.1.1 AES-256-GCM uses the full key", 0x0311, AES256GCM, sessionKey256, preauthHash311,
			"7330e611d89f8bd4d0eaf215a49fb02f13eeccc9237436eaad62dfd1025c951c",
			"3334a9f25e7dbdb8a342c07ebfbb2d26cc2fd6c04058ec2083cba7d217a76848"},
		{"3.1.1 AES-256-CCM", 0x0311, AES256CCM, sessionKey256, preauthHash311,
			"7330e611d89f8bd4d0eaf215a49fb02f13eeccc9237436eaad62dfd1025c951c",
			"3334a9f25e7dbdb8a342c07ebfbb2d26cc2fd6c04058ec2083cba7d217a76848"},
		{"3.1.1 AES-256 from a 16-byte NTLM key", 0x0311, AES256GCM, sessionKey311, preauthHash311,
			"f8cae3069ffcdc7662e2941207af463614d520a1a204aaf6b9ead136de931111",
			"cb61eb110446fbcaeb6a83beedb92779130b833a706e5b3495879d52195b90ed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, dec := Keys(tc.dialect, tc.cipher, unhex(t, tc.sessionKey), unhex(t, tc.preauth))
			if !strings.EqualFold(hex.EncodeToString(enc), tc.enc) {
				t.Errorf("enc = %x, want %s", enc, tc.enc)
			}
			if !strings.EqualFold(hex.EncodeToString(dec), tc.dec) {
				t.Errorf("dec = %x, want %s", dec, tc.dec)
			}
		})
	}
	for _, tc := range []struct {
		dialect uint16
		cipher  Cipher
	}{{0x0210, AES128CCM}, {0x0202, AES128CCM}, {0x0311, 0}, {0x0311, 5}} {
		if enc, dec := Keys(tc.dialect, tc.cipher, make([]byte, 16), make([]byte, 64)); enc != nil || dec != nil {
			t.Errorf("Keys(%#04x, %v) = %x, %x, want nil", tc.dialect, tc.cipher, enc, dec)
		}
	}
	// A session key shorter than 16 bytes is zero-padded for the 128-bit ciphers.
	a, _ := Keys(0x0300, AES128CCM, []byte{1, 2}, nil)
	b, _ := Keys(0x0300, AES128CCM, append([]byte{1, 2}, make([]byte, 14)...), nil)
	if !bytes.Equal(a, b) {
		t.Error("a short session key is not zero-padded")
	}
}
