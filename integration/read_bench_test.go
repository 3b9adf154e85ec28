package integration

// READ throughput: an in-process server and go-smb2 on loopback reading a cached 256 MiB file, per
// read-path strategy, one reader and four in flight, and signed (the copy path). Compare runs with
// benchstat; the README has this machine's figures and the command.

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

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

// BenchmarkRead reports MB/s and allocs/read: heap allocations of the whole process (server and the
// go-smb2 client together) per READ request, from runtime.MemStats.
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
		fs := mustMount(b, r.tg, r.tg.opts(r.dialect, r.signed), r.tg.Share)
		f, err := fs.Open(benchName)
		if err != nil {
			b.Fatal(err)
		}
		// Warm the page cache and check the bytes once.
		got := make([]byte, benchSize)
		if n, err := f.ReadAt(got, 0); err != nil || n != benchSize || string(got) != string(benchData()) {
			b.Fatalf("%s: read of the benchmark file: n=%d err=%v", r.name, n, err)
		}
		got = nil
		for _, readers := range []int{1, 4} {
			if r.signed && readers == 4 && r.dialect != 0x0311 {
				continue
			}
			b.Run(fmt.Sprintf("%s/readers=%d", r.name, readers), func(b *testing.B) {
				bufs := make([][]byte, readers)
				for i := range bufs {
					bufs[i] = make([]byte, benchChunk)
				}
				b.SetBytes(benchSize)
				b.ReportAllocs()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				for range b.N {
					if err := readWhole(f, readers, bufs); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&after)
				reads := float64(b.N) * benchSize / benchChunk
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/reads, "allocs/read")
				b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/reads, "B/read")
			})
		}
		f.Close()
	}
}
