package cortex_test

// The server's Merkle tree, signed heads and proofs checked by an independent RFC 9162 (RFC 6962)
// implementation: golang.org/x/mod/sumdb/tlog, the Go checksum database's transparency log, and
// golang.org/x/mod/sumdb/note for the signed notes. The tree is rebuilt here from the entries,
// and every root, audit path and consistency proof the server gives must be the one tlog computes.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cortex-memory/cortex/packages/client-go/cortexv1"
)

// serverVerifier is the server's head key as a note verifier: the Ed25519 key docs/ledger.md says is
// derived from CORTEX_SIGNING_KEY (HKDF-SHA256, empty salt, info "cortex.ledger.ed25519.v1").
func serverVerifier(t *testing.T) note.Verifiers {
	t.Helper()
	seed := result(hkdf.Key(sha256.New, []byte(signingSecret), nil, "cortex.ledger.ed25519.v1", ed25519.SeedSize)).must(t)
	vkey := result(note.NewEd25519VerifierKey("go1", ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))).must(t)
	return note.VerifierList(result(note.NewVerifier(vkey)).must(t))
}

// head is a signed tree head as the note says, not as the response fields do.
type head struct {
	size int64
	root tlog.Hash
	note string
}

func openHead(t *testing.T, verifiers note.Verifiers, signed *cortexv1.SignedHead) head {
	t.Helper()
	opened, err := note.Open([]byte(signed.GetNote()), verifiers)
	if err != nil {
		t.Fatalf("note.Open(head at %d): %v", signed.GetTreeSize(), err)
	}
	lines := strings.Split(opened.Text, "\n")
	if len(lines) < 3 || lines[0] != "cortex.ledger" {
		t.Fatalf("head text %q is not a checkpoint of cortex.ledger", opened.Text)
	}
	size := result(strconv.ParseInt(lines[1], 10, 64)).must(t)
	raw := result(base64.StdEncoding.DecodeString(lines[2])).must(t)
	var root tlog.Hash
	copy(root[:], raw)
	if size != signed.GetTreeSize() || !bytes.Equal(raw, signed.GetRootHash()) {
		t.Fatalf("head fields %d/%x differ from its note %d/%x", signed.GetTreeSize(), signed.GetRootHash(), size, raw)
	}
	return head{size: size, root: root, note: signed.GetNote()}
}

// localTree holds tlog's stored hashes for the entries, computed here from their hashes.
type localTree struct {
	hashes []tlog.Hash
	leaves []tlog.Hash
}

func (l *localTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, index := range indexes {
		if index >= int64(len(l.hashes)) {
			return nil, fmt.Errorf("hash %d not stored", index)
		}
		out[i] = l.hashes[index]
	}
	return out, nil
}

func (l *localTree) add(t *testing.T, entry *cortexv1.LedgerEntry) {
	t.Helper()
	data := result(hex.DecodeString(entry.GetHash())).must(t)
	stored := result(tlog.StoredHashes(int64(len(l.leaves)), data, l)).must(t)
	l.hashes = append(l.hashes, stored...)
	l.leaves = append(l.leaves, tlog.RecordHash(data))
}

func hashes(raw [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(raw))
	for i, h := range raw {
		copy(out[i][:], h)
	}
	return out
}

func TestLedgerProofsCheckOutWithTheGoTransparencyLog(t *testing.T) {
	client, ctx := dial(t), context.Background()
	verifiers := serverVerifier(t)
	var heads []head
	for range 5 {
		for i := range 6 {
			result(client.Record(ctx, &cortexv1.RecordRequest{Namespace: namespace(), Actor: "go", Action: "proof.test", Subject: strconv.Itoa(i)})).must(t)
		}
		newest := result(client.GetSignedHead(ctx, &cortexv1.GetSignedHeadRequest{})).must(t).GetHead()
		heads = append(heads, openHead(t, verifiers, newest))
	}
	genesis := result(client.GetSignedHead(ctx, &cortexv1.GetSignedHeadRequest{TreeSize: 0})).must(t).GetHead()
	if genesis.GetTreeSize() < heads[0].size {
		t.Fatalf("newest head %d is older than an earlier one %d", genesis.GetTreeSize(), heads[0].size)
	}

	last := heads[len(heads)-1]
	tree := &localTree{}
	for entry, err := range client.GetEntriesAll(ctx, &cortexv1.GetEntriesRequest{FromSeq: 1, ToSeq: last.size, PageSize: 500}) {
		if err != nil {
			t.Fatal(err)
		}
		tree.add(t, entry)
	}
	if int64(len(tree.leaves)) != last.size {
		t.Fatalf("read %d entries, want %d", len(tree.leaves), last.size)
	}

	for _, h := range heads {
		if root := result(tlog.TreeHash(h.size, tree)).must(t); root != h.root {
			t.Errorf("tree of %d entries: tlog root %v, signed root %v", h.size, root, h.root)
		}
		for seq := int64(1); seq <= h.size; seq++ {
			proof := result(client.GetInclusionProof(ctx, &cortexv1.GetInclusionProofRequest{Seq: seq, TreeSize: h.size})).must(t)
			path := hashes(proof.GetHashes())
			if err := tlog.CheckRecord(path, h.size, h.root, seq-1, tree.leaves[seq-1]); err != nil {
				t.Errorf("entry %d in %d: %v", seq, h.size, err)
			}
			if local := result(tlog.ProveRecord(h.size, seq-1, tree)).must(t); fmt.Sprint(local) != fmt.Sprint(tlog.RecordProof(path)) {
				t.Errorf("entry %d in %d: the server's audit path differs from tlog's", seq, h.size)
			}
		}
	}
	for i, older := range heads {
		for _, newer := range heads[i:] {
			proof := result(client.GetConsistencyProof(ctx, &cortexv1.GetConsistencyProofRequest{FromSize: older.size, ToSize: newer.size})).must(t)
			if older.size == newer.size {
				continue // tlog has no proof between equal trees; the server's is empty
			}
			if err := tlog.CheckTree(hashes(proof.GetHashes()), newer.size, newer.root, older.size, older.root); err != nil {
				t.Errorf("%d -> %d: %v", older.size, newer.size, err)
			}
			if local := result(tlog.ProveTree(newer.size, older.size, tree)).must(t); fmt.Sprint(local) != fmt.Sprint(tlog.TreeProof(hashes(proof.GetHashes()))) {
				t.Errorf("%d -> %d: the server's consistency proof differs from tlog's", older.size, newer.size)
			}
		}
	}

	// A wrong leaf fails tlog's check: the test can fail.
	proof := result(client.GetInclusionProof(ctx, &cortexv1.GetInclusionProofRequest{Seq: 2, TreeSize: last.size})).must(t)
	if tlog.CheckRecord(hashes(proof.GetHashes()), last.size, last.root, 1, tree.leaves[0]) == nil {
		t.Error("tlog accepted the audit path of entry 2 for entry 1")
	}
}
