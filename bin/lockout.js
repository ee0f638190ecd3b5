#!/usr/bin/env node
// The `lockout` command: runs the TypeScript CLI through tsx (a runtime dependency).
require('tsx/cjs');
void require('../app/cli.ts')
  .run(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
