// Package cortex is the Go client of Cortex, the memory service for AI agent fleets.
//
// Dial returns a *Client with one context-first method per RPC of cortex.v1. Requests and
// responses are the generated messages of package cortexv1:
//
//	client, err := cortex.Dial(ctx, "localhost:4949", cortex.WithAPIKey(key))
//	if err != nil { ... }
//	defer client.Close()
//	hits, err := client.Recall(ctx, &cortexv1.RecallRequest{Namespace: "demo", Query: "why did the deploy fail?"})
//
// ListMemoriesAll and GetEntriesAll walk every page as a Go iterator; Subscribe follows the
// ledger as an iterator of whole transactions and survives server restarts.
//
// Errors are gRPC status errors (status.Code and status.FromError work on them); ReasonOf,
// FieldViolations, ErrorMetadata and RetryAfter read the details the server attaches, and
// IsNotFound and its siblings test the code.
//
// Calls that are safe to repeat are retried on transient failures with jittered backoff that
// honours retry-after (see RetryPolicy). Every target, "host:port" or "dns:///host:port", is
// balanced round-robin over all the addresses it resolves to, skipping replicas whose
// grpc.health.v1 status is not SERVING.
package cortex
