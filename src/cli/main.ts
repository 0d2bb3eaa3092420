#!/usr/bin/env node
// Entry point of the pf-bash command line; commands are added as the runtime grows.
const [command] = process.argv.slice(2);
if (command === '--version' || command === 'version') {
  process.stdout.write('pf-bash 0.1.0\n');
} else {
  process.stderr.write('usage: pf-bash <command>\n');
  process.exitCode = 2;
}
