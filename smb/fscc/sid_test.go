package fscc

import (
	"bytes"
	"errors"
	"testing"
)

func TestSIDRoundTrip(t *testing.T) {
	tests := []struct {
		s   string
		sid SID
		bin string
	}{
		// MS-DTYP 2.4.2.2 example: BUILTIN\Administrators.
		{"S-1-5-32-544", SID{1, 5, []uint32{32, 544}}, "0102 000000000005 20000000 20020000"},
		{"S-1-1-0", EveryoneSID(), "0101 000000000001 00000000"},
		{"S-1-22-1-1000", UnixUserSID(1000), "0102 000000000016 01000000 e8030000"},
		{"S-1-22-2-4294967295", UnixGroupSID(0xffffffff), "0102 000000000016 02000000 ffffffff"},
		{"S-1-5-21-1357624090-2570777281-2199913321-1000", SID{1, 5, []uint32{21, 1357624090, 2570777281, 2199913321, 1000}},
			// The owner SID Samba 4.17 sent in the capture.
			"0105 000000000005 15000000 1ab3eb50 c1f23a99 69032083 e8030000"},
		{"S-1-0x123456789ABC-1", SID{1, 0x123456789abc, []uint32{1}}, "0101 123456789abc 01000000"},
		{"S-1-5", SID{1, 5, []uint32{}}, "0100 000000000005"},
	}
	for _, tt := range tests {
		got, err := ParseSID(tt.s)
		if err != nil {
			t.Fatalf("ParseSID(%q): %v", tt.s, err)
		}
		if got.String() != tt.s || tt.sid.String() != tt.s {
			t.Errorf("%q: String() = %q / %q", tt.s, got.String(), tt.sid.String())
		}
		bin := unhex(t, tt.bin)
		if enc := got.AppendTo([]byte{0xff}); !bytes.Equal(enc[1:], bin) || enc[0] != 0xff {
			t.Errorf("%q: AppendTo = %x, want %x", tt.s, enc[1:], bin)
		}
		if got.Len() != len(bin) {
			t.Errorf("%q: Len %d, want %d", tt.s, got.Len(), len(bin))
		}
		dec, n, err := DecodeSID(append(bin, 0xee))
		if err != nil || n != len(bin) || dec.String() != tt.s {
			t.Errorf("%q: DecodeSID = %v, %d, %v", tt.s, dec, n, err)
		}
	}
	// A lowercase prefix and a decimal authority of 2^32 or more parse;
	// String normalises them.
	for in, want := range map[string]string{"s-1-5-18": "S-1-5-18", "S-1-4294967296-7": "S-1-0x000100000000-7"} {
		if got, err := ParseSID(in); err != nil || got.String() != want {
			t.Errorf("ParseSID(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

func TestSIDErrors(t *testing.T) {
	for _, s := range []string{"", "S", "S-1", "X-1-5", "S-256-5", "S-1-x", "S-1-5-", "S-1-5-4294967296", "S-1-5--1",
		"S-1-281474976710656-1", "S-1-0x1000000000000-1", "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", "S-1-5-1 "} {
		if _, err := ParseSID(s); !errors.Is(err, ErrInvalidSID) {
			t.Errorf("ParseSID(%q): %v", s, err)
		}
	}
	for _, b := range [][]byte{nil, {1}, {1, 1, 0, 0, 0, 0, 0, 5}, {1, 16, 0, 0, 0, 0, 0, 5}, {1, 2, 0, 0, 0, 0, 0, 5, 1, 0, 0, 0}} {
		if _, _, err := DecodeSID(b); !errors.Is(err, ErrInvalidSID) {
			t.Errorf("DecodeSID(%x): %v", b, err)
		}
	}
}
