#!/usr/bin/env node
// The `cortex-bridge` command (also `cortex bridge`). This launcher exists before the build, so pnpm
// links it at install time; the CLI is the compiled dist/main.js, which `npm run build` makes.
import '../dist/main.js';
