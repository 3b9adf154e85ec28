package zerocopy

import (
	"errors"
	"os"
	"sync"
)

// Buffer size classes: powers of two from 64 KiB to 8 MiB (Samba's
// "smb2 max read"). A request is served from the smallest class that holds it;
// larger requests get an unpooled buffer.
const (
	minClassShift = 16 // 64 KiB
	numClasses    = 8  // 64 KiB, 128 KiB, ... 8 MiB
	maxClassSize  = 1 << (minClassShift + numClasses - 1)

	// defaultPoolCap bounds the bytes kept idle in the shared pool, split
	// evenly between the classes (32 MiB each: four 8 MiB buffers, 512 of
	// 64 KiB). Buffers released beyond it are left to the garbage collector,
	// so a burst of large reads cannot pin memory for the life of the server,
	// and a pool full of one size cannot starve the others.
	defaultPoolCap = 256 << 20
)

// Headroom is the spare room every Buffer keeps in front of its bytes: a
// caller can put a small header there (an SMB2 READ response is 80 bytes) and
// hand header and data on as one slice, without copying the data. AES-GMAC
// signing needs that: Go's cipher.AEAD takes its input in one piece.
const Headroom = 128

// Tailroom is the spare room every Buffer keeps after its largest size: an
// AEAD that appends its 16-byte tag (AES-GCM) can then encrypt the bytes in
// place, in the slices Bytes and WithFront return (their capacity reaches it).
const Tailroom = 16

// Buffer is a byte buffer from the shared pool. Get one with GetBuffer, give
// it back with Release exactly once, and do not touch it afterwards.
type Buffer struct {
	b        []byte // Headroom bytes, then the buffer's capacity, then Tailroom bytes
	n        int
	class    int // -1: not pooled
	pool     *bufferPool
	released bool
}

// Bytes returns the buffer, of the length asked for in GetBuffer.
func (b *Buffer) Bytes() []byte { return b.b[Headroom : Headroom+b.n] }

// WithFront returns the k bytes in front of Bytes followed by Bytes, as one
// slice; k is at most Headroom.
func (b *Buffer) WithFront(k int) []byte { return b.b[Headroom-k : Headroom+b.n] }

// Release returns the buffer to the pool. A second Release of the same
// Buffer is ignored.
func (b *Buffer) Release() {
	if b == nil || b.released {
		return
	}
	b.released = true
	if b.pool == nil || b.class < 0 {
		b.b = nil
		return
	}
	b.pool.put(b)
}

// GetBuffer returns a buffer of n bytes (n < 0 counts as 0). Its contents are
// undefined: callers overwrite it (ReadFull zero-pads what the file lacks).
func GetBuffer(n int) *Buffer { return sharedPool.get(n) }

// sharedPool is the process-wide buffer pool; its state is guarded by its
// mutex.
var sharedPool = newBufferPool(defaultPoolCap)

// bufferPool keeps released buffers in one free list per size class, up to
// maxIdle bytes in total and maxIdle/numClasses bytes per class. An explicit
// free list rather than sync.Pool keeps the memory bound exact and testable.
type bufferPool struct {
	mu        sync.Mutex
	free      [numClasses][]*Buffer
	idle      int64 // bytes in the free lists
	classIdle [numClasses]int64
	maxIdle   int64
}

func newBufferPool(maxIdle int64) *bufferPool { return &bufferPool{maxIdle: maxIdle} }

// classOf returns the smallest class holding n bytes, or -1 if n is larger
// than the largest class.
func classOf(n int) int {
	for c := range numClasses {
		if n <= classSize(c) {
			return c
		}
	}
	return -1
}

func classSize(c int) int { return 1 << (minClassShift + c) }

func (p *bufferPool) get(n int) *Buffer {
	n = max(n, 0)
	c := classOf(n)
	if c < 0 {
		return &Buffer{b: make([]byte, Headroom+n+Tailroom), n: n, class: -1}
	}
	p.mu.Lock()
	if l := len(p.free[c]); l > 0 {
		b := p.free[c][l-1]
		p.free[c][l-1] = nil
		p.free[c] = p.free[c][:l-1]
		p.idle -= int64(classSize(c))
		p.classIdle[c] -= int64(classSize(c))
		p.mu.Unlock()
		b.n, b.released = n, false
		return b
	}
	p.mu.Unlock()
	return &Buffer{b: make([]byte, Headroom+classSize(c)+Tailroom), n: n, class: c, pool: p}
}

func (p *bufferPool) put(b *Buffer) {
	size := int64(classSize(b.class))
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.classIdle[b.class]+size > p.maxIdle/numClasses {
		return // over the cap: let the GC have it
	}
	p.free[b.class] = append(p.free[b.class], b)
	p.idle += size
	p.classIdle[b.class] += size
}

// idleBytes reports the bytes held in the free lists.
func (p *bufferPool) idleBytes() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle
}

// ReadFull fills dst from f at offset off. Whatever the file does not have
// (it ends before off+len(dst)) is set to zero, so a response announced with
// len(dst) bytes stays framed. It returns the number of bytes that are real
// file data. End of file is not an error; any other read error is returned
// with the bytes read so far, and the rest of dst is zeroed as well.
//
// This is the copy path the server uses for responses it must see in full
// (signed, encrypted, compound).
func ReadFull(f *os.File, dst []byte, off int64) (int, error) {
	n, _, err := readFull(f, dst, off)
	return n, err
}

// readFull is ReadFull, also returning the read system calls it made.
func readFull(f *os.File, dst []byte, off int64) (int, int, error) {
	if off < 0 {
		clear(dst)
		return 0, 0, errors.New("zerocopy: negative offset")
	}
	n, calls, err := readAt(f, dst, off)
	clear(dst[n:])
	return n, calls, err
}
