package integration

import (
	"net"
	"slices"
	"testing"
	"time"

	smb2 "github.com/hirochachacha/go-smb2"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/smb"
)

// TestMaxConnections: `max connections = 2` on a share lets two trees connect to it across the server;
// the next TREE_CONNECT is STATUS_INSUFFICIENT_RESOURCES, as smbd 4.17 answers, until a TREE_DISCONNECT,
// a LOGOFF or a dropped connection frees a slot. A reload applies a changed limit to the trees that
// connect after it, counting those already connected.
func TestMaxConnections(t *testing.T) {
	var cfg *config.Config
	tg := startServer(t, func(c *config.Config) {
		c.Shares[0].MaxConnections = 2
		cfg = c
	})
	type client struct {
		s  *smb2.Session
		nc net.Conn
	}
	dialGuest := func() client {
		t.Helper()
		var c client
		s, err := dial(t, tg, dialOpts{wrap: func(nc net.Conn) net.Conn { c.nc = nc; return nc }})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		c.s = s
		return c
	}
	mount := func(c client) (*smb2.Share, error) { return c.s.Mount(`\\` + tg.Addr + `\` + tg.Share) }
	mustMount := func(what string, c client) *smb2.Share {
		t.Helper()
		fs, err := mount(c)
		if err != nil {
			t.Fatalf("mount %s: %v", what, err)
		}
		return fs
	}
	refused := func(what string, c client) {
		t.Helper()
		_, err := mount(c)
		wantStatus(t, err, smb.StatusInsufficientResources)
	}

	a, b, c := dialGuest(), dialGuest(), dialGuest()
	fsA := mustMount("a", a)
	mustMount("b", b)
	refused("c, the third", c)
	if err := fsA.Umount(); err != nil {
		t.Fatal(err)
	}
	mustMount("c after a's TREE_DISCONNECT", c)

	d := dialGuest()
	refused("d", d)
	if err := b.s.Logoff(); err != nil {
		t.Fatal(err)
	}
	mustMount("d after b's LOGOFF", d)

	e := dialGuest()
	refused("e", e)
	c.nc.Close()
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err = mount(e); ntstatus(err) != smb.StatusInsufficientResources {
			break
		}
	}
	if err != nil {
		t.Fatalf("mount e after c's connection dropped: %v", err)
	}

	// d and e hold the two slots; a reload to 3 makes room for one more, and 0 lifts the limit.
	users, err := passdb.Load(cfg.Global.SMBPasswdFile)
	if err != nil {
		t.Fatal(err)
	}
	reload := func(limit int) {
		t.Helper()
		next := *cfg
		next.Shares = slices.Clone(cfg.Shares)
		next.Shares[0].MaxConnections = limit
		if err := tg.Server.Reload(&next, users); err != nil {
			t.Fatal(err)
		}
	}
	f, g := dialGuest(), dialGuest()
	refused("f before the reload", f)
	reload(3)
	mustMount("f after a reload to 3", f)
	refused("g after a reload to 3", g)
	reload(0)
	mustMount("g after a reload to 0", g)
}
