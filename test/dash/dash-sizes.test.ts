import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateTmux, requireTmux } from './tmux-server.js';
import { API_KEY, startTestAgent, waitFor, waitForState, type TestAgent } from '../helpers/agent-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NVIDIA_SMI = fileURLToPath(new URL('../stand-ins/nvidia-smi', import.meta.url));
const { tmux, dispose: disposeTmux } = privateTmux('trainer-dash-sizes-');
async function startDash(session: string, url: string, cols: number, rows: number, env: Record<string, string> = {}, args = ''): Promise<void> {
  const all = { TRAINER_URL: url, TRAINER_API_KEY: API_KEY, NCURSES_NO_UTF8_ACS: '1', LANG: 'C.UTF-8', ...env };
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
    ...Object.entries(all).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    'bash',
    '--noprofile',
    '--norc',
    '-c',
    `node bin/run.js dash ${args}; sleep 600`,
  );
}

const screen = (session: string, escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);

async function untilScreen(session: string, what: string, check: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(
      async () => {
        last = await screen(session);
        return check(last) ? last : null;
      },
      what,
      timeoutMs,
    );
  } catch {
    throw new Error(`Timed out waiting for ${what}. The screen was:\n${last}`);
  }
}

/**
 * Every box on the screen whose top-left corner shows: its top edge reaches a ┐ (no other box's ┌ in
 * between), its sides run down unbroken to a └ and a ┘ on one row. With `only`, just the box whose top
 * edge holds that text (an overlay; the panels under it are covered by design).
 */
function brokenBoxes(text: string, only?: string): string[] {
  const lines = text.split('\n').map((line) => [...line]);
  const problems: string[] = [];
  lines.forEach((line, top) => {
    line.forEach((char, left) => {
      if (char !== '┌') return;
      let right = left + 1;
      while (right < line.length && line[right] !== '┐' && line[right] !== '┌') right++;
      const edge = line.slice(left, right + 1).join('');
      if (only !== undefined && !edge.includes(only)) return;
      if (line[right] !== '┐') return void problems.push(`row ${top}: the top edge of the box at ${left} is broken: ${line.join('')}`);
      let bottom = top + 1;
      for (; bottom < lines.length && lines[bottom]![left] !== '└'; bottom++) {
        if (lines[bottom]![left] !== '│' || lines[bottom]![right] !== '│')
          return void problems.push(`row ${bottom}: the sides of the box at ${top},${left} are broken: ${lines[bottom]!.join('')}`);
      }
      if (bottom === lines.length || lines[bottom]![right] !== '┘') problems.push(`the box at ${top},${left} (${edge}) has no bottom`);
    });
  });
  return problems;
}

/** Sends a key, or (`~text`) waits until the screen shows that text. */
async function press(session: string, key: string): Promise<void> {
  if (key.startsWith('~')) await untilScreen(session, key.slice(1), (text) => text.includes(key.slice(1)));
  else await tmux('send-keys', '-t', session, key);
}

function fitsTerminal(text: string, cols: number, rows: number): void {
  const lines = text.replace(/\n$/, '').split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(cols);
}

