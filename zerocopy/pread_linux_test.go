package zerocopy

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPreadCacheMiss: preadFd returns the file's bytes whether the page cache holds them (one
// RWF_NOWAIT call) or not (the RWF_NOWAIT call is refused and pread(2) waits for the disk), and a range
// that is half cached is read whole.
func TestPreadCacheMiss(t *testing.T) {
	const size = 1 << 20
	want := randomBytes(size, 7)
	f := tempFile(t, want)
	fd := int(f.Fd())
	evict := func() {
		t.Helper()
		if err := unix.Fdatasync(fd); err != nil {
			t.Fatal(err)
		}
		if err := unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED); err != nil {
			t.Fatal(err)
		}
	}
	read := func(what string, off int64, n int) int {
		t.Helper()
		dst := make([]byte, n)
		got, calls, err := preadFd(fd, dst, off)
		if err != nil || got != n || !bytes.Equal(dst, want[off:off+int64(n)]) {
			t.Fatalf("%s: read %d of %d bytes, err %v, same bytes %v", what, got, n, err, bytes.Equal(dst[:got], want[off:off+int64(got)]))
		}
		return calls
	}

	// No read-ahead, so a read brings in only the pages it asks for.
	if err := unix.Fadvise(fd, 0, 0, unix.FADV_RANDOM); err != nil {
		t.Fatal(err)
	}
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil {
		t.Fatal(err)
	}
	// On a file system that keeps files in memory (tmpfs) nothing can be evicted and RWF_NOWAIT always
	// succeeds; elsewhere a page the disk must supply makes it refuse, and pread(2) reads the rest.
	inMemory := fs.Type == unix.TMPFS_MAGIC

	evict()
	if calls := read("evicted", 0, size); !inMemory && calls < 2 {
		t.Errorf("an evicted range took %d read call, want the RWF_NOWAIT call refused and a pread", calls)
	}
	if calls := read("cached", 0, size); calls != 1 {
		t.Errorf("a cached range took %d read calls, want 1 (RWF_NOWAIT)", calls)
	}
	evict()
	read("first half", 0, size/2)
	if calls := read("half cached", 0, size); !inMemory && calls < 3 {
		t.Errorf("a half-cached range took %d read calls, want the cached half, a refused call and a pread", calls)
	}

	// At end of file the read stops short without an error.
	dst := make([]byte, 100)
	if n, _, err := preadFd(fd, dst, size-10); n != 10 || err != nil || !bytes.Equal(dst[:10], want[size-10:]) {
		t.Fatalf("across the end: n=%d err=%v", n, err)
	}
}
