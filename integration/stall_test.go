package integration

import (
	"bytes"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/smb"
)

// A client that sends requests but stops reading responses must not make the server buffer without
// bound: credits alone would let it hold 64 8 MiB requests per connection. These tests stall a client with a small receive buffer, measure the heap the server
// grew while stuck, then read everything and check it.

// stallBound is what a stalled connection may add to the heap: the request being answered, the pool's
// idle 8 MiB buffers (32 MiB at most) and some slack for the rest.
const stallBound = 80 << 20

// dialStalling connects with a 16 KiB receive buffer, so responses back up in the server at once.
func dialStalling(t *testing.T, tg *target) *rawClient {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return dialRawClientWith(t, tg, d)
}

// heapAfterGC is the live heap once the garbage collector has run.
func heapAfterGC() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestStalledLargeRequestsBounded: behind a READ whose response the client does not read, 30 requests
// of 8 MiB each (WRITEs, refused on a read-only share) are not all read into memory; then each is
// answered.
func TestStalledLargeRequestsBounded(t *testing.T) {
	tg := startServer(t)
	c := dialStalling(t, tg)
	on := handle{sess: c.logonGuest()}
	on.tree = c.treeConnect(on.sess, tg.Share)
	const name = "8m+1.bin"
	id := c.mustCreate(on, name)
	echo := smb.Header{Command: smb.Echo, CreditCharge: 1, Credits: 6000, MessageID: c.msgID}
	c.msgID++
	c.sendFrame(echoBody(echo.AppendTo(nil)))

	const writes, size = 30, 8 << 20
	before := heapAfterGC()
	// A compound goes to a handler goroutine, which stalls in the READ's sendfile holding the socket.
	echo.MessageID, echo.Credits = c.msgID, 1
	c.msgID++
	h := smb.Header{Command: smb.Read, CreditCharge: 128, Credits: 128, MessageID: c.msgID, SessionID: on.sess, TreeID: on.tree}
	c.msgID += 128
	first := compound(echoBody(echo.AppendTo(nil)), (&smb.ReadRequest{FileID: id, Length: size}).AppendTo(h.AppendTo(nil)))
	if _, err := c.nc.Write(first); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, size)
	sent := make(chan error, 1)
	go func() { // the server stops reading: these writes block until the responses are read
		for range writes {
			h := smb.Header{Command: smb.Write, CreditCharge: 128, Credits: 128, MessageID: c.msgID, SessionID: on.sess, TreeID: on.tree}
			c.msgID += 128
			if _, err := c.nc.Write(framed((&smb.WriteRequest{FileID: id, Data: data}).AppendTo(h.AppendTo(nil)))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	time.Sleep(2 * time.Second)            // nothing to count: give the server time to read what it will read
	grown := heapAfterGC() - before - size // the test's own data buffer and the request being written
	t.Logf("stalled: heap grew %d MiB besides the test's own buffers", grown>>20)
	if grown > stallBound {
		t.Errorf("the heap grew %d MiB while the client did not read; want at most %d MiB", grown>>20, stallBound>>20)
	}

	parts := readCompound(t, c)
	var rr smb.ReadResponse
	if len(parts) != 2 || rr.Decode(parts[1]) != nil || !bytes.Equal(rr.Data, Content(name, size+1)[:size]) {
		t.Fatalf("the compound's READ did not return the file's first 8 MiB")
	}
	for i := range writes {
		resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
		if err != nil {
			t.Fatalf("WRITE response %d: %v", i, err)
		}
		if rh, _ := smb.DecodeHeader(resp); rh.Command != smb.Write || rh.Status != smb.StatusAccessDenied {
			t.Fatalf("WRITE %d: %v %v; want STATUS_ACCESS_DENIED", i, rh.Command, rh.Status)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}
