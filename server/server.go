// Package server is zsmbd's SMB2/3 server: the listener, connections, sessions, trees, opens, credits
// and the dispatch of each command to its handler. Wire formats live in package smb, file access in vfs,
// and the bytes of a READ reach the socket through zerocopy.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/vfs"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// ErrServerClosed is returned by Serve after Shutdown or Close, as net/http does.
var ErrServerClosed = errors.New("server: closed")

// Server serves SMB2/3 on any number of listeners. Its configuration and users can be replaced while it
// runs (Reload) without dropping connections.
type Server struct {
	log   zerolog.Logger
	stats zerocopy.Stats
	guid  [16]byte
	start time.Time

	state    atomic.Pointer[state]
	reloadMu sync.Mutex // one Reload at a time: each releases the state it replaces

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closed    bool
	connWG    sync.WaitGroup
	nextConn  atomic.Uint64
	panics    atomic.Int64

	// failedLogons slows password guessing down (see logon.go).
	failedLogons logonThrottle
	locks        lockTable
	notifier     vfs.Notifier // CHANGE_NOTIFY's watches, for every connection
	shareTrees   shareTrees   // trees per share, for `max connections`
}

// state is what Reload replaces as a whole: configuration, shares and users.
type state struct {
	cfg      *config.Config
	shares   map[string]*share // by lower-case name, IPC$ included
	users    *passdb.DB        // nil: no user database (guest and anonymous only)
	strategy zerocopy.Strategy
}

// share is a configured share; IPC$ has ipc set and no file system.
type share struct {
	cfg  config.Share
	fs   *vfs.Share
	root *rootRef // who holds fs; nil for IPC$
	ipc  bool
}

// rootRef counts the holders of a share's root descriptor: each state that lists the share and each
// tree connected to it. The last to let go closes it, so a share removed or moved by Reload keeps
// serving its connected trees and releases the old directory once they are gone.
type rootRef struct {
	fs *vfs.Share
	n  atomic.Int64
}

// tryAcquire adds a holder unless the root is already closed.
func (r *rootRef) tryAcquire() bool {
	for {
		n := r.n.Load()
		if n <= 0 {
			return false
		}
		if r.n.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (r *rootRef) release() {
	if r.n.Add(-1) == 0 {
		r.fs.Close()
	}
}

// release lets go of the roots of every share st lists.
func (st *state) release() {
	for _, sh := range st.shares {
		if sh.root != nil {
			sh.root.release()
		}
	}
}

// New checks the configuration, opens every share's root and returns a server ready to Serve.
func New(cfg *config.Config, users *passdb.DB, log zerolog.Logger) (*Server, error) {
	s := &Server{
		log:       log,
		start:     time.Now(),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[*conn]struct{}),
	}
	if _, err := rand.Read(s.guid[:]); err != nil {
		return nil, err
	}
	st, err := s.newState(cfg, users, nil)
	if err != nil {
		return nil, err
	}
	s.state.Store(st)
	return s, nil
}

// Reload replaces the configuration and users. Connections stay up; trees already connected keep the
// share they connected to, new tree connects see the new shares.
func (s *Server) Reload(cfg *config.Config, users *passdb.DB) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	old := s.state.Load()
	st, err := s.newState(cfg, users, old)
	if err != nil {
		return err
	}
	s.state.Store(st)
	old.release()
	return nil
}

func (s *Server) newState(cfg *config.Config, users *passdb.DB, old *state) (_ *state, err error) {
	strategy, err := zerocopy.ParseStrategy(readPath(cfg))
	if err != nil {
		return nil, err
	}
	st := &state{cfg: cfg, users: users, strategy: strategy, shares: make(map[string]*share)}
	defer func() {
		if err != nil {
			st.release()
		}
	}()
	for _, sc := range cfg.Shares {
		key := strings.ToLower(sc.Name)
		if key == "ipc$" || sc.Unavailable { // `available = no`: as if the section were not there
			continue
		}
		if old != nil {
			if prev, ok := old.shares[key]; ok && prev.root != nil && prev.cfg.Path == sc.Path && prev.root.tryAcquire() {
				st.shares[key] = &share{cfg: sc, fs: prev.fs, root: prev.root}
				continue
			}
		}
		fs, err := vfs.New(sc.Path)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: share %q: %w", sc.File, sc.Line, sc.Name, err)
		}
		root := &rootRef{fs: fs}
		root.n.Store(1)
		st.shares[key] = &share{cfg: sc, fs: fs, root: root}
	}
	for _, sh := range st.shares {
		// A reused root takes this configuration's `veto files`, `follow symlinks`, `mangled names` and `store dos attributes` too: a reload
		// applies them to trees already connected, as Samba's does.
		if sh.cfg.VetoFiles.IsSet() {
			sh.fs.Veto(sh.cfg.VetoFiles.Match)
		} else {
			sh.fs.Veto(nil)
		}
		sh.fs.FollowSymlinks(!sh.cfg.NoFollowSymlinks)
		sh.fs.ReadDOSAttributes(!sh.cfg.NoDOSAttributes)
		if sh.cfg.NoMangledNames {
			sh.fs.MangleNames(0)
		} else {
			sh.fs.MangleNames(max(cfg.Global.ManglePrefix, 1))
		}
	}
	st.shares["ipc$"] = &share{cfg: config.Share{Name: "IPC$", Comment: "IPC Service (" + cfg.Global.ServerString + ")", GuestOK: true}, ipc: true}
	return st, nil
}

// readPath is the strategy the configuration asks for: `read path`, where `use sendfile = no` means copy.
func readPath(cfg *config.Config) string {
	if cfg.Global.ReadPath != "" {
		return cfg.Global.ReadPath
	}
	if !cfg.Global.UseSendfile {
		return "copy"
	}
	return "sendfile"
}

// Stats returns a snapshot of the read-path counters.
func (s *Server) Stats() zerocopy.Snapshot { return s.stats.Snapshot() }

// Panics returns how many panics the server recovered from: each is logged, and the connection it
// happened on is closed. Anything but 0 is a bug.
func (s *Server) Panics() int64 { return s.panics.Load() }

// Serve accepts connections on l until Shutdown or Close; it always returns a non-nil error.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			if retryAccept(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn().Err(err).Dur("retry_in", delay).Msg("accept")
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		tc, ok := nc.(*net.TCPConn)
		if !ok {
			nc.Close()
			continue
		}
		if !s.admit(tc) {
			continue
		}
		c, err := s.newConn(tc)
		if err != nil {
			s.log.Error().Err(err).Msg("new connection")
			nc.Close()
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.close()
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.connWG.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.connWG.Done()
			c.serve()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// retryAccept reports whether an accept error passes: the process is out of descriptors or memory
// for now (EMFILE and the like: they come back as connections close), or the client gave up before it
// was accepted. Serve waits a little and goes on; any other error ends it.
func retryAccept(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.ECONNABORTED)
}

// Shutdown stops accepting, lets responses in flight finish until ctx is done, then closes every
// connection. It returns ctx.Err() if connections had to be cut.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.drain()
	}
	done := make(chan struct{})
	go func() { s.connWG.Wait(); close(done) }()
	defer s.notifier.Close() // after the connections: their opens end their watches first
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.close()
		}
		<-done
		return ctx.Err()
	}
}

// Close closes every listener and connection at once.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Shutdown(ctx)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}
