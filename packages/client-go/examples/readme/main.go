package main

import (
	"context"
	"fmt"
	"log"

	"github.com/cortex-memory/cortex/packages/client-go/cortex"
	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func main() {
	ctx := context.Background()
	client, err := cortex.Dial(ctx, "") // "": $CORTEX_ADDR (else localhost:4949); $CORTEX_API_KEY when set
	check(err)
	defer client.Close()

	// 1. Remember (items with ids are idempotent: a repeat stores nothing new)
	_, err = client.Remember(ctx, &cortexv1.RememberRequest{Namespace: "demo", Memories: []*cortexv1.MemoryInput{
		{Id: "deploy-42", AgentId: "planner", Content: "The staging deploy failed: migration 42 timed out", Tags: []string{"deploy"}},
	}})
	check(err)

	// 2. Recall by meaning and keyword
	recalled, err := client.Recall(ctx, &cortexv1.RecallRequest{Namespace: "demo", Query: "why did the deploy fail?", TopK: 3})
	check(err)
	for _, hit := range recalled.GetHits() {
		fmt.Printf("%.3f %s\n", hit.GetScore(), hit.GetMemory().GetContent())
	}

	// 3. Build an LLM context within an exact token budget
	built, err := client.BuildContext(ctx, &cortexv1.BuildContextRequest{
		Namespace: "demo", AgentId: "planner", Query: "what went wrong with the deploy?", TokenBudget: 200, Model: "gpt-4o",
	})
	check(err)
	fmt.Printf("%d tokens:\n%s\n", built.GetTokensUsed(), built.GetText())

	// 4. The agent's snapshot: hot memories, state, ledger head
	snapshot, err := client.GetSnapshot(ctx, &cortexv1.GetSnapshotRequest{Namespace: "demo", AgentId: "planner"})
	check(err)
	fmt.Printf("%d hot memories, ledger head %d\n", len(snapshot.GetHotMemories()), snapshot.GetLedgerHeadSeq())

	// 5. Follow the ledger up to the head (ToSeq 0 follows new commits for ever, across server restarts)
	for commit, err := range client.Subscribe(ctx, &cortexv1.SubscribeRequest{Namespace: "demo", ToSeq: snapshot.GetLedgerHeadSeq()}) {
		check(err)
		for _, entry := range commit.GetEntries() {
			fmt.Println(entry.GetSeq(), entry.GetAction(), entry.GetSubject())
		}
	}
}
