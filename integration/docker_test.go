package integration

// The generated data (DataFiles) read back through go-smb2 and checked against the hashes the
// generator promises, not against a disk: so these tests need nothing but an address and run against
// any server that serves gendata's tree, in process, in the Docker suite (one zsmbd per read-path
// strategy, ZSMBD_READ_PATH names it) or against Samba for comparison.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"

	smb2 "github.com/hirochachacha/go-smb2"

	"github.com/zsmbd/zsmbd/smb"
)

// dataHashes are the hex SHA-256 of every DataFile, by name.
var dataHashes = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, f := range DataFiles {
		m[f.Name] = SHA256(f.Name, f.Size)
	}
	return m
})

// logons are the two ways the data tests log on: go-smb2 signs every request of a user session and
// none of a guest session.
var logons = []struct {
	name string
	opts func(tg *target, dialect uint16) dialOpts
}{
	{"guest-unsigned", func(tg *target, d uint16) dialOpts { return dialOpts{dialect: d} }},
	{"user-signed", func(tg *target, d uint16) dialOpts { return userOpts(tg, d, true) }},
}

// checkDataFile stats and reads one DataFile whole and compares its size and hash with the generator's.
func checkDataFile(fs *smb2.Share, f DataFile) error {
	fi, err := fs.Stat(f.Name)
	if err != nil {
		return fmt.Errorf("stat %s: %v", f.Name, err)
	}
	if fi.Size() != f.Size {
		return fmt.Errorf("%s: size %d, want %d", f.Name, fi.Size(), f.Size)
	}
	b, err := fs.ReadFile(f.Name)
	if err != nil {
		return fmt.Errorf("read %s: %v", f.Name, err)
	}
	sum := sha256.Sum256(b)
	if got, want := hex.EncodeToString(sum[:]), dataHashes()[f.Name]; got != want {
		return fmt.Errorf("%s: read %d bytes with SHA-256 %s, want %s", f.Name, len(b), got, want)
	}
	return nil
}

func logReadPath(t *testing.T) {
	if p := os.Getenv("ZSMBD_READ_PATH"); p != "" && remote() {
		t.Logf("server %s, read path %s", os.Getenv("ZSMBD_ADDR"), p)
	}
}

// TestDataHashes: every generated file, read whole at every dialect as guest (unsigned) and as a user
// (signed), has its size and the generator's SHA-256.
func TestDataHashes(t *testing.T) {
	tg := startServer(t)
	logReadPath(t)
	for _, d := range dialects {
		for _, l := range logons {
			t.Run(d.name+"/"+l.name, func(t *testing.T) {
				fs := mustMount(t, tg, l.opts(tg, d.id), tg.Share)
				for _, f := range DataFiles {
					if err := checkDataFile(fs, f); err != nil {
						t.Error(err)
					}
				}
			})
		}
	}
}

// TestDataConcurrent: 8 readers at once, sharing one connection (their READs in flight together) or
// one connection each, read every generated file whole, each in another order, with the right hash.
func TestDataConcurrent(t *testing.T) {
	tg := startServer(t)
	logReadPath(t)
	const readers = 8
	for _, conns := range []int{1, readers} {
		for _, l := range logons {
			t.Run(fmt.Sprintf("%dconn/%s", conns, l.name), func(t *testing.T) {
				shares := make([]*smb2.Share, conns)
				for i := range shares {
					shares[i] = mustMount(t, tg, l.opts(tg, 0), tg.Share)
				}
				var wg sync.WaitGroup
				errs := make(chan error, readers*len(DataFiles))
				for i := range readers {
					wg.Go(func() {
						for j := range DataFiles {
							if err := checkDataFile(shares[i%conns], DataFiles[(i+j)%len(DataFiles)]); err != nil {
								errs <- fmt.Errorf("reader %d: %w", i, err)
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
			})
		}
	}
}

// TestDataRefused: on the read-only data share, creating, writing, deleting, renaming and making
// directories are STATUS_ACCESS_DENIED for users and guests, and afterwards no new name exists and
// every generated file still has its hash.
func TestDataRefused(t *testing.T) {
	tg := startServer(t)
	for _, l := range logons {
		t.Run(l.name, func(t *testing.T) {
			fs := mustMount(t, tg, l.opts(tg, 0), tg.Share)
			for _, c := range []struct {
				name string
				do   func() error
			}{
				{"create", func() error { _, err := fs.Create("refused.txt"); return err }},
				{"open for writing", func() error {
					f, err := fs.OpenFile("page.bin", os.O_RDWR, 0)
					if err == nil {
						f.Close()
					}
					return err
				}},
				{"write", func() error { return fs.WriteFile("one.bin", []byte("x"), 0o644) }},
				{"truncate", func() error { return fs.Truncate("page.bin", 1) }},
				{"remove", func() error { return fs.Remove("one.bin") }},
				{"rename", func() error { return fs.Rename("one.bin", "refused.bin") }},
				{"mkdir", func() error { return fs.Mkdir("refused", 0o755) }},
			} {
				if err := c.do(); err == nil {
					t.Errorf("%s: succeeded on a read-only share", c.name)
				} else if got := ntstatus(err); got != smb.StatusAccessDenied {
					t.Errorf("%s: %v (status %v), want %v", c.name, err, got, smb.StatusAccessDenied)
				}
			}
			for _, n := range []string{"refused.txt", "refused.bin", "refused"} {
				if _, err := fs.Stat(n); ntstatus(err) != smb.StatusObjectNameNotFound {
					t.Errorf("stat %s after the refused writes: %v, want it missing", n, err)
				}
			}
			for _, f := range DataFiles {
				if err := checkDataFile(fs, f); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
