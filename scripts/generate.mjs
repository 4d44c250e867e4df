#!/usr/bin/env node
// Regenerates every SDK's code and the descriptor set (served by reflection, read by the clients),
// then compiles @cortex/proto so the server and the client see the new code at once.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (command, ...args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });
const buf = (...args) => run(join(root, 'node_modules', '.bin', 'buf'), ...args);

buf('lint');
// The Go plugins, at the versions packages/client-go/go.mod pins, from the Go module proxy.
const goModule = join(root, 'packages', 'client-go');
execFileSync('go', ['install', 'tool'], { cwd: goModule, stdio: 'inherit', env: { ...process.env, GOBIN: join(goModule, 'bin') } });
buf('generate'); // every plugin in buf.gen.yaml
// Python: grpc_tools.protoc in packages/client-python's virtual environment (created on first use).
run('bash', 'packages/client-python/scripts/sdk.sh', 'generate');
// With the comments, so grpcurl `describe` shows the API docs.
buf('build', '-o', 'packages/proto/cortex.binpb');
run('npm', '--prefix', 'packages/proto', 'run', '--silent', 'build');
