import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/config/paths.ts';

// The dashboard has its own tsconfig (DOM, JSX); esbuild does not type-check, so this does.
test('the dashboard type-checks under strict TypeScript', () => {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', join(repoRoot, 'web')], { stdio: 'inherit' });
});
