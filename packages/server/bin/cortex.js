#!/usr/bin/env node
// The `cortex` command. This launcher exists before the build, so pnpm links it at install time
// (into the root's node_modules/.bin: `npx cortex`); the CLI is the compiled dist/main.js, which
// `npm run setup` (or `npm run build`) makes.
import '../dist/main.js';
