package cortex

import (
	"context"
	"iter"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

// Remember upserts up to 500 memories into one namespace, atomically. Retried only when
// every item has a client-supplied id, which makes a repeat harmless.
func (c *Client) Remember(ctx context.Context, req *cortexv1.RememberRequest, opts ...CallOption) (*cortexv1.RememberResponse, error) {
	return invoke[cortexv1.RememberResponse](ctx, c, cortexv1.MemoryService_Remember_FullMethodName, req, opts)
}

// Recall finds the memories most relevant to a query, by meaning, keyword or both (default).
func (c *Client) Recall(ctx context.Context, req *cortexv1.RecallRequest, opts ...CallOption) (*cortexv1.RecallResponse, error) {
	return invoke[cortexv1.RecallResponse](ctx, c, cortexv1.MemoryService_Recall_FullMethodName, req, opts)
}

// GetMemory returns one memory by id; IsNotFound(err) when it does not exist.
func (c *Client) GetMemory(ctx context.Context, req *cortexv1.GetMemoryRequest, opts ...CallOption) (*cortexv1.GetMemoryResponse, error) {
	return invoke[cortexv1.GetMemoryResponse](ctx, c, cortexv1.MemoryService_GetMemory_FullMethodName, req, opts)
}

// ListMemories returns one page of a namespace's memories; ListMemoriesAll walks every page.
func (c *Client) ListMemories(ctx context.Context, req *cortexv1.ListMemoriesRequest, opts ...CallOption) (*cortexv1.ListMemoriesResponse, error) {
	return invoke[cortexv1.ListMemoriesResponse](ctx, c, cortexv1.MemoryService_ListMemories_FullMethodName, req, opts)
}

// ListMemoriesAll yields every memory req selects, from its page token on, fetching pages of
// req.PageSize as the loop asks for them. A failed page ends the loop with its error.
func (c *Client) ListMemoriesAll(ctx context.Context, req *cortexv1.ListMemoriesRequest, opts ...CallOption) iter.Seq2[*cortexv1.Memory, error] {
	return allPages(ctx, req, c.ListMemories, opts, pager[*cortexv1.ListMemoriesRequest, *cortexv1.ListMemoriesResponse, *cortexv1.Memory]{
		setToken: func(r *cortexv1.ListMemoriesRequest, token string) { r.PageToken = token },
		items:    (*cortexv1.ListMemoriesResponse).GetMemories,
		next:     (*cortexv1.ListMemoriesResponse).GetNextPageToken,
	})
}

// Forget deletes memories by id or by filter, atomically. Retried only when it names ids.
func (c *Client) Forget(ctx context.Context, req *cortexv1.ForgetRequest, opts ...CallOption) (*cortexv1.ForgetResponse, error) {
	return invoke[cortexv1.ForgetResponse](ctx, c, cortexv1.MemoryService_Forget_FullMethodName, req, opts)
}

// RunMaintenance runs the tier maintenance job now. Never retried.
func (c *Client) RunMaintenance(ctx context.Context, req *cortexv1.RunMaintenanceRequest, opts ...CallOption) (*cortexv1.RunMaintenanceResponse, error) {
	return invoke[cortexv1.RunMaintenanceResponse](ctx, c, cortexv1.MemoryService_RunMaintenance_FullMethodName, req, opts)
}
