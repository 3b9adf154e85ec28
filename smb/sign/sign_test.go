package sign

import (
	"bytes"
	"crypto/aes"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/zsmbd/zsmbd/internal/capture"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

func loadPackets(t testing.TB) map[string][]byte {
	t.Helper()
	pk, err := capture.Session()
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// Published by Microsoft's "SMB 2 and SMB 3 security in Windows 10: the anatomy of
// signing and cryptographic keys", appendix.
const (
	preauth311Master  = "0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D9751640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01"
	preauth311Binding = "EA3BF912B11CBFEC5B1889E8209614218687F82FA5294521AD3063425E49E88A10BD022124CE25123BC9111F52D9566BA88BF46344E6063DC5E3FF0389026F6C"
)

func TestKDF(t *testing.T) {
	// go-smb2 v1.1.0 kdf_test.go.
	if got := hex.EncodeToString(KDF([]byte("foo"), []byte("bar"), []byte("baz"))); got != "ca3928a6664e3cfdc87eef2dff7c78ac" {
		t.Errorf("KDF(foo, bar, baz) = %s", got)
	}
}

func TestSigningKey(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dialect    uint16
		sessionKey string
		preauth    string
		want       string
	}{
		{"3.0 master", 0x0300, "7CD451825D0450D235424E44BA6E78CC", "", "0B7E9C5CAC36C0F6EA9AB275298CEDCE"},
		{"3.0 channel", 0x0300, "4E01A2B313BCF660CC250BEF021AEDE6", "", "BA1A17DBBFEC349BCA105563D598952F"},
		{"3.0.2 as 3.0", 0x0302, "7CD451825D0450D235424E44BA6E78CC", "", "0B7E9C5CAC36C0F6EA9AB275298CEDCE"},
		{"3.1.1 master", 0x0311, "270E1BA896585EEB7AF3472D3B4C75A7", preauth311Master, "73FE7A9A77BEF0BDE49C650D8CCB5F76"},
		{"3.1.1 channel", 0x0311, "84B9DBB730116A8FA6E9889555C265F9", preauth311Binding, "C962BCA1A9DD1697B030644199705431"},
		{"2.1 is the session key", 0x0210, "270E1BA896585EEB7AF3472D3B4C75A7", "", "270E1BA896585EEB7AF3472D3B4C75A7"},
		{"2.0.2 truncates to 16", 0x0202, "000102030405060708090a0b0c0d0e0f1011", "", "000102030405060708090a0b0c0d0e0f"},
		{"2.0.2 pads to 16", 0x0202, "0102", "", "01020000000000000000000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SigningKey(tc.dialect, unhex(t, tc.sessionKey), unhex(t, tc.preauth))
			if !strings.EqualFold(hex.EncodeToString(got), tc.want) {
				t.Errorf("SigningKey = %x, want %s", got, tc.want)
			}
		})
	}
	if k := SigningKey(0x02FF, make([]byte, 16), nil); k != nil {
		t.Errorf("SigningKey(0x02FF) = %x, want nil", k)
	}
}

// RFC 4493 section 4 test vectors.
var rfc4493 = []struct {
	msg, mac string
}{
	{"", "bb1d6929e95937287fa37d129b756746"},
	{"6bc1bee22e409f96e93d7e117393172a", "070a16b46b4d4144f79bdd9dd04a287c"},
	{"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411", "dfa66747de9ae63030ca32611497c827"},
	{"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", "51f0bebf7e3b9d92fc49741779363cfe"},
}

