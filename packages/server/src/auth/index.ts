/**
 * Who may do what: API keys (principal, roles, namespaces) from the key file and the
 * environment, and the authorization policy the rpc layer applies to every call. Domain code:
 * no gRPC here; rpc/ reads each RPC's declared rule from the descriptors and asks `authorize`.
 */
export { NamespaceScope, NAMESPACE_PATTERN, NAMESPACE_RULE } from './namespaces.js';
export { authorize, holdsRole, ANONYMOUS, ROLES, type AccessRule, type Denial, type Principal, type Role } from './policy.js';
export { openKeyStore, certificateIdentities, type KeyStore } from './key-store.js';
export { KeyFileError, readKeyFile, writeKeyFile } from './key-file.js';
export { generateToken, loadKeys, newKeyId, principalProblems, sha256, type ApiKey } from './keys.js';
