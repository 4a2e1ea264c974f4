#!/usr/bin/env node
'use strict';
// Thin launcher: the compiled CLI lives in dist/ (built by scripts/setup.sh or `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('video-agent is not built yet: run `bash scripts/setup.sh` (or `npm run build`) first.');
  process.exit(1);
}
require(entry).main(process.argv).catch((err) => {
  console.error(`video-agent: ${err && err.message ? err.message : String(err)}`);
  process.exit(1);
});
