// The baseline for the end-to-end ingestion benchmark: the same process shape as the run supervisor
// (a Node process that spawns the command with piped stdout) doing only a bare split + JSON.parse.
// usage: node bare-consumer.mjs COMMAND [ARGS…]; prints {"parsed": lines, "code": exit code}
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let pending = '';
let parsed = 0;
child.stdout.on('data', (chunk) => {
  const lines = (pending + chunk.toString('utf8')).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) if (JSON.parse(line)) parsed++;
});
child.on('close', (code) => {
  process.stdout.write(JSON.stringify({ parsed, code }) + '\n');
});
