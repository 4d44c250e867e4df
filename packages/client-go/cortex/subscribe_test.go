package cortex_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
	"github.com/cortex-memory/cortex/packages/client-go/internal/testserver"
)

// subjects lists the subject of every entry of the commits, in order.
func subjects(commits []*cortexv1.Commit) []string {
	var all []string
	for _, commit := range commits {
		for _, entry := range commit.GetEntries() {
			all = append(all, entry.GetSubject())
		}
	}
	return all
}

func TestSubscribeDeliversEachTransactionOfARangeInOrderThenEnds(t *testing.T) {
	client, ns := dial(t), namespace()
	var seqs []int64
	for _, item := range incidents {
		seqs = append(seqs, remember(t, client, ns, item).GetLedgerSeq())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var commits []*cortexv1.Commit
	for commit, err := range client.Subscribe(ctx, &cortexv1.SubscribeRequest{FromSeq: seqs[0], ToSeq: seqs[2], Namespace: ns}) {
		commits = append(commits, must(t, commit, err))
	}
	if got := subjects(commits); !slices.Equal(got, []string{"m1", "m2", "m3"}) || len(commits) != 3 {
		t.Errorf("%d commits with subjects %v, want one per Remember: m1 m2 m3", len(commits), got)
	}
	for _, commit := range commits {
		if commit.GetEntries()[0].GetAction() != "memory.created" || commit.GetContinued() {
			t.Errorf("commit %v, want a whole memory.created transaction", commit)
		}
	}
}

func TestSubscribeEndsWithAnErrorReconnectingCannotFix(t *testing.T) {
	client := dial(t)
	var errs []error
	for commit, err := range client.Subscribe(context.Background(), &cortexv1.SubscribeRequest{HeartbeatIntervalMs: 5}) {
		if commit != nil {
			t.Errorf("yielded %v", commit)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !cortex.IsInvalidArgument(errs[0]) || !slices.Equal(violatedFields(errs[0]), []string{"heartbeat_interval_ms"}) {
		t.Errorf("errors %v, want one INVALID_ARGUMENT naming heartbeat_interval_ms", errs)
	}
}

func TestSubscribeEndsWithCanceledWhenItsContextIs(t *testing.T) {
	client, ns := dial(t), namespace()
	from := remember(t, client, ns, incidents[0]).GetLedgerSeq()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var last error
	for commit, err := range client.Subscribe(ctx, &cortexv1.SubscribeRequest{FromSeq: from, Namespace: ns}) {
		if commit != nil {
			cancel()
		}
		last = err
	}
	if status.Code(last) != codes.Canceled {
		t.Errorf("last error %v, want CANCELED", last)
	}
}

func TestSubscribeResumesAcrossAServerRestartLosingAndRepeatingNothing(t *testing.T) {
	restarting, err := testserver.Start(testserver.Options{DataDir: t.TempDir(), Env: map[string]string{
		// One key across the restart, so checkpoints signed before it still verify.
		"CORTEX_SIGNING_KEY": "go-sdk-restart-test-signing-key-0123456789",
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = restarting.Stop() })
	patience := cortex.WithRetry(cortex.RetryPolicy{MaxAttempts: 30, InitialBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	client := dialTarget(t, restarting.Addr(), patience, fastReconnect)
	ns := namespace()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	received := make(chan *cortexv1.Commit)
	failed := make(chan error, 1)
	go func() {
		for commit, err := range client.Subscribe(ctx, &cortexv1.SubscribeRequest{Namespace: ns, HeartbeatIntervalMs: 100}) {
			if err != nil {
				failed <- err
				return
			}
			select {
			case received <- commit:
			case <-ctx.Done():
				return
			}
		}
	}()
	next := func() *cortexv1.Commit {
		t.Helper()
		select {
		case commit := <-received:
			return commit
		case err := <-failed:
			t.Fatalf("the subscription ended: %v", err)
		case <-ctx.Done():
			t.Fatal("no commit arrived")
		}
		return nil
	}
	write := func(id string) {
		t.Helper()
		// Every item has an id, so Remember is retried while the client reconnects.
		remember(t, client, ns, &cortexv1.MemoryInput{Id: id, Content: "memory " + id})
	}

	write("before")
	got := []*cortexv1.Commit{next()}
	if err := restarting.Restart(); err != nil {
		t.Fatal(err)
	}
	write("after")
	write("last")
	got = append(got, next(), next())
	// A repeat or a loss would show before "last": the stream is ordered.
	if names := subjects(got); !slices.Equal(names, []string{"before", "after", "last"}) {
		t.Errorf("subjects %v, want before after last, each once", names)
	}
	for i := 1; i < len(got); i++ {
		if got[i].GetTxId() <= got[i-1].GetTxId() {
			t.Errorf("tx %d after tx %d: not in order", got[i].GetTxId(), got[i-1].GetTxId())
		}
	}
}
