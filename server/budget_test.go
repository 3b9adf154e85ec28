package server

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/internal/le"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
)

// budgetCompound is [ECHO, QUERY_DIRECTORY] with ids id and id+1: the frame reserves the listing's 8 MiB
// before its ECHO runs (the listing itself is refused: no session).
func budgetCompound(id uint64) []byte {
	echo := (&smb.EchoRequest{}).AppendTo((&smb.Header{Command: smb.Echo, MessageID: id, CreditCharge: 1, Credits: 1}).AppendTo(nil))
	for len(echo)%8 != 0 {
		echo = append(echo, 0)
	}
	le.PutU32(echo, smb.OffNextCommand, uint32(len(echo)))
	return append(echo, listing(id+1)...)
}

// listing is a QUERY_DIRECTORY for 8 MiB of entries.
func listing(id uint64) []byte {
	req := smb.QueryDirectoryRequest{FileInformationClass: fscc.FileIdBothDirectoryInformation, OutputBufferLength: 8 << 20, FileName: "*"}
	return req.AppendTo((&smb.Header{Command: smb.QueryDirectory, MessageID: id, CreditCharge: 1, Credits: 1}).AppendTo(nil))
}

// TestHandlerPanicWakesBudgetWaiters: handlers that panic while their frames hold the whole response
// budget must not leave the reader waiting for it: the connection ends and Shutdown returns at once.
func TestHandlerPanicWakesBudgetWaiters(t *testing.T) {
	saved := commands[smb.Echo]
	commands[smb.Echo] = command{handle: func(r *request) error {
		time.Sleep(300 * time.Millisecond) // the reader meanwhile waits for the budget these frames hold
		panic("test: a handler fails")
	}}
	t.Cleanup(func() { commands[smb.Echo] = saved })

	// The recovered panics are logged at error level; keep them out of the test's output.
	srv, addr := serveTest(t, config.Default(), zerolog.Nop())
	c := dialRaw(t, addr)
	neg := (&smb.NegotiateRequest{SecurityMode: 1, Dialects: []uint16{smb.Dialect210}}).AppendTo((&smb.Header{Command: smb.Negotiate, Credits: 64}).AppendTo(nil))
	c.send(neg)
	if h, _ := c.mustRecv(); h.Status != smb.StatusSuccess {
		t.Fatalf("NEGOTIATE: %v", h.Status)
	}
	id := uint64(1)
	for range responseBudget / (8 << 20) { // four frames hold the whole budget, then panic
		c.send(budgetCompound(id))
		id += 2
	}
	time.Sleep(50 * time.Millisecond)
	// A request over 64 KiB is answered by the reader, which now waits for the budget.
	c.send(append(listing(id), make([]byte, largeRequest)...))
	c.wantClosed()
	if n := srv.Panics(); n == 0 {
		t.Fatal("no handler panicked")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v; the connection did not end after its handlers panicked", err)
	}
}
