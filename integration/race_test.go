//go:build race

package integration

// raceEnabled: under the race detector sync.Pool drops a quarter of what is put back, so pooled
// paths allocate now and then and allocation counts say nothing.
const raceEnabled = true
