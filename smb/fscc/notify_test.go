package fscc

import (
	"bytes"
	"encoding/hex"
	"slices"
	"testing"
)

// TestNotifications: two entries as Windows lays them out (the first padded to 4 bytes, the last not),
// parsed back; a buffer one byte short takes none.
func TestNotifications(t *testing.T) {
	ns := []Notification{{ActionAdded, "a"}, {ActionRenamedNewName, "bé"}}
	want, _ := hex.DecodeString("10000000" + "01000000" + "02000000" + "6100" + "0000" +
		"00000000" + "05000000" + "04000000" + "6200e900")
	got, ok := AppendNotifications([]byte{0xAA}, ns, len(want))
	if !ok || !bytes.Equal(got[1:], want) || got[0] != 0xAA {
		t.Fatalf("AppendNotifications = %x, %v\nwant %x", got, ok, want)
	}
	back, err := ParseNotifications(got[1:])
	if err != nil || !slices.Equal(back, ns) {
		t.Fatalf("ParseNotifications = %+v, %v", back, err)
	}
	if got, ok := AppendNotifications([]byte{0xAA}, ns, len(want)-1); ok || len(got) != 1 {
		t.Fatalf("one byte short: %x, %v; want nothing appended and false", got, ok)
	}
	if got, ok := AppendNotifications(nil, nil, 0); !ok || len(got) != 0 {
		t.Fatalf("no entries: %x, %v", got, ok)
	}
	for _, bad := range []string{
		"0000000001000000",                  // truncated fixed part
		"000000000100000004000000" + "6100", // name longer than the buffer
		"030000000100000002000000" + "6100", // unaligned NextEntryOffset
		"100000000100000002000000" + "6100", // NextEntryOffset past the end
	} {
		b, _ := hex.DecodeString(bad)
		if _, err := ParseNotifications(b); err == nil {
			t.Errorf("ParseNotifications(%s) succeeded", bad)
		}
	}
}

// FuzzParseNotifications: any bytes parse or fail without panicking, and what parses encodes back to
// entries that parse the same.
func FuzzParseNotifications(f *testing.F) {
	seed, _ := AppendNotifications(nil, []Notification{{ActionAdded, "a"}, {ActionRenamedNewName, "bé"}}, 1<<10)
	f.Add(seed)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ns, err := ParseNotifications(b)
		if err != nil {
			return
		}
		again, ok := AppendNotifications(nil, ns, len(b)*4+64)
		if !ok {
			t.Fatalf("%d entries parsed from %d bytes do not encode in %d", len(ns), len(b), len(b)*4+64)
		}
		back, err := ParseNotifications(again)
		if err != nil || !slices.Equal(back, ns) {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, ns)
		}
	})
}
