import { describe, expect, it } from 'vitest';
import { ComponentStack } from '../../src/agent/components.js';
import { createLogger } from '../../src/logging/logger.js';

describe('ComponentStack (the agent composition root)', () => {
  const logger = createLogger({ level: 'silent' });

  it('closes parts in the reverse of their start order, each after the one started after it has finished closing', async () => {
    const parts = new ComponentStack(logger);
    const log: string[] = [];
    for (const name of ['store', 'plugins', 'executor', 'scheduler']) {
      await parts.start(
        name,
        () => name,
        async (part) => {
          log.push(`closing ${part}`);
          await new Promise((resolve) => setImmediate(resolve));
          log.push(`closed ${part}`);
        },
      );
    }
    parts.add('http server', () => void log.push('closed http server'));
    await Promise.all([parts.close(), parts.close()]);
    expect(log).toEqual([
      'closed http server',
      'closing scheduler',
      'closed scheduler',
      'closing executor',
      'closed executor',
      'closing plugins',
      'closed plugins',
      'closing store',
      'closed store',
    ]);
  });

  it('a part that fails to close is reported, and the others still close', async () => {
    const lines: string[] = [];
    const parts = new ComponentStack(createLogger({ level: 'error', write: (line) => lines.push(line) }));
    const closed: string[] = [];
    await parts.start(
      'first',
      () => 1,
      () => void closed.push('first'),
    );
    await parts.start(
      'broken',
      () => 2,
      () => {
        throw new Error('disk gone');
      },
    );
    await parts.start(
      'last',
      () => 3,
      () => void closed.push('last'),
    );
    await parts.close();
    expect(closed).toEqual(['last', 'first']);
    expect(lines.join('\n')).toMatch(/broken[\s\S]*disk gone|disk gone[\s\S]*broken/);
  });

  it('a start that fails closes what had started, in reverse, and then throws', async () => {
    const parts = new ComponentStack(logger);
    const closed: string[] = [];
    await parts.start(
      'store',
      () => 'store',
      (part) => void closed.push(part),
    );
    await parts.start(
      'sampler',
      () => 'sampler',
      (part) => void closed.push(part),
    );
    await expect(
      parts.start(
        'plugins',
        () => Promise.reject(new Error('bad plugin config')),
        () => void closed.push('plugins'),
      ),
    ).rejects.toThrow('bad plugin config');
    expect(closed).toEqual(['sampler', 'store']);
    await expect(parts.start('late', () => 'late')).rejects.toThrow(/closing/);
  });
});
