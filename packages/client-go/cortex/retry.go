package cortex

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RetryPolicy says how calls that are safe to repeat are retried after a transient failure
// (UNAVAILABLE, RESOURCE_EXHAUSTED, and DEADLINE_EXCEEDED of one attempt for reads). Writes
// whose repeat could apply twice (Record, PutState, RunMaintenance, Remember without ids,
// Forget by filter) are never retried.
type RetryPolicy struct {
	// MaxAttempts counts every attempt, the first included; 1 turns retries off.
	MaxAttempts int
	// InitialBackoff caps the first wait; the cap doubles with every attempt and the wait is
	// drawn uniformly below it (full jitter).
	InitialBackoff time.Duration
	// MaxBackoff caps every wait. A retry-after longer than this is not waited for: the call
	// fails and RetryAfter(err) tells the caller how long the server asked to wait.
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is the policy of a client without WithRetry: 3 attempts, 100 ms to 5 s.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second}

func (p RetryPolicy) validate() error {
	if p.MaxAttempts < 1 {
		return fmt.Errorf("cortex: RetryPolicy.MaxAttempts must be at least 1, got %d", p.MaxAttempts)
	}
	if p.InitialBackoff < 0 || p.MaxBackoff < p.InitialBackoff {
		return fmt.Errorf("cortex: RetryPolicy needs 0 <= InitialBackoff <= MaxBackoff, got %v and %v", p.InitialBackoff, p.MaxBackoff)
	}
	return nil
}

// retryable lists, per kind of call, the only codes worth another attempt.
var retryable = map[idempotency][]codes.Code{
	read:       {codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded},
	idempotent: {codes.Unavailable, codes.ResourceExhausted},
}

// backoff is the full-jitter wait before attempt n+1: uniform in [0, min(max, initial·2^(n-1))).
func (p RetryPolicy) backoff(n int) time.Duration {
	ceiling := p.InitialBackoff << min(n-1, 30)
	if ceiling > p.MaxBackoff || ceiling <= 0 {
		ceiling = p.MaxBackoff
	}
	if ceiling <= 0 {
		return 0
	}
	return rand.N(ceiling)
}

// delay is how long to wait before attempt n+1 after err, or false when the call must fail
// now: attempts used up, a code not retryable for this call, or a retry-after beyond MaxBackoff.
func (p RetryPolicy) delay(err error, n int, kind idempotency) (time.Duration, bool) {
	code := status.Code(err)
	if n >= p.MaxAttempts || !slices.Contains(retryable[kind], code) {
		return 0, false
	}
	wait := p.backoff(n)
	if after, ok := RetryAfter(err); ok && code == codes.ResourceExhausted {
		if after > p.MaxBackoff {
			return 0, false
		}
		wait = max(wait, after)
	}
	return wait, true
}

// withRetry runs attempt until it succeeds or the policy says stop. A retry whose wait would
// end past ctx's deadline is not started; cancelling ctx ends a wait at once.
func withRetry(ctx context.Context, p RetryPolicy, kind idempotency, attempt func(context.Context) error) error {
	for n := 1; ; n++ {
		err := attempt(ctx)
		if err == nil {
			return nil
		}
		wait, ok := p.delay(err, n, kind)
		if !ok || ctx.Err() != nil {
			return err
		}
		if deadline, bounded := ctx.Deadline(); bounded && time.Now().Add(wait).After(deadline) {
			return err
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// sleep waits for d or until ctx ends, returning ctx's end as a status error.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
}
