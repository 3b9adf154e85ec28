// Command runsuite runs the compiled integration tests (go test -c) once against each server it is
// given, one after another, and exits non-zero if any run failed. It is the entry point of the Docker
// suite's integration container, which has no shell:
//
//	runsuite [-test BIN] [-roots DIR] [-wait D] NAME=HOST:PORT... [-- TEST FLAGS]
//
// Each run gets ZSMBD_ADDR=HOST:PORT (ZSMBD_SHARE, ZSMBD_USER and ZSMBD_PASSWORD pass through from the
// environment), ZSMBD_READ_PATH=NAME for the log, and ZSMBD_ROOT=DIR/NAME/data when that directory
// exists: the server's share seen through a shared volume, for the tests that compare with the disk.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	bin := flag.String("test", "/integration.test", "the compiled integration tests")
	roots := flag.String("roots", "", "`dir` holding each server's share tree as NAME/data")
	wait := flag.Duration("wait", time.Minute, "how long to wait for each server to accept connections")
	flag.Parse()
	var targets, testArgs []string
	for i, a := range flag.Args() {
		if a == "--" {
			testArgs = flag.Args()[i+1:]
			break
		}
		targets = append(targets, a)
	}
	if len(targets) == 0 {
		fmt.Fprintln(os.Stderr, "runsuite: no NAME=HOST:PORT given")
		os.Exit(2)
	}
	// t.TempDir needs a temporary directory, and a FROM scratch image has none.
	if err := os.MkdirAll(os.TempDir(), 0o1777); err != nil {
		fmt.Fprintln(os.Stderr, "runsuite:", err)
		os.Exit(1)
	}
	var failed []string
	for _, tgt := range targets {
		name, addr, ok := strings.Cut(tgt, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "runsuite: %q: want NAME=HOST:PORT\n", tgt)
			os.Exit(2)
		}
		if err := run(*bin, name, addr, *roots, *wait, testArgs); err != nil {
			fmt.Printf("=== runsuite: %s (%s): FAIL: %v\n", name, addr, err)
			failed = append(failed, name)
			continue
		}
		fmt.Printf("=== runsuite: %s (%s): ok\n", name, addr)
	}
	if len(failed) > 0 {
		fmt.Printf("=== runsuite: FAIL against %s\n", strings.Join(failed, ", "))
		os.Exit(1)
	}
	fmt.Printf("=== runsuite: ok against all %d servers\n", len(targets))
}

// run waits for the server at addr, then runs the tests against it with their output on ours.
func run(bin, name, addr, roots string, wait time.Duration, args []string) error {
	if err := waitFor(addr, wait); err != nil {
		return err
	}
	env := append(os.Environ(), "ZSMBD_ADDR="+addr, "ZSMBD_READ_PATH="+name)
	if roots != "" {
		dir := filepath.Join(roots, name, "data")
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			env = append(env, "ZSMBD_ROOT="+dir)
		}
	}
	fmt.Printf("=== runsuite: %s: %s %s against %s\n", name, bin, strings.Join(args, " "), addr)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// waitFor dials addr until it answers: compose starts the servers and the tests together.
func waitFor(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no server at %s after %v: %v", addr, d, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
