import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAR_END, padding, tarHeaderBlocks } from '../../dist/src/datasets/tar-format.js';
import { API_KEY, removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

type Kind = 'models' | 'datasets';

// Seed 000's Model Management and Dataset Management, verbatim, with seed 003's dataset introspection.
describe('models and datasets', () => {
  let t: TestAgent;
  let root: string;
  let dataDir: string;
  const UPLOAD_LIMIT_MB = 2;

  beforeAll(async () => {
    // the data dir sits inside a folder of its own, so that a write beside it would be seen
    root = await mkdtemp(join(tmpdir(), 'trainer-registry-'));
    dataDir = join(root, 'data');
    await mkdir(dataDir);
    t = await startTestAgent({ dataDir, env: { TRAINER_UPLOAD_LIMIT_MB: String(UPLOAD_LIMIT_MB) } });
  });
  afterAll(async () => {
    await t.close();
    await removeDir(root);
  });

  const auth = { authorization: `Bearer ${API_KEY}` };
  const param = (kind: Kind) => (kind === 'models' ? 'model_name' : 'dataset_name');

  async function upload(kind: Kind, name: string, content: string | Uint8Array, filename: string, fields: Record<string, string> = {}) {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    form.append('file', new Blob([content]), filename);
    const response = await fetch(`${t.url}/api/v1/${kind}?${param(kind)}=${encodeURIComponent(name)}`, { method: 'POST', headers: auth, body: form });
    return { status: response.status, body: await response.json() };
  }

  async function tree(dir: string): Promise<string[]> {
    const found: string[] = [];
    async function walk(current: string) {
      for (const entry of await readdir(current, { withFileTypes: true })) {
        const path = join(current, entry.name);
        found.push(relative(dir, path));
        if (entry.isDirectory()) await walk(path);
      }
    }
    await walk(dir);
    return found.sort();
  }

  const hidden = async (kind: Kind) => (await readdir(join(dataDir, kind))).filter((name) => name.startsWith('.'));

  it("seed 000's model workflow: upload, list, download, delete", async () => {
    expect((await t.api('GET', '/api/v1/models')).body).toEqual([]);
    const bytes = new Uint8Array(300_000).map((_, index) => (index * 7) % 251);
    // curl -X POST /api/v1/models?model_name=my_model -F "file=@model.pth"
    const uploaded = await upload('models', 'my_model', bytes, 'model.pth');
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({ message: "Model 'my_model' uploaded successfully", name: 'my_model', size_mb: 0.29 });

    const list = await t.api('GET', '/api/v1/models');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    const [model] = list.body;
    expect(model).toMatchObject({ name: 'my_model', size_mb: 0.29, size_bytes: 300_000, run_id: null });
    expect(new Date(model.created_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(model.file_path).toBe(join(dataDir, 'models', 'my_model.pth'));
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);

    // curl /api/v1/models/my_model -o model.pth
    const download = await fetch(`${t.url}/api/v1/models/my_model`, { headers: auth });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-length')).toBe('300000');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="my_model.pth"');
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

    const duplicate = await upload('models', 'my_model', 'other', 'other.pth');
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.detail).toMatch(/already exists/);

    // curl -X DELETE /api/v1/models/my_model
    const deleted = await t.api('DELETE', '/api/v1/models/my_model');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ message: "Model 'my_model' deleted successfully" });
    expect((await t.api('GET', '/api/v1/models')).body).toEqual([]);
    expect((await t.api('GET', '/api/v1/models/my_model')).status).toBe(404);
    expect((await t.api('DELETE', '/api/v1/models/my_model')).status).toBe(404);
    expect(await readdir(join(dataDir, 'models'))).toEqual([]);
  });

  it("seed 000's dataset workflow with a tar.gz: upload, list, get, delete; built-ins cannot be deleted", async () => {
    const files = [
      { path: 'images/0.png', content: Buffer.from('zero') },
      { path: 'images/1.png', content: Buffer.from('one!') },
      { path: 'labels.txt', content: Buffer.from('0\n1\n') },
    ];
    const tar = Buffer.concat([
      ...files.flatMap(({ path, content }) => [
        tarHeaderBlocks({ path, size: content.length, mtimeMs: Date.now() }),
        content,
        Buffer.alloc(padding(content.length)),
      ]),
      TAR_END,
    ]);
    const uploaded = await upload('datasets', 'my_dataset', gzipSync(tar), 'dataset.tar.gz');
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({ message: "Dataset 'my_dataset' uploaded successfully", name: 'my_dataset', size_mb: 0 });

    const expected = { name: 'my_dataset', format: 'archive', sample_count: 3, file_count: 3, file_path: join(dataDir, 'datasets', 'my_dataset.tar.gz') };
    const list = await t.api('GET', '/api/v1/datasets');
    expect(list.body.map((dataset: { name: string }) => dataset.name)).toEqual(['spirals', 'blobs', 'circles', 'iris', 'digits', 'my_dataset']);
    expect(list.body[5]).toMatchObject(expected);
    for (const key of ['name', 'size_mb', 'sample_count', 'format', 'dimensions', 'created_at', 'file_path']) expect(list.body[5]).toHaveProperty(key);
    expect((await t.api('GET', '/api/v1/datasets/my_dataset')).body).toMatchObject(expected);

    const download = await fetch(`${t.url}/api/v1/datasets/my_dataset/download`, { headers: auth });
    expect(Buffer.from(await download.arrayBuffer()).equals(gzipSync(tar))).toBe(true);

    expect((await upload('datasets', 'my_dataset', 'a,b\n1,2\n', 'x.csv')).status).toBe(409);
    const builtin = await upload('datasets', 'spirals', 'a,b\n1,2\n', 'x.csv');
    expect(builtin.status).toBe(409);
    expect(builtin.body.detail).toMatch(/built in/);
    const deleteBuiltin = await t.api('DELETE', '/api/v1/datasets/spirals');
    expect(deleteBuiltin.status).toBe(409);
    expect(deleteBuiltin.body.detail).toMatch(/built in and cannot be deleted/);

    expect((await t.api('DELETE', '/api/v1/datasets/my_dataset')).body).toEqual({ message: "Dataset 'my_dataset' deleted successfully" });
    expect((await t.api('GET', '/api/v1/datasets/my_dataset')).status).toBe(404);
    expect(await readdir(join(dataDir, 'datasets'))).toEqual([]);
  });

  it('inspects CSV: header, rows, quoted fields with commas, quotes and line breaks, CRLF, BOM, blank lines', async () => {
    const csv = '\ufeffsepal length,"name, full",label\r\n5.1,"Iris ""setosa""",0\r\n4.9,"two\nlines",1\r\n\r\n6.2,plain,2\r\n';
    const uploaded = await upload('datasets', 'flowers', csv, 'flowers.csv', { description: 'Three flowers' });
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({
      format: 'csv',
      row_count: 3,
      column_count: 3,
      columns: ['sepal length', 'name, full', 'label'],
      sample_count: 3,
      dimensions: '3',
      description: 'Three flowers',
      note: null,
    });
    const tsv = await upload('datasets', 'tabbed', 'a\tb\n1\t2\n3\t4\n', 'data.tsv');
    expect(tsv.body).toMatchObject({ format: 'tsv', row_count: 2, column_count: 2, columns: ['a', 'b'] });
  });

  it('refuses a malformed CSV with a 400 naming the line, and keeps nothing of it', async () => {
    const cases: [string, RegExp][] = [
      ['a,b,c\n1,2,3\n4,5\n', /Malformed CSV at line 3: expected 3 fields \(as in the header\), found 2/],
      ['a,b\n1,2\n3,4,5\n', /line 3: expected 2 fields.*found 3/],
      ['a,b\n"1,2\n3,4\n', /line 2: a quoted field is never closed/],
      ['a,b\n"1"x,2\n', /line 2: unexpected character 'x' after a closing quote/],
    ];
    for (const [content, detail] of cases) {
      const response = await upload('datasets', 'broken', content, 'broken.csv');
      expect(response.status, content).toBe(400);
      expect(response.body.detail).toMatch(detail);
    }
    expect((await t.api('GET', '/api/v1/datasets/broken')).status).toBe(404);
    expect(await hidden('datasets')).toEqual([]);
    expect((await readdir(join(dataDir, 'datasets'))).filter((name) => name.startsWith('broken'))).toEqual([]);
  });

  it('inspects JSON (array of objects) and JSON Lines, and refuses malformed ones', async () => {
    const json = await upload(
      'datasets',
      'records',
      JSON.stringify([
        { x: 1, y: 'a' },
        { x: 2, z: [1, { deep: true }] },
        { x: 3, y: 'c\u00e9' },
      ]),
      'records.json',
    );
    expect(json.body).toMatchObject({ format: 'json', row_count: 3, column_count: 3, columns: ['x', 'y', 'z'] });
    const lines = await upload(
      'datasets',
      'events',
      '{"input": "hi", "output": "hello"}\n{"input": "bye", "output": "ciao", "lang": "it"}\n\n',
      'events.jsonl',
    );
    expect(lines.body).toMatchObject({ format: 'jsonl', row_count: 2, column_count: 3, columns: ['input', 'output', 'lang'] });
    const object = await upload('datasets', 'config-like', '{"a": 1}', 'config.json');
    expect(object.body).toMatchObject({ format: 'json', row_count: null, columns: null });
    expect(object.body.note).toMatch(/not an array of records/);

    const badJson = await upload('datasets', 'badjson', '[{"a": 1},\n {"a": 2,}]', 'bad.json');
    expect(badJson.status).toBe(400);
    expect(badJson.body.detail).toMatch(/Malformed JSON at line 2/);
    const badLines = await upload('datasets', 'badlines', '{"a": 1}\n{"a": 2} {"a": 3}\n', 'bad.jsonl');
    expect(badLines.status).toBe(400);
    expect(badLines.body.detail).toMatch(/Malformed JSON Lines at line 2/);
    expect(await hidden('datasets')).toEqual([]);
  });

  it('inspects tar and zip archives; an archive that is not one is refused', async () => {
    const content = Buffer.from('hello');
    const tar = Buffer.concat([
      tarHeaderBlocks({ path: 'a.txt', size: 5, mtimeMs: 0 }),
      content,
      Buffer.alloc(padding(5)),
      tarHeaderBlocks({ path: 'b.txt', size: 5, mtimeMs: 0 }),
      content,
      Buffer.alloc(padding(5)),
      TAR_END,
    ]);
    expect((await upload('datasets', 'plain-tar', tar, 'files.tar')).body).toMatchObject({ format: 'archive', file_count: 2, sample_count: 2 });
    const zip = storedZip([
      ['train/0.txt', 'a'],
      ['train/', ''],
      ['train/1.txt', 'b'],
      ['test/0.txt', 'c'],
    ]);
    expect((await upload('datasets', 'zipped', zip, 'files.zip')).body).toMatchObject({ format: 'archive', file_count: 3, sample_count: 3 });
    const notGzip = await upload('datasets', 'fake-tgz', 'not gzip at all', 'fake.tgz');
    expect(notGzip.status).toBe(400);
    expect(notGzip.body.detail).toMatch(/Malformed tar.gz archive/);
    const notZip = await upload('datasets', 'fake-zip', 'PK but no directory', 'fake.zip');
    expect(notZip.status).toBe(400);
    expect(notZip.body.detail).toMatch(/no end-of-central-directory record/);
    const opaque = await upload('datasets', 'weights', Buffer.alloc(100, 1), 'arrays.npz');
    expect(opaque.body).toMatchObject({ format: 'numpy', row_count: null, sample_count: null });
    expect(await hidden('datasets')).toEqual([]);
  });

  it('refuses traversal and malformed names at every endpoint, and writes nothing anywhere', async () => {
    const before = await tree(root);
    const names = [
      '../x',
      '..',
      '../../etc/passwd',
      'a/b',
      '%2e%2e%2fetc',
      'a\\b',
      '..\\x',
      '',
      'x'.repeat(300),
      'a\u0000b',
      'a\nb',
      '.hidden',
      '.',
      'x..y',
      'sp ace',
      '-leading',
    ];
    const rawPaths = ['%2e%2e%2fetc', '..%2f..%2fetc', '%2e%2e', 'a%2fb', '%00'];
    for (const kind of ['models', 'datasets'] as const) {
      for (const name of names) {
        const posted = await upload(kind, name, 'a,b\n1,2\n', 'x.csv');
        expect(posted.status, `POST ${kind} ${JSON.stringify(name)}`).toBeGreaterThanOrEqual(400);
        expect(posted.status).toBeLessThan(500);
        expect(typeof posted.body.detail).toBe('string');
        const encoded = encodeURIComponent(name);
        const paths = [`/api/v1/${kind}/${encoded}`, ...(kind === 'datasets' ? [`/api/v1/datasets/${encoded}/download`] : [])];
        for (const path of [...paths, ...rawPaths.map((raw) => `/api/v1/${kind}/${raw}`)]) {
          for (const method of ['GET', 'DELETE']) {
            // a trailing slash is normalised away: GET /api/v1/models/ (and /models/., which fetch sends as that) is the list itself
            if (method === 'GET' && new URL(path, 'http://agent').pathname === `/api/v1/${kind}/`) continue;
            const response = await t.api(method, path);
            expect(response.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
            expect(response.status, `${method} ${path}`).toBeLessThan(500);
          }
        }
      }
    }
    const traversal = await upload('models', '../escaped', 'x', 'x.pth');
    expect(traversal.status).toBe(400);
    expect(traversal.body.detail).toMatch(/model_name/);
    expect(await tree(root)).toEqual(before);
    expect((await t.api('GET', '/health')).status).toBe(200);
  });

  it('refuses uploads without a file part (400), in another content type (415), and over the limit (413) leaving nothing', async () => {
    const noFile = new FormData();
    noFile.append('other', 'value');
    const missing = await fetch(`${t.url}/api/v1/models?model_name=nofile`, { method: 'POST', headers: auth, body: noFile });
    expect(missing.status).toBe(400);
    expect((await missing.json()).detail).toMatch(/multipart field 'file'/);

    const wrongField = new FormData();
    wrongField.append('upload', new Blob(['x']), 'x.pth');
    expect((await fetch(`${t.url}/api/v1/models?model_name=nofile`, { method: 'POST', headers: auth, body: wrongField })).status).toBe(400);

    const json = await t.api('POST', '/api/v1/models?model_name=json', { file: 'x' });
    expect(json.status).toBe(415);
    expect(json.body.detail).toMatch(/multipart\/form-data/);
    expect((await t.api('POST', '/api/v1/datasets?dataset_name=raw', 'a,b\n1,2\n', { 'content-type': 'text/csv' })).status).toBe(415);
    expect((await t.api('POST', '/api/v1/datasets?dataset_name=empty')).status).toBe(415);
    const broken = await fetch(`${t.url}/api/v1/models?model_name=broken`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pth"\r\n\r\nno closing boundary',
    });
    expect(broken.status).toBe(400);

    // well over the limit: refused from Content-Length; a little over: refused as the bytes arrive
    for (const size of [5 * 1024 * 1024, UPLOAD_LIMIT_MB * 1024 * 1024 + 1]) {
      const tooBig = await upload('models', 'huge', new Uint8Array(size), 'huge.pth');
      expect(tooBig.status, `${size} bytes`).toBe(413);
      expect(tooBig.body.detail).toMatch(/larger than the limit of 2 MiB/);
    }
    const exactly = await upload('models', 'at-limit', new Uint8Array(UPLOAD_LIMIT_MB * 1024 * 1024), 'at-limit.pth');
    expect(exactly.status).toBe(200);
    expect((await t.api('GET', '/api/v1/models')).body.map((model: { name: string }) => model.name)).toEqual(['at-limit']);
    expect(await hidden('models')).toEqual([]);
    expect((await t.api('DELETE', '/api/v1/models/at-limit')).status).toBe(200);
    expect(await readdir(join(dataDir, 'models'))).toEqual([]);
  });

  it('one of two simultaneous uploads of a name wins, the other gets 409', async () => {
    const results = await Promise.all([
      upload('models', 'racer', new Uint8Array(200_000), 'a.pth'),
      upload('models', 'racer', new Uint8Array(200_000), 'b.pth'),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 409]);
    expect(await hidden('models')).toEqual([]);
    expect((await t.api('DELETE', '/api/v1/models/racer')).status).toBe(200);
  });

  it('lists files put in the directories by hand', async () => {
    await writeFile(join(dataDir, 'models', 'handmade.onnx'), 'onnx bytes');
    await writeFile(join(dataDir, 'datasets', 'copied.parquet'), 'parquet bytes');
    expect((await t.api('GET', '/api/v1/models')).body).toEqual([expect.objectContaining({ name: 'handmade', size_bytes: 10, run_id: null })]);
    const download = await fetch(`${t.url}/api/v1/models/handmade`, { headers: auth });
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="handmade.onnx"');
    expect(await download.text()).toBe('onnx bytes');
    expect((await t.api('GET', '/api/v1/datasets/copied')).body).toMatchObject({ name: 'copied', format: 'parquet', row_count: null });
    expect((await t.api('DELETE', '/api/v1/models/handmade')).status).toBe(200);
    expect((await t.api('DELETE', '/api/v1/datasets/copied')).status).toBe(200);
  });

  it('a completed demo-mlp run registers its model as <recipe>-<run id>, with run_id', async () => {
    const start = await t.api('POST', '/api/v1/training/start', {
      recipe: 'demo-mlp',
      model_architecture: 'mlp',
      dataset_name: 'circles',
      learning_rate: 0.05,
      batch_size: 32,
      epochs: 2,
    });
    expect(start.status).toBe(200);
    const id = start.body.session_id;
    await waitForState(t.api, id, ['completed']);
    const name = `demo-mlp-${id}`;
    const model = await waitFor(
      async () => (await t.api('GET', '/api/v1/models')).body.find((entry: { name: string }) => entry.name === name),
      `model ${name}`,
    );
    expect(model).toMatchObject({ name, run_id: id, file_path: join(dataDir, 'models', `${name}.json`), bundle: false });
    const download = await fetch(`${t.url}/api/v1/models/${name}`, { headers: auth });
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${name}.json"`);
    const saved = JSON.parse(await download.text());
    expect(saved).toMatchObject({ architecture: 'mlp', dataset: 'circles' });
    expect(saved).toEqual(JSON.parse(await readFile(join(dataDir, 'runs', id, 'output', 'model.json'), 'utf8')));
    expect((await t.api('DELETE', `/api/v1/models/${name}`)).status).toBe(200);
  });
});

