package zerocopy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCopyRange: the server's copy path for signed and compound responses counts under Copy, and a
// range the file no longer has is zero-filled and counted as padding.
func TestCopyRange(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st Stats
	dst := bytes.Repeat([]byte{0xFF}, 16)
	n, err := st.CopyRange(f, dst[:4], 2)
	if err != nil || n != 4 || string(dst[:4]) != "2345" {
		t.Fatalf("inside the file: n=%d err=%v %q", n, err, dst[:4])
	}
	n, err = st.CopyRange(f, dst, 4)
	if err != nil || n != 6 || string(dst[:6]) != "456789" || !bytes.Equal(dst[6:], make([]byte, 10)) {
		t.Fatalf("across the end: n=%d err=%v %q", n, err, dst)
	}
	c := st.Snapshot().Strategy(Copy)
	// Read calls: one inside the file; across the end, 6 bytes and then 0 at end of file. Where the
	// file system refuses RWF_NOWAIT, each range costs one refused call more.
	if c.Pread < 3 || c.Pread > 5 {
		t.Errorf("read calls %d, want 3 (5 without RWF_NOWAIT)", c.Pread)
	}
	c.Pread = 0
	want := Counters{Responses: 2, FileBytes: 10, PaddedResponses: 1, PaddedBytes: 10}
	if c != want {
		t.Fatalf("counters %+v, want %+v", c, want)
	}
}
