// Package integration holds zsmbd's end-to-end tests: real clients (go-smb2, smbclient, smbnetfs)
// against a server started in the test process, or against the server named by the environment
// (ZSMBD_ADDR, ZSMBD_SHARE, ZSMBD_USER, ZSMBD_PASSWORD), as the Docker suite does.
//
// This file makes the share's test data, the same bytes every time so a test knows every hash, and
// names the test users.
package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// User is an account the tests log on with.
type User struct{ Name, Password string }

// The test users: TestUser reaches every share, OtherUser every share but "private" (`valid users`).
var (
	TestUser  = User{"alice", "Wonder-land 1"}
	OtherUser = User{"bob", "builder"}
)

// DataFile is one generated file of the test share.
type DataFile struct {
	Name string // share-relative, '/' separated
	Size int64
}

// DataFiles are the files every content test reads: the sizes around page and READ boundaries the
// READ-path issue names.
var DataFiles = []DataFile{
	{"empty.bin", 0},
	{"one.bin", 1},
	{"page-1.bin", 4095},
	{"page.bin", 4096},
	{"64k+1.bin", 65537},
	{"8m+1.bin", 8<<20 + 1},
	{"dir/nested/deep.txt", 1000},
	{"Mixed Case Name.txt", 333},
	{"ünïcödé ñame.txt", 444},
}

// Content returns the deterministic bytes of a data file of the given name and size.
func Content(name string, size int64) []byte {
	seed := sha256.Sum256([]byte(name))
	r := rand.New(rand.NewChaCha8(seed))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// SHA256 returns the hex SHA-256 of a data file's content.
func SHA256(name string, size int64) string {
	sum := sha256.Sum256(Content(name, size))
	return hex.EncodeToString(sum[:])
}

// WriteData writes every DataFile under dir.
func WriteData(dir string) error {
	for _, f := range DataFiles {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, Content(f.Name, f.Size), 0o644); err != nil {
			return fmt.Errorf("write test data: %w", err)
		}
	}
	return nil
}
