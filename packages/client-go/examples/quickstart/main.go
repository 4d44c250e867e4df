// Command quickstart walks the five steps of the Cortex quick start with the Go SDK: remember,
// recall, build a context, read an agent's snapshot and follow the ledger. Run it against
// `npm start` from the repository root:
//
//	go run ./examples/quickstart    # CORTEX_ADDR and CORTEX_API_KEY when set, else localhost:4949
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(out io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := cortex.Dial(ctx, "") // "" = CORTEX_ADDR, else localhost:4949
	if err != nil {
		return err
	}
	defer client.Close()

	// 1. Remember. Items with ids are idempotent: running this twice stores them once.
	remembered, err := client.Remember(ctx, &cortexv1.RememberRequest{
		Namespace: "demo",
		Memories: []*cortexv1.MemoryInput{
			{Id: "deploy-42", AgentId: "planner", Content: "The staging deploy failed: migration 42 timed out", Tags: []string{"deploy"}},
			{Id: "friday", AgentId: "planner", Content: "The team prefers rolling back over hotfixing on Fridays"},
		},
	})
	if err != nil {
		return err
	}
	for _, result := range remembered.GetResults() {
		fmt.Fprintln(out, "remembered", result.GetMemory().GetId(), result.GetOutcome())
	}

	// 2. Recall by meaning and keyword (HYBRID).
	recalled, err := client.Recall(ctx, &cortexv1.RecallRequest{Namespace: "demo", Query: "why did the deploy fail?", TopK: 3})
	if err != nil {
		return err
	}
	for _, hit := range recalled.GetHits() {
		fmt.Fprintf(out, "recalled %.3f %s\n", hit.GetScore(), hit.GetMemory().GetContent())
	}

	// 3. Build an LLM context within an exact token budget.
	built, err := client.BuildContext(ctx, &cortexv1.BuildContextRequest{
		Namespace: "demo", AgentId: "planner", Query: "what went wrong with the deploy?", TokenBudget: 200, Model: "gpt-4o",
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "context of %d/%d tokens:\n%s\n", built.GetTokensUsed(), built.GetTokenBudget(), built.GetText())

	// 4. Get the agent's snapshot: hot memories, state and the ledger head.
	snapshot, err := client.GetSnapshot(ctx, &cortexv1.GetSnapshotRequest{Namespace: "demo", AgentId: "planner"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "snapshot: %d hot memories, ledger head %d\n", len(snapshot.GetHotMemories()), snapshot.GetLedgerHeadSeq())

	// 5. Subscribe to the ledger. ToSeq ends the replay at the head; leave it 0 to follow new
	// commits live (the iterator reconnects and resumes by itself if the server restarts).
	follow := &cortexv1.SubscribeRequest{Namespace: "demo", ToSeq: snapshot.GetLedgerHeadSeq()}
	for commit, err := range client.Subscribe(ctx, follow) {
		if err != nil {
			return err
		}
		for _, entry := range commit.GetEntries() {
			fmt.Fprintf(out, "ledger #%d %s %s by %s\n", entry.GetSeq(), entry.GetAction(), entry.GetSubject(), entry.GetActor())
		}
	}
	return nil
}
