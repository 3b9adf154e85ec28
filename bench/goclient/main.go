// Command goclient is the go-smb2 side of bench/compare.sh: it reads one file through a single SMB
// session with several READs in flight, or holds many idle sessions open, against any SMB2/3 server.
//
//	goclient read -addr 127.0.0.1:4450 -share bench -file big [-user U -pass P] [-dialect 2.1|3.1.1]
//	              [-inflight 4] [-chunk 1048576]
//	goclient idle -addr 127.0.0.1:4450 -share bench -n 200 [-user U -pass P]
//
// read: -inflight goroutines share one session and one open, each reading a disjoint, contiguous
// range of the file in -chunk sized ReadAt calls (go-smb2 issues one READ per call and caps a READ
// at 1 MiB, so the goroutines are what keeps several READs in flight). A guest logon (no -user, or
// a user the server maps to guest) is unsigned; go-smb2 signs every request of a user session, so
// -user gives the signed path: HMAC-SHA256 at 2.1, AES-CMAC at 3.x. It prints one line:
//
//	bytes=N seconds=S mbps=M
//
// idle: opens -n sessions (one TCP connection each), mounts the share on each, prints "ready" and
// waits for stdin to close, then logs off.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/hirochachacha/go-smb2"
)

type options struct {
	addr, share, file, user, pass, dialect string
	inflight, chunk, n                     int
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: goclient read|idle [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	var o options
	fs := flag.NewFlagSet("goclient "+mode, flag.ExitOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:445", "server `host:port`")
	fs.StringVar(&o.share, "share", "bench", "share name")
	fs.StringVar(&o.file, "file", "big", "file to read, relative to the share")
	fs.StringVar(&o.user, "user", "", "user (empty: guest)")
	fs.StringVar(&o.pass, "pass", "", "password")
	fs.StringVar(&o.dialect, "dialect", "", "force 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1 (default: negotiate)")
	fs.IntVar(&o.inflight, "inflight", 4, "READs in flight (goroutines on one session)")
	fs.IntVar(&o.chunk, "chunk", 1<<20, "bytes per READ (go-smb2 caps at 1 MiB)")
	fs.IntVar(&o.n, "n", 200, "idle sessions to hold")
	fs.Parse(os.Args[2:])

	var err error
	switch mode {
	case "read":
		err = read(o)
	case "idle":
		err = idle(o)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "goclient:", err)
		os.Exit(1)
	}
}

// dialects are MS-SMB2 2.2.3 dialect revisions (go-smb2 keeps its constants internal); 0 negotiates.
var dialects = map[string]uint16{"": 0, "2.0.2": 0x0202, "2.1": 0x0210, "3.0": 0x0300, "3.0.2": 0x0302, "3.1.1": 0x0311}

// logon dials one connection and sets up a session: guest when o.user is empty.
func logon(o options) (*smb2.Session, error) {
	d, ok := dialects[o.dialect]
	if !ok {
		return nil, fmt.Errorf("unknown dialect %q", o.dialect)
	}
	c, err := net.Dial("tcp", o.addr)
	if err != nil {
		return nil, err
	}
	user := o.user
	if user == "" {
		user = "guest"
	}
	dialer := &smb2.Dialer{
		Negotiator: smb2.Negotiator{SpecifiedDialect: d},
		Initiator:  &smb2.NTLMInitiator{User: user, Password: o.pass},
	}
	s, err := dialer.Dial(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func read(o options) error {
	s, err := logon(o)
	if err != nil {
		return err
	}
	defer s.Logoff()
	fsys, err := s.Mount(o.share)
	if err != nil {
		return err
	}
	defer fsys.Umount()
	f, err := fsys.Open(o.file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()

	start := time.Now()
	per := (size + int64(o.inflight) - 1) / int64(o.inflight)
	var wg sync.WaitGroup
	errs := make([]error, o.inflight)
	counts := make([]int64, o.inflight)
	for i := range o.inflight {
		lo := int64(i) * per
		hi := min(lo+per, size)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, o.chunk)
			for off := lo; off < hi; {
				n, err := f.ReadAt(buf[:min(int64(o.chunk), hi-off)], off)
				off += int64(n)
				counts[i] += int64(n)
				if err != nil && !(errors.Is(err, io.EOF) && off >= hi) {
					errs[i] = fmt.Errorf("read at %d: %w", off, err)
					return
				}
				if n == 0 {
					errs[i] = fmt.Errorf("read at %d: no progress", off)
					return
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	var total int64
	for i := range o.inflight {
		if errs[i] != nil {
			return errs[i]
		}
		total += counts[i]
	}
	if total != size {
		return fmt.Errorf("read %d bytes of %d", total, size)
	}
	fmt.Printf("bytes=%d seconds=%.4f mbps=%.1f\n", total, secs, float64(total)/secs/1e6)
	return nil
}

func idle(o options) error {
	var sessions []*smb2.Session
	defer func() {
		for _, s := range sessions {
			s.Logoff()
		}
	}()
	for i := range o.n {
		s, err := logon(o)
		if err != nil {
			return fmt.Errorf("session %d: %w", i, err)
		}
		sessions = append(sessions, s)
		if _, err := s.Mount(o.share); err != nil {
			return fmt.Errorf("session %d mount: %w", i, err)
		}
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	return nil
}
