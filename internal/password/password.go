// Package password hashes and checks passwords with argon2id, stored as PHC
// strings ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so parameters can be
// raised later without breaking existing hashes.
//
// Every argon2 run takes 19 MiB for its duration, so runs go through a
// Hasher, which lets only a fixed number happen at once: a burst of
// sign-ins queues instead of taking the process's memory.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// OWASP's minimum recommendation for argon2id: 19 MiB, 2 passes, 1 lane.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	saltLen   = 16
	keyLen    = 32
	// MemoryPerRun is what one argon2 run allocates.
	MemoryPerRun = memoryKiB << 10
)

var b64 = base64.RawStdEncoding

// DefaultConcurrency is the number of argon2 runs at once when none is
// configured: one per CPU (more would only queue for the CPU), at most 4
// (76 MiB of argon2 memory).
func DefaultConcurrency() int { return min(runtime.NumCPU(), 4) }

// Hasher runs argon2 for at most a fixed number of callers at once; the
// others wait their turn, or give up when their context ends.
type Hasher struct {
	slots   chan struct{}
	runs    atomic.Uint64
	waiting atomic.Int64
}

// NewHasher returns a Hasher running at most concurrency argon2 runs at once
// (DefaultConcurrency when concurrency < 1).
func NewHasher(concurrency int) *Hasher {
	if concurrency < 1 {
		concurrency = DefaultConcurrency()
	}
	return &Hasher{slots: make(chan struct{}, concurrency)}
}

// Concurrency is the number of argon2 runs allowed at once.
func (h *Hasher) Concurrency() int { return cap(h.slots) }

// Runs is the number of argon2 runs so far (hashes and checks).
func (h *Hasher) Runs() uint64 { return h.runs.Load() }

// Waiting is the number of callers waiting for a turn now.
func (h *Hasher) Waiting() int64 { return h.waiting.Load() }

// idKey is argon2.IDKey in a turn of its own. It fails only when ctx ends
// before the turn comes, and then argon2 did not run.
func (h *Hasher) idKey(ctx context.Context, pw, salt []byte, t, m uint32, p uint8, n uint32) ([]byte, error) {
	h.waiting.Add(1)
	select {
	case h.slots <- struct{}{}:
		h.waiting.Add(-1)
	case <-ctx.Done():
		h.waiting.Add(-1)
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	h.runs.Add(1)
	return argon2.IDKey(pw, salt, t, m, p, n), nil
}

// Hash returns the PHC string of pw with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := h.idKey(ctx, []byte(pw), salt, passes, memoryKiB, lanes, keyLen)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, passes, lanes, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Check reports whether pw matches the PHC string encoded. An error means
// argon2 did not run: a malformed hash, or ctx ended while waiting.
func (h *Hasher) Check(ctx context.Context, pw, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("password: unsupported argon2 version")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("password: bad parameters: %w", err)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password: bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("password: bad hash: %w", err)
	}
	got, err := h.idKey(ctx, []byte(pw), salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummy has our parameters, a random salt and a random key: checking against
// it costs what a real check costs and never matches. Using it when an email
// is unknown keeps the response time from revealing which emails have
// accounts.
var dummy = func() string {
	buf := make([]byte, saltLen+keyLen)
	_, _ = rand.Read(buf)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, passes, lanes, b64.EncodeToString(buf[:saltLen]), b64.EncodeToString(buf[saltLen:]))
}()

// CheckDummy spends the time of a real Check and matches nothing. It fails
// only when ctx ends before argon2 runs.
func (h *Hasher) CheckDummy(ctx context.Context, pw string) error {
	_, err := h.Check(ctx, pw, dummy)
	return err
}
