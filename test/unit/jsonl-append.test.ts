import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cutOwnTail } from '../../src/store/jsonl.js';

// The agent appends API-logged metrics to the metrics.jsonl its run's supervisor appends to from another
// process. A full-disk test beside the benchmarks lost one epoch's line: the agent cut its cut-short
// append back to the size it had read before writing, and the supervisor's line written in between went too.
describe('cutting a cut-short append back', () => {
  const file = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'jsonl-append-')), 'metrics.jsonl');
    writeFileSync(path, content);
    return path;
  };

  it('removes our partial line when it is still the last thing in the file', async () => {
    const path = file('{"epoch":1}\n');
    const ours = Buffer.from('{"api_logged":1,"pad');
    appendFileSync(path, ours);
    const handle = await open(path, 'a+');
    await cutOwnTail(handle, ours);
    await handle.close();
    expect(readFileSync(path, 'utf8')).toBe('{"epoch":1}\n');
  });

  it("never removes another process's line appended after ours", async () => {
    const path = file('{"epoch":1}\n');
    const ours = Buffer.from('{"api_logged":1,"pad');
    appendFileSync(path, ours);
    appendFileSync(path, '{"epoch":2}\n'); // the supervisor, from its own descriptor
    const handle = await open(path, 'a+');
    await cutOwnTail(handle, ours);
    await handle.close();
    expect(readFileSync(path, 'utf8')).toContain('{"epoch":2}\n');
    expect(readFileSync(path, 'utf8').startsWith('{"epoch":1}\n')).toBe(true);
  });
});
