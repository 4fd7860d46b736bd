import { Command, Errors, Flags } from '@oclif/core';
import { ApiError, TrainerClient } from '../client/trainer-client.js';
import { exitCodeForWire } from '../errors.js';
import { progressBar, type ProgressBar } from './progress.js';
import { DownloadRefused } from './transfer.js';

/**
 * Every command but `agent` is a REST client: it gets --url, --api-key and --json from here.
 *
 * A command parses in its own run() (`const { args, flags } = await this.parse(MyCommand)`, which
 * merges these base flags and --json) and then asks for a client with `this.clientFor(flags)`.
 */
export abstract class BaseCommand extends Command {
  static enableJsonFlag = true;

  static baseFlags = {
    url: Flags.string({ description: 'Agent URL', env: 'TRAINER_URL', default: 'http://127.0.0.1:8000', helpGroup: 'GLOBAL' }),
    'api-key': Flags.string({ description: 'API key', env: 'TRAINER_API_KEY', helpGroup: 'GLOBAL' }),
  };

  protected clientFor(flags: { url: string; 'api-key'?: string }): TrainerClient {
    return new TrainerClient({ url: this.checkedUrl(flags.url), apiKey: flags['api-key'] });
  }

  /** The agent URL, or the command ends saying what is wrong with it (not a fetch TypeError later). */
  protected checkedUrl(url: string): string {
    const problem = agentUrlProblem(url);
    if (problem) this.fail(`--url / TRAINER_URL ${JSON.stringify(url)} ${problem} (example: http://127.0.0.1:8000)`, 2);
    return url;
  }

  /** A transfer's progress bar on stderr: drawn only on a terminal and without --json. */
  protected progress(label: string): ProgressBar {
    return progressBar(label, process.stderr, !this.jsonEnabled());
  }

  /**
   * Ends the command with a one-line message on stderr (or a JSON error on stdout with --json) and
   * the given exit code. oclif's own error printer wraps long lines; this one does not.
   */
  protected fail(message: string, exit: number): never {
    const line = message.replace(/\s*\n\s*/g, ' ');
    if (this.jsonEnabled()) this.logJson({ error: { message: line, exit } });
    else process.stderr.write(`Error: ${line}\n`);
    this.exit(exit);
  }

  /**
   * For --wait and --follow: an agent that restarts does not end the runs it holds, so a poll that
   * gets no answer is retried for a while (with one note on stderr) before the command gives up.
   */
  protected async retryWhileUnreachable<T>(request: () => Promise<T>, patienceMs = 60_000): Promise<T> {
    const deadline = Date.now() + patienceMs;
    let noted = false;
    for (;;) {
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 0 || Date.now() >= deadline) throw error;
        if (!noted) this.logToStderr(`${error.detail} Retrying for up to ${Math.round(patienceMs / 1000)} s.`);
        noted = true;
        await sleep(1000);
      }
    }
  }

  /** An API error becomes a one-line message and the exit code of its wire code (README: Exit codes). */
  protected async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error; // from fail() or exit(): already reported
    if (error instanceof ApiError) this.fail(error.detail, exitCodeForWire(error.code, error.status));
    if (error instanceof DownloadRefused) this.fail(error.message, 5);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES') this.fail(error.message, 2);
    // oclif's catch takes --json's exit code from `exitCode`, which its own errors do not set
    if (this.jsonEnabled() && error.exitCode === undefined && typeof error.oclif?.exit === 'number') error.exitCode = error.oclif.exit;
    return super.catch(error);
  }
}

/** Why a string is not an agent URL (http or https, with a host), or null when it is one. */
export function agentUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return /^[\w.-]+:\d+/.test(raw) ? 'has no scheme' : 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return /^[\w.-]+:\d+/.test(raw) ? 'has no scheme' : `is not http(s) but ${url.protocol.slice(0, -1)}`;
  if (!url.hostname) return 'has no host';
  return null;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
