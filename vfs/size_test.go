package vfs

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSize: Size follows the file as it is now (cut, grown), not the Info taken at Open, and Open
// marks the file for a raw fstat exactly when its file system is one whose fstat cannot sleep.
func TestSize(t *testing.T) {
	f := newFixture(t)
	file, err := f.share.Open(nil, `file.txt`)
	mustDo(t, err)
	defer file.Close()
	p := filepath.Join(f.root, "file.txt")
	for _, want := range []int64{5, 3, 0, 5 << 30} {
		mustDo(t, os.Truncate(p, want))
		got, err := file.Size()
		if err != nil || got != want {
			t.Fatalf("Size after truncating to %d: %d, %v", want, got, err)
		}
	}
	if file.Info.Size != 5 {
		t.Errorf("Info.Size = %d, want the size at Open, 5", file.Info.Size)
	}
	var sfs unix.Statfs_t
	mustDo(t, unix.Statfs(f.root, &sfs))
	if file.sleeplessStat != sleeplessStat(int64(sfs.Type)) {
		t.Errorf("file on file system %#x: sleeplessStat = %v, want %v", sfs.Type, file.sleeplessStat, !file.sleeplessStat)
	}
	t.Logf("test file system %#x: raw fstat %v", sfs.Type, file.sleeplessStat)
}

func TestSleeplessStat(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  int64
		want bool
	}{
		{"ext4", unix.EXT4_SUPER_MAGIC, true},
		{"xfs", unix.XFS_SUPER_MAGIC, true},
		{"btrfs", unix.BTRFS_SUPER_MAGIC, true},
		{"tmpfs", unix.TMPFS_MAGIC, true},
		{"overlay", unix.OVERLAYFS_SUPER_MAGIC, true},
		{"nfs", unix.NFS_SUPER_MAGIC, false},
		{"smb2", unix.SMB2_SUPER_MAGIC, false},
		{"cifs", unix.CIFS_SUPER_MAGIC, false},
		{"fuse", unix.FUSE_SUPER_MAGIC, false},
		{"9p", unix.V9FS_MAGIC, false},
		{"ceph", unix.CEPH_SUPER_MAGIC, false},
	} {
		if got := sleeplessStat(c.typ); got != c.want {
			t.Errorf("%s (%#x): %v, want %v", c.name, c.typ, got, c.want)
		}
	}
}

// TestSizeAllocs: the READ path's size check allocates nothing.
func TestSizeAllocs(t *testing.T) {
	f := newFixture(t)
	file, err := f.share.Open(nil, `file.txt`)
	mustDo(t, err)
	defer file.Close()
	for _, raw := range []bool{true, false} {
		file.sleeplessStat = raw
		if allocs := testing.AllocsPerRun(100, func() { file.Size() }); allocs != 0 {
			t.Errorf("raw fstat %v: %.1f allocations per Size, want 0", raw, allocs)
		}
	}
}
