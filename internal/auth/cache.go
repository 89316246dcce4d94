package auth

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/betterplan/betterplan/internal/pglisten"
)

// CredentialsChannel is notified, by triggers on sessions and api_tokens
// (migration 00021), whenever a credential is revoked, deleted or cut short.
const CredentialsChannel = "credentials_revoked"

const (
	// cacheFor bounds how long a resolved credential is served from memory.
	// It is also the most a revocation can lag when the LISTEN connection
	// died without the listener noticing.
	cacheFor = 10 * time.Second
	// cacheMax bounds the entries; beyond it the expired ones go, then all.
	cacheMax = 100_000
)

// cache remembers the credentials resolved in the last cacheFor, so most
// requests skip their lookup (make bench-api: it was a tenth of a request's
// CPU). It serves nothing while its process is not listening on
// CredentialsChannel, since it could miss a revocation, and it empties
// itself on every notification.
type cache struct {
	hits atomic.Uint64

	mu   sync.Mutex
	live bool
	gen  uint64 // counts the times the cache was emptied
	m    map[[sha256.Size]byte]cached
}

type cached struct {
	p     Principal
	until time.Time // the next lookup: expiry, sliding, last-use record or cacheFor
}

func (c *cache) get(key [sha256.Size]byte, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !c.live {
		return Principal{}, false
	}
	if !now.Before(e.until) {
		delete(c.m, key)
		return Principal{}, false
	}
	c.hits.Add(1)
	return e.p, true
}

// generation is read before a lookup and handed to put: a revocation heard
// while the lookup ran may be one it did not see, so then nothing is kept.
func (c *cache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *cache) put(key [sha256.Size]byte, gen uint64, p Principal, now, until time.Time) {
	if limit := now.Add(cacheFor); until.After(limit) {
		until = limit
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen || !now.Before(until) {
		return
	}
	if len(c.m) >= cacheMax {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= cacheMax {
			clear(c.m)
		}
	}
	if c.m == nil {
		c.m = map[[sha256.Size]byte]cached{}
	}
	c.m[key] = cached{p: p, until: until}
}

// empty forgets every credential.
func (c *cache) empty() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// setLive empties the cache and says whether it may serve: only while its
// process hears every revocation.
func (c *cache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.gen++
	clear(c.m)
}

// Listen keeps the credentials cache in step with revocations until ctx
// ends; while it is not listening (or without it), every request looks its
// credentials up.
func (i *Interceptor) Listen(ctx context.Context, conf *pgx.ConnConfig) {
	pglisten.Listener{
		Conf: conf, Channel: CredentialsChannel, Log: i.log,
		Lost:   "credentials cache: LISTEN connection lost; reconnecting (until then every request looks its credentials up)",
		Live:   i.cache.setLive,
		Notify: func(string) { i.cache.empty() },
	}.Run(ctx)
}

// Forget empties this process's credentials cache. Whatever revokes a
// credential calls it after its commit, so this process refuses the
// credential at once; the others hear of it on CredentialsChannel.
func (i *Interceptor) Forget() { i.cache.empty() }

// CacheHits counts the requests whose credentials came from the cache.
func (i *Interceptor) CacheHits() uint64 { return i.cache.hits.Load() }