func TestCMACRFC4493(t *testing.T) {
	c, err := newCMAC(unhex(t, "2b7e151628aed2a6abf7158809cf4f3c"))
	if err != nil {
		t.Fatal(err)
	}
	// RFC 4493 4: subkeys.
	if got := hex.EncodeToString(c.k1[:]); got != "fbeed618357133667c85e08f7236a8de" {
		t.Errorf("K1 = %s", got)
	}
	if got := hex.EncodeToString(c.k2[:]); got != "f7ddac306ae266ccf90bc11ee46d513b" {
		t.Errorf("K2 = %s", got)
	}
	for _, v := range rfc4493 {
		msg := unhex(t, v.msg)
		if got := c.Sign(msg); hex.EncodeToString(got[:]) != v.mac {
			t.Errorf("CMAC(%d bytes) = %x, want %s", len(msg), got, v.mac)
		}
		// Every split into three parts, including empty ones, gives the same MAC.
		for i := 0; i <= len(msg); i++ {
			for j := i; j <= len(msg); j++ {
				if got := c.Sign(msg[:i], msg[i:j], msg[j:]); hex.EncodeToString(got[:]) != v.mac {
					t.Fatalf("CMAC(%d bytes split at %d,%d) = %x, want %s", len(msg), i, j, got, v.mac)
				}
			}
		}
	}
	if got := c.Sign(); hex.EncodeToString(got[:]) != rfc4493[0].mac {
		t.Errorf("CMAC of no parts = %x", got)
	}
}

func TestHMACRFC4231(t *testing.T) {
	// RFC 4231 4.3 (test case 2), truncated to the 16 bytes SMB2 keeps.
	s, err := New(HMACSHA256, []byte("Jefe"))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Sign([]byte("what do ya"), []byte(" want for nothing?"))
	if hex.EncodeToString(got[:]) != "5bdcc146bf60754e6a042426089575c7" {
		t.Errorf("HMAC-SHA256 = %x", got)
	}
}

// TestWindowsSignatures verifies signatures Windows put on the recorded 3.1.1
// session setup (AES-CMAC, since that exchange negotiated no signing algorithm).
func TestWindowsSignatures(t *testing.T) {
	pk := loadPackets(t)
	master := "73FE7A9A77BEF0BDE49C650D8CCB5F76"
	for _, tc := range []struct {
		packet, key string
	}{
		{"setup_resp2", master}, // the final SESSION_SETUP response
		// Binding requests are signed with the session's existing key. MS-SMB2 3.2.4.1.1
		{"bind_req1", master},
		{"bind_req2", master},
		{"bind_resp2", "C962BCA1A9DD1697B030644199705431"}, // the new channel's key
	} {
		t.Run(tc.packet, func(t *testing.T) {
			s, err := New(AESCMAC, unhex(t, tc.key))
			if err != nil {
				t.Fatal(err)
			}
			msg := pk[tc.packet]
			orig := bytes.Clone(msg)
			if !VerifyMessage(s, msg) {
				t.Fatal("recorded signature does not verify")
			}
			if !bytes.Equal(msg, orig) {
				t.Fatal("VerifyMessage did not restore the message")
			}
			// Re-signing an unsigned copy reproduces Windows' bytes.
			resigned := bytes.Clone(msg)
			clear(resigned[48:64])
			resigned[16] &^= 0x08
			SignMessage(s, resigned)
			if !bytes.Equal(resigned, orig) {
				t.Errorf("SignMessage\n got %x\nwant %x", resigned, orig)
			}
			for _, i := range []int{0, 16, 30, 48, 63, len(msg) - 1} {
				bad := bytes.Clone(msg)
				bad[i] ^= 0x40
				if VerifyMessage(s, bad) {
					t.Errorf("verified with byte %d flipped", i)
				}
			}
		})
	}
}

