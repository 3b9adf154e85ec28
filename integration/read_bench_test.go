package integration

// READ throughput: an in-process server and go-smb2 (in a child process) on loopback reading a cached
// 256 MiB file, per read-path strategy, one reader and four in flight, and signed (the copy path).
// Compare runs with benchstat; the README has this machine's figures and the command.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/zsmbd/zsmbd/zerocopy"

	smb2 "github.com/hirochachacha/go-smb2"
)

const (
	benchName  = "256m.bin"
	benchSize  = 256 << 20
	benchChunk = 1 << 20 // go-smb2's largest READ
)

var benchData = sync.OnceValue(func() []byte {
	b := make([]byte, benchSize)
	rand.NewChaCha8(sha256.Sum256([]byte(benchName))).Read(b)
	return b
})

// readWhole reads the file once with readers goroutines, each its share of the file in 1 MiB READs
// into its own buffer.
func readWhole(f *smb2.File, readers int, bufs [][]byte) error {
	per := benchSize / readers
	errs := make(chan error, readers)
	for r := range readers {
		go func() {
			buf := bufs[r]
			for off := r * per; off < (r+1)*per; off += benchChunk {
				if _, err := f.ReadAt(buf, int64(off)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range readers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// BenchmarkRead reports MB/s and allocs/read: the server's heap allocations per READ request. The
// go-smb2 client runs in a child process (benchClient), so the benchmark process's allocations are the
// server's alone.
func BenchmarkRead(b *testing.B) {
	if remote() {
		b.Skip("needs in-process servers")
	}
	type run struct {
		name    string
		tg      *target
		dialect uint16
		signed  bool
	}
	var runs []run
	for _, st := range strategies {
		tg := startServer(b, withReadPath(st), withFile(b, benchName, benchData()))
		runs = append(runs, run{st.String(), tg, 0x0311, false})
		if st == strategies[0] {
			runs = append(runs, run{"signed-aes-cmac", tg, 0x0311, true}, run{"signed-hmac-sha256", tg, 0x0210, true})
		}
	}
	for _, r := range runs {
		var client *benchClient // started by the first of its runs that -bench selects
		for _, readers := range []int{1, 4} {
			if r.signed && readers == 4 && r.dialect != 0x0311 {
				continue
			}
			b.Run(fmt.Sprintf("%s/readers=%d", r.name, readers), func(b *testing.B) {
				if client == nil {
					client = startBenchClient(b, r.tg, r.tg.opts(r.dialect, r.signed))
				}
				b.SetBytes(benchSize)
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				client.read(b, b.N, readers)
				b.StopTimer()
				runtime.ReadMemStats(&after)
				reads := float64(b.N) * benchSize / benchChunk
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/reads, "allocs/read")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/reads, "B/read")
			})
		}
		if client != nil {
			client.close(b)
		}
	}
}

// TestReadAllocs: a READ answered on the connection's reader (one at a time, unsigned on the sendfile
// path or signed on the copy path) allocates nothing on the server: the frame, the request, its
// buffers and the request frame's buffer are pooled or reused. A READ handed to a handler goroutine
// (the copy path with four in flight) costs that goroutine's closure: about 1 per READ on a quiet
// machine, up to 1.7 when other work shares the cores (sync.Pool misses across Ps, the credit
// window's map), 3.4 if the request buffer were not handed back: checked with four Ps. The client is
// another process, so every allocation counted is the server's. With two Ps or fewer the reader answers
// every lone READ itself, so the copy path with four in flight allocates nothing either.
func TestReadAllocs(t *testing.T) {
	if remote() {
		t.Skip("needs an in-process server")
	}
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop what it holds at random")
	}
	sendfile := startServer(t, withReadPath(zerocopy.Sendfile), withFile(t, benchName, benchData()))
	copied := startServer(t, withReadPath(zerocopy.Copy), withFile(t, benchName, benchData()))
	for _, tc := range []struct {
		name    string
		tg      *target
		signed  bool
		readers int
		procs   int // the server's GOMAXPROCS for the case; 0 leaves it
		max     float64
	}{
		{"sendfile, one READ at a time", sendfile, false, 1, 0, 0.1},
		{"signed, one READ at a time", sendfile, true, 1, 0, 0.1},
		{"copy, four READs in flight, four Ps", copied, false, 4, 4, 2.5},
		{"copy, four READs in flight, two Ps", copied, false, 4, 2, 0.1},
		{"copy, four READs in flight, one P", copied, false, 4, 1, 0.1},
	} {
		client := startBenchClient(t, tc.tg, tc.tg.opts(0x0311, tc.signed))
		var before, after runtime.MemStats
		func() {
			if tc.procs > 0 {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tc.procs)) // restored even if the read fails
			}
			runtime.ReadMemStats(&before)
			client.read(t, 1, tc.readers)
			runtime.ReadMemStats(&after)
		}()
		client.close(t)
		reads := float64(benchSize / benchChunk)
		if perRead := float64(after.Mallocs-before.Mallocs) / reads; perRead > tc.max {
			t.Errorf("%s: %.2f server allocations per READ, want at most %.1f", tc.name, perRead, tc.max)
		}
	}
}

