package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zsmbd/zsmbd/config"
	"github.com/zsmbd/zsmbd/smb"
)

// pipeline sends each request as a frame of its own, all in one write, so that the server's reader
// hands them to concurrent handlers, and returns the response headers in request order.
func (c *rawClient) pipeline(reqs ...func(h smb.Header) []byte) []smb.Header {
	c.t.Helper()
	var out []byte
	ids := make([]uint64, len(reqs))
	for i, body := range reqs {
		ids[i] = c.msgID
		msg := body(smb.Header{MessageID: c.msgID, Credits: 8, CreditCharge: 1})
		c.msgID++
		out = append(out, framed(msg)...)
	}
	if _, err := c.nc.Write(out); err != nil {
		c.t.Fatal(err)
	}
	hs := make([]smb.Header, len(reqs))
	for range reqs {
		resp, err := smb.ReadFrame(c.nc, nil, 1<<24)
		if err != nil {
			c.t.Fatalf("reading a pipelined response: %v", err)
		}
		rh, err := smb.DecodeHeader(resp)
		if err != nil {
			c.t.Fatal(err)
		}
		i := 0
		for i < len(ids) && ids[i] != rh.MessageID {
			i++
		}
		if i == len(ids) {
			c.t.Fatalf("response for unknown MessageId %d", rh.MessageID)
		}
		hs[i] = rh
	}
	return hs
}

// shareFDs counts this process's descriptors open on root and the files under it: the in-process
// server's share root and opens.
func shareFDs(t testing.TB, root string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && (target == root || strings.HasPrefix(target, root+"/")) {
			n++
		}
	}
	return n
}

// A LOCK and a CLOSE of one open, pipelined: whichever the server handles first, once the CLOSE has
// succeeded the open holds no byte-range lock (MS-SMB2 3.3.5.10), so another client can lock the range.
// A LOCK that looked the open up before the CLOSE and took its range after the CLOSE released the open's
// locks used to leave a lock nothing could remove (found after 27 to 14000 rounds).
func TestLockRacingCloseLeavesNoLock(t *testing.T) {
	tg := startServer(t)
	a, on := rawShare(t, tg)
	b, onB := rawShare(t, tg)
	idB := b.mustCreate(onB, "one.bin")
	rounds, both := 0, 0
	for deadline := time.Now().Add(4 * time.Second); rounds < 20000 && time.Now().Before(deadline); rounds++ {
		id := a.mustCreate(on, "one.bin")
		rng := smb.LockElement{Offset: uint64(rounds) * 16, Length: 1, Flags: smb.LockFlagExclusive | smb.LockFlagFailImmediately}
		lock := func(h smb.Header) []byte {
			h.Command, h.SessionID, h.TreeID = smb.Lock, on.sess, on.tree
			return (&smb.LockRequest{FileID: id, Locks: []smb.LockElement{rng}}).AppendTo(h.AppendTo(nil))
		}
		closeIt := func(h smb.Header) []byte {
			h.Command, h.SessionID, h.TreeID = smb.Close, on.sess, on.tree
			return (&smb.CloseRequest{FileID: id, Flags: smb.ClosePostQueryAttrib}).AppendTo(h.AppendTo(nil))
		}
		var hs []smb.Header
		if rounds%2 == 0 {
			hs = a.pipeline(lock, closeIt)
		} else {
			hs = a.pipeline(closeIt, lock)
			hs[0], hs[1] = hs[1], hs[0]
		}
		if hs[1].Status != smb.StatusSuccess {
			t.Fatalf("round %d: CLOSE: %v", rounds, hs[1].Status)
		}
		if hs[0].Status != smb.StatusSuccess {
			continue // the CLOSE came first: STATUS_FILE_CLOSED
		}
		both++
		req := smb.LockRequest{FileID: idB, Locks: []smb.LockElement{rng}}
		if h, _ := b.call(b.header(onB, smb.Lock), req.AppendTo); h.Status != smb.StatusSuccess {
			t.Fatalf("round %d: LOCK and CLOSE of one open both succeeded, yet another client's LOCK of the same byte got %v",
				rounds, h.Status)
		}
		req.Locks[0].Flags = smb.LockFlagUnlock
		if h, _ := b.call(b.header(onB, smb.Lock), req.AppendTo); h.Status != smb.StatusSuccess {
			t.Fatalf("unlock: %v", h.Status)
		}
	}
	t.Logf("%d rounds, %d with LOCK and CLOSE both successful", rounds, both)
}

