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

// GetSignedHead returns a signed tree head: the newest (req.TreeSize 0) or the one signed at
// req.TreeSize. Its Note is a C2SP signed note; check it with golang.org/x/mod/sumdb/note and the
// server's public key before trusting the head (docs/ledger.md).
func (c *Client) GetSignedHead(ctx context.Context, req *cortexv1.GetSignedHeadRequest, opts ...CallOption) (*cortexv1.GetSignedHeadResponse, error) {
	return invoke[cortexv1.GetSignedHeadResponse](ctx, c, cortexv1.LedgerService_GetSignedHead_FullMethodName, req, opts)
}

// GetInclusionProof returns the RFC 9162 audit path of entry req.Seq in the tree of req.TreeSize
// entries (0: the newest head's). golang.org/x/mod/sumdb/tlog.CheckRecord verifies it against a
// signed root, with leaf index Seq-1 and record hash tlog.RecordHash of the entry's hash bytes.
func (c *Client) GetInclusionProof(ctx context.Context, req *cortexv1.GetInclusionProofRequest, opts ...CallOption) (*cortexv1.GetInclusionProofResponse, error) {
	return invoke[cortexv1.GetInclusionProofResponse](ctx, c, cortexv1.LedgerService_GetInclusionProof_FullMethodName, req, opts)
}

// GetConsistencyProof returns the RFC 9162 proof that the tree of req.FromSize entries is a prefix
// of the one of req.ToSize (0: the newest head's); tlog.CheckTree verifies it against both roots.
func (c *Client) GetConsistencyProof(ctx context.Context, req *cortexv1.GetConsistencyProofRequest, opts ...CallOption) (*cortexv1.GetConsistencyProofResponse, error) {
	return invoke[cortexv1.GetConsistencyProofResponse](ctx, c, cortexv1.LedgerService_GetConsistencyProof_FullMethodName, req, opts)
}
