package cortex_test

import (
	"context"
	"path"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
	"github.com/cortex-memory/cortex/packages/client-go/internal/testserver"
)

// attempts counts the attempts of each RPC the client sends and lets a test react to them.
type attempts struct {
	mu       sync.Mutex
	counts   map[string]int
	observer func(method string, err error)
}

func newAttempts() *attempts { return &attempts{counts: map[string]int{}} }

func (a *attempts) option() cortex.Option {
	return cortex.WithDialOptions(grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		a.mu.Lock()
		a.counts[path.Base(method)]++
		observer := a.observer
		a.mu.Unlock()
		if observer != nil {
			observer(path.Base(method), err)
		}
		return err
	}))
}

func (a *attempts) of(method string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.counts[method]
}

// errOf keeps only a call's error.
func errOf[T any](_ T, err error) error { return err }

// fastReconnect makes a lazy client notice a server that came up within a fraction of a second.
var fastReconnect = cortex.WithDialOptions(grpc.WithConnectParams(grpc.ConnectParams{
	Backoff:           backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, MaxDelay: 300 * time.Millisecond},
	MinConnectTimeout: time.Second,
}))

func TestOnlyCallsSafeToRepeatAreRetriedWhenNothingListens(t *testing.T) {
	port := result(testserver.FreePort("127.0.0.1")).must(t)
	counted := newAttempts()
	client := dialTarget(t, "127.0.0.1:"+strconv.Itoa(port), cortex.WithLazyConnect(), counted.option(),
		cortex.WithRetry(cortex.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}))
	ctx := context.Background()
	withID := []*cortexv1.MemoryInput{{Id: "a", Content: "x"}}
	calls := map[string]struct {
		call func() error
		want int
	}{
		"GetMemory": {func() error { return errOf(client.GetMemory(ctx, &cortexv1.GetMemoryRequest{Namespace: "n", Id: "a"})) }, 3},
		"GetSnapshot": {func() error {
			return errOf(client.GetSnapshot(ctx, &cortexv1.GetSnapshotRequest{Namespace: "n", AgentId: "a"}))
		}, 3},
		"Remember": {func() error {
			return errOf(client.Remember(ctx, &cortexv1.RememberRequest{Namespace: "n", Memories: withID}))
		}, 3},
		"Forget": {func() error {
			return errOf(client.Forget(ctx, &cortexv1.ForgetRequest{Namespace: "n", Ids: []string{"a"}}))
		}, 3},
		"Record": {func() error { return errOf(client.Record(ctx, &cortexv1.RecordRequest{Actor: "me", Action: "x"})) }, 1},
		"PutState": {func() error {
			return errOf(client.PutState(ctx, &cortexv1.PutStateRequest{Namespace: "n", AgentId: "a"}))
		}, 1},
		"RunMaintenance": {func() error { return errOf(client.RunMaintenance(ctx, &cortexv1.RunMaintenanceRequest{})) }, 1},
	}
	for method, c := range calls {
		if err := c.call(); !cortex.IsUnavailable(err) {
			t.Errorf("%s: %v, want UNAVAILABLE", method, err)
		}
		if got := counted.of(method); got != c.want {
			t.Errorf("%s was tried %d times, want %d", method, got, c.want)
		}
	}
	before := counted.of("Remember") + counted.of("Forget")
	_, _ = client.Remember(ctx, &cortexv1.RememberRequest{Namespace: "n", Memories: []*cortexv1.MemoryInput{{Id: "a", Content: "x"}, {Content: "no id"}}})
	_, _ = client.Forget(ctx, &cortexv1.ForgetRequest{Namespace: "n", Filter: &cortexv1.MemoryFilter{Tags: []string{"old"}}})
	if got := counted.of("Remember") + counted.of("Forget") - before; got != 2 {
		t.Errorf("Remember without every id and Forget by filter took %d attempts, want 1 each", got)
	}
}