// A CREATE pipelined with the LOGOFF of its session, or the TREE_DISCONNECT of its tree: whichever the
// server handles first, no open of the gone session or tree may remain (MS-SMB2 3.3.5.6, 3.3.5.8), so
// its descriptor is closed while the connection stays up. A CREATE that registered its open after the
// LOGOFF or TREE_DISCONNECT had closed the others used to keep its descriptor until the connection ended.
func TestCreateRacingLogoffLeaksNothing(t *testing.T) {
	if remote() {
		t.Skip("counts the in-process server's descriptors")
	}
	for _, end := range []smb.Command{smb.Logoff, smb.TreeDisconnect} {
		t.Run(end.String(), func(t *testing.T) {
			tg := startServer(t)
			c := dialRawClient(t, tg)
			s := c.logonGuest()
			c.treeConnect(s, tg.Share)
			base := shareFDs(t, tg.Root)
			created := 0
			for range 200 {
				on := handle{sess: s}
				if end == smb.Logoff {
					on.sess = c.logonGuest()
				}
				on.tree = c.treeConnect(on.sess, tg.Share)
				create := func(h smb.Header) []byte {
					h.Command, h.SessionID, h.TreeID = smb.Create, on.sess, on.tree
					return (&smb.CreateRequest{ImpersonationLevel: smb.ImpersonationImpersonation,
						DesiredAccess: smb.FileReadData, ShareAccess: smb.FileShareRead,
						CreateDisposition: smb.FileOpen, Name: `dir\nested\deep.txt`}).AppendTo(h.AppendTo(nil))
				}
				finish := func(h smb.Header) []byte {
					h.Command, h.SessionID, h.TreeID = end, on.sess, on.tree
					return append(h.AppendTo(nil), 4, 0, 0, 0) // LOGOFF and TREE_DISCONNECT: StructureSize 4
				}
				hs := c.pipeline(create, finish)
				if hs[1].Status != smb.StatusSuccess {
					t.Fatalf("%v: %v", end, hs[1].Status)
				}
				if hs[0].Status == smb.StatusSuccess {
					created++
				}
			}
			got := shareFDs(t, tg.Root)
			for deadline := time.Now().Add(2 * time.Second); got > base && time.Now().Before(deadline); got = shareFDs(t, tg.Root) {
				time.Sleep(10 * time.Millisecond)
			}
			t.Logf("%d of 200 CREATEs succeeded", created)
			if got > base {
				t.Errorf("%d descriptors still open on the share's files after every session or tree was gone: %d leaked", got, got-base)
			}
		})
	}
}

// A share removed by a reload keeps serving the tree connected to it (Samba keeps such a tree until
// `smbcontrol close-share`), and once that tree is gone its root descriptor is closed: each reload that
// removed or moved a share used to leak the old root for good (the old file system could never be
// unmounted).
func TestReloadReleasesRemovedShare(t *testing.T) {
	tg := startServer(t)
	if tg.Server == nil {
		t.Skip("reloads the in-process server")
	}
	public := filepath.Join(filepath.Dir(tg.Root), "public")
	c := dialRawClient(t, tg)
	s := c.logonGuest()
	on := handle{s, c.treeConnect(s, "public")}
	cfg := config.Default()
	cfg.Global.MapToGuest = config.MapToGuestBadUser
	cfg.Shares = []config.Share{{Name: "data", Path: tg.Root, ReadOnly: true, GuestOK: true, Browseable: true}}
	if err := tg.Server.Reload(cfg, nil); err != nil {
		t.Fatal(err)
	}
	id := c.mustCreate(on, "hello.txt")
	if b, st := c.read(on, id, 100); st != smb.StatusSuccess || string(b) != "hello from public\n" {
		t.Fatalf("READ on the removed share's tree: %q, %v", b, st)
	}
	c.close(on, id)
	if n := shareFDs(t, public); n == 0 {
		t.Fatal("the removed share's root is closed while a tree still uses it")
	}
	if h, _ := c.call(c.header(on, smb.TreeDisconnect), (&smb.TreeDisconnectRequest{}).AppendTo); h.Status != smb.StatusSuccess {
		t.Fatalf("TREE_DISCONNECT: %v", h.Status)
	}
	if n := shareFDs(t, public); n != 0 {
		t.Errorf("the removed share's last tree is gone, yet %d descriptors on %s are open", n, public)
	}
}

