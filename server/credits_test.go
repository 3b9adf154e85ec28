package server

import (
	"testing"

	"github.com/zsmbd/zsmbd/smb"
)

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

// A client that never uses one MessageId keeps the window's low end where it is; every id it uses above
// it is recorded. The window's span is capped (MS-SMB2 3.3.1.1 lets the server limit it; Samba caps it at
// `smb2 max credits`), so what a connection records stays bounded.
func TestCreditWindowBoundedWithHole(t *testing.T) {
	w := newCreditWindow(16)
	w.consume(0, 1)
	w.grant(2)      // { 1, 2 }
	id := uint64(2) // 1 is never used
	for range 10000 {
		if !w.consume(id, 1) {
			break
		}
		id++
		w.grant(1)
	}
	w.mu.Lock()
	span, used := w.high-w.low, len(w.used)
	w.mu.Unlock()
	if span > 2*16 || used > 2*16 {
		t.Errorf("window spans %d ids with %d recorded as used, for max credits 16", span, used)
	}
}

// The same over the wire, before any logon (ECHO needs no session): with MessageId 2 never used, the
// server stops granting before the window spans four times `smb2 max credits`.
func TestCreditWindowBoundedWithHoleOnTheWire(t *testing.T) {
	addr := startTestServer(t)
	c := dialRaw(t, addr)
	c.send(negotiate(smb.Dialect210)) // MessageId 0; the window is { 1 }
	if h, _ := c.mustRecv(); h.Status != smb.StatusSuccess {
		t.Fatalf("negotiate: %v", h.Status)
	}
	echo := func(id uint64, credits uint16) smb.Header {
		h := smb.Header{Command: smb.Echo, MessageID: id, CreditCharge: 1, Credits: credits}
		c.send((&smb.EchoRequest{}).AppendTo(h.AppendTo(nil)))
		rh, _ := c.mustRecv()
		return rh
	}
	if h := echo(1, 2); h.Credits != 2 { // the window is { 2, 3 }; 2 is never used
		t.Fatalf("first ECHO granted %d credits", h.Credits)
	}
	const max = 8192 // the default `smb2 max credits`
	for next := uint64(3); next < 4*max; next++ {
		h := echo(next, 1)
		if h.Status != smb.StatusSuccess {
			t.Fatalf("ECHO %d: %v", next, h.Status)
		}
		if h.Credits == 0 {
			return
		}
	}
	t.Errorf("MessageId 2 was never used, yet the server kept granting up to MessageId %d", 4*max)
}
