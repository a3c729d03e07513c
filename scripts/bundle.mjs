// Bundles each program of packages/tools/src into dist/<program>.mjs, so the installed
// commands start as fast as Node itself. Usage: node scripts/bundle.mjs prog...
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

// --version answers from this constant: no package.json read when a program starts.
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

// svhttp's dashboard page: its plain files inlined as strings (packages/core/src/http/dashboard/index.ts).
const DASHBOARD = 'packages/core/src/http/dashboard';
const dashboard = Object.fromEntries(['index.html', 'app.js', 'app.css'].map((f) => [f, readFileSync(`${DASHBOARD}/${f}`, 'utf8')]));

const programs = process.argv.slice(2);
await build({
  entryPoints: programs.map((p) => `packages/tools/src/${p}.ts`),
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  define: { __SVKIT_VERSION__: JSON.stringify(version), __SVKIT_DASHBOARD__: JSON.stringify(dashboard) },
  logLevel: 'warning',
  // CommonJS dependencies (commander, pidusage) call require() for Node built-ins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __svkitRequire } from 'node:module'; const require = __svkitRequire(import.meta.url);" },
});
