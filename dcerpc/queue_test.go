package dcerpc

import (
	"runtime"
	"testing"
)

// A client that writes requests and never reads the responses must not make the server queue
// response PDUs without bound: each WRITE (up to 8 MiB over SMB2) of 32-byte NetrServerGetInfo(102)
// requests queued about 5x its size in responses (a guest on IPC$ grew the server's heap by 57 MiB in
// 160 WRITEs of 64 KiB). The pipe breaks once 64 KiB of answers are left unread.
func TestUnreadResponsesBounded(t *testing.T) {
	p := boundPipe(t, "srvsvc", serverWith(testShares), 4280, 4280)
	stub := le.AppendUint32(nil, 0)   // ServerName: NULL
	stub = le.AppendUint32(stub, 102) // Level
	one := requestPDU(2, pfcFirstFrag|pfcLastFrag, 0, 21, stub)
	var chunk []byte
	for len(chunk)+len(one) <= 64<<10 { // one 64 KiB SMB2 WRITE
		chunk = append(chunk, one...)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var err error
	writes := 0
	for ; writes < 256 && err == nil; writes++ { // 16 MiB written, nothing read
		err = p.Write(chunk)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("%d writes of %d bytes: err=%v, Buffered()=%d bytes in %d PDUs, live heap +%d MiB",
		writes, len(chunk), err, p.Buffered(), len(p.out), (int64(after.HeapAlloc)-int64(before.HeapAlloc))>>20)
	if p.Buffered() > 4<<20 {
		t.Fatalf("%d MiB of responses queued for a client that never reads", p.Buffered()>>20)
	}
}
