package cortex_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

var incidents = []*cortexv1.MemoryInput{
	{Id: "m1", Content: "The deploy of the billing service failed at 09:12 because the database migration timed out."},
	{Id: "m2", Content: "Alice prefers short answers with code samples in Go."},
	{Id: "m3", Content: "The team lunch is on Friday at noon in the park."},
}

func remember(t *testing.T, client *cortex.Client, ns string, items ...*cortexv1.MemoryInput) *cortexv1.RememberResponse {
	t.Helper()
	return result(client.Remember(context.Background(), &cortexv1.RememberRequest{Namespace: ns, Memories: items})).must(t)
}

func TestRememberStoresEachItemAndReportsItsOutcome(t *testing.T) {
	client, ns := dial(t), namespace()
	created := remember(t, client, ns, incidents...)
	if created.GetLedgerSeq() == 0 || len(created.GetResults()) != 3 {
		t.Fatalf("Remember = %v, want 3 results and a ledger seq", created)
	}
	for i, result := range created.GetResults() {
		if result.GetOutcome() != cortexv1.RememberOutcome_REMEMBER_OUTCOME_CREATED || result.GetMemory().GetId() != incidents[i].GetId() {
			t.Errorf("result %d = %v, want %s CREATED", i, result, incidents[i].GetId())
		}
	}
	again := remember(t, client, ns, incidents[0])
	if outcome := again.GetResults()[0].GetOutcome(); outcome != cortexv1.RememberOutcome_REMEMBER_OUTCOME_UNCHANGED {
		t.Errorf("remembering m1 again: outcome %v, want UNCHANGED", outcome)
	}
}

func TestRecallFindsTheMemoryAQueryIsAbout(t *testing.T) {
	client, ns := dial(t), namespace()
	remember(t, client, ns, incidents...)
	for _, mode := range []cortexv1.RecallMode{cortexv1.RecallMode_RECALL_MODE_HYBRID, cortexv1.RecallMode_RECALL_MODE_VECTOR, cortexv1.RecallMode_RECALL_MODE_KEYWORD} {
		response := result(client.Recall(context.Background(), &cortexv1.RecallRequest{Namespace: ns, Query: "why did the billing deploy fail", TopK: 2, Mode: mode})).must(t)
		if hits := response.GetHits(); len(hits) == 0 || hits[0].GetMemory().GetId() != "m1" {
			t.Errorf("%v: hits %v, want m1 first", mode, hits)
		}
	}
}

func TestGetMemoryReturnsTheMemoryAndNotFoundAfterForget(t *testing.T) {
	client, ns := dial(t), namespace()
	remember(t, client, ns, incidents...)
	got := result(client.GetMemory(context.Background(), &cortexv1.GetMemoryRequest{Namespace: ns, Id: "m2"})).must(t)
	if got.GetMemory().GetContent() != incidents[1].GetContent() {
		t.Errorf("GetMemory(m2) = %v", got.GetMemory())
	}
	forgotten := result(client.Forget(context.Background(), &cortexv1.ForgetRequest{Namespace: ns, Ids: []string{"m2", "absent"}})).must(t)
	if forgotten.GetForgottenCount() != 1 || !slices.Equal(forgotten.GetForgottenIds(), []string{"m2"}) {
		t.Errorf("Forget = %v, want m2 only", forgotten)
	}
	_, err := client.GetMemory(context.Background(), &cortexv1.GetMemoryRequest{Namespace: ns, Id: "m2"})
	if !cortex.IsNotFound(err) || cortex.ReasonOf(err) != "MEMORY_NOT_FOUND" {
		t.Errorf("GetMemory after Forget: %v (reason %q), want NOT_FOUND MEMORY_NOT_FOUND", err, cortex.ReasonOf(err))
	}
}

func TestListMemoriesAllWalksEveryPageInCreationOrder(t *testing.T) {
	client, ns := dial(t), namespace()
	for _, item := range incidents { // one call each, so creation order is m1, m2, m3
		remember(t, client, ns, item)
	}
	first := result(client.ListMemories(context.Background(), &cortexv1.ListMemoriesRequest{Namespace: ns, PageSize: 2})).must(t)
	if len(first.GetMemories()) != 2 || first.GetNextPageToken() == "" {
		t.Fatalf("first page = %v, want 2 memories and a next page", first)
	}
	request := &cortexv1.ListMemoriesRequest{Namespace: ns, PageSize: 1}
	var ids []string
	for memory, err := range client.ListMemoriesAll(context.Background(), request) {
		ids = append(ids, must(t, memory, err).GetId())
	}
	if !slices.Equal(ids, []string{"m1", "m2", "m3"}) {
		t.Errorf("ListMemoriesAll ids = %v, want m1 m2 m3", ids)
	}
	if request.GetPageToken() != "" {
		t.Errorf("ListMemoriesAll changed the caller's request: %v", request)
	}
	for memory, err := range client.ListMemoriesAll(context.Background(), &cortexv1.ListMemoriesRequest{Namespace: ns, PageSize: 1, PageToken: first.GetNextPageToken()}) {
		if must(t, memory, err).GetId() != "m3" {
			t.Errorf("resuming from the second page of 2 yielded %s, want m3", memory.GetId())
		}
		break
	}
}

