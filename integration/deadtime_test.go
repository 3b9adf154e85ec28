package integration

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// closedWithin reports whether the server closes nc within d (the client sends nothing meanwhile). It
// fails the test if bytes arrive instead.
func closedWithin(t *testing.T, nc net.Conn, d time.Duration) bool {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(d))
	defer nc.SetReadDeadline(time.Now().Add(60 * time.Second))
	n, err := nc.Read(make([]byte, 1))
	switch {
	case n > 0:
		t.Fatal("the server sent bytes no request asked for")
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		return true
	case isTimeout(err):
		return false
	}
	t.Fatalf("reading: %v", err)
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestDeadtime: smbd's rule for idle connections, checked against smbd 4.17.12 with `deadtime = 1` and
// with the default 10080. Once a minute (here, with a deadtime of 300 ms, every 300 ms) a connection
// with no tree connected is closed, whatever it did before (sent nothing, negotiated, logged on), and so
// is one with no open file whose trees have seen no request for `deadtime`. An open file, or requests on
// a tree, keep it.
func TestDeadtime(t *testing.T) {
	const dead = 300 * time.Millisecond
	const soon = 20 * dead // the rule closes within two checks; the rest is room for a loaded machine
	tg := startServer(t, func(c *config.Config) { c.Global.Deadtime = dead })

	t.Run("silent socket", func(t *testing.T) {
		nc, err := net.DialTimeout("tcp", tg.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if !closedWithin(t, nc, soon) {
			t.Fatal("a connection that sent nothing was kept")
		}
	})
	t.Run("negotiated", func(t *testing.T) {
		c := dialRawClient(t, tg)
		if !closedWithin(t, c.nc, soon) {
			t.Fatal("a connection that only negotiated was kept")
		}
	})
	t.Run("logged on", func(t *testing.T) {
		c := dialRawClient(t, tg)
		c.logonGuest()
		if !closedWithin(t, c.nc, soon) {
			t.Fatal("a session with no tree was kept")
		}
	})
	t.Run("tree without opens", func(t *testing.T) {
		c, _ := rawShare(t, tg)
		if !closedWithin(t, c.nc, soon) {
			t.Fatal("a tree with no open file was kept past deadtime")
		}
	})
	t.Run("open file", func(t *testing.T) {
		c, on := rawShare(t, tg)
		id := c.mustCreate(on, "one.bin")
		if closedWithin(t, c.nc, 6*dead) {
			t.Fatal("a connection with an open file was closed")
		}
		if _, st := c.read(on, id, 1); st != smb.StatusSuccess {
			t.Fatalf("READ after idling with the file open: %v", st)
		}
		if st := c.close(on, id); st != smb.StatusSuccess {
			t.Fatalf("CLOSE: %v", st)
		}
		if !closedWithin(t, c.nc, soon) {
			t.Fatal("the connection was kept past deadtime after its last file closed")
		}
	})
	t.Run("busy tree", func(t *testing.T) {
		// go-smb2 with the share mounted and no file open: a Stat (CREATE, QUERY_INFO, CLOSE) every
		// deadtime/3 keeps the connection for six deadtimes; once it stops, the connection goes.
		fs := mustMount(t, tg, dialOpts{}, tg.Share)
		for end := time.Now().Add(6 * dead); time.Now().Before(end); time.Sleep(dead / 3) {
			if _, err := fs.Stat("one.bin"); err != nil {
				t.Fatalf("stat on a busy connection: %v", err)
			}
		}
		time.Sleep(soon) // no request meanwhile: a Stat would be one
		if _, err := fs.Stat("one.bin"); err == nil {
			t.Fatal("an idle go-smb2 mount was kept past deadtime")
		}
	})
}
