import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateTmux, requireTmux } from './tmux-server.js';
import { API_KEY, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NVIDIA_SMI = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));
const { tmux, dispose: disposeTmux } = privateTmux('trainer-dash-tmux-');

/** The real `trainer dash` in a tmux pane: the shell around it says whether it exited 0 and left the tty as it found it. */
async function startDash(session: string, url: string, cols: number, rows: number): Promise<void> {
  const script = 'S=$(stty -g); echo DASH-BEFORE; node bin/run.js dash; C=$?; [ "$S" = "$(stty -g)" ] && echo TTY-RESTORED; echo DASH-EXIT=$C; sleep 600';
  const env = { TRAINER_URL: url, TRAINER_API_KEY: API_KEY, NCURSES_NO_UTF8_ACS: '1', LANG: 'C.UTF-8' };
  await tmux(
    '-u',
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    String(cols),
    '-y',
    String(rows),
    '-c',
    ROOT,
    ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    'bash',
    '--noprofile',
    '--norc',
    '-c',
    script,
  );
}

const screen = (session: string) => tmux('capture-pane', '-p', '-t', session);

/** Polls the pane until `check` finds what it wants (bounded); fails with the last screen. */
async function untilScreen<T>(session: string, what: string, check: (text: string) => T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  let last = '';
  try {
    return await waitFor(
      async () => {
        last = await screen(session);
        return check(last) || null;
      },
      what,
      timeoutMs,
    );
  } catch {
    throw new Error(`Timed out waiting for ${what}. The screen was:\n${last}`);
  }
}

const rowOf = (text: string, id: string) => text.split('\n').find((line) => line.includes(id)) ?? '';

// `trainer dash` for real: the CLI binary in a tmux terminal, against a real agent with runs in
// every state, driven with keys and read back with capture-pane.
describe('trainer dash in a terminal', () => {
  let t: TestAgent;
  const ids: Record<string, string> = {};
  const start = async (params: Record<string, number>) =>
    (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params, start: true })).body.session_id as string;

  beforeAll(async () => {
    requireTmux();
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '2', TRAINER_NVIDIA_SMI: NVIDIA_SMI } });
    ids.completed = await start({ epochs: 2, interval_ms: 10 });
    await waitForState(t.api, ids.completed, ['completed']);
    ids.failed = await start({ epochs: 1, interval_ms: 10, exit_code: 3 });
    await waitForState(t.api, ids.failed, ['failed']);
    ids.running1 = await start({ epochs: 100000, interval_ms: 200 });
    ids.running2 = await start({ epochs: 100000, interval_ms: 200 });
    await waitForState(t.api, ids.running2, ['running']);
    ids.queued = await start({ epochs: 100000, interval_ms: 200 });
  });
  afterAll(async () => {
    await disposeTmux();
    await t?.close();
  });

  it('shows every run with its state; x + y stops the selected run in the agent; new runs appear live; panels collapse at 80×24; q restores the terminal', async () => {
    await startDash('main', t.url, 120, 40);
    const expected = { completed: 'completed', failed: 'failed', running1: 'running', running2: 'running', queued: 'queued' };
    const first = await untilScreen('main', 'every run with its state', (text) =>
      Object.entries(expected).every(([key, state]) => new RegExp(`\\b${state}\\b`).test(rowOf(text, ids[key]!))) &&
      text.includes('GPUs · 2× NVIDIA A100-SXM4-40GB') &&
      text.includes('Loss · ')
        ? text
        : null,
    );
    expect(first).toContain(`● ${t.url}`);
    expect(rowOf(first, ids.queued!)).toContain('waiting #1');
    expect(rowOf(first, ids.failed!)).toMatch(/failed\s+1\/1/);
    expect(first).toMatch(/Runs · 2 running · 1 queued · 2 ended/);
    // while it runs: the alternate screen, no cursor, mouse reporting on (what q must undo)
    expect((await tmux('display-message', '-p', '-t', 'main', '#{alternate_on} #{cursor_flag} #{mouse_any_flag}')).trim()).toBe('1 0 1');

    // the selected run is drawn in reverse video: the first row, the run that started first
    const styled = await tmux('capture-pane', '-p', '-e', '-t', 'main');
    const highlighted = styled.split('\n').filter((line) => line.includes('\x1b[7m') && /sess_[0-9a-f]{12}/.test(line));
    expect(highlighted).toHaveLength(1);
    const selected = /sess_[0-9a-f]{12}/.exec(highlighted[0]!)![0];
    expect([ids.running1, ids.running2]).toContain(selected);
    // x on it asks, y stops it in the agent
    await tmux('send-keys', '-t', 'main', 'x');
    const asked = await untilScreen('main', 'the stop confirmation', (text) => /Stop (sess_[0-9a-f]{12}) \(ticker, running/.exec(text));
    const stopped = asked[1]!;
    expect(stopped).toBe(selected);
    await tmux('send-keys', '-t', 'main', 'y');
    expect((await waitForState(t.api, stopped, ['stopped'])).end_reason).toBe('stopped_by_user');
    await untilScreen('main', 'the stopped run shown stopped', (text) => /\bstopped\b/.test(rowOf(text, stopped)));
    // the freed slot starts the queued run, and a new run shows up: both from the event stream
    const fresh = await start({ epochs: 100000, interval_ms: 200 });
    await untilScreen(
      'main',
      'the queued run running and the new run queued',
      (text) => /\brunning\b/.test(rowOf(text, ids.queued!)) && /\bqueued\b/.test(rowOf(text, fresh)),
    );

    // a small terminal: charts and alerts collapse, the runs stay, nothing is drawn past the edge
    await tmux('resize-window', '-t', 'main', '-x', '80', '-y', '24');
    const small = await untilScreen('main', 'the 80×24 layout', (text) =>
      !text.includes('Loss · ') && !text.includes('Alerts · ') && text.includes(fresh) && text.includes('GPUs · ') ? text : null,
    );
    for (const line of small.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(small.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(24);
    expect(small).toMatch(/^┌─ Runs · /m);

    await tmux('send-keys', '-t', 'main', 'q');
    const after = await untilScreen('main', 'the dashboard to exit', (text) => (text.includes('DASH-EXIT=') ? text : null));
    expect(after).toContain('DASH-EXIT=0');
    expect(after).toContain('TTY-RESTORED');
    expect(after).toContain('DASH-BEFORE');
    expect(after).not.toContain('Runs · ');
    // back on the main screen, cursor shown, mouse reporting off
    expect((await tmux('display-message', '-p', '-t', 'main', '#{alternate_on} #{cursor_flag} #{mouse_any_flag}')).trim()).toBe('0 1 0');
  });

  it('Ctrl-C quits too, with the terminal restored', async () => {
    await startDash('interrupt', t.url, 100, 30);
    await untilScreen('interrupt', 'the runs', (text) => text.includes(ids.completed!) && text.includes('● http'));
    await tmux('send-keys', '-t', 'interrupt', 'C-c');
    const after = await untilScreen('interrupt', 'the dashboard to exit', (text) => (text.includes('DASH-EXIT=') ? text : null));
    expect(after).toContain('DASH-EXIT=0');
    expect(after).toContain('TTY-RESTORED');
    expect((await tmux('display-message', '-p', '-t', 'interrupt', '#{alternate_on} #{cursor_flag} #{mouse_any_flag}')).trim()).toBe('0 1 0');
  });
});