func TestAReadIsRetriedUntilALateServerIsUp(t *testing.T) {
	port := result(testserver.FreePort("127.0.0.1")).must(t)
	counted := newAttempts()
	var starting sync.Once
	started := make(chan *testserver.Server, 1)
	counted.observer = func(_ string, err error) {
		if status.Code(err) == codes.Unavailable {
			starting.Do(func() {
				go func() {
					late, err := testserver.Start(testserver.Options{Port: port})
					if err != nil {
						t.Error(err)
					}
					started <- late
				}()
			})
		}
	}
	client := dialTarget(t, "127.0.0.1:"+strconv.Itoa(port), cortex.WithLazyConnect(), counted.option(), fastReconnect,
		cortex.WithRetry(cortex.RetryPolicy{MaxAttempts: 200, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}))
	page, err := client.ListMemories(context.Background(), &cortexv1.ListMemoriesRequest{Namespace: "late"}, cortex.Timeout(90*time.Second))
	select {
	case late := <-started:
		if late != nil {
			t.Cleanup(func() { _ = late.Stop() })
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("the late server was never started (ListMemories: %v)", err)
	}
	if err != nil || len(page.GetMemories()) != 0 {
		t.Fatalf("ListMemories = %v, %v; want an empty page", page, err)
	}
	if counted.of("ListMemories") < 2 {
		t.Errorf("ListMemories was tried %d times, want a retry", counted.of("ListMemories"))
	}
}

func TestRateLimitedCallsHonourRetryAfter(t *testing.T) {
	limited, err := testserver.Start(testserver.Options{Env: map[string]string{"CORTEX_RATE_LIMIT_RPS": "1", "CORTEX_RATE_LIMIT_BURST": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = limited.Stop() })
	counted := newAttempts()
	patient := dialTarget(t, limited.Addr(), counted.option(), cortex.WithLazyConnect(),
		cortex.WithRetry(cortex.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 3 * time.Second}))
	ctx := context.Background()
	count := func() error {
		_, err := patient.CountTokens(ctx, &cortexv1.CountTokensRequest{Model: "gpt-4o", Texts: []string{"x"}})
		return err
	}

	t.Run("a read waits out retry-after and succeeds", func(t *testing.T) {
		// The bucket holds one call a second: right after one call, the next is refused.
		for try := 0; try < 3; try++ {
			_ = count()
			before := counted.of("CountTokens")
			if err := count(); err != nil {
				t.Fatalf("the retried read failed: %v", err)
			}
			if counted.of("CountTokens")-before >= 2 {
				return
			}
		}
		t.Error("no read was refused and retried: the rate limit never applied")
	})

	t.Run("a write that is unsafe to repeat fails at once, exposing retry-after", func(t *testing.T) {
		for try := 0; try < 5; try++ {
			before := counted.of("Record")
			_, err := patient.Record(ctx, &cortexv1.RecordRequest{Actor: "go-test", Action: "test.rate"})
			if err == nil {
				continue
			}
			after, ok := cortex.RetryAfter(err)
			if !cortex.IsResourceExhausted(err) || cortex.ReasonOf(err) != "RATE_LIMITED" || !ok || after < time.Second {
				t.Fatalf("refused Record: %v (reason %q, retry-after %v %v)", err, cortex.ReasonOf(err), after, ok)
			}
			if len(cortex.Trailer(err).Get("x-ratelimit-limit")) != 1 {
				t.Errorf("trailers %v lack x-ratelimit-limit", cortex.Trailer(err))
			}
			if got := counted.of("Record") - before; got != 1 {
				t.Errorf("the refused Record was tried %d times, want 1", got)
			}
			return
		}
		t.Error("no Record was refused")
	})

	t.Run("a retry-after beyond MaxBackoff is not waited for", func(t *testing.T) {
		hasty := dialTarget(t, limited.Addr(), counted.option(), cortex.WithLazyConnect(),
			cortex.WithRetry(cortex.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 100 * time.Millisecond}))
		for try := 0; try < 5; try++ {
			before := counted.of("Verify")
			_, err := hasty.Verify(ctx, &cortexv1.VerifyRequest{})
			if err == nil {
				continue
			}
			if _, ok := cortex.RetryAfter(err); !cortex.IsResourceExhausted(err) || !ok {
				t.Fatalf("refused Verify: %v", err)
			}
			if got := counted.of("Verify") - before; got != 1 {
				t.Errorf("Verify was tried %d times, want 1", got)
			}
			return
		}
		t.Error("no Verify was refused")
	})
}
