package cortex

import (
	"context"
	"iter"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

// Record appends an audit event to the ledger. Never retried: a repeat would append twice.
func (c *Client) Record(ctx context.Context, req *cortexv1.RecordRequest, opts ...CallOption) (*cortexv1.RecordResponse, error) {
	return invoke[cortexv1.RecordResponse](ctx, c, cortexv1.LedgerService_Record_FullMethodName, req, opts)
}

// GetEntries returns one page of ledger entries; GetEntriesAll walks every page.
func (c *Client) GetEntries(ctx context.Context, req *cortexv1.GetEntriesRequest, opts ...CallOption) (*cortexv1.GetEntriesResponse, error) {
	return invoke[cortexv1.GetEntriesResponse](ctx, c, cortexv1.LedgerService_GetEntries_FullMethodName, req, opts)
}

// GetEntriesAll yields every entry of req's range in ascending seq, from its page token on,
// fetching pages as the loop asks for them. A failed page ends the loop with its error.
func (c *Client) GetEntriesAll(ctx context.Context, req *cortexv1.GetEntriesRequest, opts ...CallOption) iter.Seq2[*cortexv1.LedgerEntry, error] {
	return allPages(ctx, req, c.GetEntries, opts, pager[*cortexv1.GetEntriesRequest, *cortexv1.GetEntriesResponse, *cortexv1.LedgerEntry]{
		setToken: func(r *cortexv1.GetEntriesRequest, token string) { r.PageToken = token },
		items:    (*cortexv1.GetEntriesResponse).GetEntries,
		next:     (*cortexv1.GetEntriesResponse).GetNextPageToken,
	})
}

// Verify recomputes hashes, links and checkpoint signatures over a range of the ledger.
func (c *Client) Verify(ctx context.Context, req *cortexv1.VerifyRequest, opts ...CallOption) (*cortexv1.VerifyResponse, error) {
	return invoke[cortexv1.VerifyResponse](ctx, c, cortexv1.LedgerService_Verify_FullMethodName, req, opts)
}
