import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';
import { spawnCli, type RunningCli } from './cli-helpers.js';

const STANDIN_NVIDIA_SMI = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));

// What a CI step does: a script of its own checkout, run through the agent's queue from a shell in that checkout.
const SCRIPT = `
import os, sys, time
mode = sys.argv[1]
print("cuda=" + os.environ.get("CUDA_VISIBLE_DEVICES", "unset"))
print("cwd=" + os.getcwd())
print("to stderr", file=sys.stderr)
if mode == "wait-for-file":
    print("first")
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.05)
    print("second")
elif mode == "sleep":
    print("ready")
    time.sleep(60)
sys.exit(int(sys.argv[2]) if mode == "exit" else 0)
`;

/** `trainer run exec ARGS` from a shell in `cwd`, as a CI step runs it. */
function exec(t: TestAgent, args: string[], options: { cwd: string; key?: string }): RunningCli {
  return spawnCli(t.url, ['run', 'exec', ...args], options.key ? { TRAINER_API_KEY: options.key } : {}, { cwd: options.cwd });
}

describe('trainer run exec', () => {
  let t: TestAgent;
  let root: string;
  let checkout: string;

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'trainer-exec-')));
    checkout = join(root, 'checkout');
    await mkdir(checkout);
    await writeFile(join(checkout, 'script.py'), SCRIPT);
    t = await startTestAgent({ env: { TRAINER_ALLOW_COMMANDS: 'true', TRAINER_ALLOWED_CWD: root, TRAINER_NVIDIA_SMI: STANDIN_NVIDIA_SMI } });
  });
  afterAll(async () => {
    await t.close();
    await removeDir(root);
  });

  it('runs python3 script.py in the current directory with a GPU from the inventory: stdout to stdout, stderr to stderr, exit 0', async () => {
    const result = await exec(t, ['--gpus', '1', '--', 'python3', 'script.py', 'exit', '0'], { cwd: checkout }).done;
    expect(result.code).toBe(0);
    const out = result.stdout.split('\n').filter(Boolean);
    expect(out[0]).toMatch(/^cuda=[01]$/); // the stand-in nvidia-smi has GPUs 0 and 1
    expect(out).toEqual([out[0], `cwd=${checkout}`]);
    expect(result.stderr).toMatch(/^trainer: sess_[0-9a-f]{12} (queued|running)$/m);
    expect(result.stderr).toMatch(/^trainer: sess_[0-9a-f]{12} running on GPU [01]$/m);
    expect(result.stderr).toMatch(/^to stderr$/m);
    expect(result.stdout).not.toMatch(/to stderr/);
  });

  it("exits with the command's exit code, and 127 for a command that does not exist", async () => {
    const three = await exec(t, ['--', 'python3', 'script.py', 'exit', '3'], { cwd: checkout }).done;
    expect(three.code).toBe(3);
    expect(three.stdout).toMatch(/cuda=\n/); // no GPU asked, none visible
    const missing = await exec(t, ['--', 'no-such-program-here'], { cwd: checkout }).done;
    expect(missing.code).toBe(127);
  });

  it('streams output as it is printed, before the command ends', async () => {
    const flag = join(root, 'go-on');
    const running = exec(t, ['--name', 'live', '--env', 'EXTRA=1', '--', 'python3', 'script.py', 'wait-for-file', flag], { cwd: checkout });
    await waitFor(() => running.stdout().includes('first\n'), 'the first line while the command still waits');
    expect(running.stdout()).not.toMatch(/second/);
    await writeFile(flag, '');
    const result = await running.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/first\nsecond\n/);
  });

  it('Ctrl-C stops the run, waits for it to end and exits 130', async () => {
    const running = exec(t, ['--', 'python3', 'script.py', 'sleep'], { cwd: checkout });
    await waitFor(() => running.stdout().includes('ready\n'), 'the command to be running');
    const id = /trainer: (sess_[0-9a-f]{12})/.exec(running.stderr())![1]!;
    running.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(new RegExp(`stopping ${id}`));
    expect((await waitForState(t.api, id, ['stopped'])).state).toBe('stopped');
  });

  it('is refused with exit 3 when the key lacks the exec scope; a directory outside allowed_cwd is refused too', async () => {
    const writeKey = (await t.api('POST', '/api/v1/keys', { name: 'ci-write', scope: 'write' })).body.key;
    const refused = await exec(t, ['--', 'python3', 'script.py', 'exit', '0'], { cwd: checkout, key: writeKey }).done;
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/exec scope/);
    const outside = await exec(t, ['--', 'true'], { cwd: tmpdir() }).done;
    expect(outside.code).toBe(3);
    expect(outside.stderr).toMatch(/outside the directories/);
    const nothing = await exec(t, [], { cwd: checkout }).done;
    expect(nothing.code).toBe(2);
  });
});

describe('trainer run exec on an agent without allow_commands', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent();
  });
  afterAll(async () => {
    await t.close();
  });

  it('exits 3 with the way to enable it', async () => {
    const result = await exec(t, ['--', 'true'], { cwd: tmpdir() }).done;
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Running commands is off on this agent: start it with allow_commands: true/);
  });
});