// benchClientEnv carries the child's orders, a benchClientOrders in JSON.
const benchClientEnv = "ZSMBD_BENCH_CLIENT"

// benchClientOrders says where the child connects and how it logs on (User "" is a guest).
type benchClientOrders struct {
	Addr, Share, User, Password string
	Dialect                     uint16
}

// benchClient is BenchmarkRead's go-smb2 client in a child process (this test binary running
// TestBenchClientProcess). Each line "N READERS" sent to it reads the file whole N times with READERS
// goroutines; it answers "done", or "error: ..." and exits.
type benchClient struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startBenchClient(tb testing.TB, tg *target, o dialOpts) *benchClient {
	orders, err := json.Marshal(benchClientOrders{Addr: tg.Addr, Share: tg.Share, User: o.user, Password: o.password, Dialect: o.dialect})
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchClientProcess$")
	cmd.Env = append(os.Environ(), benchClientEnv+"="+string(orders))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	c := &benchClient{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	c.expect(tb, "ready") // logged on, and the file read once and checked against the data
	return c
}

func (c *benchClient) read(tb testing.TB, n, readers int) {
	fmt.Fprintf(c.in, "%d %d\n", n, readers)
	c.expect(tb, "done")
}

// expect fails the test or benchmark unless the client's next line of its own is want (the testing package
// prints its verdict on the same stdout).
func (c *benchClient) expect(tb testing.TB, want string) {
	for c.out.Scan() {
		line := c.out.Text()
		switch {
		case line == want:
			return
		case strings.HasPrefix(line, "error: "):
			tb.Fatalf("benchmark client: %s", line)
		}
	}
	tb.Fatalf("benchmark client exited before %q: %v", want, c.out.Err())
}

func (c *benchClient) close(tb testing.TB) {
	c.in.Close()
	if err := c.cmd.Wait(); err != nil {
		tb.Fatalf("benchmark client: %v", err)
	}
}

// TestBenchClientProcess is BenchmarkRead's client when the benchmark starts this binary as its child;
// run any other way it skips.
func TestBenchClientProcess(t *testing.T) {
	env := os.Getenv(benchClientEnv)
	if env == "" {
		t.Skip("the client process of BenchmarkRead; runs only as its child")
	}
	fail := func(err error) {
		fmt.Printf("error: %v\n", err)
		os.Exit(1)
	}
	var orders benchClientOrders
	if err := json.Unmarshal([]byte(env), &orders); err != nil {
		fail(err)
	}
	o := dialOpts{dialect: orders.Dialect}
	if orders.User != "" {
		o = dialOpts{dialect: orders.Dialect, user: orders.User, password: orders.Password, sign: true}
	}
	s, err := dial(t, &target{Addr: orders.Addr}, o)
	if err != nil {
		fail(err)
	}
	fs, err := s.Mount(`\\` + orders.Addr + `\` + orders.Share)
	if err != nil {
		fail(err)
	}
	f, err := fs.Open(benchName)
	if err != nil {
		fail(err)
	}
	got := make([]byte, benchSize)
	if n, err := f.ReadAt(got, 0); err != nil || n != benchSize || !bytes.Equal(got, benchData()) {
		fail(fmt.Errorf("read of the benchmark file: n=%d err=%v, equal to the data: %v", n, err, bytes.Equal(got, benchData())))
	}
	got = nil
	bufs := make([][]byte, 4)
	for i := range bufs {
		bufs[i] = make([]byte, benchChunk)
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var n, readers int
		if _, err := fmt.Sscan(in.Text(), &n, &readers); err != nil || readers < 1 || readers > len(bufs) {
			fail(fmt.Errorf("bad order %q", in.Text()))
		}
		for range n {
			if err := readWhole(f, readers, bufs); err != nil {
				fail(err)
			}
		}
		fmt.Println("done")
	}
}
