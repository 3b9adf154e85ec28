package integration

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hirochachacha/go-smb2"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// withHosts sets hosts allow and hosts deny, as written in smb.conf, on [global] ("") or a share.
func withHosts(t testing.TB, share, allow, deny string) serverOption {
	a, _, err := config.ParseHosts(allow)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := config.ParseHosts(deny)
	if err != nil {
		t.Fatal(err)
	}
	return func(cfg *config.Config) {
		if share == "" {
			cfg.Global.HostsAllow, cfg.Global.HostsDeny = a, d
			return
		}
		s, _ := cfg.Share(share)
		s.HostsAllow, s.HostsDeny = a, d
	}
}

// dialFrom connects to the server from a loopback address of the test's choice.
func dialFrom(t *testing.T, tg *target, from string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	nc, err := d.Dial("tcp", tg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return nc
}

// TestHostsAllowDeny: [global]'s lists refuse a connection as Samba does (a NetBIOS negative session
// response, then the connection closes); a share's lists refuse its tree connect with
// STATUS_ACCESS_DENIED while the client's other shares stay open. go-smb2 from several loopback
// source addresses.
func TestHostsAllowDeny(t *testing.T) {
	if remote() {
		t.Skip("sets an in-process server's hosts allow and connects from chosen source addresses")
	}
	tg := startServer(t, withHosts(t, "", "", "127.0.0.4"), withHosts(t, "public", "127.0.0.2", ""))

	// Refused at once, before the client sends anything: it reads Samba's five bytes and the end of
	// the stream. (Had it sent its NEGOTIATE, the close would reset the connection after the bytes.)
	nc := dialFrom(t, tg, "127.0.0.4")
	got, err := io.ReadAll(nc)
	if err != nil || !bytes.Equal(got, []byte{0x83, 0, 0, 1, 0x81}) {
		t.Fatalf("from a denied host: read %x, %v; want 8300000181 and the connection closed", got, err)
	}

	guest := func(from string) *smb2.Session {
		s, err := (&smb2.Dialer{Initiator: &smb2.NTLMInitiator{User: "guest"}}).Dial(dialFrom(t, tg, from))
		if err != nil {
			t.Fatalf("logon from %s: %v", from, err)
		}
		t.Cleanup(func() { s.Logoff() })
		return s
	}
	s := guest("127.0.0.3")
	if _, err := s.Mount("public"); ntstatus(err) != smb.StatusAccessDenied {
		t.Errorf("public from 127.0.0.3 (hosts allow = 127.0.0.2): %v, want STATUS_ACCESS_DENIED", err)
	}
	fs, err := s.Mount(tg.Share) // no lists of its own; [global]'s let this client in
	if err != nil {
		t.Fatalf("%s from 127.0.0.3: %v", tg.Share, err)
	}
	fs.Umount()
	fs, err = guest("127.0.0.2").Mount("public")
	if err != nil {
		t.Fatalf("public from 127.0.0.2: %v", err)
	}
	if b, err := fs.ReadFile("hello.txt"); err != nil || !strings.HasPrefix(string(b), "hello from public") {
		t.Fatalf("hello.txt from 127.0.0.2: %q, %v", b, err)
	}
}

// TestSmbclientHostsDeny: what smbclient shows when the lists keep it out, the same words as against
// Samba's smbd 4.17: NT_STATUS_ACCESS_DENIED from a share, a failed negotiation from [global].
func TestSmbclientHostsDeny(t *testing.T) {
	if remote() {
		t.Skip("sets an in-process server's hosts deny")
	}
	tg := startServer(t, withHosts(t, "public", "", "127.0.0.1"))
	out, err := smbclient(t, tg, "public", "-N", "-c", "ls")
	if err == nil || !strings.Contains(out, "tree connect failed: NT_STATUS_ACCESS_DENIED") {
		t.Errorf("share denying 127.0.0.1: err=%v\n%s", err, out)
	}
	if out, err := smbclient(t, tg, tg.Share, "-N", "-c", "ls one.bin"); err != nil || !strings.Contains(out, "one.bin") {
		t.Errorf("a share without lists: err=%v\n%s", err, out)
	}

	tg = startServer(t, withHosts(t, "", "", "127.0.0.1"))
	out, err = smbclient(t, tg, tg.Share, "-N", "-c", "ls")
	if err == nil || !strings.Contains(out, "protocol negotiation failed: NT_STATUS_INVALID_NETWORK_RESPONSE") {
		t.Errorf("[global] denying 127.0.0.1: err=%v\n%s", err, out)
	}
}

// TestMaxSmbdProcesses: with `max smbd processes = 1` a second connection is closed before it reads
// anything, as smbd closes it, and the slot comes back when the first connection ends.
func TestMaxSmbdProcesses(t *testing.T) {
	tg := startServer(t, func(c *config.Config) { c.Global.MaxConnections = 1 })
	first := dialRawClient(t, tg) // negotiated: the server holds the connection
	refused := func() bool {
		nc, err := net.DialTimeout("tcp", tg.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		neg := smb.NegotiateRequest{Dialects: []uint16{smb.Dialect210}}
		nc.Write(framed(neg.AppendTo((&smb.Header{Command: smb.Negotiate}).AppendTo(nil))))
		_, err = smb.ReadFrame(nc, nil, 1<<20)
		// EOF, or a reset when the close found the NEGOTIATE unread; a timeout is a server that
		// neither answers nor closes.
		var ne net.Error
		return err != nil && !(errors.As(err, &ne) && ne.Timeout())
	}
	if !refused() {
		t.Fatal("a second connection was served past max smbd processes = 1")
	}
	first.nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for refused() {
		if time.Now().After(deadline) {
			t.Fatal("the slot did not come back after the first connection closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
