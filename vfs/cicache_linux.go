package vfs

import (
	"container/list"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// ciCacheDirs bounds how many directories' name maps are kept. A map costs
// about 100 bytes per entry, so a handful of huge directories stay cheap.
const ciCacheDirs = 16

// dirKey identifies a directory independently of the name used to reach it.
type dirKey struct{ dev, ino uint64 }

// ciEntry maps folded names to real names for one directory, valid while
// the directory's mtime and ctime are the ones recorded.
type ciEntry struct {
	key          dirKey
	mtime, ctime unix.Timespec
	names        map[string]string // foldKey(name) -> first name in directory order
}

// ciCache is an LRU of ciEntry, so that a case-insensitive lookup in a
// large directory scans it once, not once per lookup.
type ciCache struct {
	mu    sync.Mutex
	lru   list.List // of *ciEntry, most recent first
	byKey map[dirKey]*list.Element
	gen   uint64       // bumped by clear: a scan begun before it is not kept
	scans atomic.Int64 // directory scans done, for tests
}

// lookup finds the on-disk spelling of name in the directory dirfd when
// only a case-insensitive match exists. ok is false when there is none.
//
// The directory is opened for reading even when its names are cached: the
// cache is shared by every session, and only a caller whose identity may
// list the directory may learn a name from it (Samba's scan fails for the
// others).
//
// A name that listings show mangled (see Share.listName) is found by that
// name too, unless a name on disk matches it.
func (c *ciCache) lookup(s *Share, dirfd int, name string) (real string, ok bool, err error) {
	fd, err := openat(dirfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		return "", false, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return "", false, err
	}
	key := dirKey{uint64(st.Dev), st.Ino}
	names, gen := c.get(key, st.Mtim, st.Ctim)
	if names == nil {
		start := time.Now()
		names, err = scanNames(s, fd)
		if err != nil {
			return "", false, err
		}
		c.scans.Add(1)
		if settled(st.Mtim, st.Ctim, start) {
			c.put(&ciEntry{key: key, mtime: st.Mtim, ctime: st.Ctim, names: names}, gen)
		}
	}
	real, ok = names[foldKey(name)]
	return real, ok, nil
}

// settled reports whether the directory last changed clearly before the
// scan started. Only then does an unchanged mtime/ctime later prove that
// the directory is unchanged: a change made during the scan could carry
// the same coarse timestamp as the one recorded. File systems that store
// whole seconds (both nanosecond fields zero) get a two-second margin (FAT
// stores two-second times); others get 50ms, well above the kernel's coarse
// clock tick.
func settled(mtime, ctime unix.Timespec, scanStart time.Time) bool {
	margin := 50 * time.Millisecond
	if mtime.Nsec == 0 && ctime.Nsec == 0 {
		margin = 2 * time.Second
	}
	limit := scanStart.Add(-margin)
	return time.Unix(mtime.Unix()).Before(limit) && time.Unix(ctime.Unix()).Before(limit)
}

// get returns the directory's names, or nil and the generation a scan
// starting now belongs to.
func (c *ciCache) get(key dirKey, mtime, ctime unix.Timespec) (map[string]string, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, c.gen
	}
	e := el.Value.(*ciEntry)
	if e.mtime != mtime || e.ctime != ctime {
		c.lru.Remove(el)
		delete(c.byKey, key)
		return nil, c.gen
	}
	c.lru.MoveToFront(el)
	return e.names, c.gen
}

// put keeps e, made by a scan of generation gen, unless clear ran since.
func (c *ciCache) put(e *ciEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.byKey == nil {
		c.byKey = make(map[dirKey]*list.Element)
	}
	if el, ok := c.byKey[e.key]; ok {
		c.lru.Remove(el)
	}
	c.byKey[e.key] = c.lru.PushFront(e)
	for c.lru.Len() > ciCacheDirs {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.byKey, old.Value.(*ciEntry).key)
	}
}

// clear forgets every directory, for a change of what a scan finds.
func (c *ciCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.byKey)
	c.gen++
}

// scanNames reads the directory fd, freshly opened for reading, once and
// maps every folded name to its first spelling in directory order, then
// every folded mangled name of s's listings that no name on disk has.
func scanNames(s *Share, fd int) (map[string]string, error) {
	names := make(map[string]string)
	var mangled map[string]string
	var d dirReader
	for {
		name, err := d.next(fd)
		if err != nil {
			return nil, err
		}
		if name == "" {
			break
		}
		k := foldKey(name)
		if _, dup := names[k]; !dup {
			names[k] = name
		}
		if shown, ok := s.listName(name); ok && shown != name {
			if mangled == nil {
				mangled = make(map[string]string)
			}
			if k := foldKey(shown); mangled[k] == "" {
				mangled[k] = name
			}
		}
	}
	for k, name := range mangled {
		if _, dup := names[k]; !dup {
			names[k] = name
		}
	}
	return names, nil
}
