package integration

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/smb/sign"
)

// TestLogonEachDialect logs on as a user (signed) and as guest at every dialect, mounts the share and
// logs off.
func TestLogonEachDialect(t *testing.T) {
	tg := startServer(t)
	for _, d := range dialects {
		for _, who := range []string{"user", "guest"} {
			t.Run(d.name+"/"+who, func(t *testing.T) {
				o := dialOpts{dialect: d.id}
				if who == "user" {
					o = userOpts(tg, d.id, true)
				}
				s, err := dial(t, tg, o)
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				fs, err := s.Mount(tg.Share)
				if err != nil {
					t.Fatalf("mount: %v", err)
				}
				if _, err := fs.Stat("one.bin"); err != nil {
					t.Fatalf("stat: %v", err)
				}
				if err := fs.Umount(); err != nil {
					t.Fatalf("umount: %v", err)
				}
				if err := s.Logoff(); err != nil {
					t.Fatalf("logoff: %v", err)
				}
			})
		}
	}
}

func TestWrongPassword(t *testing.T) {
	tg := startServer(t)
	for _, d := range []uint16{smb.Dialect210, smb.Dialect311} {
		_, err := dial(t, tg, dialOpts{dialect: d, user: tg.User, password: "not " + tg.Password})
		wantStatus(t, err, smb.StatusLogonFailure)
	}
}

func TestUnknownUserWithoutMapToGuest(t *testing.T) {
	tg := startServer(t, func(c *config.Config) { c.Global.MapToGuest = config.MapToGuestNever })
	_, err := dial(t, tg, dialOpts{user: "mallory", password: "x"})
	wantStatus(t, err, smb.StatusLogonFailure)
}

