package server

import (
	"sync"

	"github.com/zsmbd/zsmbd/smb"
)

// creditWindow is a connection's CommandSequenceWindow (MS-SMB2 3.3.1.1, 3.3.1.2): the MessageIds the
// client may use next. Ids below low are spent; ids in [low, high) are granted, and those already used out
// of order are marked in used. A reused id, or one outside the window, closes the connection.
type creditWindow struct {
	mu   sync.Mutex
	low  uint64
	high uint64
	used map[uint64]struct{}
	max  uint64 // `smb2 max credits`: the most credits a client may hold at once
}

func newCreditWindow(max int) *creditWindow {
	if max < 1 {
		max = 1
	}
	// The client starts with one credit: MessageId 0, for NEGOTIATE.
	return &creditWindow{high: 1, used: make(map[uint64]struct{}), max: uint64(max)}
}

// consume takes the ids [id, id+charge) out of the window, or reports false if any is not available.
func (w *creditWindow) consume(id uint64, charge uint16) bool {
	n := uint64(charge)
	if n == 0 {
		n = 1 // MS-SMB2 3.3.5.2.3: CreditCharge 0 counts as 1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if id < w.low || id+n > w.high || id+n < id {
		return false
	}
	if id == w.low && len(w.used) == 0 {
		w.low += n // in order, as nearly every client sends: nothing to mark
		return true
	}
	for i := id; i < id+n; i++ {
		if _, dup := w.used[i]; dup {
			return false
		}
	}
	for i := id; i < id+n; i++ {
		w.used[i] = struct{}{}
	}
	for {
		if _, ok := w.used[w.low]; !ok {
			break
		}
		delete(w.used, w.low)
		w.low++
	}
	return true
}

// grant extends the window by what the client asked for in a response, within the connection's cap, and
// returns the number granted. A client left with no credit could never send again, so it always gets one.
func (w *creditWindow) grant(requested uint16) uint16 {
	want := uint64(requested)
	if want == 0 {
		want = 1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	outstanding := w.high - w.low - uint64(len(w.used))
	var g uint64
	if outstanding < w.max {
		g = min(want, w.max-outstanding)
	}
	// MS-SMB2 3.3.1.1 lets the server limit the range of acceptable MessageIds. Ids used out of order
	// are kept in used until the ids below them are; a client that never uses one would otherwise make
	// the window, and used, grow without bound. Twice the cap leaves room for ids consumed out of order
	// by concurrent handlers. (With outstanding == 0 used is empty and low == high: no hole.)
	if span := w.high - w.low; span >= 2*w.max {
		g = 0
	} else {
		g = min(g, 2*w.max-span)
	}
	if g == 0 && outstanding == 0 {
		g = 1
	}
	g = min(g, 0xFFFF)
	w.high += g
	return uint16(g)
}

// outstanding reports how many credits the client holds (for tests and logs).
func (w *creditWindow) outstanding() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.high - w.low - uint64(len(w.used))
}

// checkCharge fails a request whose CreditCharge does not pay for size bytes, the larger of its payload
// and the response it allows (MS-SMB2 3.1.5.2, 3.3.5.2.5): one credit per started 64 KiB, and a
// CreditCharge of 0 counts as 1, as does every request at 2.0.2, which has no multi-credit requests.
// The answer is STATUS_INVALID_PARAMETER, after the FileId is found, as from smbd 4.17.
func (r *request) checkCharge(size uint64) error {
	need := (max(size, 1)-1)/65536 + 1
	if need > uint64(r.charge) {
		return smb.StatusInvalidParameter
	}
	return nil
}