// TestLocksAndReads: byte-range locks conflict between opens (STATUS_LOCK_NOT_GRANTED), and a READ of
// a range another open holds exclusively is STATUS_FILE_LOCK_CONFLICT, as Windows and Samba enforce;
// shared locks and the reader's own locks let it read, and a CLOSE releases what its open held.
func TestLocksAndReads(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	a, b := c.mustCreate(on, "page.bin"), c.mustCreate(on, "page.bin")
	lock := func(id smb.FileID, off, n uint64, flags uint32) smb.Status {
		t.Helper()
		req := smb.LockRequest{FileID: id, Locks: []smb.LockElement{{Offset: off, Length: n, Flags: flags}}}
		h, _ := c.call(c.header(on, smb.Lock), req.AppendTo)
		return h.Status
	}
	read := func(id smb.FileID, off uint64, n uint32) smb.Status {
		t.Helper()
		h, _ := c.call(c.header(on, smb.Read), (&smb.ReadRequest{FileID: id, Offset: off, Length: n}).AppendTo)
		return h.Status
	}
	const excl, shared = smb.LockFlagExclusive | smb.LockFlagFailImmediately, smb.LockFlagShared | smb.LockFlagFailImmediately
	for _, step := range []struct {
		what string
		got  smb.Status
		want smb.Status
	}{
		{"A locks [100,200) exclusively", lock(a, 100, 100, excl), smb.StatusSuccess},
		{"B locks [150,160) shared", lock(b, 150, 10, shared), smb.StatusLockNotGranted},
		{"B reads [0,4096)", read(b, 0, 4096), smb.StatusFileLockConflict},
		{"B reads [199,200)", read(b, 199, 1), smb.StatusFileLockConflict},
		{"B reads [0,100)", read(b, 0, 100), smb.StatusSuccess},
		{"B reads [200,4096)", read(b, 200, 3896), smb.StatusSuccess},
		{"A reads its own range", read(a, 0, 4096), smb.StatusSuccess},
		{"B unlocks what it does not hold", lock(b, 100, 100, smb.LockFlagUnlock), smb.StatusRangeNotLocked},
		{"A unlocks", lock(a, 100, 100, smb.LockFlagUnlock), smb.StatusSuccess},
		{"B reads after the unlock", read(b, 0, 4096), smb.StatusSuccess},
		{"A locks [0,10) shared", lock(a, 0, 10, shared), smb.StatusSuccess},
		{"B locks [5,6) shared too", lock(b, 5, 1, shared), smb.StatusSuccess},
		{"B reads under shared locks", read(b, 0, 4096), smb.StatusSuccess},
		{"B locks [20,30) exclusively", lock(b, 20, 10, excl), smb.StatusSuccess},
		{"A reads across B's lock", read(a, 0, 4096), smb.StatusFileLockConflict},
		{"B closes", c.close(on, b), smb.StatusSuccess},
		{"A reads once B is closed", read(a, 0, 4096), smb.StatusSuccess},
	} {
		if step.got != step.want {
			t.Errorf("%s: %v, want %v", step.what, step.got, step.want)
		}
	}
}

