// Package clock makes "now" injectable, so tests move time instead of
// sleeping.
//
// Times that several processes compare (due times, leases, throttle
// windows) come from PostgreSQL's now(): one clock for every replica. A
// query takes coalesce(sqlc.narg(now), now()), and Clock.DB gives the value
// for that argument: NULL in production, the test's time in tests.
package clock

import (
	"sync"
	"time"
)

// Clock returns the current time. The zero Clock (nil) is the real one: the
// process's clock for Now, the database's for DB.
type Clock func() time.Time

// Real is the real clock.
var Real Clock

// Now returns c's time, or the process's when c is nil.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// DB is the value for a query's sqlc.narg(now): nil, meaning PostgreSQL's
// own now(), unless a test fixed the clock.
func (c Clock) DB() *time.Time {
	if c == nil {
		return nil
	}
	t := c()
	return &t
}

// Manual is a clock that moves only when told to. It is safe for concurrent use.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual starts a manual clock at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the manual clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = t
}

// DB is the manual time as a query's sqlc.narg(now).
func (m *Manual) DB() *time.Time {
	t := m.Now()
	return &t
}
