package server

import (
	"time"
)

// idleTick is how often a connection asks whether it is idle: smbd's IDLE_CLOSED_TIMEOUT, one minute.
const idleTick = time.Minute

// idleWatch is a connection's check for smbd's `deadtime` rule. Every idleTick (or every `deadtime`, when
// that is shorter) the connection is closed if it has no tree connected at all, as smbd closes a client
// that connected, negotiated or logged on and went no further, or if it has no open file and no request
// has used any of its trees for `deadtime`. Its fields are touched only by the timer's function, whose
// runs follow one another.
type idleWatch struct {
	timer *time.Timer
	uses  uint64    // c.treeUses at the last check
	since time.Time // the check that first saw c.treeUses at uses
}

// startIdleWatch arms the connection's first check.
func (c *conn) startIdleWatch() {
	c.idle.since = time.Now()
	c.idle.timer = time.AfterFunc(time.Hour, c.checkIdle) // armed below, once the field is set
	c.idle.timer.Reset(idleInterval(c.srv.state.Load().cfg.Global.Deadtime))
}

// idleInterval is the time between two checks: a minute, or a shorter deadtime (tests set one).
func idleInterval(deadtime time.Duration) time.Duration {
	return max(min(idleTick, deadtime), time.Millisecond)
}

// useTree notes a request on one of the connection's trees, for the idle check. It is an atomic add,
// not a clock read, on every request.
func (c *conn) useTree() { c.treeUses.Add(1) }

// checkIdle closes the connection if it is idle and otherwise arms the next check. A reload's new
// deadtime applies from the next check on.
func (c *conn) checkIdle() {
	if c.closing.Load() {
		return
	}
	now := time.Now()
	deadtime := c.srv.state.Load().cfg.Global.Deadtime
	if u := c.treeUses.Load(); u != c.idle.uses {
		c.idle.uses, c.idle.since = u, now
	}
	trees, opens := c.population()
	switch {
	case trees == 0:
		c.log.Info().Msg("closing connection: no tree connected")
	case opens == 0 && now.Sub(c.idle.since) >= deadtime:
		c.log.Info().Dur("deadtime", deadtime).Msg("closing idle connection")
	default:
		c.idle.timer.Reset(idleInterval(deadtime))
		return
	}
	c.close()
}

// population counts the trees connected on the connection, in all its sessions, and its opens (files,
// directories and pipes).
func (c *conn) population() (trees, opens int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sessions {
		s.mu.Lock()
		trees += len(s.trees)
		s.mu.Unlock()
	}
	return trees, len(c.opens)
}
