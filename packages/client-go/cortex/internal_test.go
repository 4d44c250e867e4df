package cortex

import (
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

func TestIdempotencyFollowsTheRequestForRememberAndForget(t *testing.T) {
	remember := methodOf(cortexv1.MemoryService_Remember_FullMethodName)
	forget := methodOf(cortexv1.MemoryService_Forget_FullMethodName)
	cases := []struct {
		name string
		got  idempotency
		want idempotency
	}{
		{"Remember, every item with an id", idempotencyOf(remember, &cortexv1.RememberRequest{Memories: []*cortexv1.MemoryInput{{Id: "a"}, {Id: "b"}}}), idempotent},
		{"Remember, one item without", idempotencyOf(remember, &cortexv1.RememberRequest{Memories: []*cortexv1.MemoryInput{{Id: "a"}, {}}}), unsafe},
		{"Remember, no items", idempotencyOf(remember, &cortexv1.RememberRequest{}), unsafe},
		{"Forget by ids", idempotencyOf(forget, &cortexv1.ForgetRequest{Ids: []string{"a"}}), idempotent},
		{"Forget by filter", idempotencyOf(forget, &cortexv1.ForgetRequest{Filter: &cortexv1.MemoryFilter{Tags: []string{"x"}}}), unsafe},
		{"Recall", idempotencyOf(methodOf(cortexv1.MemoryService_Recall_FullMethodName), &cortexv1.RecallRequest{}), read},
		{"Verify", idempotencyOf(methodOf(cortexv1.LedgerService_Verify_FullMethodName), &cortexv1.VerifyRequest{}), read},
		{"Record", idempotencyOf(methodOf(cortexv1.LedgerService_Record_FullMethodName), &cortexv1.RecordRequest{}), unsafe},
		{"PutState", idempotencyOf(methodOf(cortexv1.AgentService_PutState_FullMethodName), &cortexv1.PutStateRequest{}), unsafe},
		{"RunMaintenance", idempotencyOf(methodOf(cortexv1.MemoryService_RunMaintenance_FullMethodName), &cortexv1.RunMaintenanceRequest{}), unsafe},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestRetryDelayByCodeKindAndRetryAfter(t *testing.T) {
	policy := RetryPolicy{MaxAttempts: 3, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 2 * time.Second}
	limited := func(after string) error {
		return &callError{status: status.New(codes.ResourceExhausted, "slow down"), trailer: metadata.Pairs("retry-after", after)}
	}
	cases := []struct {
		name    string
		err     error
		attempt int
		kind    idempotency
		retry   bool
		atLeast time.Duration
	}{
		{"read, UNAVAILABLE", status.Error(codes.Unavailable, ""), 1, read, true, 0},
		{"read, DEADLINE_EXCEEDED", status.Error(codes.DeadlineExceeded, ""), 1, read, true, 0},
		{"idempotent write, DEADLINE_EXCEEDED", status.Error(codes.DeadlineExceeded, ""), 1, idempotent, false, 0},
		{"unsafe write, UNAVAILABLE", status.Error(codes.Unavailable, ""), 1, unsafe, false, 0},
		{"read, attempts used up", status.Error(codes.Unavailable, ""), 3, read, false, 0},
		{"read, NOT_FOUND", status.Error(codes.NotFound, ""), 1, read, false, 0},
		{"read, INTERNAL", status.Error(codes.Internal, ""), 1, read, false, 0},
		{"retry-after within MaxBackoff is waited out", limited("1.5"), 1, read, true, 1500 * time.Millisecond},
		{"retry-after beyond MaxBackoff fails at once", limited("30"), 1, idempotent, false, 0},
	}
	for _, c := range cases {
		wait, retry := policy.delay(c.err, c.attempt, c.kind)
		if retry != c.retry || wait < c.atLeast || (retry && wait > max(c.atLeast, policy.MaxBackoff)) {
			t.Errorf("%s: delay = %v, %v; want retry %v, at least %v", c.name, wait, retry, c.retry, c.atLeast)
		}
	}
}

func TestBackoffIsJitteredBelowADoublingCap(t *testing.T) {
	policy := RetryPolicy{MaxAttempts: 10, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond}
	caps := map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 300 * time.Millisecond, 40: 300 * time.Millisecond}
	for attempt, ceiling := range caps {
		distinct := map[time.Duration]bool{}
		for range 50 {
			wait := policy.backoff(attempt)
			if wait < 0 || wait >= ceiling {
				t.Fatalf("backoff(%d) = %v, want in [0, %v)", attempt, wait, ceiling)
			}
			distinct[wait] = true
		}
		if len(distinct) < 10 {
			t.Errorf("backoff(%d) took only %d values in 50 draws: no jitter", attempt, len(distinct))
		}
	}
}

func TestParseRetryAfterReadsSecondsAndHTTPDates(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"2":                             2 * time.Second,
		" 0.25 ":                        250 * time.Millisecond,
		"Fri, 02 Jan 2026 03:04:15 GMT": 10 * time.Second,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0,
	}
	for value, want := range cases {
		if got, ok := parseRetryAfter(value, now); !ok || got != want {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v", value, got, ok, want)
		}
	}
	for _, value := range []string{"", "soon", "-1", "NaN", "Inf"} {
		if got, ok := parseRetryAfter(value, now); ok {
			t.Errorf("parseRetryAfter(%q) = %v, want no delay", value, got)
		}
	}
}

func TestATransactionSentInPartsIsYieldedWhole(t *testing.T) {
	entry := func(seq int64) *cortexv1.LedgerEntry { return &cortexv1.LedgerEntry{Seq: seq, TxId: 7} }
	var tx transaction
	if whole := tx.add(&cortexv1.Commit{TxId: 7, Entries: []*cortexv1.LedgerEntry{entry(1), entry(2)}, Continued: true}); whole != nil {
		t.Fatalf("a first part was yielded: %v", whole)
	}
	if tx.empty() {
		t.Fatal("a pending part does not count")
	}
	whole := tx.add(&cortexv1.Commit{TxId: 7, Entries: []*cortexv1.LedgerEntry{entry(3)}})
	if whole.GetTxId() != 7 || whole.GetContinued() || len(whole.GetEntries()) != 3 || whole.GetEntries()[2].GetSeq() != 3 {
		t.Errorf("whole transaction = %v, want tx 7 with seqs 1-3", whole)
	}
	single := &cortexv1.Commit{TxId: 8, Entries: []*cortexv1.LedgerEntry{entry(4)}}
	if got := tx.add(single); got != single || !tx.empty() {
		t.Errorf("a one-part transaction = %v, want it unchanged", got)
	}
}

func TestTrailerAndStatusSurviveWrapping(t *testing.T) {
	err := withTrailer(status.Error(codes.ResourceExhausted, "limited"), metadata.Pairs("retry-after", "3"), "id-1")
	wrapped := errors.Join(errors.New("while syncing"), err)
	if after, ok := RetryAfter(wrapped); !ok || after != 3*time.Second {
		t.Errorf("RetryAfter through a wrap = %v, %v", after, ok)
	}
	if status.Code(wrapped) != codes.ResourceExhausted || CorrelationIDOf(wrapped) != "id-1" {
		t.Errorf("status code %v, correlation id %q through a wrap", status.Code(wrapped), CorrelationIDOf(wrapped))
	}
}

func TestCloneOrNewNeverSharesOrPanicsOnNil(t *testing.T) {
	var none *cortexv1.SubscribeRequest
	if made := cloneOrNew(none); made == nil {
		t.Error("a nil request gave nil")
	}
	request := &cortexv1.SubscribeRequest{FromSeq: 3}
	if copied := cloneOrNew(request); copied == request || copied.GetFromSeq() != 3 {
		t.Errorf("copy = %v, want a new message with from_seq 3", copied)
	}
}

// TestUndeclaredOnlyCoversRPCsTheProtoIsSilentAbout keeps one source of truth: once the proto
// declares an RPC's idempotency, its stand-in entry must go.
func TestUndeclaredOnlyCoversRPCsTheProtoIsSilentAbout(t *testing.T) {
	for name := range undeclared {
		found, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
		if err != nil {
			t.Errorf("%s: no such RPC", name)
			continue
		}
		options, _ := found.(protoreflect.MethodDescriptor).Options().(*descriptorpb.MethodOptions)
		extension, err := protoregistry.GlobalTypes.FindExtensionByName(idempotentWhenSet)
		if options.GetIdempotencyLevel() != descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN || err == nil && proto.HasExtension(options, extension) {
			t.Errorf("the proto declares the idempotency of %s now: delete its entry from undeclared", name)
		}
	}
}

func TestIsSetFollowsPathsThroughMessagesAndLists(t *testing.T) {
	recall := &cortexv1.RecallRequest{Filter: &cortexv1.MemoryFilter{Tags: []string{"x"}}}
	batch := &cortexv1.RememberRequest{Memories: []*cortexv1.MemoryInput{{Id: "a", Importance: proto.Float64(0)}, {Id: "b"}}}
	cases := []struct {
		message proto.Message
		path    string
		want    bool
	}{
		{recall, "filter.tags", true},
		{recall, "filter.kinds", false},
		{recall, "filter", true},
		{recall, "query", false},
		{batch, "memories.id", true},
		{batch, "memories.importance", false}, // set in the first item only
		{batch, "memories.no_such_field", false},
		{&cortexv1.RememberRequest{}, "memories.id", false},
		{recall, "filter.tags.more", false},
	}
	for _, c := range cases {
		if got := isSet(c.message.ProtoReflect(), strings.Split(c.path, ".")); got != c.want {
			t.Errorf("isSet(%T, %s) = %v, want %v", c.message, c.path, got, c.want)
		}
	}
}
