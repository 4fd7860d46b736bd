import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, removeDir, waitFor } from '../helpers/agent-harness.js';
import { AGENT_START_TIMEOUT_MS, spawnAgentProcess, stopGracefully, type AgentProcess } from '../helpers/agent-process.js';

const GiB = 1024 * 1024 * 1024;
const RSS_LIMIT_MB = 200;

/** The RSS of a process in MiB, from /proc/<pid>/status. */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function multipartParts(filename: string): { boundary: string; head: Buffer; tail: Buffer } {
  const boundary = `----trainer-stress-${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { boundary, head, tail };
}

function post(url: string, path: string, boundary: string, length: number) {
  return httpRequest(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length) },
  });
}

function readResponse(response: IncomingMessage): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => (text += chunk));
    response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    response.on('error', reject);
  });
}

// Uploads stream to disk: a 1 GiB upload does not grow the agent's memory, and a cut-off one leaves nothing.
describe('upload streaming', () => {
  let root: string;
  let agent: AgentProcess;
  let modelsDir: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trainer-upload-stress-'));
    await mkdir(join(root, 'data'));
    modelsDir = join(root, 'data', 'models');
    // NODE_ENV as a user runs it: under vitest's NODE_ENV=test, oclif also loads its TypeScript
    // support (about 40 MB more RSS before any upload), which is not the agent's memory
    agent = await spawnAgentProcess(join(root, 'data'), { NODE_ENV: 'production', TRAINER_SAMPLE_INTERVAL_SECONDS: '60' });
  }, AGENT_START_TIMEOUT_MS + 10_000);
  afterAll(async () => {
    if (agent) await stopGracefully(agent);
    await removeDir(root);
  });

  it(`takes a 1 GiB upload with the agent's RSS under ${RSS_LIMIT_MB} MB`, async () => {
    // a sparse file: 1 GiB of zeros that costs no disk to make and little to read
    const source = join(root, 'big.bin');
    const handle = await open(source, 'w');
    await handle.truncate(GiB);
    await handle.close();

    const pid = agent.child.pid!;
    const baseline = await rssMb(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      rssMb(pid).then(
        (rss) => (peak = Math.max(peak, rss)),
        () => {},
      );
    }, 100);
    try {
      const { boundary, head, tail } = multipartParts('big.bin');
      const request = post(agent.url, '/api/v1/models?model_name=big', boundary, head.length + GiB + tail.length);
      const answered = new Promise<IncomingMessage>((resolve, reject) => {
        request.once('response', resolve);
        request.once('error', reject);
      });
      async function* body() {
        yield head;
        yield* createReadStream(source, { highWaterMark: 1024 * 1024 });
        yield tail;
      }
      await pipeline(Readable.from(body()), request);
      const response = await readResponse(await answered);
      peak = Math.max(peak, await rssMb(pid));
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ message: "Model 'big' uploaded successfully", name: 'big', size_mb: 1024, size_bytes: GiB });
    } finally {
      clearInterval(sampler);
    }
    console.log(`agent RSS during a 1 GiB upload: baseline ${baseline.toFixed(1)} MB, peak ${peak.toFixed(1)} MB`);
    expect(peak).toBeLessThan(RSS_LIMIT_MB);
    expect(await readdir(modelsDir)).toEqual(['big.bin']);
    expect((await agent.api('DELETE', '/api/v1/models/big')).status).toBe(200);
    expect(await readdir(modelsDir)).toEqual([]);
  }, 120_000);

  it('an upload cut off half-way leaves no entry and no temp file, and frees the name', async () => {
    const { boundary, head } = multipartParts('cut.bin');
    const request = post(agent.url, '/api/v1/models?model_name=cut', boundary, head.length + 100 * 1024 * 1024);
    request.on('error', () => {}); // destroyed on purpose
    request.write(head);
    const chunk = Buffer.alloc(1024 * 1024, 7);
    for (let sent = 0; sent < 10; sent++) {
      if (!request.write(chunk)) await new Promise((resolve) => request.once('drain', resolve));
    }
    // the agent has started writing the temp file: now the client goes away
    await waitFor(async () => (await readdir(modelsDir)).some((name) => name.startsWith('.upload-')), 'the temp file of the upload');
    request.destroy();

    await waitFor(async () => (await readdir(modelsDir)).length === 0, 'the temp file to be removed');
    expect((await agent.api('GET', '/api/v1/models')).body).toEqual([]);
    const form = new FormData();
    form.append('file', new Blob(['small']), 'cut.bin');
    const retry = await fetch(`${agent.url}/api/v1/models?model_name=cut`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: form });
    expect(retry.status).toBe(200);
    expect((await agent.api('GET', '/api/v1/models')).body.map((model: { name: string }) => model.name)).toEqual(['cut']);
  });
});
