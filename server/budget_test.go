package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/internal/le"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/vfs"
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

// TestHandlerPanicLetsGoOfOpens: a request whose handler panics lets go of the opens it holds, so their
// files close once the connection has closed them (an open's descriptor stays while any request holds it).
func TestHandlerPanicLetsGoOfOpens(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	share, err := vfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer share.Close()
	opened := make(chan *open, 1)
	saved := commands[smb.Echo]
	commands[smb.Echo] = command{handle: func(r *request) error {
		f, err := share.Open(nil, "f")
		if err != nil {
			return err
		}
		o := &open{file: f}
		o.refs.Store(1) // the open table's reference, dropped by the test below as a CLOSE would
		o.refs.Add(1)   // and the request's, as request.open takes it
		r.held = append(r.held, o)
		opened <- o
		panic("test: a handler fails while it holds an open")
	}}
	t.Cleanup(func() { commands[smb.Echo] = saved })

	_, addr := serveTest(t, config.Default(), zerolog.Nop())
	c := dialRaw(t, addr)
	c.send(negotiate(smb.Dialect210))
	if h, _ := c.mustRecv(); h.Status != smb.StatusSuccess {
		t.Fatalf("NEGOTIATE: %v", h.Status)
	}
	c.send(rawRequest(smb.Echo, 1, (&smb.EchoRequest{}).AppendTo))
	c.wantClosed()
	o := <-opened
	o.unref()                                  // the table's reference
	if n := descriptorsUnder(t, dir); n != 1 { // the share's root only
		t.Fatalf("%d descriptors under the share after the panic, want the root's alone: the request kept its open", n)
	}
}