describe('registry state', () => {
  it('opens a state document written before the registries existed, and adds them', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'trainer-old-state-'));
    try {
      await writeFile(join(dataDir, 'db.json'), JSON.stringify({ version: 1, next_seq: 4, runs: [] }));
      const t = await startTestAgent({ dataDir });
      try {
        expect((await t.api('GET', '/api/v1/models')).body).toEqual([]);
        const form = new FormData();
        form.append('file', new Blob(['a,b\n1,2\n']), 'old.csv');
        const response = await fetch(`${t.url}/api/v1/datasets?dataset_name=old`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}` },
          body: form,
        });
        expect(response.status).toBe(200);
      } finally {
        await t.close();
      }
      const state = JSON.parse(await readFile(join(dataDir, 'db.json'), 'utf8'));
      expect(state).toMatchObject({
        version: 1,
        next_seq: 4,
        models: [],
        datasets: [expect.objectContaining({ name: 'old', file: 'old.csv', row_count: 1, columns: ['a', 'b'] })],
      });
      // and a restarted agent still knows it, inspection included
      const again = await startTestAgent({ dataDir });
      try {
        expect((await again.api('GET', '/api/v1/datasets/old')).body).toMatchObject({ row_count: 1, column_count: 2 });
      } finally {
        await again.close();
      }
      expect((await stat(join(dataDir, 'datasets', 'old.csv'))).size).toBe(8);
    } finally {
      await removeDir(dataDir);
    }
  });
});

/** A zip with stored (uncompressed) entries; CRCs are left 0, which the inspector does not check. */
function storedZip(entries: [string, string][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
