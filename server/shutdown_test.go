package server

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// TestShutdownFinishesResponses: a request being handled when Shutdown begins is still answered, then
// the connection closes (README: SIGTERM lets responses in flight finish).
func TestShutdownFinishesResponses(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	saved := commands[smb.Echo]
	commands[smb.Echo] = command{handle: func(r *request) error {
		close(entered)
		<-release // Shutdown has begun by now
		return saved.handle(r)
	}}
	t.Cleanup(func() { commands[smb.Echo] = saved })

	srv, addr := serveTest(t, config.Default(), zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel))
	c := dialRaw(t, addr)
	c.send(negotiate(smb.Dialect210))
	if h, _ := c.mustRecv(); h.Status != smb.StatusSuccess {
		t.Fatalf("NEGOTIATE: %v", h.Status)
	}
	c.send(rawRequest(smb.Echo, 1, func(b []byte) []byte { return (&smb.EchoRequest{}).AppendTo(b) }))
	<-entered

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	time.Sleep(100 * time.Millisecond) // the reader has stopped
	close(release)

	if h, _ := c.mustRecv(); h.Command != smb.Echo || h.MessageID != 1 || h.Status != smb.StatusSuccess {
		t.Fatalf("got %v #%d %v, want the ECHO's response", h.Command, h.MessageID, h.Status)
	}
	c.wantClosed()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
