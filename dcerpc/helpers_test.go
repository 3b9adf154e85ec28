package dcerpc

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// testShares is the share list most tests serve: a disk share, IPC$ and a
// hidden share that only NetrShareGetInfo and NetrShareEnum (opnum 15) show.
var testShares = []Share{
	{Name: "public", Comment: "Public files", Path: "/srv/public", Type: STypeDiskTree},
	{Name: "IPC$", Comment: "IPC Service (zsmbd)", Path: "/tmp", Type: STypeIPC | STypeSpecial},
	{Name: "hidden$", Comment: "", Path: "/srv/hidden", Type: STypeDiskTree | STypeSpecial},
	{Name: "docs", Comment: "Dokumente für alle", Path: "/srv/docs", Type: STypeDiskTree},
}

// testNow is the test servers' clock: a Sunday, 04:05:06.78 UTC.
var testNow = time.Date(2026, 12, 6, 4, 5, 6, 780_000_000, time.UTC)

func serverWith(list []Share) *Server {
	return &Server{
		NetBIOSName: "ZSMBD",
		Workgroup:   "workgroup",
		Comment:     "zsmbd test server",
		Now:         func() time.Time { return testNow },
		Shares:      func() []Share { return list },
		Share: func(name string) (Share, bool) {
			for _, s := range list {
				if strings.EqualFold(s.Name, name) {
					return s, true
				}
			}
			return Share{}, false
		},
	}
}

// serveTCP serves pipe name on 127.0.0.1:0, one Pipe per connection, the
// way an SMB server feeds a pipe from WRITEs and READs: every chunk the
// client sends goes to Write and every queued response is written back.
// ncacn_ip_tcp carries the same PDUs as ncacn_np, so DCE/RPC clients that
// speak TCP exercise the package unchanged.
func serveTCP(t *testing.T, name string, srv *Server) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				p, err := Open(name, srv)
				if err != nil {
					t.Errorf("Open(%q): %v", name, err)
					return
				}
				buf := make([]byte, 1500) // smaller than a PDU: exercises partial writes
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if werr := p.Write(buf[:n]); werr != nil {
							t.Errorf("Write: %v", werr)
							return
						}
						for {
							b, _ := p.Read(maxFragLen)
							if b == nil {
								break
							}
							if _, err := c.Write(b); err != nil {
								return
							}
						}
					}
					if err != nil {
						if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
							t.Logf("read: %v", err)
						}
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
