package cortex

import (
	"context"
	"errors"
	"io"
	"iter"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

// resumable are the stream failures Subscribe reconnects after: the server went away or shut
// down (UNAVAILABLE), or ended a subscriber that fell behind (RESOURCE_EXHAUSTED).
var resumable = []codes.Code{codes.Unavailable, codes.ResourceExhausted}

// Subscribe follows the ledger from req.FromSeq (0: the oldest entry) and yields one commit
// per transaction, in order: a transaction the server sends in parts arrives whole, as one
// Commit with Continued false. When the stream fails because the server went away, Subscribe
// reconnects with jittered backoff (the retry policy's waits, without its attempt limit) and
// resumes after the last complete transaction, so a server restart loses and repeats nothing.
//
// The loop ends when the server finishes a range (req.ToSeq), when the caller breaks out, or
// with a final error: one that reconnecting cannot fix (e.g. INVALID_ARGUMENT, OUT_OF_RANGE),
// or ctx's end as a CANCELED or DEADLINE_EXCEEDED status. Progress messages are not yielded;
// they only move the resume point. WithTimeout does not apply; Timeout does.
func (c *Client) Subscribe(ctx context.Context, req *cortexv1.SubscribeRequest, opts ...CallOption) iter.Seq2[*cortexv1.Commit, error] {
	return func(yield func(*cortexv1.Commit, error) bool) {
		call := callSettingsOf(0, opts)
		ctx, cancel := bound(ctx, call.timeout)
		defer cancel()
		ctx = c.outgoing(ctx, call.correlationID)
		s := &subscription{request: cloneOrNew(req), yield: yield}
		for failures := 1; ; failures++ {
			err := s.follow(ctx, c.ledger)
			if s.stopped || err == nil || s.finished() {
				return
			}
			if ctx.Err() != nil {
				yield(nil, status.FromContextError(ctx.Err()).Err())
				return
			}
			if !slices.Contains(resumable, status.Code(err)) {
				yield(nil, err)
				return
			}
			if s.progressed {
				failures, s.progressed = 1, false
			}
			if err := sleep(ctx, c.reconnectDelay(err, failures)); err != nil {
				yield(nil, err)
				return
			}
		}
	}
}

// reconnectDelay is the backoff before reconnect n, or the server's retry-after when longer.
func (c *Client) reconnectDelay(err error, n int) (wait time.Duration) {
	wait = c.retry.backoff(n)
	if after, ok := RetryAfter(err); ok {
		wait = max(wait, after)
	}
	return wait
}

// subscription is the state that survives reconnects: the request, whose FromSeq is the
// resume point, and whether the consumer stopped.
type subscription struct {
	request *cortexv1.SubscribeRequest
	yield   func(*cortexv1.Commit, error) bool
	// stopped: the consumer broke out of its loop; yield must not be called again.
	stopped bool
	// progressed: the current stream moved the resume point, so its failure starts a fresh
	// backoff sequence.
	progressed bool
}

// follow reads one stream until it ends, yielding complete transactions. It returns nil when
// the server ended the stream normally, else the stream's error.
func (s *subscription) follow(ctx context.Context, ledger cortexv1.LedgerServiceClient) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := ledger.Subscribe(ctx, s.request)
	if err != nil {
		return err
	}
	var parts transaction
	for {
		message, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return withTrailer(err, stream.Trailer(), "")
		}
		switch event := message.GetEvent().(type) {
		case *cortexv1.SubscribeResponse_Commit:
			commit := parts.add(event.Commit)
			if commit == nil {
				continue
			}
			if entries := commit.GetEntries(); len(entries) > 0 {
				s.resumeAfter(entries[len(entries)-1].GetSeq())
			}
			if !s.yield(commit, nil) {
				s.stopped = true
				return nil
			}
		case *cortexv1.SubscribeResponse_Progress:
			// Everything up to the head was delivered; mid-transaction it still must be resent whole.
			if parts.empty() {
				s.resumeAfter(event.Progress.GetHeadSeq())
			}
		}
	}
}

func (s *subscription) resumeAfter(seq int64) {
	if seq+1 > s.request.GetFromSeq() {
		s.request.FromSeq = seq + 1
		s.progressed = true
	}
}

// finished: the requested range was delivered completely.
func (s *subscription) finished() bool {
	return s.request.GetToSeq() != 0 && s.request.GetFromSeq() > s.request.GetToSeq()
}

// transaction gathers the parts of one transaction (Commit.Continued) until the last arrives.
type transaction struct {
	parts []*cortexv1.Commit
}

// add takes the next commit message and returns the whole transaction once it is complete.
func (t *transaction) add(part *cortexv1.Commit) *cortexv1.Commit {
	if part.GetContinued() {
		t.parts = append(t.parts, part)
		return nil
	}
	if t.empty() {
		return part
	}
	whole := &cortexv1.Commit{TxId: part.GetTxId()}
	for _, p := range append(t.parts, part) {
		whole.Entries = append(whole.Entries, p.GetEntries()...)
	}
	t.parts = nil
	return whole
}

func (t *transaction) empty() bool { return len(t.parts) == 0 }
