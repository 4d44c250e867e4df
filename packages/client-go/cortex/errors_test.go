package cortex_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

func violatedFields(err error) []string {
	var fields []string
	for _, violation := range cortex.FieldViolations(err) {
		fields = append(fields, violation.GetField())
	}
	slices.Sort(fields)
	return fields
}

func TestInvalidArgumentStaysAStatusErrorNamingEveryBadField(t *testing.T) {
	client := dial(t)
	_, err := client.Recall(context.Background(), &cortexv1.RecallRequest{Namespace: namespace(), Query: "", TopK: 500}, cortex.CorrelationID("go-errors-1"))
	if status.Code(err) != codes.InvalidArgument || !cortex.IsInvalidArgument(err) {
		t.Fatalf("Recall with bad input: %v, want INVALID_ARGUMENT", err)
	}
	if fields := violatedFields(err); !slices.Equal(fields, []string{"query", "top_k"}) {
		t.Errorf("field violations %v, want query and top_k", fields)
	}
	for _, violation := range cortex.FieldViolations(err) {
		if violation.GetDescription() == "" {
			t.Errorf("violation of %s has no description", violation.GetField())
		}
	}
	if reason := cortex.ReasonOf(err); reason != "INVALID_ARGUMENT" {
		t.Errorf("reason %q, want INVALID_ARGUMENT", reason)
	}
	if id := cortex.CorrelationIDOf(err); id != "go-errors-1" {
		t.Errorf("correlation id %q, want the one sent", id)
	}
	if st, ok := status.FromError(err); !ok || len(st.Details()) < 2 {
		t.Errorf("status.FromError = %v, %v: want the server's status with ErrorInfo and BadRequest", st, ok)
	}
}

func TestFieldViolationsNameTheItemOfABatch(t *testing.T) {
	client := dial(t)
	_, err := client.Remember(context.Background(), &cortexv1.RememberRequest{Namespace: namespace(), Memories: []*cortexv1.MemoryInput{
		{Id: "ok", Content: "fine"}, {Id: "bad id!", Content: ""},
	}})
	if fields := violatedFields(err); !slices.Equal(fields, []string{"memories[1].content", "memories[1].id"}) {
		t.Errorf("field violations %v, want memories[1].content and memories[1].id", fields)
	}
}

func TestHelpersOfErrorsThatAreNotCallFailures(t *testing.T) {
	for _, err := range []error{nil, context.Canceled, status.Error(codes.NotFound, "plain")} {
		if cortex.ReasonOf(err) != "" || cortex.FieldViolations(err) != nil || cortex.Trailer(err) != nil || cortex.CorrelationIDOf(err) != "" {
			t.Errorf("helpers of %v found details", err)
		}
		if _, ok := cortex.RetryAfter(err); ok {
			t.Errorf("RetryAfter(%v) found a delay", err)
		}
	}
}

func TestCallsWithoutTheAPIKeyAreUnauthenticated(t *testing.T) {
	t.Setenv("CORTEX_API_KEY", "")
	client := dialTarget(t, server.Addr()) // the health check in Dial needs no key
	_, err := client.GetSnapshot(context.Background(), &cortexv1.GetSnapshotRequest{Namespace: namespace(), AgentId: "a"})
	if !cortex.IsUnauthenticated(err) {
		t.Errorf("GetSnapshot without a key: %v, want UNAUTHENTICATED", err)
	}
}

func TestTheAPIKeyComesFromTheEnvironmentWhenNotGiven(t *testing.T) {
	t.Setenv("CORTEX_API_KEY", apiKey)
	client := dialTarget(t, server.Addr())
	result(client.GetSnapshot(context.Background(), &cortexv1.GetSnapshotRequest{Namespace: namespace(), AgentId: "a"})).must(t)
}

func TestDialReadsTheTargetFromTheEnvironmentWhenEmpty(t *testing.T) {
	t.Setenv("CORTEX_ADDR", server.Addr())
	client := dialTarget(t, "", cortex.WithAPIKey(apiKey))
	result(client.CountTokens(context.Background(), &cortexv1.CountTokensRequest{Model: "gpt-4o", Texts: []string{"hi"}})).must(t)
}
