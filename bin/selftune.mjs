#!/usr/bin/env node
// The `selftune` command. Sources are TypeScript run through tsx, so a fresh
// clone needs no build step before `npx selftune serve`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
