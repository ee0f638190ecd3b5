// Preloaded with `node --require`: on exit, writes every module file the process loaded (one per
// line) to LOADED_MODULES_FILE. test/cli-startup.test.ts reads it.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join('\n'));
});
