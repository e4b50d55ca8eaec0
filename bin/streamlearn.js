#!/usr/bin/env node
'use strict';
// Thin shim: the CLI is compiled to dist/ by `npm run build` (run on install through `prepare`).
require('../dist/src/cli/main.js').main(process.argv.slice(2));
