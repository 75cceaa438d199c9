#!/usr/bin/env node
'use strict';
// Operator CLI launcher: registers tsx's CommonJS loader and runs cli/main.ts, from any working directory.
require('tsx/cjs');
// `switchboard campaign list | head`: a reader that stops early is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const path = require('node:path');
const { main } = require(path.join(__dirname, '..', 'cli', 'main.ts'));

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Exit even if a client library left a handle open; pending output still flushes first.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err) => {
    process.stderr.write(`switchboard: ${(err && err.message) || err}\n`);
    process.exitCode = 1;
  },
);
