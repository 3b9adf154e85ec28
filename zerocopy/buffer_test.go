package zerocopy

import (
	"bytes"
	"testing"
)

func TestBufferClasses(t *testing.T) {
	cases := []struct {
		n, capacity int
		pooled      bool
	}{
		{-5, 64 << 10, true},
		{0, 64 << 10, true},
		{1, 64 << 10, true},
		{64 << 10, 64 << 10, true},
		{64<<10 + 1, 128 << 10, true},
		{1 << 20, 1 << 20, true},
		{3 << 20, 4 << 20, true},
		{8 << 20, 8 << 20, true},
		{8<<20 + 1, 8<<20 + 1, false},
	}
	p := newBufferPool(defaultPoolCap)
	for _, tc := range cases {
		b := p.get(tc.n)
		if got := len(b.Bytes()); got != max(tc.n, 0) {
			t.Errorf("get(%d): len %d", tc.n, got)
		}
		if cap(b.b) != Headroom+tc.capacity+Tailroom || (b.pool != nil) != tc.pooled {
			t.Errorf("get(%d): capacity %d pooled %v, want %d %v", tc.n, cap(b.b), b.pool != nil, tc.capacity, tc.pooled)
		}
		if room := cap(b.WithFront(Headroom)) - len(b.WithFront(Headroom)); room < Tailroom {
			t.Errorf("get(%d): %d bytes of room after the data, want at least %d", tc.n, room, Tailroom)
		}
		b.Release()
	}
}

func TestBufferReuse(t *testing.T) {
	p := newBufferPool(defaultPoolCap)
	a := p.get(100 << 10)
	a.Bytes()[0] = 0xaa
	backing := &a.Bytes()[0]
	a.Release()
	a.Release() // ignored: the buffer must not be listed twice
	if got := p.idleBytes(); got != 128<<10 {
		t.Fatalf("idle %d after one release, want %d", got, 128<<10)
	}
	b := p.get(70 << 10) // same class
	if b != a || &b.Bytes()[0] != backing || len(b.Bytes()) != 70<<10 {
		t.Fatal("released buffer was not reused")
	}
	c := p.get(70 << 10)
	if c == b {
		t.Fatal("double Release handed one buffer out twice")
	}
	if got := p.idleBytes(); got != 0 {
		t.Fatalf("idle %d with every buffer in use", got)
	}
	d := p.get(10 << 20) // unpooled
	d.Release()
	if got := p.idleBytes(); got != 0 {
		t.Fatalf("unpooled buffer entered the pool (idle %d)", got)
	}
}

func TestBufferPoolCap(t *testing.T) {
	const limit = 8 << 20 // 1 MiB per class
	p := newBufferPool(limit)
	var held []*Buffer
	for range 10 {
		held = append(held, p.get(1<<20), p.get(64<<10), p.get(8<<20))
	}
	for _, b := range held {
		b.Release()
	}
	// One of the ten 1 MiB buffers and all ten 64 KiB ones fit their class's
	// 1 MiB; the 8 MiB class cannot hold even one.
	if got, want := p.idleBytes(), int64(1<<20+10*64<<10); got != want {
		t.Fatalf("idle %d bytes, want %d", got, want)
	}
	if len(p.free[classOf(1<<20)]) != 1 || len(p.free[0]) != 10 || len(p.free[numClasses-1]) != 0 {
		t.Fatalf("free lists hold %d, %d, %d buffers", len(p.free[classOf(1<<20)]), len(p.free[0]), len(p.free[numClasses-1]))
	}
	// A full class does not starve another.
	small := p.get(100)
	small.Release()
	if p.get(100) != small {
		t.Fatal("small buffer not reused")
	}
	// The shared pool is capped as well.
	var many []*Buffer
	for range 40 {
		many = append(many, GetBuffer(8<<20), GetBuffer(4<<20))
	}
	for _, b := range many {
		b.Release()
	}
	if got := sharedPool.idleBytes(); got > defaultPoolCap || len(sharedPool.free[numClasses-1]) > 4 {
		t.Fatalf("shared pool holds %d idle bytes (%d of 8 MiB), cap %d", got, len(sharedPool.free[numClasses-1]), defaultPoolCap)
	}
}

func TestReadFull(t *testing.T) {
	data := randomBytes(10000, 3)
	f := tempFile(t, data)
	cases := []struct {
		off     int64
		n       int
		real    int
		wantErr bool
	}{
		{0, 10000, 10000, false},
		{0, 4096, 4096, false},
		{9000, 4096, 1000, false},
		{10000, 100, 0, false},
		{50000, 100, 0, false},
		{0, 0, 0, false},
		{-1, 10, 0, true},
	}
	for _, tc := range cases {
		dst := bytes.Repeat([]byte{0xff}, tc.n) // stale pooled contents
		got, err := ReadFull(f, dst, tc.off)
		if got != tc.real || (err != nil) != tc.wantErr {
			t.Errorf("ReadFull(off %d, n %d) = %d, %v; want %d, err %v", tc.off, tc.n, got, err, tc.real, tc.wantErr)
			continue
		}
		want := make([]byte, tc.n)
		if tc.real > 0 {
			copy(want, data[tc.off:])
		}
		if !bytes.Equal(dst, want) {
			t.Errorf("ReadFull(off %d, n %d): contents differ (not zero-padded?)", tc.off, tc.n)
		}
	}
	f.Close()
	dst := []byte{1, 2, 3}
	if n, err := ReadFull(f, dst, 0); n != 0 || err == nil || !bytes.Equal(dst, []byte{0, 0, 0}) {
		t.Errorf("closed file: %d, %v, %v", n, err, dst)
	}
}

// TestBufferWithFront: the room in front of a buffer's bytes joins them into one slice, pooled or not, and
// what is written in front survives neither into Bytes nor past Headroom.
func TestBufferWithFront(t *testing.T) {
	p := newBufferPool(defaultPoolCap)
	for _, n := range []int{0, 100, 8 << 20, 8<<20 + 1} {
		b := p.get(n)
		data := b.Bytes()
		for i := range data {
			data[i] = byte(i)
		}
		whole := b.WithFront(80)
		copy(whole, bytes.Repeat([]byte{0xee}, 80))
		if len(whole) != 80+n || !bytes.Equal(whole[80:], data) {
			t.Fatalf("n=%d: WithFront(80) is %d bytes, or its tail is not Bytes()", n, len(whole))
		}
		if n > 0 && data[0] != 0 {
			t.Fatalf("n=%d: writing in front changed the data", n)
		}
		if got := b.WithFront(Headroom); len(got) != Headroom+n {
			t.Fatalf("n=%d: WithFront(Headroom) is %d bytes", n, len(got))
		}
		b.Release()
	}
}