func TestGoSMB2Signature(t *testing.T) {
	// go-smb2 v1.1.0 sign_test.go: a 3.0 SESSION_SETUP response.
	pkt := unhex(t, "fe534d42400001000000000001007f00090000000000000003000000000000000000000000000000"+
		"020000007bfba3f4041393e756a048c9092c4e52dc7037190900000048000900a1073005a0030a0100")
	s, err := New(AESCMAC, SigningKey(0x0300, unhex(t, "726d4c454e63516446695457664e5042"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyMessage(s, pkt) {
		t.Error("go-smb2's signature does not verify")
	}
	if got := hex.EncodeToString(pkt[48:64]); got != "041393e756a048c9092c4e52dc703719" {
		t.Errorf("signature field = %s", got)
	}
}

// GMAC tags computed independently with Python's cryptography (OpenSSL) AESGCM over
// the same messages, nonce built per MS-SMB2 3.1.4.1, key 73FE7A9A... .
func TestGMAC(t *testing.T) {
	pk := loadPackets(t)
	cancel := unhex(t, "fe534d4240000000000000000c000000020000000000000007000000000000000000000000000000"+
		"00000000000000000000000000000000000000000000000004000000")
	for _, tc := range []struct {
		name string
		msg  []byte
		want string
	}{
		{"response: role bit 0", pk["setup_resp2"], "75d05bac99ff7fcc52a44c354381d559"},
		{"request", pk["setup_req2"], "dfea099c289186fd9245442f1d263b3d"},
		{"CANCEL request: bit 1", cancel, "5827e95b77115d06b023f9ab285351d6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(AESGMAC, unhex(t, "73FE7A9A77BEF0BDE49C650D8CCB5F76"))
			if err != nil {
				t.Fatal(err)
			}
			msg := bytes.Clone(tc.msg)
			clear(msg[48:64])
			if got := s.Sign(msg); hex.EncodeToString(got[:]) != tc.want {
				t.Errorf("GMAC = %x, want %s", got, tc.want)
			}
			// Split inside the header too: the nonce must still come from the whole header.
			if got := s.Sign(msg[:20], msg[20:60], msg[60:]); hex.EncodeToString(got[:]) != tc.want {
				t.Errorf("GMAC in parts = %x, want %s", got, tc.want)
			}
		})
	}
}

// TestPartsEqualWhole signs a large message whole and in READ-like pieces.
func TestPartsEqualWhole(t *testing.T) {
	msg := make([]byte, 64+16+100003)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	clear(msg[48:64])
	key := unhex(t, "000102030405060708090a0b0c0d0e0f")
	for _, alg := range []Algorithm{HMACSHA256, AESCMAC, AESGMAC} {
		s, err := New(alg, key)
		if err != nil {
			t.Fatal(err)
		}
		whole := s.Sign(msg)
		for _, cuts := range [][]int{{80}, {64, 80}, {1, 17, 33, 4096}, {79, 80, 81, 65616}} {
			var parts [][]byte
			prev := 0
			for _, c := range cuts {
				parts = append(parts, msg[prev:c])
				prev = c
			}
			parts = append(parts, msg[prev:])
			if got := s.Sign(parts...); got != whole {
				t.Errorf("%v cut at %v: %x, whole %x", alg, cuts, got, whole)
			}
		}
	}
}

func TestConcurrentSign(t *testing.T) {
	key := unhex(t, "73FE7A9A77BEF0BDE49C650D8CCB5F76")
	for _, alg := range []Algorithm{HMACSHA256, AESCMAC, AESGMAC} {
		s, err := New(alg, key)
		if err != nil {
			t.Fatal(err)
		}
		msgs := make([][]byte, 8)
		want := make([][16]byte, len(msgs))
		for i := range msgs {
			msgs[i] = bytes.Repeat([]byte{byte(i)}, 64+i*1000)
			clear(msgs[i][48:64])
			want[i] = s.Sign(msgs[i])
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range 200 {
					i := (g + n) % len(msgs)
					if got := s.Sign(msgs[i][:40], msgs[i][40:]); got != want[i] {
						t.Errorf("%v: concurrent Sign differs", alg)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		alg Algorithm
		key []byte
	}{{AESCMAC, make([]byte, 15)}, {AESGMAC, make([]byte, 32)}, {Algorithm(7), make([]byte, 16)}} {
		if _, err := New(tc.alg, tc.key); err == nil {
			t.Errorf("New(%v, %d-byte key) succeeded", tc.alg, len(tc.key))
		}
	}
	s, _ := New(AESCMAC, make([]byte, 16))
	short := make([]byte, 63)
	SignMessage(s, short)
	if !bytes.Equal(short, make([]byte, 63)) || VerifyMessage(s, short) {
		t.Error("a message shorter than the SMB2 header was signed or verified")
	}
	if got := fmt.Sprint(AESGMAC, Algorithm(9)); got != "AES-128-GMAC Algorithm(0x0009)" {
		t.Errorf("String = %q", got)
	}
}

func BenchmarkSign(b *testing.B) {
	key := make([]byte, 16)
	for _, alg := range []Algorithm{HMACSHA256, AESCMAC, AESGMAC} {
		for _, size := range []int{64 + 16, 64 * 1024} {
			s, err := New(alg, key)
			if err != nil {
				b.Fatal(err)
			}
			hdr, data := make([]byte, 80), make([]byte, size-80)
			b.Run(fmt.Sprintf("%v/%d/one", alg, size), func(b *testing.B) {
				parts := [][]byte{append(bytes.Clone(hdr), data...)}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					s.Sign(parts...)
				}
			})
			// A caller that keeps its parts slice (as a connection's writer can)
			// makes Sign allocation-free; a literal variadic list costs one
			// allocation because the slice escapes through the interface.
			b.Run(fmt.Sprintf("%v/%d/parts", alg, size), func(b *testing.B) {
				parts := [][]byte{hdr, data}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					s.Sign(parts...)
				}
			})
		}
	}
}

func BenchmarkSignVerifyMessage(b *testing.B) {
	for _, alg := range []Algorithm{HMACSHA256, AESCMAC, AESGMAC} {
		s, err := New(alg, make([]byte, 16))
		if err != nil {
			b.Fatal(err)
		}
		msg := make([]byte, 64+16+4096)
		b.Run(alg.String(), func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				SignMessage(s, msg)
				if !VerifyMessage(s, msg) {
					b.Fatal("does not verify")
				}
			}
		})
	}
}

// cmacReference is RFC 4493 2.4 written block by block, to check the chained
// implementation on inputs longer than the RFC's vectors.
func cmacReference(t *testing.T, key, msg []byte) [16]byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var l [16]byte
	block.Encrypt(l[:], l[:])
	k1 := dbl(l)
	k2 := dbl(k1)
	n := max(1, (len(msg)+15)/16)
	var x, last [16]byte
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x[:], x[:], msg[16*i:16*i+16])
		block.Encrypt(x[:], x[:])
	}
	rest := msg[16*(n-1):]
	copy(last[:], rest)
	if len(rest) == 16 {
		subtle.XORBytes(last[:], last[:], k1[:])
	} else {
		last[len(rest)] = 0x80
		subtle.XORBytes(last[:], last[:], k2[:])
	}
	subtle.XORBytes(x[:], x[:], last[:])
	block.Encrypt(x[:], x[:])
	return x
}

// TestCMACLong: messages around the chaining buffer's size and READ-sized ones, given whole and in
// parts split at odd places, sign as the block-by-block reference does.
func TestCMACLong(t *testing.T) {
	key := []byte("0123456789abcdef")
	s, err := New(AESCMAC, key)
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 1<<20+37)
	for i := range msg {
		msg[i] = byte(i*7 + i>>8)
	}
	for _, n := range []int{15, 16, 17, 4095, 4096, 4097, 4096 + 16, 8192 + 5, 1 << 20, len(msg)} {
		want := cmacReference(t, key, msg[:n])
		if got := s.Sign(msg[:n]); got != want {
			t.Errorf("%d bytes whole: %x, want %x", n, got, want)
		}
		for _, cut := range []int{1, 16, 80, 4100} {
			if cut < n {
				if got := s.Sign(msg[:cut], msg[cut:n]); got != want {
					t.Errorf("%d bytes cut at %d: %x, want %x", n, cut, got, want)
				}
			}
		}
	}
}
