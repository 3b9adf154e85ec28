package server

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/semaphore"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/seal"
	"github.com/zsmbd/zsmbd/smb/sign"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// maxInFlight bounds the frames one connection processes at once; the reader stops reading past it, so
// a client that floods requests stalls only itself.
const maxInFlight = 128

// conn is one client connection: a reader goroutine that frames and validates requests and handlers that
// run concurrently. Whoever finishes a response writes it, holding wmu for the whole frame (a READ response
// is header, cork, sendfile, uncork: it must not interleave with another response).
type conn struct {
	srv      *Server
	id       uint64
	nc       *net.TCPConn
	peer     netip.Addr // the client's address, for the shares' hosts allow / hosts deny
	log      zerolog.Logger
	credits  *creditWindow
	sem      chan struct{}
	inFlight sync.WaitGroup
	closing  atomic.Bool
	draining atomic.Bool // Shutdown began: read nothing more, answer what was read
	// spares brings the buffers of lone READ requests answered on handler goroutines back to the reader,
	// for its next frames; made at the first such hand-off, so an idle connection does without it.
	spares chan []byte
	// budget bounds the memory of responses built but not yet sent: copied READ data (signed,
	// encrypted and compounded READs) and directory listings, held by a frame until it is sent. ctx
	// ends with the connection and wakes whoever waits for the budget.
	budget *semaphore.Weighted
	ctx    context.Context
	cancel context.CancelFunc

	treeUses atomic.Uint64 // requests on the connection's trees, for the idle check
	idle     idleWatch

	wmu    sync.Mutex
	sender *zerocopy.Sender // sends under wmu; its strategy is fixed
	dead   bool             // a write failed: frames are only released; guarded by wmu

	mu       sync.Mutex
	neg      negotiation
	sessions map[uint64]*session
	opens    map[uint64]*open
	async    map[uint64]*asyncNotify // CHANGE_NOTIFY requests answered later, by AsyncId
	nextID   uint64                  // session, tree, file and async ids are unique per connection
}

// negotiation is what NEGOTIATE settled; it is written once, before any other request is processed.
type negotiation struct {
	done               bool
	dialect            uint16
	clientGUID         [16]byte
	clientSecurityMode uint16
	clientCaps         uint32
	clientDialects     []uint16
	securityMode       uint16
	caps               uint32
	signingAlg         sign.Algorithm
	cipher             seal.Cipher // 0: sessions of this connection cannot encrypt
	preauth            [64]byte    // 3.1.1: the connection's preauth integrity hash after NEGOTIATE
	maxRead            uint32
}

// outFrame is one response frame: buf (transport header and messages), then optionally file data that
// send moves with the read-path strategy (tail) or a copied, signed or encrypted buffer (data, with front
// bytes of its headroom in use: the messages, once encrypted in front of their data).
type outFrame struct {
	buf   []byte
	tail  *readTail
	data  *zerocopy.Buffer
	front int
	held  int64 // bytes of budget the frame holds, given back when it is released
	owner *semaphore.Weighted
	cs    compoundState // what the frame's related requests inherit, while it is built
	// seal, when set, is the session whose key encrypts the frame: the request came encrypted with it,
	// or its session or tree asks for encryption.
	seal *session

	// async are the frame's interim responses: their requests may be answered once it is sent.
	async []*asyncNotify
	// oplocked are the opens whose oplocks the frame's CREATE responses grant: a break may follow it.
	oplocked []*open

	// first is the request of the frame's first message, kept with the pooled frame so that a lone
	// READ allocates nothing; the other messages of a compound get their own.
	first     request
	firstUsed bool
}

// size is the length of the frame's messages after its transport header, with the file data of f.data,
// f.tail and, when not nil, t.
func (f *outFrame) size(t *readTail) int64 {
	n := int64(len(f.buf) - smb.TransportHeaderSize)
	if f.data != nil {
		n += int64(len(f.data.Bytes()))
	}
	for _, t := range [...]*readTail{f.tail, t} {
		if t != nil {
			n += t.n
		}
	}
	return n
}

// readTail is a file range that follows a READ response on the wire.
type readTail struct {
	open *open
	off  int64
	n    int64
}

