package vfs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestAllocatedRanges(t *testing.T) {
	const mib = 1 << 20
	p := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(p)
	mustDo(t, err)
	defer f.Close()
	block := make([]byte, 64<<10)
	for i := range block {
		block[i] = 1
	}
	_, err = f.WriteAt(block, 0)
	mustDo(t, err)
	_, err = f.WriteAt(block, mib)
	mustDo(t, err)
	mustDo(t, f.Truncate(4*mib))
	mustDo(t, f.Sync())
	_, err = f.Seek(123, 0)
	mustDo(t, err)

	all, err := AllocatedRanges(f, 0, 4*mib)
	mustDo(t, err)
	if slices.Equal(all, []Range{{0, 4 * mib}}) {
		var fs unix.Statfs_t
		unix.Fstatfs(int(f.Fd()), &fs)
		t.Skipf("file system %#x reports no holes", fs.Type)
	}
	const blk = 64 << 10
	tests := []struct {
		off, length int64
		want        []Range
	}{
		{0, 4 * mib, []Range{{0, blk}, {mib, blk}}},
		{blk / 2, mib, []Range{{blk / 2, blk / 2}, {mib, blk / 2}}},
		{blk, mib - blk, nil},
		{2 * mib, mib, nil},
		{0, 1 << 62, []Range{{0, blk}, {mib, blk}}},
		{mib + 10, 1<<63 - 1, []Range{{mib + 10, blk - 10}}}, // off+length overflows
		{8 * mib, mib, nil},
		{0, 0, nil},
	}
	for _, tt := range tests {
		got, err := AllocatedRanges(f, tt.off, tt.length)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("AllocatedRanges(%d, %d) = %v, %v; want %v", tt.off, tt.length, got, err, tt.want)
		}
	}
	if pos, _ := f.Seek(0, 1); pos != 123 {
		t.Errorf("file offset %d after AllocatedRanges, want 123", pos)
	}
	if _, err := AllocatedRanges(f, -1, 10); err == nil {
		t.Error("negative offset accepted")
	}
}
