// Layer rules for the TypeScript packages, checked by `npm run lint:layers` (dependency-cruiser).
// ESLint checks the code inside a file; this checks which file may import which.

const SRC = '^packages/server/src/';

/**
 * The folders of packages/server/src, bottom to top. A module may import its own layer and any layer
 * below it, never one above. A new folder or top-level file gets a line here (`unplaced-module` fails
 * until it has one). Colocated tests and test helpers belong to their folder's layer; packages/server
 * test/ and bench/ stand above all of src and may import any of it.
 */
const LAYERS = [
  { name: 'foundation', members: ['errors.ts', 'error-reasons.ts', 'text.ts', 'text.test.ts', 'config/', 'observability/', 'storage/', 'page-token.ts', 'jobs/'] },
  { name: 'auth', members: ['auth/'] }, // keys, namespaces, the authorization policy
  { name: 'retrieval', members: ['embedding/', 'index/'] },
  { name: 'ledger', members: ['ledger/'] }, // with its subscription layer, ledger/subscribe/
  { name: 'memory', members: ['memory/'] },
  { name: 'context', members: ['context/'] },
  { name: 'rpc', members: ['rpc/'] },
  { name: 'wiring', members: ['core.ts', 'app.ts'] },
  { name: 'entry', members: ['cli/', 'main.ts'] },
];

/** Only these may speak gRPC or touch the generated wire code; everything else is domain code. */
const GRPC_ALLOWED = ['rpc/', 'app.ts', 'cli/', 'main.ts'];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `config/` matches the folder and all below it; `core.ts` matches that file and its test, core.test.ts. */
const member = (m) => (m.endsWith('/') ? escape(m) : `${escape(m.replace(/\.ts$/, ''))}(\\.test)?\\.ts$`);
const pattern = (members) => `${SRC}(${members.map(member).join('|')})`;
const GENERATED = `${SRC}gen/|^packages/proto/`;
const PLACED = pattern(LAYERS.flatMap((l) => l.members));

const layerRules = LAYERS.slice(0, -1).map((layer, i) => {
  const higher = LAYERS.slice(i + 1);
  return {
    name: `layer-${layer.name}`,
    comment: `${layer.name} (${layer.members.join(', ')}) must not import a layer above it: ${higher.map((l) => l.name).join(', ')}`,
    severity: 'error',
    from: { path: pattern(layer.members) },
    to: { path: pattern(higher.flatMap((l) => l.members)) },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'config-depends-on-nothing',
      comment: 'config/ reads the environment into plain values; not even its own layer is imported',
      severity: 'error',
      from: { path: `${SRC}config/` },
      to: { path: pattern(LAYERS[0].members), pathNot: `${SRC}config/` },
    },
    {
      name: 'domain-without-grpc',
      comment: `domain code never imports gRPC (@grpc/*, grpc-health-check) or the generated wire code; only ${GRPC_ALLOWED.join(', ')} do`,
      severity: 'error',
      from: { path: SRC, pathNot: [pattern(GRPC_ALLOWED), GENERATED] },
      to: { path: ['node_modules/@grpc/', 'node_modules/grpc-health-check/', GENERATED] },
    },
    {
      name: 'unplaced-module',
      comment: 'every module of packages/server/src has a place in LAYERS (.dependency-cruiser.cjs)',
      severity: 'error',
      from: { path: SRC, pathNot: [PLACED, GENERATED] },
      to: {},
    },
    {
      name: 'import-of-unplaced-module',
      comment: 'every module of packages/server/src has a place in LAYERS (.dependency-cruiser.cjs)',
      severity: 'error',
      from: {},
      to: { path: SRC, pathNot: [PLACED, GENERATED] },
    },
    {
      name: 'src-not-to-tests',
      comment: 'shipped code never imports the integration tests or the benchmarks',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^packages/[^/]+/(test|bench)/' },
    },
    {
      name: 'client-not-to-server',
      comment: 'the client SDK stands alone: it talks to the server over the wire, never through its code',
      severity: 'error',
      from: { path: '^packages/client-ts/' },
      to: { path: '^packages/server/' },
    },
    {
      name: 'bridge-not-to-server',
      comment: 'cortex bridge is a client of a server: it follows the ledger through @cortex/client, never through server code',
      severity: 'error',
      from: { path: '^packages/bridge/' },
      to: { path: '^packages/server/' },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles between modules',
      severity: 'error',
      from: { pathNot: GENERATED },
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'no cycles between folders either: two folders that import each other are one concern or a layer mix-up',
      severity: 'error',
      scope: 'folder',
      from: { path: SRC, pathNot: GENERATED },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['/dist/', '/gen/.*\\.binpb$'] },
    tsPreCompilationDeps: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