func TestListMemoriesAllEndsWithTheErrorOfAFailedPage(t *testing.T) {
	client := dial(t)
	var errs []error
	for memory, err := range client.ListMemoriesAll(context.Background(), &cortexv1.ListMemoriesRequest{Namespace: "bad namespace!"}) {
		if memory != nil {
			t.Errorf("yielded %v", memory)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !cortex.IsInvalidArgument(errs[0]) {
		t.Errorf("errors = %v, want one INVALID_ARGUMENT", errs)
	}
}

func TestRunMaintenanceReportsWhatWouldMove(t *testing.T) {
	client, ns := dial(t), namespace()
	remember(t, client, ns, incidents...)
	response := result(client.RunMaintenance(context.Background(), &cortexv1.RunMaintenanceRequest{Namespace: ns, DryRun: true})).must(t)
	if response.GetExpiredCount() != 0 || response.GetArchivedCount() != 0 {
		t.Errorf("dry run on fresh memories = %v, want nothing expired or archived", response)
	}
}

func TestBuildContextPacksRelevantMemoriesWithinTheBudget(t *testing.T) {
	client, ns := dial(t), namespace()
	remember(t, client, ns, incidents...)
	built := result(client.BuildContext(context.Background(), &cortexv1.BuildContextRequest{
		Namespace: ns, Query: "billing deploy failure", TokenBudget: 60, Model: "gpt-4o",
	})).must(t)
	if built.GetTokensUsed() > 60 || built.GetTokenBudget() != 60 || !strings.Contains(built.GetText(), "billing") {
		t.Errorf("BuildContext = %v, want the billing memory within 60 tokens", built)
	}
	counted := result(client.CountTokens(context.Background(), &cortexv1.CountTokensRequest{Model: "gpt-4o", Texts: []string{built.GetText(), "hello"}})).must(t)
	if len(counted.GetTokenCounts()) != 2 || counted.GetTotalTokens() != int64(counted.GetTokenCounts()[0]+counted.GetTokenCounts()[1]) {
		t.Errorf("CountTokens = %v", counted)
	}
}

func TestPutStateVersionsAndRefusesAStaleExpectedVersion(t *testing.T) {
	client, ns := dial(t), namespace()
	put := result(client.PutState(context.Background(), &cortexv1.PutStateRequest{Namespace: ns, AgentId: "planner", Set: map[string]string{"goal": "ship"}})).must(t)
	if put.GetVersion() != 1 {
		t.Fatalf("first PutState version = %d, want 1", put.GetVersion())
	}
	_, err := client.PutState(context.Background(), &cortexv1.PutStateRequest{
		Namespace: ns, AgentId: "planner", Set: map[string]string{"goal": "rest"}, ExpectedVersion: proto.Int64(0),
	})
	if !cortex.IsAborted(err) || cortex.ReasonOf(err) != "STATE_VERSION_CONFLICT" || cortex.ErrorMetadata(err)["currentVersion"] != "1" {
		t.Errorf("stale PutState: %v (reason %q, metadata %v), want ABORTED STATE_VERSION_CONFLICT at 1", err, cortex.ReasonOf(err), cortex.ErrorMetadata(err))
	}
	remember(t, client, ns, &cortexv1.MemoryInput{Id: "p1", AgentId: "planner", Content: "The planner owns the release checklist."})
	snapshot := result(client.GetSnapshot(context.Background(), &cortexv1.GetSnapshotRequest{Namespace: ns, AgentId: "planner"})).must(t)
	if snapshot.GetState()["goal"] != "ship" || snapshot.GetStateVersion() != 1 || snapshot.GetLedgerHeadSeq() == 0 {
		t.Errorf("GetSnapshot = %v, want goal=ship at version 1", snapshot)
	}
}

func TestLedgerRecordsEntriesThatReadBackInOrderAndVerify(t *testing.T) {
	client, ns := dial(t), namespace()
	var seqs []int64
	for _, subject := range []string{"a", "b", "c"} {
		recorded := result(client.Record(context.Background(), &cortexv1.RecordRequest{Namespace: ns, Actor: "go-test", Action: "test.step", Subject: subject, PayloadJson: `{"n":1}`})).must(t)
		seqs = append(seqs, recorded.GetEntry().GetSeq())
	}
	page := result(client.GetEntries(context.Background(), &cortexv1.GetEntriesRequest{FromSeq: seqs[0], ToSeq: seqs[0]})).must(t)
	if len(page.GetEntries()) != 1 || page.GetEntries()[0].GetSubject() != "a" || page.GetHeadSeq() < seqs[2] {
		t.Errorf("GetEntries(%d) = %v", seqs[0], page)
	}
	var subjects []string
	for entry, err := range client.GetEntriesAll(context.Background(), &cortexv1.GetEntriesRequest{FromSeq: seqs[0], ToSeq: seqs[2], PageSize: 1}) {
		if must(t, entry, err).GetNamespace() == ns {
			subjects = append(subjects, entry.GetSubject())
		}
	}
	if !slices.Equal(subjects, []string{"a", "b", "c"}) {
		t.Errorf("GetEntriesAll subjects = %v, want a b c", subjects)
	}
	verified := result(client.Verify(context.Background(), &cortexv1.VerifyRequest{})).must(t)
	if !verified.GetOk() || verified.GetToSeq() < seqs[2] {
		t.Errorf("Verify = %v, want ok through %d", verified, seqs[2])
	}
}

func TestCheckHealthReportsEachServiceServing(t *testing.T) {
	client := dial(t)
	for _, service := range []string{"", "cortex.v1.MemoryService", "cortex.v1.LedgerService"} {
		if status := result(client.CheckHealth(context.Background(), service)).must(t); status.String() != "SERVING" {
			t.Errorf("CheckHealth(%q) = %v", service, status)
		}
	}
}
