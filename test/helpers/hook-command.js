// A remediation command for tests: `node hook-command.js <action> [arg]`.
//   echo <text>   prints the text, its arguments and the LOCKOUT_* environment, exits 0
//   fail <code>   prints to stderr and exits with that code
//   flood         prints 100 000 characters
//   sleep <ms>    sleeps (to be killed by the hook's timeout)
//   touch <file>  creates the file (proves that it ran)
const fs = require('node:fs');
const { setTimeout } = require('node:timers');
const [action, arg] = process.argv.slice(2);
switch (action) {
  case 'echo':
    console.log(`rotating ${arg}`);
    console.log(`incident=${process.env.LOCKOUT_INCIDENT_ID} key=${process.env.LOCKOUT_IDEMPOTENCY_KEY}`);
    console.log(`token=${process.env.PROXY_TOKEN ?? '-'} home=${process.env.HOME ?? '-'}`);
    break;
  case 'fail':
    console.error(`cannot rotate: upstream said no`);
    process.exit(Number(arg));
    break;
  case 'flood':
    process.stdout.write(`BEGIN${'x'.repeat(100_000)}END\n`);
    break;
  case 'sleep':
    setTimeout(() => console.log('woke up'), Number(arg));
    break;
  case 'touch':
    fs.writeFileSync(arg, 'ran');
    break;
  default:
    console.error(`unknown action ${action}`);
    process.exit(64);
}