func (s *Server) newConn(tc *net.TCPConn) (*conn, error) {
	st := s.state.Load()
	sender, err := zerocopy.NewSender(tc, st.strategy, &s.stats)
	if err != nil {
		return nil, err
	}
	tc.SetNoDelay(true)
	id := s.nextConn.Add(1)
	c := &conn{
		srv:      s,
		id:       id,
		nc:       tc,
		peer:     peer(tc),
		log:      s.log.With().Uint64("conn", id).Str("client", tc.RemoteAddr().String()).Logger(),
		sender:   sender,
		credits:  newCreditWindow(st.cfg.Global.SMB2MaxCredits),
		sem:      make(chan struct{}, maxInFlight),
		sessions: make(map[uint64]*session),
		opens:    make(map[uint64]*open),
		budget:   semaphore.NewWeighted(responseBudget),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.setSocketOptions(st.cfg.Global.SocketOptions)
	return c, nil
}

// serve runs the connection until the client goes away, a protocol error, or the server's shutdown.
func (c *conn) serve() {
	c.log.Debug().Msg("connected")
	c.startIdleWatch()
	defer func() {
		c.idle.timer.Stop()
		if p := recover(); p != nil {
			c.srv.panics.Add(1)
			c.log.Error().Interface("panic", p).Msg("connection panicked; closing it")
		}
		if c.draining.Load() {
			// Shutdown: what was read is still answered, as the client reads it; Shutdown's deadline
			// cuts the rest (close).
			c.inFlight.Wait()
		}
		c.closing.Store(true)
		c.cancel() // first: handlers waiting for the response budget give up before sends fail and free it
		c.nc.Close()
		c.inFlight.Wait()
		c.releaseAll()
		if e := c.log.Debug(); e.Enabled() {
			// At debug level every connection that ends shows the read path's counters so far, so what a
			// client's run cost shows without stopping the server.
			e.Object("read_path", c.srv.stats.Snapshot()).Msg("disconnected")
		}
	}()
	sr, err := newSockReader(c.nc)
	if err != nil {
		c.log.Info().Err(err).Msg("closing connection")
		return
	}
	br := bufio.NewReaderSize(sr, 16<<10)
	var spare []byte // a buffer for the next frame: the last READ request answered here or on a handler
	for {
		if spare == nil {
			select {
			case spare = <-c.spares:
			default:
			}
		}
		maxFrame := c.maxFrame()
		frame, err := smb.ReadFrame(br, spare, maxFrame)
		spare = nil
		if err != nil {
			if !c.closing.Load() && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isTimeout(err) {
				c.log.Info().Err(err).Msg("closing connection: bad frame")
			}
			return
		}
		msg, sealedBy := frame, (*session)(nil)
		if seal.IsTransform(frame) {
			// MS-SMB2 3.3.5.2.1.1: a message that cannot be decrypted closes the connection.
			if msg, sealedBy, err = c.decrypt(frame); err != nil {
				c.log.Info().Err(err).Msg("closing connection: bad encrypted message")
				return
			}
		}
		// A large request (a WRITE, an IOCTL with a big input) is answered here too: while its response
		// waits for the socket nothing more is read, so a client that sends 8 MiB requests and reads no
		// responses makes the server hold one of them, not one per credit.
		if c.mustSerialize(msg) || len(frame) > largeRequest {
			if !c.handleFrame(msg, sealedBy) {
				return
			}
			continue
		}
		if c.readInline(msg, sealedBy != nil, br.Buffered() > 0) {
			if !c.handleFrame(msg, sealedBy) {
				return
			}
			spare = frame // nothing keeps a READ request once its response is sent
			continue
		}
		// A lone READ keeps nothing of its request once answered: its buffer goes back to the reader.
		giveBack := loneRead(msg) && cap(msg) <= maxSpareRequest
		if giveBack && c.spares == nil {
			c.spares = make(chan []byte, 4)
		}
		c.sem <- struct{}{}
		c.inFlight.Add(1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					c.srv.panics.Add(1)
					c.log.Error().Interface("panic", p).Msg("handler panicked; closing connection")
					c.close() // its frame keeps the budget it holds: whoever waits for it must give up
				}
				<-c.sem
				c.inFlight.Done()
			}()
			if !c.handleFrame(msg, sealedBy) {
				c.close()
				return
			}
			if giveBack {
				select {
				case c.spares <- frame:
				default:
				}
			}
		}()
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// maxSpareRequest caps the request buffers kept in conn.spares (a READ request is about 120 bytes), so
// a connection that has gone idle holds a few small buffers at most.
const maxSpareRequest = 4 << 10

// largeRequest is the frame size above which the reader answers a request itself. A READ request is
// about 120 bytes, a CREATE a few hundred; only WRITE and IOCTL data come near it.
const largeRequest = 64 << 10

// loneRead reports whether msg is one SMB2 READ request, not a compound.
func loneRead(msg []byte) bool {
	return len(msg) >= smb.HeaderSize && !smb.IsSMB1(msg) &&
		smb.Command(binary.LittleEndian.Uint16(msg[12:])) == smb.Read &&
		binary.LittleEndian.Uint32(msg[smb.OffNextCommand:]) == 0
}

// mustSerialize reports whether the frame is processed on the reader goroutine, in order: everything
// before NEGOTIATE completes, and a frame with SESSION_SETUP anywhere in it (its preauth hash chain and key
// derivation are sequential; it also keeps a failed-logon delay on this connection alone), NEGOTIATE or
// LOGOFF. A malformed chain is serialized too; splitting it closes the connection.
func (c *conn) mustSerialize(msg []byte) bool {
	c.mu.Lock()
	done := c.neg.done
	c.mu.Unlock()
	if !done {
		return true
	}
	for off := 0; ; {
		if len(msg)-off < smb.HeaderSize {
			return true
		}
		cmd := smb.Command(binary.LittleEndian.Uint16(msg[off+12:]))
		if cmd == smb.SessionSetup || cmd == smb.Negotiate || cmd == smb.Logoff {
			return true
		}
		next := binary.LittleEndian.Uint32(msg[off+smb.OffNextCommand:])
		if next == 0 {
			return false
		}
		if next < smb.HeaderSize || uint64(next) >= uint64(len(msg)-off) {
			return true // malformed: SplitCompound refuses it (and with a 32-bit int, -8 would loop here)
		}
		off += int(next)
	}
}

// readInline reports whether the reader answers a frame itself, as Samba's smbd does, rather than handing
// it to a handler goroutine: a lone READ whose data goes out zero-copy (not signed, strategy not copy), and
// a copied READ (signed, encrypted, or the copy strategy) when no other request is waiting (more: the reader
// holds further bytes) or being handled. A zero-copy response costs a header and waits on the socket, which takes
// one response at a time anyway; a copied one alone has nothing to overlap with. Handing either to another
// goroutine only added thread wake-ups: perf against smbclient showed the reader, a handler and a writer
// goroutine waking two or three OS threads per READ, and context switches taking 10% of the server's CPU
// under go-smb2's signed READs. The client's next requests wait in the socket meanwhile; copied READs that
// arrive together, and every other command, are handled concurrently when the runtime has Ps to spare.
//
// With two Ps or fewer (fewPs) every lone READ is answered here, one at a time, as smbd answers them: a
// handler copying and signing the next READ could only take the other P from what else needs a core, the
// response being written (on one P its socket drained meanwhile: smbclient's signed 8 MiB READs ran at half
// speed in some runs) and the kernel's network work for the connection (on two, and with a client on the
// same machine, that client: signed go-smb2 and smbclient reads were 4-10% faster answered one at a time).
func (c *conn) readInline(msg []byte, encrypted, more bool) bool {
	h, err := smb.DecodeHeader(msg)
	if err != nil || h.Command != smb.Read || h.NextCommand != 0 {
		return false
	}
	if !more && len(c.sem) == 0 {
		return true
	}
	if c.sender.Strategy() == zerocopy.Copy || h.Flags&smb.FlagSigned != 0 || encrypted {
		return fewPs()
	}
	s, err := c.session(h.SessionID, false)
	if err != nil {
		return true // answered with an error, at once
	}
	signer, required := s.signing()
	return signer == nil || !required || fewPs()
}

// fewPs reports whether the runtime has two Ps or fewer: no core to spare for copying and signing a
// second READ of one connection at once (runtime.GOMAXPROCS takes the scheduler's lock, so only READs
// that would otherwise be handed off ask).
func fewPs() bool { return runtime.GOMAXPROCS(0) <= 2 }

// maxFrame is the largest frame accepted: the negotiated maximum plus room for headers and compounds.
func (c *conn) maxFrame() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.neg.done {
		return 64 << 10
	}
	return int(c.neg.maxRead) + 64<<10
}

