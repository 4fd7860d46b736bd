// For the Slurm benchmark: a metric line as soon as it starts (with its own clock), another after
// `sleep_ms`, then exits with `exit_code`.
const [sleepMs = '0', exitCode = '0'] = process.argv.slice(2);
console.log(JSON.stringify({ epoch: 1, printed_ms: Date.now(), started_ms: Math.round(performance.timeOrigin) }));
setTimeout(() => {
  console.log(JSON.stringify({ epoch: 2, printed_ms: Date.now() }));
  process.exitCode = Number(exitCode);
}, Number(sleepMs));
