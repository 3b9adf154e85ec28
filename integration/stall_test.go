package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/fscc"
	"github.com/zsmbd/zsmbd/smb/sign"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// A client that sends requests but stops reading responses must not make the server buffer without
// bound: credits alone would let it hold 64 signed 8 MiB READs (512 MiB), 64 8 MiB requests or 64
// 8 MiB directory listings per connection. These tests stall a client with a small receive buffer,
// measure the heap the server grew while stuck, then read everything and check it.

// stallBound is what a stalled connection may add to the heap: the connection's response budget
// (32 MiB), the pool's idle 8 MiB buffers (32 MiB at most) and some slack for the rest.
const stallBound = 80 << 20

// startMeasured starts the in-process server these tests measure: against a remote one the heap
// read here would be the test's own.
func startMeasured(t *testing.T, opts ...serverOption) *target {
	if remote() {
		t.Skip("measures an in-process server's heap")
	}
	return startServer(t, opts...)
}

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

// settle waits until count stops changing for half a second (the server is stuck), at most 20 s.
func settle(count func() int64) int64 {
	last, since := count(), time.Now()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n := count(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > 500*time.Millisecond {
			break
		}
	}
	return last
}

// askCredits sends a signed ECHO asking for n credits and reads its response.
func (c *rawClient) askCredits(s sign.Signer, sid uint64, n uint16) {
	h := smb.Header{Command: smb.Echo, CreditCharge: 1, Credits: n, MessageID: c.msgID, SessionID: sid}
	c.msgID++
	msg := echoBody(h.AppendTo(nil))
	sign.SignMessage(s, msg)
	if rh, _ := smb.DecodeHeader(c.sendFrame(msg)[0]); rh.Status != smb.StatusSuccess || rh.Credits < n {
		c.t.Fatalf("ECHO for %d credits: %v, granted %d", n, rh.Status, rh.Credits)
	}
}

// stalledReads is a signed session whose client has sent signed 8 MiB READs and read none of them.
type stalledReads struct {
	c     *rawClient
	s     sign.Signer
	reads int
	want  []byte // each READ's data: the first 8 MiB of the file
	fds   int    // the server's descriptors under the share before the file was opened
	count int64  // the server's signed-copy counter once it was stuck
}

// stallSignedReads sends 40 signed 8 MiB READs from a client that does not read, waits until the
// server is stuck and checks that it holds at most the connection's response budget.
func stallSignedReads(t *testing.T, tg *target) *stalledReads {
	// With two Ps or fewer the reader answers these READs one at a time, which bounds memory by itself;
	// four Ps hand them to handlers, so the response budget is what bounds them.
	prev := runtime.GOMAXPROCS(4)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	c := dialStalling(t, tg) // 3.0.2
	sid, st, key := c.logonUser(0, testUser, testPassword, smb.SecurityModeSigningEnabled)
	if st != smb.StatusSuccess {
		t.Fatalf("logon: %v", st)
	}
	s := signerFor(t, smb.Dialect302, key)
	h, _ := c.callSigned(smb.Header{Command: smb.TreeConnect, SessionID: sid}, treeConnectBody(tg, tg.Share), s)
	if h.Status != smb.StatusSuccess {
		t.Fatalf("TREE_CONNECT: %v", h.Status)
	}
	tree := h.TreeID
	const name = "8m+1.bin"
	fds := shareFDs(t, tg.Root)
	create := openForReading(name)
	h, resp := c.callSigned(smb.Header{Command: smb.Create, SessionID: sid, TreeID: tree}, create.AppendTo, s)
	var cr smb.CreateResponse
	if h.Status != smb.StatusSuccess || cr.Decode(resp) != nil {
		t.Fatalf("CREATE: %v", h.Status)
	}
	c.askCredits(s, sid, 6000)

	const reads, size = 40, 8 << 20
	before := heapAfterGC()
	copies := func() int64 { return tg.Server.Stats().Fallback(zerocopy.FallbackSigned) }
	copiedBefore := copies()
	var frames []byte
	for range reads {
		h := smb.Header{Command: smb.Read, CreditCharge: 128, Credits: 128, MessageID: c.msgID, SessionID: sid, TreeID: tree}
		c.msgID += 128
		msg := (&smb.ReadRequest{FileID: cr.FileID, Length: size}).AppendTo(h.AppendTo(nil))
		sign.SignMessage(s, msg)
		frames = append(frames, framed(msg)...)
	}
	if _, err := c.nc.Write(frames); err != nil {
		t.Fatal(err)
	}
	count := settle(copies)
	copied := count - copiedBefore
	grown := heapAfterGC() - before
	t.Logf("stalled: %d of %d READs copied, heap grew %d MiB", copied, reads, grown>>20)
	if grown > stallBound {
		t.Errorf("the heap grew %d MiB while the client did not read; want at most %d MiB", grown>>20, stallBound>>20)
	}
	return &stalledReads{c: c, s: s, reads: reads, want: Content(name, size+1)[:size], fds: fds, count: count}
}

// TestStalledSignedReadsBounded: 40 signed 8 MiB READs from a client that does not read keep at most
// the connection's response budget in the server; then every response arrives, signed, with the file's bytes.
func TestStalledSignedReadsBounded(t *testing.T) {
	tg := startMeasured(t, func(c *config.Config) { c.Global.ServerSigning = config.SigningMandatory })
	sr := stallSignedReads(t, tg)
	for i := range sr.reads {
		resp, err := smb.ReadFrame(sr.c.nc, nil, 1<<24)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		rh, _ := smb.DecodeHeader(resp)
		var rr smb.ReadResponse
		if rh.Status != smb.StatusSuccess || rr.Decode(resp) != nil {
			t.Fatalf("READ %d: %v", i, rh.Status)
		}
		if !sign.VerifyMessage(sr.s, resp) {
			t.Errorf("READ %d: response not signed with the session's key", i)
		}
		if !bytes.Equal(rr.Data, sr.want) {
			t.Fatalf("READ %d: data differs from the file", i)
		}
	}
}

