package cortex

import (
	"context"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

// GetSnapshot returns an agent's hot memories, state, tier counts and the ledger head.
func (c *Client) GetSnapshot(ctx context.Context, req *cortexv1.GetSnapshotRequest, opts ...CallOption) (*cortexv1.GetSnapshotResponse, error) {
	return invoke[cortexv1.GetSnapshotResponse](ctx, c, cortexv1.AgentService_GetSnapshot_FullMethodName, req, opts)
}

// PutState sets and deletes an agent's state keys; with ExpectedVersion, a stale version fails
// with IsAborted(err). Never retried: a retry after a lost success would conflict spuriously.
func (c *Client) PutState(ctx context.Context, req *cortexv1.PutStateRequest, opts ...CallOption) (*cortexv1.PutStateResponse, error) {
	return invoke[cortexv1.PutStateResponse](ctx, c, cortexv1.AgentService_PutState_FullMethodName, req, opts)
}
