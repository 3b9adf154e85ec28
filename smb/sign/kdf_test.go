package sign

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// Expected outputs computed independently with Python's hmac and hashlib:
// the concatenation over i = 1, 2, ... of HMAC-SHA256(key, [i]32 || label ||
// 0x00 || context || [L]32), cut to L bits.
func TestKDFBits(t *testing.T) {
	for _, tc := range []struct {
		bits int
		want string
	}{
		{128, "ca3928a6664e3cfdc87eef2dff7c78ac"}, // KDF's own vector
		{256, "bed7d5efc7ecf05d3df490baff03a3e43c8ed2f1976fed76ee4bbe50a3b11035"},
		{64, "9bc8926181ddbb96"},
		{384, "0f73edd8c0f131967035c5469b9d9151502fe37d20e26f8bb15ec9a0878c28e89462065092b8e2c1ef94945d5440f59f"},
		{512, "677261fea7a51c6be5412d12b0918dc80d221b2826824242bbc59d6bfde3fbdc8fd53fee1d282729721a049bc92f0cc2aa0ad9fc0f0b9655a4296ac4f41eb81c"},
	} {
		got := KDFBits([]byte("foo"), []byte("bar"), []byte("baz"), tc.bits)
		if hex.EncodeToString(got) != tc.want {
			t.Errorf("KDFBits(foo, bar, baz, %d) = %x, want %s", tc.bits, got, tc.want)
		}
	}
	if !bytes.Equal(KDF([]byte("k"), []byte("l"), []byte("c")), KDFBits([]byte("k"), []byte("l"), []byte("c"), 128)) {
		t.Error("KDF differs from KDFBits(..., 128)")
	}
}

func TestKDFBitsPanics(t *testing.T) {
	for _, bits := range []int{0, -8, 12} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("KDFBits(%d bits) did not panic", bits)
				}
			}()
			KDFBits([]byte("k"), nil, nil, bits)
		}()
	}
}
