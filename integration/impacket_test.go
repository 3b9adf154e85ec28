package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/smb"
	"github.com/zsmbd/zsmbd/zerocopy"
)

// impacketScript logs on with impacket at one dialect, lists the shares and the root of the data
// share, reads every file it is given and tries to write one, printing one JSON object.
const impacketScript = `
import hashlib, json, sys
from impacket.smbconnection import SMBConnection, SessionError
host, port, dialect, user, password, share = sys.argv[1:7]
files = sys.argv[7:]
c = SMBConnection(host, host, sess_port=int(port), preferredDialect=int(dialect, 0))
c.login(user, password)
out = {"dialect": c.getDialect(), "guest": bool(c.isGuestSession())}
out["shares"] = sorted(s["shi1_netname"][:-1] for s in c.listShares())
out["root"] = sorted(f.get_longname() for f in c.listPath(share, "*"))
out["sha256"] = {}
for name in files:
    h = hashlib.sha256()
    c.getFile(share, name.replace("/", "\\"), h.update)
    out["sha256"][name] = h.hexdigest()
try:
    c.putFile(share, "new.txt", lambda n: b"x")
    out["put"] = "STATUS_SUCCESS"
except SessionError as e:
    out["put"] = e.getErrorString()[0]
c.logoff()
print(json.dumps(out))
`

// TestImpacket: impacket (python3-impacket) at each dialect, as a user and as guest, lists the shares
// (hidden ones not), lists the share, reads every data file with the right bytes, and cannot write.
func TestImpacket(t *testing.T) {
	requireTool(t, "python3", "python3")
	if err := exec.Command("/usr/bin/python3", "-c", "import impacket").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("impacket is required when CI=true (Debian package python3-impacket)")
		}
		t.Skip("impacket not installed (Debian package python3-impacket)")
	}
	tg := startServer(t)
	host, port, err := net.SplitHostPort(tg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range DataFiles {
		names = append(names, f.Name)
	}
	for _, d := range dialects {
		for _, who := range []string{"user", "guest"} {
			// impacket cannot ask for 3.0.2 alone (SMBConnection: "Unknown dialect"), and Debian's
			// impacket 0.10 derives the 3.1.1 signing key from a session preauth hash it never seeds with
			// the connection's (fixed upstream in fortra/impacket#1373), so its signatures are wrong
			// against any server; its guest sessions do not sign.
			if d.id == smb.Dialect302 || d.id == smb.Dialect311 && who == "user" {
				continue
			}
			t.Run(d.name+"/"+who, func(t *testing.T) {
				user, pass := tg.User, tg.Password
				if who == "guest" {
					user, pass = "guest", ""
				}
				ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
				defer cancel()
				args := append([]string{"-c", impacketScript, host, port, fmt.Sprintf("%#x", d.id), user, pass, tg.Share}, names...)
				var before zerocopy.Snapshot
				if tg.Server != nil {
					before = tg.Server.Stats()
				}
				var stdout, stderr bytes.Buffer
				cmd := exec.CommandContext(ctx, "/usr/bin/python3", args...)
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("impacket: %v\n%s", err, stderr.String())
				}
				var got struct {
					Dialect int
					Guest   bool
					Shares  []string
					Root    []string
					SHA256  map[string]string
					Put     string
				}
				if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
					t.Fatalf("%v: %s", err, stdout.String())
				}
				if got.Dialect != int(d.id) || got.Guest != (who == "guest") {
					t.Errorf("dialect %#x guest %v, want %#x guest %v", got.Dialect, got.Guest, d.id, who == "guest")
				}
				if strings.Join(got.Shares, ",") != "IPC$,data,private,public" {
					t.Errorf("shares %q, want IPC$, data, private, public (hidden is not browseable)", got.Shares)
				}
				if !contains(got.Root, "Mixed Case Name.txt") || !contains(got.Root, "dir") || !contains(got.Root, ".") {
					t.Errorf("listing of the share root: %q", got.Root)
				}
				for _, f := range DataFiles {
					if want := SHA256(f.Name, f.Size); got.SHA256[f.Name] != want {
						t.Errorf("%s: sha256 %s, want %s", f.Name, got.SHA256[f.Name], want)
					}
				}
				if got.Put != "STATUS_ACCESS_DENIED" {
					t.Errorf("putFile: %s, want STATUS_ACCESS_DENIED", got.Put)
				}
				// impacket's users encrypt at 3.0 whenever the server offers it (SMB2_GLOBAL_CAP_ENCRYPTION).
				if tg.Server != nil {
					encrypted := tg.Server.Stats().Fallback(zerocopy.FallbackEncrypted) - before.Fallback(zerocopy.FallbackEncrypted)
					if want := d.id == smb.Dialect300 && who == "user"; want != (encrypted > 0) {
						t.Errorf("%d READs encrypted; impacket encrypts: %v", encrypted, want)
					}
				}
			})
		}
	}
	if tg.Root != "" {
		if _, err := os.Stat(tg.Root + "/new.txt"); !os.IsNotExist(err) {
			t.Errorf("a refused write left new.txt on disk (stat: %v)", err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
