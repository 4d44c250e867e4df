import { CortexClient } from '@cortex/client';

const cortex = new CortexClient({ address: process.env.CORTEX_ADDR ?? 'localhost:4949', apiKey: process.env.CORTEX_API_KEY });

// 1. Remember (items with ids are idempotent: a repeat stores nothing new)
await cortex.remember({
  namespace: 'demo',
  memories: [{ id: 'deploy-42', agentId: 'planner', content: 'The staging deploy failed: migration 42 timed out', tags: ['deploy'] }],
});

// 2. Recall by meaning and keyword
const recalled = await cortex.recall({ namespace: 'demo', query: 'why did the deploy fail?', topK: 3 });
for (const hit of recalled.hits) console.log(hit.score.toFixed(3), hit.memory?.content);

// 3. Build an LLM context within an exact token budget
const built = await cortex.buildContext({
  namespace: 'demo', agentId: 'planner', query: 'what went wrong with the deploy?', tokenBudget: 200, model: 'gpt-4o',
});
console.log(`${built.tokensUsed} tokens:\n${built.text}`);

// 4. The agent's snapshot: hot memories, state, ledger head
const snapshot = await cortex.getSnapshot({ namespace: 'demo', agentId: 'planner' });
console.log(`${snapshot.hotMemories.length} hot memories, ledger head ${snapshot.ledgerHeadSeq}`);

// 5. Follow the ledger up to the head (toSeq 0 follows new commits for ever, across server restarts)
for await (const commit of cortex.subscribeCommits({ namespace: 'demo', toSeq: snapshot.ledgerHeadSeq })) {
  for (const entry of commit.entries) console.log(entry.seq, entry.action, entry.subject);
}
cortex.close();
