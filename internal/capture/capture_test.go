package capture

import (
	"bytes"
	"testing"
)

func TestSession(t *testing.T) {
	msgs, err := Session()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"setup_req1", "setup_resp1", "setup_req2", "setup_resp2", "bind_req1", "bind_resp1", "bind_req2", "bind_resp2"} {
		m, ok := msgs[name]
		if !ok {
			t.Errorf("no message %s", name)
			continue
		}
		if len(m) < 64 || !bytes.Equal(m[:4], []byte{0xFE, 'S', 'M', 'B'}) {
			t.Errorf("%s is not an SMB2 message: % x", name, m[:min(len(m), 8)])
		}
	}
}
