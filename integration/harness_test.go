package integration

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	smb2 "github.com/hirochachacha/go-smb2"
	"github.com/rs/zerolog"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
	"github.com/zsmbd/zsmbd/server"
	"github.com/zsmbd/zsmbd/smb"
)

// Test users of the in-process server.
var (
	testUser, testPassword = TestUser.Name, TestUser.Password
	otherUser, otherPass   = OtherUser.Name, OtherUser.Password
)

// target is a server under test: in-process, or remote when ZSMBD_ADDR is set.
type target struct {
	Addr     string // host:port
	Share    string // the data share
	User     string
	Password string
	Root     string         // the share's directory on this machine; "" for a remote server
	Server   *server.Server // in-process; a test fails at cleanup if it recovered from a panic
}

// remote reports whether the tests run against a server named by the environment.
func remote() bool { return os.Getenv("ZSMBD_ADDR") != "" }

// serverOption adjusts the in-process server's configuration.
type serverOption func(cfg *config.Config)

// startServer starts zsmbd on 127.0.0.1:0 serving a fresh copy of the test data as share "data"
// (users alice and bob; alice only via `valid users` on share "private", guests on "public"), and
// stops it when the test ends. With ZSMBD_ADDR set it returns that server instead.
func startServer(t testing.TB, opts ...serverOption) *target {
	t.Helper()
	if remote() {
		if len(opts) > 0 {
			t.Skip("needs an in-process server with its own configuration")
		}
		return &target{
			Addr:     os.Getenv("ZSMBD_ADDR"),
			Share:    envOr("ZSMBD_SHARE", "data"),
			User:     envOr("ZSMBD_USER", testUser),
			Password: envOr("ZSMBD_PASSWORD", testPassword),
			Root:     os.Getenv("ZSMBD_ROOT"),
		}
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "data")
	if err := WriteData(root); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"private", "public"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, d, "hello.txt"), []byte("hello from "+d+"\n"), 0o644)
	}
	pw := filepath.Join(dir, "smbpasswd")
	for u, p := range map[string]string{testUser: testPassword, otherUser: otherPass} {
		if err := passdb.SetPassword(pw, u, p); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	cfg.Global.SMBPasswdFile = pw
	cfg.Global.MapToGuest = config.MapToGuestBadUser
	cfg.Shares = []config.Share{
		{Name: "data", Path: root, ReadOnly: true, GuestOK: true, Browseable: true, Comment: "test data"},
		{Name: "private", Path: filepath.Join(dir, "private"), ReadOnly: true, Browseable: true, ValidUsers: []string{testUser}},
		{Name: "public", Path: filepath.Join(dir, "public"), ReadOnly: true, GuestOK: true, Browseable: true},
		{Name: "hidden", Path: filepath.Join(dir, "public"), ReadOnly: true, GuestOK: true, Browseable: false},
	}
	for _, o := range opts {
		o(cfg)
	}
	users, err := passdb.Load(pw)
	if err != nil {
		t.Fatal(err)
	}
	var logTo io.Writer = zerolog.NewTestWriter(t)
	if _, ok := t.(*testing.F); ok {
		logTo = os.Stderr // a fuzz test's *F must not log once its fuzz function runs
	}
	log := zerolog.New(logTo).Level(zerolog.WarnLevel)
	if os.Getenv("ZSMBD_DEBUG") != "" {
		log = log.Level(zerolog.DebugLevel)
	}
	srv, err := server.New(cfg, users, log)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if n := srv.Panics(); n > 0 {
			t.Errorf("the server recovered from %d panics (its log above says where)", n)
		}
	})
	return &target{Addr: l.Addr().String(), Share: "data", User: testUser, Password: testPassword, Root: root,
		Server: srv}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// dialOpts says how a go-smb2 client logs on.
type dialOpts struct {
	dialect  uint16 // 0: the client's default list
	user     string // "" with guest: logs on as "guest", mapped by `map to guest = bad user`
	password string
	sign     bool // RequireMessageSigning
	wrap     func(net.Conn) net.Conn
}

// dial connects go-smb2 to tg and returns any error, TCP or SMB (it does not fail the test itself, so
// other goroutines may call it); the session ends when the test does.
func dial(t testing.TB, tg *target, o dialOpts) (*smb2.Session, error) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", tg.Addr, 5*time.Second)
	if err != nil {
		return nil, err // not t.Fatal: tests dial from other goroutines too
	}
	var c net.Conn = nc
	if o.wrap != nil {
		c = o.wrap(nc)
	}
	user := o.user
	if user == "" {
		user = "guest"
	}
	d := &smb2.Dialer{
		Negotiator: smb2.Negotiator{RequireMessageSigning: o.sign, SpecifiedDialect: o.dialect},
		Initiator:  &smb2.NTLMInitiator{User: user, Password: o.password},
	}
	s, err := d.Dial(c)
	if err != nil {
		nc.Close()
		return nil, err
	}
	// Closing the socket ends the session: a second Logoff after a test's own would block in go-smb2.
	t.Cleanup(func() { nc.Close() })
	return s, nil
}

// mustMount dials as o and mounts share.
func mustMount(t testing.TB, tg *target, o dialOpts, share string) *smb2.Share {
	t.Helper()
	s, err := dial(t, tg, o)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	fs, err := s.Mount(`\\` + tg.Addr + `\` + share)
	if err != nil {
		t.Fatalf("mount %s: %v", share, err)
	}
	t.Cleanup(func() { fs.Umount() })
	return fs
}

// userOpts logs on as the target's user.
func userOpts(tg *target, dialect uint16, sign bool) dialOpts {
	return dialOpts{dialect: dialect, user: tg.User, password: tg.Password, sign: sign}
}

// dialects are the SMB2/3 dialects, with their Samba names.
var dialects = []struct {
	name string
	id   uint16
}{
	{"SMB2_02", 0x0202}, {"SMB2_10", 0x0210}, {"SMB3_00", 0x0300}, {"SMB3_02", 0x0302}, {"SMB3_11", 0x0311},
}

// ntstatus returns the NTSTATUS of a go-smb2 error (0 when err carries none).
func ntstatus(err error) smb.Status {
	var re *smb2.ResponseError
	if errors.As(err, &re) {
		return smb.Status(re.Code)
	}
	// go-smb2 folds a few statuses into os errors before returning them (conn.go accept).
	switch {
	case errors.Is(err, os.ErrPermission):
		return smb.StatusAccessDenied
	case errors.Is(err, os.ErrNotExist):
		return smb.StatusObjectNameNotFound
	case errors.Is(err, os.ErrExist):
		return smb.StatusObjectNameCollision
	}
	return 0
}

// wantStatus fails the test unless err carries exactly the status want.
func wantStatus(t testing.TB, err error, want smb.Status) {
	t.Helper()
	if got := ntstatus(err); got != want {
		t.Fatalf("got error %v (status %v), want %v", err, got, want)
	}
}