// TestStalledClientHangsUp: a client that hangs up while READs wait for the response budget ends its
// connection whole: the waiting handlers give up without copying (reading and signing 8 MiB each for
// nobody) and the open's descriptor is closed.
func TestStalledClientHangsUp(t *testing.T) {
	tg := startMeasured(t, func(c *config.Config) { c.Global.ServerSigning = config.SigningMandatory })
	sr := stallSignedReads(t, tg)
	sr.c.nc.Close()
	deadline := time.Now().Add(10 * time.Second)
	for shareFDs(t, tg.Root) != sr.fds {
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors under the share 10 s after the client hung up; want %d", shareFDs(t, tg.Root), sr.fds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := tg.Server.Stats().Fallback(zerocopy.FallbackSigned); n != sr.count {
		t.Errorf("%d READs were copied after the client hung up", n-sr.count)
	}
}

// TestStalledLargeRequestsBounded: behind a READ whose response the client does not read, 30 requests
// of 8 MiB each (WRITEs, refused on a read-only share) are not all read into memory; then each is
// answered.
func TestStalledLargeRequestsBounded(t *testing.T) {
	tg := startMeasured(t)
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

// TestStalledListingsBounded: 60 QUERY_DIRECTORY requests for 2 MiB each of a large directory, from a
// client that does not read, hold at most the connection's budget; then each gets its 2 MiB listing.
func TestStalledListingsBounded(t *testing.T) {
	tg := startMeasured(t)
	dir := filepath.Join(tg.Root, "many")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const files = 12000 // 184 bytes each as FileIdBothDirectoryInformation: 2.1 MiB
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("entry-%034d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := dialStalling(t, tg)
	on := handle{sess: c.logonGuest()}
	on.tree = c.treeConnect(on.sess, tg.Share)
	id := c.mustCreate(on, "many")
	echo := smb.Header{Command: smb.Echo, CreditCharge: 1, Credits: 4000, MessageID: c.msgID}
	c.msgID++
	c.sendFrame(echoBody(echo.AppendTo(nil)))

	const listings, size = 60, 2 << 20
	before := heapAfterGC()
	var frames []byte
	for range listings {
		h := smb.Header{Command: smb.QueryDirectory, CreditCharge: 32, Credits: 32, MessageID: c.msgID, SessionID: on.sess, TreeID: on.tree}
		c.msgID += 32
		req := smb.QueryDirectoryRequest{FileInformationClass: fscc.FileIdBothDirectoryInformation, Flags: smb.RestartScans,
			FileID: id, OutputBufferLength: size, FileName: "*"}
		frames = append(frames, framed(req.AppendTo(h.AppendTo(nil)))...)
	}
	if _, err := c.nc.Write(frames); err != nil {
		t.Fatal(err)
	}
	grown := settle(func() int64 { return heapAfterGC() >> 20 })<<20 - before
	t.Logf("stalled: heap grew %d MiB", grown>>20)
	if grown > stallBound {
		t.Errorf("the heap grew %d MiB while the client did not read; want at most %d MiB", grown>>20, stallBound>>20)
	}
	for i := range listings {
		resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		rh, _ := smb.DecodeHeader(resp)
		var qr smb.QueryDirectoryResponse
		if rh.Status != smb.StatusSuccess || qr.Decode(resp) != nil || len(qr.Buffer) < size-4096 || len(qr.Buffer) > size {
			t.Fatalf("QUERY_DIRECTORY %d: %v, %d bytes; want a listing of nearly %d", i, rh.Status, len(qr.Buffer), size)
		}
	}
}

// TestShutdownWhileStalled: a server shutting down waits for a client that does not read until
// Shutdown's deadline and no longer, even with its reader waiting for the response budget (a request
// over 64 KiB is answered there) and handlers waiting to send.
func TestShutdownWhileStalled(t *testing.T) {
	tg := startMeasured(t, func(c *config.Config) { c.Global.ServerSigning = config.SigningMandatory })
	sr := stallSignedReads(t, tg)
	h := smb.Header{Command: smb.Read, CreditCharge: 128, Credits: 1, MessageID: sr.c.msgID}
	sr.c.msgID += 128
	read := (&smb.ReadRequest{Length: 8 << 20}).AppendTo(h.AppendTo(nil))
	echo := smb.Header{Command: smb.Echo, CreditCharge: 1, MessageID: sr.c.msgID}
	sr.c.msgID++
	// [READ, ECHO padded past 64 KiB]: the reader answers it and waits for the READ's 8 MiB.
	if _, err := sr.c.nc.Write(compound(read, append(echoBody(echo.AppendTo(nil)), make([]byte, 64<<10)...))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	const grace = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	began := time.Now()
	err := tg.Server.Shutdown(ctx)
	took := time.Since(began)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v after %v, want the deadline exceeded: the client read none of its responses", err, took.Round(time.Millisecond))
	}
	if took > grace+time.Second {
		t.Fatalf("Shutdown returned %v after its deadline", (took - grace).Round(time.Millisecond))
	}
}
