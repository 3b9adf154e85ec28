package le

import (
	"bytes"
	"testing"
)

func TestReaderBounds(t *testing.T) {
	r := NewReader([]byte{1, 0, 2, 0, 0, 0, 3})
	if got := r.U16(); got != 1 {
		t.Fatalf("U16 = %d", got)
	}
	if got := r.U32(); got != 2 {
		t.Fatalf("U32 = %d", got)
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if got := r.U16(); got != 0 || r.Err() != ErrShort {
		t.Fatalf("short read gave %d, %v", got, r.Err())
	}
	if got := r.U8(); got != 0 {
		t.Fatalf("read after error gave %d", got)
	}
}

func TestSlice(t *testing.T) {
	b := []byte("abcdef")
	for _, c := range []struct {
		off, n int
		want   string
		ok     bool
	}{
		{0, 6, "abcdef", true}, {2, 2, "cd", true}, {6, 0, "", true}, {5, 2, "", false},
		{-1, 1, "", false}, {1, -1, "", false}, {7, 1, "", false}, {1 << 30, 1 << 30, "", false},
	} {
		got, err := Slice(b, c.off, c.n)
		if (err == nil) != c.ok || string(got) != c.want {
			t.Errorf("Slice(%d,%d) = %q, %v", c.off, c.n, got, err)
		}
	}
}

func TestAppendPad(t *testing.T) {
	b := AppendU32(AppendU16([]byte{9}, 0x0201), 0x06050403)
	b = Pad(b, 1, 8)
	want := []byte{9, 1, 2, 3, 4, 5, 6, 0, 0}
	if !bytes.Equal(b, want) {
		t.Fatalf("got % x want % x", b, want)
	}
}
