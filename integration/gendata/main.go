// Command gendata writes the integration suite's shares and users, the same bytes on every run, so
// that the tests know every expected hash: under -root the data share (integration.WriteData), the
// private and public shares with a hello.txt each, and with -smbpasswd an smbpasswd file holding the
// test users. It is what the zsmbd image of the Docker suite runs at build time (FROM scratch has no
// shell), and what a Samba server needs to be compared with zsmbd:
//
//	gendata -root DIR [-smbpasswd FILE]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zsmbd/zsmbd/integration"
	"github.com/zsmbd/zsmbd/passdb"
)

func main() {
	root := flag.String("root", "", "write the shares data/, private/ and public/ under `dir`")
	pw := flag.String("smbpasswd", "", "write the test users to the smbpasswd `file`")
	flag.Parse()
	if *root == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := write(*root, *pw); err != nil {
		fmt.Fprintln(os.Stderr, "gendata:", err)
		os.Exit(1)
	}
}

func write(root, pw string) error {
	if err := integration.WriteData(filepath.Join(root, "data")); err != nil {
		return err
	}
	for _, d := range []string{"private", "public"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(root, d, "hello.txt"), []byte("hello from "+d+"\n"), 0o644); err != nil {
			return err
		}
	}
	if pw == "" {
		return nil
	}
	for _, u := range []integration.User{integration.TestUser, integration.OtherUser} {
		if err := passdb.SetPassword(pw, u.Name, u.Password); err != nil {
			return err
		}
	}
	return nil
}