// drain stops reading new requests; those already read are answered before the connection closes.
// A client that does not read its responses holds the connection open until close.
func (c *conn) drain() {
	c.closing.Store(true)
	c.draining.Store(true)
	c.nc.SetReadDeadline(time.Now())
}

// close cuts the connection at once.
func (c *conn) close() {
	c.closing.Store(true)
	c.cancel()
	c.nc.Close()
}

// responseBudget bounds what one connection's responses hold in memory until they are sent: copied
// READ data and directory listings. Credits alone would allow 64 8 MiB READs (512 MiB) while a client
// does not read its responses; the budget makes the next copy or listing wait for a sent one instead.
// 32 MiB is four 8 MiB READs (one on the wire, three being read and signed), or two frames of the
// largest size (it must hold one: smb.MaxFrameSize).
const responseBudget = 32 << 20

// reserve takes n bytes of the connection's response budget for f (at most smb.MaxFrameSize: a frame
// never holds more), waiting while frames not yet sent hold it. A frame reserves once, all it needs,
// so that no frame holds part of the budget while waiting for more. It fails only when the connection
// ends.
func (c *conn) reserve(f *outFrame, n int64) bool {
	n = min(n, smb.MaxFrameSize)
	if n <= 0 {
		return true
	}
	if err := c.budget.Acquire(c.ctx, n); err != nil {
		return false
	}
	f.owner, f.held = c.budget, n
	return true
}