// TestLockRequestsAllOrNothing: an UNLOCK that names one range not held changes nothing, and the
// ranges an open may hold are bounded (1024: beyond, STATUS_INSUFFICIENT_RESOURCES), so no client can
// grow the lock table, or the time a LOCK spends under its mutex, without end.
func TestLockRequestsAllOrNothing(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	a, b := c.mustCreate(on, "page.bin"), c.mustCreate(on, "page.bin")
	lock := func(id smb.FileID, elems ...smb.LockElement) smb.Status { return c.lock(on, id, elems...) }
	const excl = smb.LockFlagExclusive | smb.LockFlagFailImmediately
	if st := lock(a, smb.LockElement{Offset: 0, Length: 1, Flags: excl}, smb.LockElement{Offset: 10, Length: 1, Flags: excl}); st != smb.StatusSuccess {
		t.Fatalf("LOCK: %v", st)
	}
	if st := lock(a, smb.LockElement{Offset: 0, Length: 1, Flags: smb.LockFlagUnlock}, smb.LockElement{Offset: 100, Length: 1, Flags: smb.LockFlagUnlock}); st != smb.StatusRangeNotLocked {
		t.Fatalf("UNLOCK of a held and a free range: %v, want STATUS_RANGE_NOT_LOCKED", st)
	}
	if st := lock(b, smb.LockElement{Offset: 0, Length: 1, Flags: excl}); st != smb.StatusLockNotGranted {
		t.Errorf("the range the failed UNLOCK named is free: %v, want STATUS_LOCK_NOT_GRANTED", st)
	}
	if st := lock(a, smb.LockElement{Offset: 10, Length: 1, Flags: smb.LockFlagUnlock}); st != smb.StatusSuccess {
		t.Fatalf("UNLOCK [10,11): %v", st)
	}
	if st := lock(b, smb.LockElement{Offset: 10, Length: 1, Flags: excl}); st != smb.StatusSuccess {
		t.Errorf("[10,11) unlocked by its only holder: %v (a duplicate left behind)", st)
	}

	many := func(base uint64, n int) []smb.LockElement {
		e := make([]smb.LockElement, n)
		for i := range e {
			e[i] = smb.LockElement{Offset: base + uint64(i), Length: 1, Flags: smb.LockFlagShared | smb.LockFlagFailImmediately}
		}
		return e
	}
	c2, on2 := rawShare(t, tg)
	d := c2.mustCreate(on2, "page.bin")
	lock2 := func(elems ...smb.LockElement) smb.Status {
		h, _ := c2.call(c2.header(on2, smb.Lock), (&smb.LockRequest{FileID: d, Locks: elems}).AppendTo)
		return h.Status
	}
	if st := lock2(many(1<<20, 1025)...); st != smb.StatusInsufficientResources {
		t.Errorf("1025 ranges in one LOCK: %v, want STATUS_INSUFFICIENT_RESOURCES", st)
	}
	if st := lock2(many(1<<20, 1024)...); st != smb.StatusSuccess {
		t.Errorf("1024 ranges: %v", st)
	}
	if st := lock2(many(1<<30, 1)...); st != smb.StatusInsufficientResources {
		t.Errorf("a 1025th range: %v, want STATUS_INSUFFICIENT_RESOURCES", st)
	}
	if st := c2.close(on2, d); st != smb.StatusSuccess {
		t.Fatalf("CLOSE: %v", st)
	}
	d = c2.mustCreate(on2, "page.bin")
	if st := lock2(many(1<<20, 1024)...); st != smb.StatusSuccess {
		t.Errorf("1024 ranges on a new open, the old one's released: %v", st)
	}
}

// TestLockRequestChecks: a LOCK request is checked whole before any element is tried, with smbd 4.17.12's
// statuses (measured with impacket against both): a lock and an unlock mixed, several locks without
// FAIL_IMMEDIATELY, or an unlock with other flags is STATUS_INVALID_PARAMETER even when the first element
// would conflict, and a range that wraps past 2^64 is STATUS_INVALID_LOCK_RANGE.
func TestLockRequestChecks(t *testing.T) {
	tg := startServer(t)
	c, on := rawShare(t, tg)
	a, b := c.mustCreate(on, "page.bin"), c.mustCreate(on, "page.bin")
	lock := func(id smb.FileID, elems ...smb.LockElement) smb.Status { return c.lock(on, id, elems...) }
	const excl = smb.LockFlagExclusive | smb.LockFlagFailImmediately
	if st := lock(a, smb.LockElement{Length: 10, Flags: excl}); st != smb.StatusSuccess {
		t.Fatalf("LOCK: %v", st)
	}
	for _, tc := range []struct {
		what  string
		elems []smb.LockElement
		want  smb.Status
	}{
		{"a conflicting lock and an unlock", []smb.LockElement{{Length: 1, Flags: excl}, {Offset: 20, Length: 1, Flags: smb.LockFlagUnlock}}, smb.StatusInvalidParameter},
		{"two locks, one without FAIL_IMMEDIATELY", []smb.LockElement{{Length: 1, Flags: excl}, {Offset: 20, Length: 1, Flags: smb.LockFlagExclusive}}, smb.StatusInvalidParameter},
		{"an unlock with the exclusive flag", []smb.LockElement{{Length: 1, Flags: smb.LockFlagUnlock | smb.LockFlagExclusive}}, smb.StatusInvalidParameter},
		{"a range past 2^64", []smb.LockElement{{Offset: 1<<64 - 5, Length: 10, Flags: excl}}, smb.StatusInvalidLockRange},
		{"a conflicting lock", []smb.LockElement{{Length: 1, Flags: excl}}, smb.StatusLockNotGranted},
	} {
		if st := lock(b, tc.elems...); st != tc.want {
			t.Errorf("%s: %v, want %v", tc.what, st, tc.want)
		}
	}
}

// lock sends one LOCK request for id and returns its status.
func (c *rawClient) lock(on handle, id smb.FileID, elems ...smb.LockElement) smb.Status {
	c.t.Helper()
	h, _ := c.call(c.header(on, smb.Lock), (&smb.LockRequest{FileID: id, Locks: elems}).AppendTo)
	return h.Status
}
