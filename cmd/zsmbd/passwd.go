package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/passdb"
)

// defaultConfigFile is read by `zsmbd passwd` for `smb passwd file` when -config is not given.
const defaultConfigFile = "/etc/zsmbd/smb.conf"

// runPasswd implements `zsmbd passwd [-file F] [-config C] USER`, like `smbpasswd -a -s`: it adds or
// updates USER in a Samba smbpasswd-format file. The password comes from stdin: prompted twice without
// echo on a terminal, otherwise one line (two identical lines are accepted too).
func runPasswd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zsmbd passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "", "smbpasswd `file` (default: the configuration's smb passwd file)")
	conf := fs.String("config", "", "configuration `file` naming smb passwd file (default "+defaultConfigFile+" if present)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: zsmbd passwd [-file F] [-config C] USER")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	user := fs.Arg(0)
	path, err := passwdFile(*file, *conf, defaultConfigFile)
	if err != nil {
		fmt.Fprintf(stderr, "zsmbd passwd: %v\n", err)
		return 1
	}
	password, err := readPassword(stdin, stderr)
	if err == nil {
		err = checkPassword(password)
	}
	if err != nil {
		fmt.Fprintf(stderr, "zsmbd passwd: %v\n", err)
		return 1
	}
	if err := passdb.SetPassword(path, user, password); err != nil {
		fmt.Fprintf(stderr, "zsmbd passwd: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Password for %s set in %s\n", user, path)
	return 0
}

// passwdFile picks the smbpasswd file: -file, else `smb passwd file` of -config, else of
// defaultConf when that exists, else Samba's default.
func passwdFile(file, conf, defaultConf string) (string, error) {
	if file != "" {
		return file, nil
	}
	if conf == "" {
		if _, err := os.Stat(defaultConf); err != nil {
			return config.Default().Global.SMBPasswdFile, nil
		}
		conf = defaultConf
	}
	cfg, err := config.Load(conf)
	if err != nil {
		return "", err
	}
	return cfg.Global.SMBPasswdFile, nil
}

// readPassword reads the new password: twice without echo from a terminal, else from the lines of
// stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "New SMB password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Retype new SMB password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("passwords do not match")
		}
		return string(a), nil
	}
	sc := bufio.NewScanner(stdin)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	switch {
	case len(lines) == 0:
		return "", errors.New("no password on standard input")
	case len(lines) == 2 && lines[0] != lines[1]:
		return "", errors.New("passwords do not match")
	}
	return lines[0], nil
}

// checkPassword refuses an empty password: Samba's smbpasswd takes one, but an account anyone
// can log on to without knowing anything is never what `zsmbd passwd` was run for.
func checkPassword(pw string) error {
	if pw == "" {
		return errors.New("empty password refused")
	}
	return nil
}