// send writes a response frame whole and releases what it holds. After a failed write the connection is
// closed and later frames are only released, so no handler blocks on a dead connection.
func (c *conn) send(f *outFrame) {
	defer f.release()
	c.wmu.Lock()
	defer c.wmu.Unlock() // also if write panics: handlers waiting here must not hang
	if !c.dead {
		if err := c.write(f); err != nil {
			if !c.closing.Load() && !errors.Is(err, net.ErrClosed) && !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
				c.log.Info().Err(err).Msg("write failed; closing connection")
			}
			c.dead = true
			c.cancel()
			c.nc.Close()
		}
	}
}

func (c *conn) write(f *outFrame) error {
	switch {
	case f.tail != nil:
		err := c.sender.SendFile(f.buf, f.tail.open.file.File, f.tail.off, f.tail.n)
		if pad := c.sender.LastPadding(); pad > 0 {
			c.log.Info().Int64("offset", f.tail.off).Int64("announced", f.tail.n).Int64("padded", pad).Msg("file shrank after the length was announced; padded with zeros")
		}
		return err
	case f.data != nil:
		return c.sender.Write(f.buf, f.data.WithFront(f.front))
	default:
		return c.sender.Write(f.buf)
	}
}

func (f *outFrame) release() {
	if f.tail != nil {
		f.tail.open.unref()
		f.tail = nil
	}
	if f.data != nil {
		f.data.Release()
		f.data, f.front = nil, 0
	}
	if f.held > 0 {
		f.owner.Release(f.held)
		f.owner, f.held = nil, 0
	}
	f.seal = nil
	f.async, f.oplocked = nil, nil
	if cap(f.buf) > maxPooledFrame {
		f.buf = nil
	}
	f.buf = f.buf[:0]
	f.cs = compoundState{}
	f.first, f.firstUsed = request{}, false // a pooled frame holds nothing of a finished request
	frames.Put(f)
}

// newRequest returns room for one request of the frame.
func (f *outFrame) newRequest() *request {
	if f.firstUsed {
		return new(request)
	}
	f.firstUsed = true
	return &f.first
}

// releaseAll closes every open, tree and session of a connection that is gone.
func (c *conn) releaseAll() {
	c.mu.Lock()
	opens := c.opens
	c.opens = make(map[uint64]*open)
	sessions := c.sessions
	c.sessions = make(map[uint64]*session)
	c.mu.Unlock()
	for _, o := range opens {
		o.closeOpen()
	}
	for _, s := range sessions {
		s.mu.Lock()
		trees := s.trees
		s.trees = make(map[uint32]*tree)
		s.mu.Unlock()
		for _, t := range trees {
			t.release()
		}
	}
}

// frames are response frames with their buffers, pooled (a frame, once released, is not touched
// again); a buffer grown past maxPooledFrame is left to the garbage collector.
var frames = sync.Pool{New: func() any { return &outFrame{buf: make([]byte, 0, 4096)} }}

const maxPooledFrame = 64 << 10

// newFrame returns an empty response frame, its buffer holding room for the transport header.
func newFrame() *outFrame {
	f := frames.Get().(*outFrame)
	f.buf = append(f.buf, 0, 0, 0, 0)
	return f
}
