import { TrainerClient } from '../client/trainer-client.js';
import { createDashState, type RunFilter } from './dash-state.js';
import { DashFeed, DEFAULT_FEED_OPTIONS } from './feed.js';
import { handleKey, MAIN, type Effect, type Key, type Mode } from './keymap.js';
import { DashTerminal } from './terminal.js';

export interface DashboardOptions {
  url: string;
  apiKey?: string;
  filter?: RunFilter;
  mouse?: boolean;
  /** how often GPUs (or CPU and memory) are read, ms */
  gpuIntervalMs?: number;
}

/**
 * A run starting or stopping, an alert or the connection redraws within 250 ms; new metric points and
 * the clock within a second; a key at once. With 50 runs reporting every second, drawing each point
 * would cost more than the points are worth: blessed's render is most of the dashboard's CPU.
 */
const URGENT_FRAME_MS = 250;
const ROUTINE_FRAME_MS = 1000;

/**
 * `trainer dash`: runs the dashboard until q or Ctrl-C (or SIGTERM/SIGHUP) and resolves with the exit
 * code, the terminal restored.
 */
export async function runDashboard(options: DashboardOptions): Promise<number> {
  const client = new TrainerClient({ url: options.url, apiKey: options.apiKey, timeoutMs: 10_000 });
  const state = createDashState(client.url);
  state.filter = options.filter ?? 'all';
  let mode: Mode = MAIN;
  let frameTimer: NodeJS.Timeout | null = null;
  let frameDue = 0;
  let lastFrame = 0;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  const render = () => {
    if (frameTimer) clearTimeout(frameTimer);
    frameTimer = null;
    lastFrame = Date.now();
    terminal.render(state, mode);
  };
  const scheduleRender = (urgency: 'urgent' | 'routine' = 'urgent') => {
    const due = lastFrame + (urgency === 'urgent' ? URGENT_FRAME_MS : ROUTINE_FRAME_MS);
    if (frameTimer && frameDue <= due) return;
    if (frameTimer) clearTimeout(frameTimer);
    frameDue = due;
    frameTimer = setTimeout(render, Math.max(0, due - Date.now()));
  };

  const terminal = new DashTerminal(
    {
      onKey: (key: Key) => {
        state.now = Date.now();
        const result = handleKey(state, mode, key, terminal.pageSizes());
        mode = result.mode;
        for (const effect of result.effects) apply(effect);
        render();
      },
      onSelect: (runId) => {
        if (mode.kind === 'main') feed.select(runId);
        render();
      },
      onResize: render,
    },
    { mouse: options.mouse ?? true, noColor: 'NO_COLOR' in process.env && process.env.NO_COLOR !== '' },
  );
  const feed = new DashFeed(client, state, scheduleRender, {
    ...DEFAULT_FEED_OPTIONS,
    gpuIntervalMs: options.gpuIntervalMs ?? DEFAULT_FEED_OPTIONS.gpuIntervalMs,
  });

  function apply(effect: Effect): void {
    switch (effect.type) {
      case 'quit':
        return quit(0);
      case 'select':
        return feed.select(effect.runId);
      case 'filter':
        return feed.setFilter(effect.filter);
      case 'stop':
        return void feed.stop(effect.runId);
      case 'start':
        return void feed.startRun(effect.recipe, effect.params);
      case 'load-recipes':
        return void feed.loadRecipes();
      case 'load-details':
        return void feed.loadDetails(effect.runId);
      case 'message':
        state.message = { text: effect.text, level: effect.level, at: state.now };
        return;
    }
  }

  let quitting = false;
  function quit(code: number): void {
    if (quitting) return;
    quitting = true;
    if (frameTimer) clearTimeout(frameTimer);
    feed.close();
    terminal.destroy();
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
    process.removeListener('uncaughtException', onCrash);
    finish(code);
  }

  // the terminal is given back whatever ends the dashboard; a crash is reported, never swallowed
  const signalHandlers: [NodeJS.Signals, () => void][] = [
    ['SIGTERM', () => quit(143)],
    ['SIGHUP', () => quit(129)],
    ['SIGINT', () => quit(130)],
  ];
  for (const [signal, handler] of signalHandlers) process.on(signal, handler);
  function onCrash(error: Error): void {
    quit(1);
    process.stderr.write(`trainer dash crashed: ${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  }
  process.once('uncaughtException', onCrash);

  feed.start();
  render();
  return done;
}
