import { readFileSync } from 'node:fs';

/** This package's version (from package.json, one level up from src/ and dist/ alike). */
export const BRIDGE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
