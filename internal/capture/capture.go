// Package capture holds a Windows SMB 3.1.1 logon transcribed message by message from Microsoft's
// published key-derivation example (see the header of testdata/windows-smb311-session.txt), for the
// tests of the packages that parse, authenticate and sign it.
package capture

import (
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
)

//go:embed testdata/windows-smb311-session.txt
var session string

// Session returns the logon's SMB2 messages (each whole, from its ProtocolId) by name: setup_req1,
// setup_resp1, ... and the second channel's bind_*.
func Session() (map[string][]byte, error) {
	msgs := map[string][]byte{}
	for line := range strings.Lines(session) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		name, h, _ := strings.Cut(line, " ")
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("capture: message %s: %w", name, err)
		}
		msgs[name] = b
	}
	return msgs, nil
}
