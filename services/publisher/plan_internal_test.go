package publisher

import (
	"testing"
	"time"
)

// TestPlanAfterClaim: after a claim, the loop wakes at the next due time
// (claiming at once then) unless a lease ends sooner, and "no lease" (the
// far-off never, kept between schedule reads) does not wrap into the past.
func TestPlanAfterClaim(t *testing.T) {
	p := &Publisher{cfg: Config{SafetyPoll: 30 * time.Second}}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	p.setNextLease(never)
	if !p.lastNextLease().Equal(never) {
		t.Fatalf("never kept as %v", p.lastNextLease())
	}
	got := p.plan(now, now.Add(time.Second), p.lastNextLease())
	if !got.next.Equal(now.Add(time.Second)) || !got.due {
		t.Errorf("next due in 1s, no lease: %+v", got)
	}
	got = p.plan(now, now.Add(time.Minute), now.Add(5*time.Second))
	if !got.next.Equal(now.Add(5*time.Second)) || got.due {
		t.Errorf("a lease ending first: %+v", got)
	}
	got = p.plan(now, never, never)
	if !got.next.Equal(now.Add(30*time.Second)) || got.due {
		t.Errorf("nothing due: %+v", got)
	}
}
