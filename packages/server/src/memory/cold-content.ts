import { deflateRawSync, inflateRawSync } from 'node:zlib';

// How a COLD memory keeps its text: raw DEFLATE of the UTF-8 bytes in memories.content_compressed,
// while memories.content is emptied (the keyword index keeps its own terms of it).

export function compressContent(content: string): Buffer {
  return deflateRawSync(Buffer.from(content, 'utf8'));
}

export function decompressContent(compressed: Uint8Array): string {
  return inflateRawSync(compressed).toString('utf8');
}
