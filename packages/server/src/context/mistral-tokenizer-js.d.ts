// mistral-tokenizer-js ships no typings; this is the slice Cortex uses.
declare module 'mistral-tokenizer-js' {
  interface MistralTokenizer {
    /** Returns undefined only when the baked vocabulary failed to initialise. */
    encode(prompt: string, addBosToken?: boolean, addPrecedingSpace?: boolean, logPerformance?: boolean): number[] | undefined;
    decode(tokenIds: number[], addBosToken?: boolean, addPrecedingSpace?: boolean): string;
  }
  const mistralTokenizer: MistralTokenizer;
  export default mistralTokenizer;
}
