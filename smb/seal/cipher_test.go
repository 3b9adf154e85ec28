package seal

import "testing"

func TestCipher(t *testing.T) {
	for _, tc := range []struct {
		c         Cipher
		name      string
		supported bool
		key       int
		nonce     int
	}{
		{AES128CCM, "AES-128-CCM", true, 16, 11},
		{AES128GCM, "AES-128-GCM", true, 16, 12},
		{AES256CCM, "AES-256-CCM", true, 32, 11},
		{AES256GCM, "AES-256-GCM", true, 32, 12},
		{0, "Cipher(0x0000)", false, 0, 0},
		{5, "Cipher(0x0005)", false, 0, 0},
		{0xFFFF, "Cipher(0xffff)", false, 0, 0},
	} {
		if got := tc.c.String(); got != tc.name {
			t.Errorf("Cipher(%d).String() = %q, want %q", uint16(tc.c), got, tc.name)
		}
		if got := tc.c.Supported(); got != tc.supported {
			t.Errorf("%v.Supported() = %v", tc.c, got)
		}
		if tc.supported && (tc.c.keySize() != tc.key || tc.c.nonceSize() != tc.nonce) {
			t.Errorf("%v: key %d nonce %d, want %d and %d", tc.c, tc.c.keySize(), tc.c.nonceSize(), tc.key, tc.nonce)
		}
	}
}

func TestPick(t *testing.T) {
	for _, tc := range []struct {
		name    string
		offered []uint16
		want    Cipher
	}{
		{"Windows 11", []uint16{4, 3, 2, 1}, AES128GCM},
		{"Windows 10", []uint16{2, 1}, AES128GCM},
		{"CCM only", []uint16{1}, AES128CCM},
		{"256-bit only", []uint16{3, 4}, AES256GCM},
		{"AES-256-CCM only", []uint16{3}, AES256CCM},
		{"128-bit CCM before 256-bit GCM", []uint16{4, 1}, AES128CCM},
		{"256-bit GCM before CCM", []uint16{3, 4}, AES256GCM},
		{"unknown ids are skipped", []uint16{9, 0, 3}, AES256CCM},
		{"nothing in common", []uint16{5, 6}, 0},
		{"empty", nil, 0},
	} {
		if got := Pick(tc.offered); got != tc.want {
			t.Errorf("%s: Pick(%v) = %v, want %v", tc.name, tc.offered, got, tc.want)
		}
	}
}
