package auth

import (
	"crypto/sha256"
	"testing"
	"time"
)

// A lookup that overlapped a revocation notice keeps nothing: it may have
// read the credential just before the revocation committed.
func TestCacheKeepsNothingAcrossARevocation(t *testing.T) {
	var c cache
	now := time.Unix(1_700_000_000, 0)
	key := sha256.Sum256([]byte("bps_token"))
	p := Principal{UserID: "u", SessionID: "s"}

	c.put(key, c.generation(), p, now, now.Add(time.Hour))
	if _, ok := c.get(key, now); ok {
		t.Fatal("served before the cache was listening")
	}
	c.setLive(true)
	gen := c.generation()
	c.empty() // a revocation is heard while the lookup runs
	c.put(key, gen, p, now, now.Add(time.Hour))
	if _, ok := c.get(key, now); ok {
		t.Fatal("kept a lookup that overlapped a revocation")
	}

	c.put(key, c.generation(), p, now, now.Add(time.Hour))
	if got, ok := c.get(key, now.Add(cacheFor-time.Second)); !ok || got != p {
		t.Fatalf("get = %v, %v; want the cached principal", got, ok)
	}
	if _, ok := c.get(key, now.Add(cacheFor)); ok {
		t.Fatalf("served after %v", cacheFor)
	}
	c.put(key, c.generation(), p, now, now.Add(time.Second))
	if _, ok := c.get(key, now.Add(time.Second)); ok {
		t.Fatal("served after its own time (expiry or the next slide)")
	}
}
