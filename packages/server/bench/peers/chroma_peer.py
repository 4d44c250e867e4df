"""Chroma's side of bench:peers: an in-process PersistentClient fed the same documents and vectors.

Run by bench/peers.ts inside the venv it creates (.bench-cache/peers/venv, chromadb pinned there):
    python chroma_peer.py SPEC.json
SPEC names the files bench/peers.ts wrote: documents (JSON list of texts), their vectors and the
query vectors (raw float32, 384 per row), the stages (document counts), the data directory, how
many queries to time and the HNSW parameters. Prints one JSON object: per stage, ingest seconds, query latencies (ms), the
ids each query returned (bench/peers.ts scores recall@10 against exact search) and disk bytes.
Chroma has no hybrid (vector + keyword) ranking in the local client, so only VECTOR is measured.
"""

import json
import os
import sys
import time

import chromadb
import numpy as np

DIMENSIONS = 384
BATCH = 5000
WARMUP = 20
K = 10


def disk_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    with open(spec["documents"], encoding="utf-8") as f:
        documents = json.load(f)
    vectors = np.fromfile(spec["vectors"], dtype=np.float32).reshape(-1, DIMENSIONS)
    queries = np.fromfile(spec["queries"], dtype=np.float32).reshape(-1, DIMENSIONS)

    client = chromadb.PersistentClient(path=spec["dataDir"])
    hnsw = spec["hnsw"]
    collection = client.create_collection(
        "docs",
        metadata={
            "hnsw:space": "cosine",
            "hnsw:M": hnsw["m"],
            "hnsw:construction_ef": hnsw["efConstruction"],
            "hnsw:search_ef": hnsw["efSearch"],
        },
    )
    stages = []
    stored = 0
    for n in spec["stages"]:
        started = time.perf_counter()
        for i in range(stored, n, BATCH):
            j = min(n, i + BATCH)
            collection.add(ids=[str(k) for k in range(i, j)], documents=documents[i:j], embeddings=vectors[i:j])
        ingest = time.perf_counter() - started
        stored = n

        for q in queries[:WARMUP]:
            collection.query(query_embeddings=[q], n_results=K, include=[])
        latencies = []
        ids = []
        for q in queries[: spec["queryCount"]]:
            t = time.perf_counter()
            result = collection.query(query_embeddings=[q], n_results=K, include=[])
            latencies.append((time.perf_counter() - t) * 1000)
            ids.append([int(x) for x in result["ids"][0]])
        stages.append(
            {
                "documents": n,
                "ingestSeconds": ingest,
                "ingested": n - (stages[-1]["documents"] if stages else 0),
                "vectorMs": latencies,
                "vectorIds": ids,
                "diskBytes": disk_bytes(spec["dataDir"]),
            }
        )
    print(json.dumps({"chromadb": chromadb.__version__, "stages": stages}))


if __name__ == "__main__":
    main()
