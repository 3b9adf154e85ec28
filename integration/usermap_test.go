package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// TestUsernameMap: with `username map`, a client name the file maps to alice logs on with alice's
// password and has her rights (the `valid users = alice` share opens), through go-smb2 and smbclient,
// as smbd 4.17 allowed it; a wrong password still fails, and a name mapped to an account the
// smbpasswd file lacks is a guest (`map to guest = bad user`), as on smbd. The file is read at each
// logon: an edit applies without a reload.
func TestUsernameMap(t *testing.T) {
	if remote() {
		t.Skip("configures an in-process server")
	}
	mapFile := filepath.Join(t.TempDir(), "users.map")
	write := func(s string) {
		if err := os.WriteFile(mapFile, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("# Windows names\n" + testUser + ` = winuser "Win User"` + "\n!nosuchaccount = stopper\n" + otherUser + " = stopper\n")
	tg := startServer(t, func(c *config.Config) { c.Global.UsernameMap = mapFile })

	for _, name := range []string{"winuser", "Win User", "WINUSER", testUser} {
		fs := mustMount(t, tg, dialOpts{user: name, password: testPassword, sign: true}, "private")
		if b, err := fs.ReadFile("hello.txt"); err != nil || string(b) != "hello from private\n" {
			t.Errorf("%s: private/hello.txt: %q, %v", name, b, err)
		}
	}
	_, err := dial(t, tg, dialOpts{user: "winuser", password: "wrong"})
	wantStatus(t, err, smb.StatusLogonFailure)

	// '!' stops at a name the smbpasswd file lacks: a guest, whom `valid users` keeps out.
	s, err := dial(t, tg, dialOpts{user: "stopper", password: otherPass})
	if err != nil {
		t.Fatalf("stopper: %v", err)
	}
	_, err = s.Mount(`\\` + tg.Addr + `\private`)
	wantStatus(t, err, smb.StatusAccessDenied)

	out, err := smbclient(t, tg, "private", "-U", "Win User%"+testPassword, "-c", "get hello.txt -")
	if err != nil || !strings.Contains(out, "hello from private") {
		t.Errorf("smbclient as Win User: %v\n%s", err, out)
	}

	write(otherUser + " = winuser\n") // now bob's: alice's password no longer works, bob's does
	_, err = dial(t, tg, dialOpts{user: "winuser", password: testPassword})
	wantStatus(t, err, smb.StatusLogonFailure)
	s, err = dial(t, tg, dialOpts{user: "winuser", password: otherPass})
	if err != nil {
		t.Fatalf("winuser as bob: %v", err)
	}
	_, err = s.Mount(`\\` + tg.Addr + `\private`) // bob is not among its valid users
	wantStatus(t, err, smb.StatusAccessDenied)
}
