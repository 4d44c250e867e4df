#!/usr/bin/env node
import { runBridgeCli } from './cli.js';

process.exitCode = await runBridgeCli(process.argv.slice(2), process.env);
