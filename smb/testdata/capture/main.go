// Command capture drives github.com/hirochachacha/go-smb2 against a server so capture.sh can record what
// the project's test client really sends. It is not part of the build (testdata is ignored by go build).
package main

import (
	"fmt"
	"io"
	"net"
	"os"

	"github.com/hirochachacha/go-smb2"
)

func main() {
	addr, user, pass, share := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	conn, err := net.Dial("tcp", addr)
	check(err)
	defer conn.Close()
	d := &smb2.Dialer{Initiator: &smb2.NTLMInitiator{User: user, Password: pass}}
	s, err := d.Dial(conn)
	check(err)
	defer s.Logoff()
	fs, err := s.Mount(share)
	check(err)
	defer fs.Umount()
	check(fs.WriteFile("gosmb2.txt", []byte("written by go-smb2\n"), 0o644))
	f, err := fs.Open("gosmb2.txt")
	check(err)
	_, err = io.ReadAll(f)
	check(err)
	_, err = f.Stat()
	check(err)
	check(f.Close())
	_, err = fs.ReadDir(".")
	check(err)
	check(fs.Remove("gosmb2.txt"))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "capture:", err)
		os.Exit(1)
	}
}
