package integration

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireTool returns the path of a client program, skipping the test where it is missing, except in
// CI (CI=true), where a missing interop client is a failure: .ci/run installs them.
func requireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required when CI=true (Debian package %s)", name, pkg)
		}
		t.Skipf("%s not installed (Debian package %s)", name, pkg)
	}
	return p
}

// smbclient runs smbclient against tg with the given arguments after the service name and returns its
// combined output.
func smbclient(t testing.TB, tg *target, service string, args ...string) (string, error) {
	t.Helper()
	bin := requireTool(t, "smbclient", "smbclient")
	host, port, err := net.SplitHostPort(tg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// An empty configuration keeps the machine's smb.conf out of the test.
	conf := t.TempDir() + "/smb.conf"
	os.WriteFile(conf, []byte("[global]\n"), 0o644)
	full := append([]string{"-s", conf, "//" + host + "/" + service, "-p", port}, args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// TestSmbclientLogon: smbclient at each dialect, signed and unsigned, logs on and exits; a wrong
// password is NT_STATUS_LOGON_FAILURE.
func TestSmbclientLogon(t *testing.T) {
	tg := startServer(t)
	for _, d := range dialects {
		for _, signing := range []string{"sign", "off"} {
			t.Run(d.name+"/"+signing, func(t *testing.T) {
				out, err := smbclient(t, tg, tg.Share, "-U", tg.User+"%"+tg.Password,
					"--option=clientmaxprotocol="+d.name, "--option=clientminprotocol="+d.name,
					"--client-protection="+signing, "-c", "exit")
				if err != nil {
					t.Fatalf("smbclient: %v\n%s", err, out)
				}
			})
		}
		t.Run(d.name+"/wrong-password", func(t *testing.T) {
			out, err := smbclient(t, tg, tg.Share, "-U", tg.User+"%wrong",
				"--option=clientmaxprotocol="+d.name, "--option=clientminprotocol="+d.name, "-c", "exit")
			if err == nil || !strings.Contains(out, "NT_STATUS_LOGON_FAILURE") {
				t.Fatalf("want NT_STATUS_LOGON_FAILURE, got err=%v\n%s", err, out)
			}
		})
	}
}

// TestSmbclientAnonymous: an anonymous (null) session, `smbclient -U%`, reaches `guest ok` shares and
// nothing else, as against Samba's smbd 4.17 (which lists and reads the guest share and answers
// NT_STATUS_ACCESS_DENIED for a share without guest ok).
func TestSmbclientAnonymous(t *testing.T) {
	tg := startServer(t)
	dst := filepath.Join(t.TempDir(), "page.bin")
	out, err := smbclient(t, tg, tg.Share, "-U%", "-c", "get page.bin "+dst)
	if err != nil {
		t.Fatalf("guest share, anonymous: err=%v\n%s", err, out)
	}
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, Content("page.bin", 4096)) {
		t.Fatalf("page.bin read anonymously: %d bytes, %v; not the file's", len(got), err)
	}
	out, err = smbclient(t, tg, "private", "-U%", "-c", "ls")
	if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
		t.Fatalf("private share, anonymous: want NT_STATUS_ACCESS_DENIED, got err=%v\n%s", err, out)
	}
}

// TestSmbclientNoPassword: `smbclient -N` logs on as the local user (here one the server does not
// know) with no password; `map to guest = bad user` makes that a guest, as with Samba, so guest
// shares open and shares without `guest ok` do not.
func TestSmbclientNoPassword(t *testing.T) {
	tg := startServer(t)
	out, err := smbclient(t, tg, tg.Share, "-N", "-U", "nosuchuser", "-c", "ls one.bin")
	if err != nil || !strings.Contains(out, "one.bin") {
		t.Fatalf("guest share with -N: err=%v\n%s", err, out)
	}
	out, err = smbclient(t, tg, "private", "-N", "-U", "nosuchuser", "-c", "ls")
	if err == nil || !strings.Contains(out, "NT_STATUS_ACCESS_DENIED") {
		t.Fatalf("private share with -N: want NT_STATUS_ACCESS_DENIED, got err=%v\n%s", err, out)
	}
}

// TestSmbclientSigningAlgorithms: smbclient at 3.1.1 with signing required and one signing algorithm
// allowed (`client smb3 signing algorithms`) reads a file with each: the server answers with the one
// offered, HMAC-SHA256 included, which smbclient refuses to replace by another.
func TestSmbclientSigningAlgorithms(t *testing.T) {
	tg := startServer(t)
	for _, alg := range []string{"HMAC-SHA256", "AES-128-CMAC", "AES-128-GMAC"} {
		t.Run(alg, func(t *testing.T) {
			out, err := smbclient(t, tg, "private", "-U", tg.User+"%"+tg.Password,
				"--option=clientmaxprotocol=SMB3_11", "--option=clientminprotocol=SMB3_11",
				"--option=clientsigning=required", "--option=clientsmb3signingalgorithms="+alg,
				"-c", "get hello.txt -")
			if err != nil || !strings.Contains(out, "hello from private") {
				t.Errorf("%v\n%s", err, out)
			}
		})
	}
}
