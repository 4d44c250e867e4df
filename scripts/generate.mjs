#!/usr/bin/env node
// Regenerates every SDK's code and the descriptor set that server reflection serves.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
const run = (...args) => execFileSync(buf, args, { cwd: root, stdio: 'inherit' });

run('lint');
run('generate');
// Python SDK: grpc_tools.protoc in the package's virtual environment (created on first use).
execFileSync('bash', ['scripts/python-sdk.sh', 'generate'], { cwd: root, stdio: 'inherit' });
// Reflection needs the descriptors with their comments, so grpcurl `describe` shows the docs.
run('build', '-o', 'packages/server/src/gen/cortex.binpb');
