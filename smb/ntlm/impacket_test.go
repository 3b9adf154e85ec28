package ntlm

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// impacketClient drives impacket's NTLM client (python3-impacket): it prints the
// NEGOTIATE, reads our CHALLENGE, and prints the AUTHENTICATE and the session key
// it derived, all as hex lines.
const impacketClient = `
import sys
from impacket import ntlm
user, password, domain, signing = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
t1 = ntlm.getNTLMSSPType1("IMPACKET", "", signingRequired=signing, use_ntlmv2=True)
print(t1.getData().hex(), flush=True)
t2 = bytes.fromhex(sys.stdin.readline().strip())
t3, key = ntlm.getNTLMSSPType3(t1, t2, user, password, domain, use_ntlmv2=True)
print(t3.getData().hex())
print(key.hex())
`

// impacketPython returns a python3 that can import impacket, or skips.
func impacketPython(t *testing.T) string {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import impacket.ntlm").Run() == nil {
			return py
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("python3 with impacket is required when CI=true")
	}
	t.Skip("python3 impacket not installed")
	return ""
}

func TestImpacketClient(t *testing.T) {
	py := impacketPython(t)
	for _, tc := range []struct {
		name, user, password, domain string
		signing                      bool
		wantErr                      error
		anonymous                    bool
	}{
		{"signing with key exchange", "alice", "s3cret", "WORKGROUP", true, nil, false},
		{"no signing", "Alice", "s3cret", "", false, nil, false},
		{"wrong password", "alice", "guess", "WORKGROUP", true, ErrWrongPassword, false},
		{"unknown user", "bob", "s3cret", "WORKGROUP", true, ErrNoSuchUser, false},
		{"anonymous", "", "", "", false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signing := "0"
			if tc.signing {
				signing = "1"
			}
			cmd := exec.Command(py, "-c", impacketClient, tc.user, tc.password, tc.domain, signing)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			lines := bufio.NewScanner(stdout)
			lines.Buffer(nil, 1<<20)
			next := func() []byte {
				if !lines.Scan() {
					t.Fatalf("impacket ended early: %s", stderr.String())
				}
				b, err := hex.DecodeString(lines.Text())
				if err != nil {
					t.Fatalf("impacket output %q: %v", lines.Text(), err)
				}
				return b
			}

			s := NewServer(ServerConfig{NetBIOSName: "ZSMBD", Domain: "WORKGROUP"})
			ch, err := s.Challenge(next())
			if err != nil {
				t.Fatalf("Challenge: %v", err)
			}
			io.WriteString(stdin, hex.EncodeToString(ch)+"\n")
			stdin.Close()
			auth, clientKey := next(), next()

			res, err := s.Authenticate(auth, lookupOne("alice", "s3cret"))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Authenticate: err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if res.Anonymous != tc.anonymous || !strings.EqualFold(res.User, tc.user) || res.Workstation != "IMPACKET" {
				t.Errorf("Result = %+v", *res)
			}
			if !tc.anonymous && !bytes.Equal(res.SessionKey, clientKey) {
				t.Errorf("SessionKey = %x, impacket holds %x", res.SessionKey, clientKey)
			}
		})
	}
}
