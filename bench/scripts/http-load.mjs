// A small HTTP load generator for the API throughput benchmark, run as its own process so that it
// does not share an event loop (or a core) with the server it measures. Keep-alive connections.
// usage: node http-load.mjs URL DURATION_MS CONCURRENCY WARMUP_MS [HEADERS_JSON] [EXPECTED_STATUS]
// Sends requests for WARMUP_MS (untimed), then for DURATION_MS (timed), each of CONCURRENCY
// connections one request at a time; prints
// {"requests": timed, "warmupRequests": …, "ms": …, "rps": …, "errors": …, "firstError": …}.
import { Agent, request } from 'node:http';

const [url, durationArg = '1000', concurrencyArg = '16', warmupArg = '250', headersArg = '{}', expectedArg = '200'] = process.argv.slice(2);
const expected = Number(expectedArg);
const target = new URL(url);
const concurrency = Number(concurrencyArg);
const headers = JSON.parse(headersArg);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
let errors = 0;
let firstError = null;

function one() {
  return new Promise((resolve) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, agent, headers }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode !== expected) {
          errors++;
          firstError ??= `status ${response.statusCode}`;
        }
        resolve();
      });
    });
    req.on('error', (error) => {
      errors++;
      firstError ??= error.message;
      resolve();
    });
    req.end();
  });
}

/** Keeps every connection busy until `ms` have passed; returns how many requests completed. */
async function phase(ms) {
  const deadline = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await one();
        done++;
      }
    }),
  );
  return done;
}

const warmupRequests = await phase(Number(warmupArg));
const started = performance.now();
const requests = await phase(Number(durationArg));
const ms = performance.now() - started;
agent.destroy();
process.stdout.write(JSON.stringify({ requests, warmupRequests, ms, rps: requests / (ms / 1000), errors, firstError }) + '\n');