// The dashboard at the three sizes people use, with every overlay open: nothing drawn past the edge,
// no box with a broken border (overlays scroll or shrink, titles are cut with …).
describe('trainer dash at 80×24, 120×36 and 200×50', () => {
  let t: TestAgent;
  beforeAll(async () => {
    requireTmux();
    t = await startTestAgent({ env: { MAX_CONCURRENT_SESSIONS: '1', TRAINER_NVIDIA_SMI: NVIDIA_SMI } });
    const start = async (params: Record<string, number>, name?: string) =>
      (await t.api('POST', '/api/v1/training/sessions', { recipe: 'ticker', params, start: true, session_name: name })).body.session_id as string;
    const done = await start({ epochs: 3, interval_ms: 10 }, 'a run name long enough to be cut in every column that shows it, whatever the size');
    await waitForState(t.api, done, ['completed']);
    const running = await start({ epochs: 100000, interval_ms: 100 });
    await waitForState(t.api, running, ['running']);
    await start({ epochs: 5, interval_ms: 10 });
  });
  afterAll(async () => {
    await disposeTmux();
    await t?.close();
  });

  // each overlay: the keys that open it, the text of its top edge, and what shows only while it is open
  // (`~text`: wait until the screen shows that text before the next key)
  const overlays: { keys: string[]; box: string; shows: string; close: string[] }[] = [
    { keys: ['?'], box: 'help', shows: 'trainer dash · help', close: ['q'] },
    { keys: ['f'], box: 'Show runs', shows: 'Show runs', close: ['q'] },
    { keys: ['Enter'], box: 'Run sess_', shows: '─ Run sess_', close: ['q'] },
    { keys: ['s'], box: 'pick a recipe', shows: 'pick a recipe', close: ['q'] },
    // Esc goes back to the recipe list (a key sent right after Esc would read as Meta-key): q from there
    { keys: ['s', '~demo-mlp', 'Enter'], box: 'Start a run of', shows: 'Start a run of', close: ['C-u', 'Escape', '~pick a recipe', 'q'] },
    { keys: ['x'], box: 'Stop run', shows: 'Stop run', close: ['n'] },
    { keys: ['l'], box: 'Log ·', shows: 'PgUp PgDn scroll', close: ['q'] },
  ];

  for (const [cols, rows] of [
    [80, 24],
    [120, 36],
    [200, 50],
  ] as const) {
    it(`${cols}×${rows}: the main screen and every overlay fit, with unbroken borders`, async () => {
      const session = `size-${cols}x${rows}`;
      await startDash(session, t.url, cols, rows);
      const main = await untilScreen(
        session,
        'the runs and the GPUs, every panel whole',
        (text) => text.includes('Runs · 1 running') && text.includes('GPUs · ') && brokenBoxes(text).length === 0,
      );
      fitsTerminal(main, cols, rows);
      for (const overlay of overlays) {
        for (const key of overlay.keys) await press(session, key);
        // a capture can land while blessed is still writing a frame: wait for a whole one (a box that
        // is really broken never becomes whole, and the wait fails with the screen)
        const shown = await untilScreen(
          session,
          `the ${overlay.box} overlay, whole`,
          (text) => text.includes(overlay.shows) && brokenBoxes(text, overlay.box).length === 0,
        );
        fitsTerminal(shown, cols, rows);
        for (const key of overlay.close) await press(session, key);
        const closed = await untilScreen(
          session,
          `the ${overlay.box} overlay to close, every panel whole again`,
          (text) => overlays.every((any) => !text.includes(any.shows)) && brokenBoxes(text).length === 0,
        );
        fitsTerminal(closed, cols, rows);
      }
      await tmux('kill-session', '-t', session);
    });
  }

  it('60 columns: a readable runs list, its title cut with … and its header intact', async () => {
    // a filter makes the title longer than the box
    await startDash('narrow', t.url, 60, 20, {}, '--filter active');
    const text = await untilScreen('narrow', 'the runs', (screenText) => screenText.includes('Runs · 1 running') && brokenBoxes(screenText).length === 0);
    fitsTerminal(text, 60, 20);
    expect(brokenBoxes(text)).toEqual([]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^┌─ Runs · 1 running · .*─┐$/);
    expect(lines[1]).toMatch(/^│ID +.*STATE/);
    // narrower still: the title no longer fits and is cut, the border and header stay whole
    await tmux('resize-window', '-t', 'narrow', '-x', '50', '-y', '20');
    const narrower = await untilScreen(
      'narrow',
      'the 50-column layout',
      (screenText) => [...screenText.split('\n')[0]!].length === 50 && brokenBoxes(screenText).length === 0,
    );
    fitsTerminal(narrower, 50, 20);
    expect(brokenBoxes(narrower)).toEqual([]);
    expect(narrower.split('\n')[0]).toMatch(/^┌─ Runs · 1 running · .*… ─*┐$/);
    expect(narrower.split('\n')[1]).toMatch(/^│ID +.*STATE/);
    await tmux('kill-session', '-t', 'narrow');
  });

  it('a refused API key is the main message, not "No runs yet"', async () => {
    await startDash('refused', t.url, 80, 24, { TRAINER_API_KEY: 'not-a-key' });
    const text = await untilScreen('refused', 'the refusal', (screenText) => screenText.includes('refused this dashboard'));
    expect(text).not.toContain('No runs yet');
    expect(text.split('\n').slice(0, 6).join('\n')).toContain('refused this dashboard');
    await tmux('kill-session', '-t', 'refused');
  });

  it('NO_COLOR=1: no colour escapes anywhere, bold and inverse kept', async () => {
    await startDash('nocolor', t.url, 120, 36, { NO_COLOR: '1' });
    await untilScreen('nocolor', 'the runs and a chart', (text) => text.includes('Runs · 1 running') && text.includes('Loss · '));
    for (const [keys, shows] of [
      [[], 'Runs · '],
      [['?'], 'trainer dash · help'],
      [['q', 'f'], 'Show runs'],
      [['q', 'l'], 'PgUp PgDn scroll'],
    ] as const) {
      for (const key of keys) await tmux('send-keys', '-t', 'nocolor', key);
      await untilScreen('nocolor', shows, (text) => text.includes(shows));
      const styled = await screen('nocolor', true);
      const colours = [...styled.matchAll(/\x1b\[([0-9;]*)m/g)]
        .map((match) => match[1]!)
        .filter((params) => params.split(';').some((param) => /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/.test(param)));
      expect(colours, shows).toEqual([]);
      if (keys.length === 0) expect(styled).toContain('\x1b[7m'); // the selected row, inverse
    }
    await tmux('kill-session', '-t', 'nocolor');
  });
});
