// @cortex/bridge: the `cortex bridge` command, and what a webhook receiver written in TypeScript
// needs to check a delivery.
export { runBridgeCli, type BridgeIo } from './cli.js';
export { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER, signatureHeader, verifySignature, type Verification, type VerifyOptions } from './signature.js';
