#!/usr/bin/env node
// Regenerates every SDK's code and the descriptor set that server reflection serves.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
const run = (...args) => execFileSync(buf, args, { cwd: root, stdio: 'inherit' });

run('lint');
// The Go plugins, at the versions packages/client-go/go.mod pins, from the Go module proxy.
const goModule = join(root, 'packages', 'client-go');
execFileSync('go', ['install', 'tool'], { cwd: goModule, stdio: 'inherit', env: { ...process.env, GOBIN: join(goModule, 'bin') } });
run('generate');
// Reflection needs the descriptors with their comments, so grpcurl `describe` shows the docs.
run('build', '-o', 'packages/server/src/gen/cortex.binpb');
