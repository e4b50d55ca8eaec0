#!/usr/bin/env node
'use strict';
// Thin shim: the CLI is compiled to dist/ by `npm run build` (run on install through `prepare`).
// The GC's ergonomics first, before anything is loaded (src/gc.ts says why).
try {
  require('../dist/src/gc.js');
} catch (err) {
  process.stderr.write(`streamlearn: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
require('../dist/src/cli/main.js').main(process.argv.slice(2));