func TestValidUsers(t *testing.T) {
	tg := startServer(t)
	mustMount(t, tg, userOpts(tg, 0, true), "private")

	s, err := dial(t, tg, dialOpts{user: otherUser, password: otherPass, sign: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Mount("private")
	wantStatus(t, err, smb.StatusAccessDenied)

	g, err := dial(t, tg, dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Mount("private")
	wantStatus(t, err, smb.StatusAccessDenied)
}

// TestInvalidUsers: `invalid users` refuses the users it names, even where `valid users` names them
// too, and guests where it names the guest account (Samba 4.17 refuses a guest on a share with
// `invalid users = nobody` the same way).
func TestInvalidUsers(t *testing.T) {
	if remote() {
		t.Skip("sets an in-process server's invalid users")
	}
	tg := startServer(t, func(cfg *config.Config) {
		cfg.Shares[1].InvalidUsers = []string{strings.ToUpper(testUser)}               // [private], valid users = alice
		cfg.Shares[2].InvalidUsers = []string{"@nosuchgroup", cfg.Global.GuestAccount} // [public]
	})
	s, err := dial(t, tg, userOpts(tg, 0, true))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Mount("private")
	wantStatus(t, err, smb.StatusAccessDenied)
	mustMount(t, tg, userOpts(tg, 0, true), "public") // not named there

	g, err := dial(t, tg, dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Mount("public")
	wantStatus(t, err, smb.StatusAccessDenied)
	mustMount(t, tg, dialOpts{}, tg.Share)
}

func TestUnknownShare(t *testing.T) {
	tg := startServer(t)
	s, err := dial(t, tg, userOpts(tg, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Mount("nosuchshare")
	wantStatus(t, err, smb.StatusBadNetworkName)
}

// TestSigningRequired: `server signing = mandatory` makes go-smb2 sign and verify everything, and a guest
// still connects unsigned.
func TestSigningRequired(t *testing.T) {
	tg := startServer(t, func(c *config.Config) { c.Global.ServerSigning = config.SigningMandatory })
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			fs := mustMount(t, tg, userOpts(tg, d.id, true), tg.Share)
			if _, err := fs.ReadFile("page.bin"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// tamperConn flips a bit in the signature of the nth SMB2 request written after arming.
type tamperConn struct {
	net.Conn
	armed   atomic.Bool
	tampers atomic.Int32
}

func (c *tamperConn) Write(b []byte) (int, error) {
	// go-smb2 writes the 4-byte transport header and the message in separate calls.
	if c.armed.Load() && len(b) >= 64 && b[0] == 0xFE && b[16]&0x08 != 0 {
		c.armed.Store(false)
		c.tampers.Add(1)
		b = append([]byte(nil), b...)
		b[48] ^= 0x01
	}
	return c.Conn.Write(b)
}

// TestTamperedSignatureRefused: a signed request whose signature does not verify is refused with
// STATUS_ACCESS_DENIED, at every signing algorithm.
func TestTamperedSignatureRefused(t *testing.T) {
	tg := startServer(t)
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			var tc *tamperConn
			o := userOpts(tg, d.id, true)
			o.wrap = func(c net.Conn) net.Conn { tc = &tamperConn{Conn: c}; return tc }
			s, err := dial(t, tg, o)
			if err != nil {
				t.Fatal(err)
			}
			tc.armed.Store(true)
			_, err = s.Mount(tg.Share)
			if tc.tampers.Load() != 1 {
				t.Fatal("no signed request was tampered with")
			}
			wantStatus(t, err, smb.StatusAccessDenied)
			// The session survives: an honest request still works.
			if _, err := s.Mount(tg.Share); err != nil {
				t.Fatalf("mount after a refused request: %v", err)
			}
		})
	}
}

func TestManySessions(t *testing.T) {
	tg := startServer(t)
	for i := range 5 {
		fs := mustMount(t, tg, userOpts(tg, 0, i%2 == 0), tg.Share)
		if _, err := fs.Stat("one.bin"); err != nil {
			t.Fatal(fmt.Errorf("session %d: %w", i, err))
		}
	}
}

// TestSessionsPerConnectionCapped: every first-leg SESSION_SETUP makes a session before any password
// is checked, so a connection's sessions are capped (1024); the next is STATUS_REQUEST_NOT_ACCEPTED,
// and another connection is not affected.
func TestSessionsPerConnectionCapped(t *testing.T) {
	tg := startServer(t)
	c := dialRawClient(t, tg)
	negotiate := binary.LittleEndian.AppendUint32([]byte("NTLMSSP\x00"), 1)
	negotiate = binary.LittleEndian.AppendUint32(negotiate, 0x00088207)
	negotiate = append(negotiate, make([]byte, 16)...)
	setup := smb.SessionSetupRequest{SecurityMode: smb.SecurityModeSigningEnabled, SecurityBuffer: negotiate}
	for i := 0; ; i++ {
		h, _ := c.call(smb.Header{Command: smb.SessionSetup}, setup.AppendTo)
		if h.Status == smb.StatusMoreProcessingRequired {
			if i > 1024 {
				t.Fatalf("%d sessions in progress on one connection", i)
			}
			continue
		}
		if h.Status != smb.StatusRequestNotAccepted || i != 1024 {
			t.Fatalf("SESSION_SETUP %d: %v, want STATUS_REQUEST_NOT_ACCEPTED after 1024", i, h.Status)
		}
		break
	}
	other, on := rawShare(t, tg)
	other.close(on, other.mustCreate(on, "one.bin"))
}

// TestLogonInCompound: a SESSION_SETUP that is not the first message of a compound is still answered by
// the connection's reader, in order. Failed logons there wait out their growing delays one after the
// other (0.1 + 0.2 + 0.4 + 0.8 s on a fresh server), and two final legs of one logon sent together do not
// run at once on the same NTLM state (go test -race reported that while they did).
func TestLogonInCompound(t *testing.T) {
	tg := startServer(t)
	c := dialRawClient(t, tg)
	var frames []byte
	for range 4 {
		sid, leg, _ := c.authLeg(0, tg.User, "wrong password", smb.SecurityModeSigningEnabled)
		frames = append(frames, compound(c.message(smb.Header{Command: smb.Echo}, echoBody, nil),
			c.message(smb.Header{Command: smb.SessionSetup, SessionID: sid}, leg.AppendTo, nil))...)
	}
	began := time.Now()
	if _, err := c.nc.Write(frames); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		parts := readCompound(t, c)
		if h, _ := smb.DecodeHeader(parts[len(parts)-1]); len(parts) != 2 || h.Status != smb.StatusLogonFailure {
			t.Fatalf("%d responses, SESSION_SETUP %v; want 2, STATUS_LOGON_FAILURE", len(parts), h.Status)
		}
	}
	if took := time.Since(began); took < 1500*time.Millisecond {
		t.Errorf("4 failed logons answered in %v: their delays ran at once, not one after the other", took.Round(time.Millisecond))
	}

	sid, leg, _ := c.authLeg(0, tg.User, tg.Password, smb.SecurityModeSigningEnabled)
	frames = frames[:0]
	for range 2 {
		frames = append(frames, compound(c.message(smb.Header{Command: smb.Echo}, echoBody, nil),
			c.message(smb.Header{Command: smb.SessionSetup, SessionID: sid}, leg.AppendTo, nil))...)
	}
	if _, err := c.nc.Write(frames); err != nil {
		t.Fatal(err)
	}
	var got []smb.Status
	for range 2 {
		h, _ := smb.DecodeHeader(readCompound(t, c)[1])
		got = append(got, h.Status)
	}
	if got[0] != smb.StatusSuccess || got[1] == smb.StatusSuccess {
		t.Errorf("the same final leg twice: %v; want success, then a refusal", got)
	}
}

// readCompound reads one response frame and splits it into its messages.
func readCompound(t *testing.T, c *rawClient) [][]byte {
	t.Helper()
	resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := smb.SplitCompound(nil, resp)
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

// TestFailedReauthenticationEndsSession: a re-authentication that fails (a wrong password) is answered
// STATUS_LOGON_FAILURE, signed with the session's key when the request was signed, and ends the
// session, as Samba 4.17 does (smbd_smb2_session_setup_wrap): its tree and open go with it, and the
// old credentials no longer work.
func TestFailedReauthenticationEndsSession(t *testing.T) {
	tg := startServer(t)
	c := dialRawClient(t, tg) // negotiates 3.0.2
	on, s := c.signedShare(tg)
	sid := on.sess
	open := openForReading("one.bin")
	file := c.signedCreate(on, "one.bin", s)

	sid2, setup, _ := c.authLeg(sid, tg.User, "not "+tg.Password, smb.SecurityModeSigningEnabled)
	if sid2 != sid {
		t.Fatalf("re-authentication answered for session %#x, want %#x", sid2, sid)
	}
	h, resp := c.callSigned(smb.Header{Command: smb.SessionSetup, SessionID: sid}, setup.AppendTo, s)
	if h.Status != smb.StatusLogonFailure {
		t.Fatalf("re-authentication with a wrong password: %v, want STATUS_LOGON_FAILURE", h.Status)
	}
	if h.Flags&smb.FlagSigned == 0 || !sign.VerifyMessage(s, resp) {
		t.Errorf("the failed re-authentication's response is not signed with the session's key (flags %#x)", h.Flags)
	}

	for _, req := range []struct {
		what string
		h    smb.Header
		body func([]byte) []byte
	}{
		{"READ on the open", c.header(on, smb.Read), (&smb.ReadRequest{Length: 16, FileID: file}).AppendTo},
		{"CREATE on the tree", c.header(on, smb.Create), open.AppendTo},
		{"TREE_CONNECT", smb.Header{Command: smb.TreeConnect, SessionID: sid}, treeConnectBody(tg, tg.Share)},
	} {
		if h, _ := c.callSigned(req.h, req.body, s); h.Status != smb.StatusUserSessionDeleted {
			t.Errorf("%s after the failed re-authentication: %v, want STATUS_USER_SESSION_DELETED", req.what, h.Status)
		}
	}
}
