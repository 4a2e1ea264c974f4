#!/usr/bin/env node
'use strict';
// Thin launcher: the compiled CLI lives in dist/ (built by scripts/setup.sh or `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
// CLI output is for people: JSON logs (stderr) only from warnings up unless LOG_LEVEL asks for more.
if (!process.env.LOG_LEVEL) process.env.LOG_LEVEL = 'warn';
const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('video-agent is not built yet: run `bash scripts/setup.sh` (or `npm run build`) first.');
  process.exit(1);
}
require(entry).main(process.argv).catch((err) => {
  console.error(`video-agent: ${err && err.message ? err.message : String(err)}`);
  process.exit(1);
});
