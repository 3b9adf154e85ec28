package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/des"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// ccmVector is a published CCM example: the output is the ciphertext followed by
// the tag, so the tag size is len(out) - len(pt).
type ccmVector struct {
	name, key, nonce, aad, pt, out string
}

// nistC4AAD stands for Appendix C.4's 65536 bytes of associated data, 00 01 ... FF
// repeated, which take the 6-byte length encoding.
const nistC4AAD = "C.4"

var ccmVectors = []ccmVector{
	// NIST SP 800-38C Appendix C, Example Vectors.
	{"SP800-38C C.1", "404142434445464748494a4b4c4d4e4f", "10111213141516", "0001020304050607",
		"20212223", "7162015b4dac255d"},
	{"SP800-38C C.2", "404142434445464748494a4b4c4d4e4f", "1011121314151617", "000102030405060708090a0b0c0d0e0f",
		"202122232425262728292a2b2c2d2e2f", "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd"},
	{"SP800-38C C.3", "404142434445464748494a4b4c4d4e4f", "101112131415161718191a1b", "000102030405060708090a0b0c0d0e0f10111213",
		"202122232425262728292a2b2c2d2e2f3031323334353637", "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951"},
	{"SP800-38C C.4", "404142434445464748494a4b4c4d4e4f", "101112131415161718191a1b1c", nistC4AAD,
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
		"69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72b4ac6bec93e8598e7f0dadbcea5b"},

	// RFC 3610 section 8, Packet Vectors #1 to #24: the first 8 or 12 bytes of
	// each packet are the associated data, M (the tag size) is 8 for #1-#12 and
	// #13-#18 and 10 for the rest.
	{"RFC3610 #1", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000003020100a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e", "588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0"},
	{"RFC3610 #2", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000004030201a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916"},
	{"RFC3610 #3", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000005040302a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da8596574adaa76fbd9fb0c5"},
	{"RFC3610 #4", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000006050403a0a1a2a3a4a5", "000102030405060708090a0b",
		"0c0d0e0f101112131415161718191a1b1c1d1e", "a28c6865939a9a79faaa5c4c2a9d4a91cdac8c96c861b9c9e61ef1"},
	{"RFC3610 #5", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000007060504a0a1a2a3a4a5", "000102030405060708090a0b",
		"0c0d0e0f101112131415161718191a1b1c1d1e1f", "dcf1fb7b5d9e23fb9d4e131253658ad86ebdca3e51e83f077d9c2d93"},
	{"RFC3610 #6", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000008070605a0a1a2a3a4a5", "000102030405060708090a0b",
		"0c0d0e0f101112131415161718191a1b1c1d1e1f20", "6fc1b011f006568b5171a42d953d469b2570a4bd87405a0443ac91cb94"},
	{"RFC3610 #7", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000009080706a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e", "0135d1b2c95f41d5d1d4fec185d166b8094e999dfed96c048c56602c97acbb7490"},
	{"RFC3610 #8", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "0000000a090807a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "7b75399ac0831dd2f0bbd75879a2fd8f6cae6b6cd9b7db24c17b4433f434963f34b4"},
	{"RFC3610 #9", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "0000000b0a0908a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "82531a60cc24945a4b8279181ab5c84df21ce7f9b73f42e197ea9c07e56b5eb17e5f4e"},
	{"RFC3610 #10", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "0000000c0b0a09a0a1a2a3a4a5", "000102030405060708090a0b",
		"0c0d0e0f101112131415161718191a1b1c1d1e", "07342594157785152b074098330abb141b947b566aa9406b4d999988dd"},
	{"RFC3610 #11", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "0000000d0c0b0aa0a1a2a3a4a5", "000102030405060708090a0b",
		"0c0d0e0f101112131415161718191a1b1c1d1e1f", "676bb20380b0e301e8ab79590a396da78b834934f53aa2e9107a8b6c022c"},
	{"RFC3610 #12", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "0000000e0d0c0ba0a1a2a3a4a5", "000102030405060708090a0b",
		"0c0d0e0f101112131415161718191a1b1c1d1e1f20", "c0ffa0d6f05bdb67f24d43a4338d2aa4bed7b20e43cd1aa31662e7ad65d6db"},
	{"RFC3610 #13", "d7828d13b2b0bdc325a76236df93cc6b", "00412b4ea9cdbe3c9696766cfa", "0be1a88bace018b1",
		"08e8cf97d820ea258460e96ad9cf5289054d895ceac47c", "4cb97f86a2a4689a877947ab8091ef5386a6ffbdd080f8e78cf7cb0cddd7b3"},
	{"RFC3610 #14", "d7828d13b2b0bdc325a76236df93cc6b", "0033568ef7b2633c9696766cfa", "63018f76dc8a1bcb",
		"9020ea6f91bdd85afa0039ba4baff9bfb79c7028949cd0ec", "4ccb1e7ca981befaa0726c55d378061298c85c92814abc33c52ee81d7d77c08a"},
	{"RFC3610 #15", "d7828d13b2b0bdc325a76236df93cc6b", "00103fe41336713c9696766cfa", "aa6cfa36cae86b40",
		"b916e0eacc1c00d7dcec68ec0b3bbb1a02de8a2d1aa346132e", "b1d23a2220ddc0ac900d9aa03c61fcf4a559a4417767089708a776796edb723506"},
	{"RFC3610 #16", "d7828d13b2b0bdc325a76236df93cc6b", "00764c63b8058e3c9696766cfa", "d0d0735c531e1becf049c244",
		"12daac5630efa5396f770ce1a66b21f7b2101c", "14d253c3967b70609b7cbb7c499160283245269a6f49975bcadeaf"},
	{"RFC3610 #17", "d7828d13b2b0bdc325a76236df93cc6b", "00f8b678094e3b3c9696766cfa", "77b60f011c03e1525899bcae",
		"e88b6a46c78d63e52eb8c546efb5de6f75e9cc0d", "5545ff1a085ee2efbf52b2e04bee1e2336c73e3f762c0c7744fe7e3c"},
	{"RFC3610 #18", "d7828d13b2b0bdc325a76236df93cc6b", "00d560912d3f703c9696766cfa", "cd9044d2b71fdb8120ea60c0",
		"6435acbafb11a82e2f071d7ca4a5ebd93a803ba87f", "009769ecabdf48625594c59251e6035722675e04c847099e5ae0704551"},
	{"RFC3610 #19", "d7828d13b2b0bdc325a76236df93cc6b", "0042fff8f1951c3c9696766cfa", "d85bc7e69f944fb8",
		"8a19b950bcf71a018e5e6701c91787659809d67dbedd18", "bc218daa947427b6db386a99ac1aef23ade0b52939cb6a637cf9bec2408897c6ba"},
	{"RFC3610 #20", "d7828d13b2b0bdc325a76236df93cc6b", "00920f40e56cdc3c9696766cfa", "74a0ebc9069f5b37",
		"1761433c37c5a35fc1f39f406302eb907c6163be38c98437", "5810e6fd25874022e80361a478e3e9cf484ab04f447efff6f0a477cc2fc9bf548944"},
	{"RFC3610 #21", "d7828d13b2b0bdc325a76236df93cc6b", "0027ca0c7120bc3c9696766cfa", "44a3aa3aae6475ca",
		"a434a8e58500c6e41530538862d686ea9e81301b5ae4226bfa", "f2beed7bc5098e83feb5b31608f8e29c38819a89c8e776f1544d4151a4ed3a8b87b9ce"},
	{"RFC3610 #22", "d7828d13b2b0bdc325a76236df93cc6b", "005b8ccbcd9af83c9696766cfa", "ec46bb63b02520c33c49fd70",
		"b96b49e21d621741632875db7f6c9243d2d7c2", "31d750a09da3ed7fddd49a2032aabf17ec8ebf7d22c8088c666be5c197"},
	{"RFC3610 #23", "d7828d13b2b0bdc325a76236df93cc6b", "003ebe94044b9a3c9696766cfa", "47a65ac78b3d594227e85e71",
		"e2fcfbb880442c731bf95167c8ffd7895e337076", "e882f1dbd38ce3eda7c23f04dd65071eb41342acdf7e00dccec7ae52987d"},
	{"RFC3610 #24", "d7828d13b2b0bdc325a76236df93cc6b", "008d493b30ae8b3c9696766cfa", "6e37a6ef546d955d34ab6059",
		"abf21c0b02feb88f856df4a37381bce3cc128517d4", "f32905b88a641b04b9c9ffb58cc390900f3da12ab16dce9e82efa16da62059"},
}

func (v ccmVector) decode(t *testing.T) (key, nonce, aad, pt, out []byte) {
	if v.aad == nistC4AAD {
		aad = make([]byte, 1<<16)
		for i := range aad {
			aad[i] = byte(i)
		}
	} else {
		aad = unhex(t, v.aad)
	}
	return unhex(t, v.key), unhex(t, v.nonce), aad, unhex(t, v.pt), unhex(t, v.out)
}

func TestCCMVectors(t *testing.T) {
	for _, v := range ccmVectors {
		t.Run(v.name, func(t *testing.T) {
			key, nonce, aad, pt, want := v.decode(t)
			block, err := aes.NewCipher(key)
			if err != nil {
				t.Fatal(err)
			}
			a, err := newCCM(block, len(nonce), len(want)-len(pt))
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Seal(nil, nonce, pt, aad); !bytes.Equal(got, want) {
				t.Errorf("Seal\n got %x\nwant %x", got, want)
			}
			// Seal after a prefix already in dst.
			if got := a.Seal([]byte{0xAA}, nonce, pt, aad); got[0] != 0xAA || !bytes.Equal(got[1:], want) {
				t.Errorf("Seal onto a prefix = %x", got)
			}
			if got, err := a.Open(nil, nonce, want, aad); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("Open = %x, %v; want %x", got, err, pt)
			}

			// In place, both ways, with no allocation for the result.
			buf := make([]byte, len(pt), len(want))
			copy(buf, pt)
			if got := a.Seal(buf[:0], nonce, buf, aad); !bytes.Equal(got, want) || &got[0] != &buf[0] {
				t.Errorf("in-place Seal = %x", got)
			}
			buf = buf[:len(want)]
			if got, err := a.Open(buf[:0], nonce, buf, aad); err != nil || !bytes.Equal(got, pt) || &got[0] != &buf[0] {
				t.Errorf("in-place Open = %x, %v", got, err)
			}

			// Any flipped bit of ciphertext, tag or associated data fails, and
			// the output is zeroed.
			for _, tc := range []struct {
				what string
				i    int
				aad  bool
			}{
				{"first ciphertext byte", 0, false},
				{"last ciphertext byte", len(pt) - 1, false},
				{"first tag byte", len(pt), false},
				{"last tag byte", len(want) - 1, false},
				{"first aad byte", 0, true},
				{"last aad byte", len(aad) - 1, true},
			} {
				ct, ad := bytes.Clone(want), bytes.Clone(aad)
				if tc.aad {
					ad[tc.i] ^= 0x01
				} else {
					ct[tc.i] ^= 0x80
				}
				got, err := a.Open(ct[:0], nonce, ct, ad)
				if !errors.Is(err, errOpen) || got != nil {
					t.Errorf("%s flipped: Open = %x, %v", tc.what, got, err)
				}
				if !bytes.Equal(ct[:len(pt)], make([]byte, len(pt))) {
					t.Errorf("%s flipped: output not zeroed: %x", tc.what, ct[:len(pt)])
				}
			}
		})
	}
}

// pattern returns n bytes i*m+a, the inputs of TestCCMOpenSSL.
func pattern(n, m, a int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*m + a)
	}
	return b
}

// TestCCMOpenSSL checks sizes the published vectors do not cover, above all
// AES-256 and SMB's 11-byte nonce and 16-byte tag, against SHA-256 digests of
// ciphertext||tag computed independently with Python's cryptography package
// (OpenSSL's CCM): key pattern(k, 7, 1), nonce pattern(n, 13, 2), associated
// data pattern(a, 31, 3), plaintext pattern(p, 17, 5). The associated data
// lengths 0xFEFF and 0xFF00 sit on either side of the switch from the 2-byte to
// the 6-byte length encoding; the payload lengths cover partial blocks and both
// sides of ctrStreamMin.
func TestCCMOpenSSL(t *testing.T) {
	for _, tc := range []struct {
		key, nonce, tag, aad, pt int
		sha256                   string
	}{
		{16, 11, 16, 32, 0, "594447cf8dbe63255972629f81d3625c3bd5d91961f09c46fd8051f6243c4016"},
		{16, 11, 16, 32, 1, "80d424a27e32ddd1208d9759c1a6337bcceb0fb4cf657b3f2a5432f789c59096"},
		{16, 11, 16, 32, 15, "178dbd95c299ec5d48236339471786a2483c9f54923776f53582b8906ccbebfb"},
		{16, 11, 16, 32, 16, "b773e4f41358cae55487714a810967f7394aab5ac80baf226683f0649a28ec06"},
		{16, 11, 16, 32, 17, "83264b9dcdd9c3f837d186c3fbedfcebc8aed93d60341886a71e62a5cfb19bfa"},
		{32, 11, 16, 32, 4101, "ff25f2f10667a8fb3594cb70353702778d8ee3d4cfbc928c64b77d82851e011b"},
		{24, 12, 12, 0, 100, "f999178df340d79c2555c8f0facdadfd475d0d1463bb3cf0618f15595ec4df67"},
		{32, 7, 4, 1, 33, "4b994ffb800fbb84f8681aee7f117004197ba6fa7ab915cce2289e1a62b4301b"},
		{32, 13, 16, 0xFEFF, 48, "07d927d6d512407564e6781fb9276d494ac8e784942844d2112cd79b69cdc641"},
		{16, 13, 8, 0xFF00, 48, "80adb235cd3426e01d046713009f8d89c1b811e95b740825c7a42291938dac2a"},
		{16, 10, 14, 14, 65, "eef65c417419c344844e90440872f1a875ca9af830dc25ab62f2a32a7b493417"},
		{32, 11, 16, 0, 0, "e6a9c22c40cf2785a6b8f5fe07160454caf3b8d487900ae07145629e3fa491e8"},
		{16, 9, 6, 100000, 3, "a287e6236dc38c1755fd9336af7fb828adabca2b74369fbb1482a97a8610caa1"},
		// Around ctrStreamMin, where the payload switches to cipher.NewCTR.
		{16, 11, 16, 32, 1023, "b8309504739713ca9c4f8f34063d82d36d531bac86d539c041b4bf4a769d05b7"},
		{16, 11, 16, 32, 1024, "44fb478bc0a1a2df421b31e4b05ab1a65239becd7760dc2424a8e01d2e197264"},
		{32, 11, 16, 32, 1025, "3f10c65a6adb0f8c1751f101dacb11805f11d5fe2fcb4343fa1533ed00603e2a"},
		{16, 11, 16, 32, 65536, "4f6f33604b4f0e8a761813a5bd9de0f096c17ffcdc6acbc7384e8d1e6b733640"},
		{16, 7, 16, 8, 4099, "a973c29ef7391a9df350ced56487ad215a34bb4e08365ec5c6d05cf9ba737f28"},
	} {
		t.Run(fmt.Sprintf("AES-%d/n%d/t%d/a%d/p%d", tc.key*8, tc.nonce, tc.tag, tc.aad, tc.pt), func(t *testing.T) {
			block, err := aes.NewCipher(pattern(tc.key, 7, 1))
			if err != nil {
				t.Fatal(err)
			}
			a, err := newCCM(block, tc.nonce, tc.tag)
			if err != nil {
				t.Fatal(err)
			}
			nonce, aad, pt := pattern(tc.nonce, 13, 2), pattern(tc.aad, 31, 3), pattern(tc.pt, 17, 5)
			out := a.Seal(nil, nonce, pt, aad)
			if sum := sha256.Sum256(out); hex.EncodeToString(sum[:]) != tc.sha256 {
				t.Errorf("SHA-256 of Seal = %x, want %s", sum, tc.sha256)
			}
			if got, err := a.Open(nil, nonce, out, aad); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("Open: %v", err)
			}
			buf := append(bytes.Clone(pt), make([]byte, tc.tag)...)[:len(pt)]
			if got := a.Seal(buf[:0], nonce, buf, aad); !bytes.Equal(got, out) {
				t.Error("in-place Seal differs")
			}
			if got, err := a.Open(buf[:0], nonce, buf[:len(out)], aad); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("in-place Open: %v", err)
			}
		})
	}
}

func TestNewCCMSizes(t *testing.T) {
	block, _ := aes.NewCipher(make([]byte, 16))
	for n := 0; n <= 16; n++ {
		for tag := 0; tag <= 18; tag++ {
			_, err := newCCM(block, n, tag)
			valid := n >= 7 && n <= 13 && tag >= 4 && tag <= 16 && tag%2 == 0
			if (err == nil) != valid {
				t.Errorf("newCCM(nonce %d, tag %d) error = %v, want valid %v", n, tag, err, valid)
			}
		}
	}
	d, _ := des.NewCipher(make([]byte, 8))
	if _, err := newCCM(d, 11, 16); err == nil {
		t.Error("newCCM accepted a 64-bit block cipher")
	}
}

// With a 13-byte nonce the length field is 2 bytes: 65535 bytes fit, 65536 do not.
func TestCCMLengthLimit(t *testing.T) {
	block, _ := aes.NewCipher(make([]byte, 16))
	a, _ := newCCM(block, 13, 16)
	nonce := make([]byte, 13)
	out := a.Seal(nil, nonce, make([]byte, 0xFFFF), nil)
	if _, err := a.Open(nil, nonce, out, nil); err != nil {
		t.Errorf("Open of 65535 bytes: %v", err)
	}
	if _, err := a.Open(nil, nonce, make([]byte, 0x10000+16), nil); err == nil {
		t.Error("Open accepted 65536 bytes with a 2-byte length field")
	}
	mustPanic(t, "Seal of 65536 bytes", func() { a.Seal(nil, nonce, make([]byte, 0x10000), nil) })
	mustPanic(t, "Seal with a short nonce", func() { a.Seal(nil, nonce[:12], nil, nil) })
	mustPanic(t, "Open with a long nonce", func() { a.Open(nil, make([]byte, 14), make([]byte, 16), nil) })
	buf := make([]byte, 64)
	mustPanic(t, "Seal into a shifted buffer", func() { a.Seal(buf[1:1], nonce, buf[:32], nil) })
	mustPanic(t, "Seal over the associated data", func() { a.Seal(buf[:0], nonce, buf[40:48], buf[:8]) })
	if _, err := a.Open(nil, nonce, make([]byte, 15), nil); err == nil {
		t.Error("Open accepted a ciphertext shorter than the tag")
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}
