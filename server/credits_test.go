package server

import "testing"

func TestCreditWindow(t *testing.T) {
	w := newCreditWindow(8)
	if !w.consume(0, 0) {
		t.Fatal("NEGOTIATE with MessageId 0 refused")
	}
	if w.consume(0, 1) {
		t.Fatal("reused MessageId 0 accepted")
	}
	if w.consume(1, 1) {
		t.Fatal("MessageId 1 accepted before it was granted")
	}
	if g := w.grant(100); g != 8 {
		t.Fatalf("granted %d, want the cap 8", g)
	}
	// Out of order use within the window is allowed; the window's low edge follows.
	for _, c := range []struct {
		id     uint64
		charge uint16
		ok     bool
	}{
		{3, 1, true}, {1, 2, true}, {2, 1, false}, {4, 4, true}, {8, 2, false}, {8, 1, true}, {9, 1, false},
	} {
		if got := w.consume(c.id, c.charge); got != c.ok {
			t.Errorf("consume(%d, %d) = %v, want %v", c.id, c.charge, got, c.ok)
		}
	}
	if o := w.outstanding(); o != 0 {
		t.Fatalf("outstanding %d, want 0", o)
	}
	if g := w.grant(0); g != 1 {
		t.Fatalf("a client with no credits got %d, want 1", g)
	}
	if !w.consume(9, 1) {
		t.Fatal("granted id 9 refused")
	}
}

func TestCreditWindowCap(t *testing.T) {
	w := newCreditWindow(4)
	w.consume(0, 1)
	w.grant(4)                   // ids 1..4
	if g := w.grant(4); g != 0 { // client already holds the cap
		t.Fatalf("granted %d beyond the cap", g)
	}
	if w.consume(1, 5) {
		t.Fatal("charge beyond the window accepted")
	}
	if !w.consume(1, 4) {
		t.Fatal("multi-credit charge within the window refused")
	}
	if w.consume(^uint64(0), 2) {
		t.Fatal("wrapping MessageId accepted")
	}
}

// BenchmarkCreditsInOrder is the window's work for smbclient's 8 MiB READs: 128 credits each, used in
// order, granted back by the response.
func BenchmarkCreditsInOrder(b *testing.B) {
	w := newCreditWindow(8192)
	w.consume(0, 1)
	w.grant(8192)
	id := uint64(1)
	for b.Loop() {
		if !w.consume(id, 128) {
			b.Fatal("refused")
		}
		id += 128
		w.grant(128)
	}
}
