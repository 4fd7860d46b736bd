import { describe, expect, it } from 'vitest';
import { closestMatches, parseCommand, parseDuration, tokenize } from '../../dist/bots/core/parse.js';
import { refusal, emptyPolicy } from '../../dist/bots/core/access.js';

describe('the /train grammar', () => {
  it('parses start with parameters and gpus', () => {
    expect(parseCommand('start demo-mlp lr=0.01 epochs=20 gpus=1')).toEqual({
      name: 'start',
      recipe: 'demo-mlp',
      params: { lr: '0.01', epochs: '20' },
      gpus: 1,
    });
    expect(parseCommand('START ticker')).toEqual({ name: 'start', recipe: 'ticker', params: {} });
  });

  it('keeps quoted values whole', () => {
    expect(tokenize(`start x note="two words" 'a b'`)).toEqual(['start', 'x', 'note=two words', 'a b']);
  });

  it('treats an empty text as help and parses every read command', () => {
    expect(parseCommand('')).toEqual({ name: 'help' });
    expect(parseCommand('logs 3fa 5')).toEqual({ name: 'logs', run: '3fa', lines: 5 });
    expect(parseCommand('logs 3fa')).toEqual({ name: 'logs', run: '3fa', lines: 20 });
    expect(parseCommand('list running')).toEqual({ name: 'list', state: 'running' });
    expect(parseCommand('top loss')).toEqual({ name: 'top', metric: 'loss' });
    expect(parseCommand('silence gpu-hot 1h')).toEqual({ name: 'silence', target: 'gpu-hot', seconds: 3600 });
  });

  it('says what to type when a command is wrong', () => {
    expect(() => parseCommand('stop')).toThrow(/Say which run\. Usage: \/train stop <run>/);
    expect(() => parseCommand('start lr=0.1')).toThrow(/Say which recipe/);
    expect(() => parseCommand('start x lr')).toThrow(/'lr' is not a parameter: type key=value/);
    expect(() => parseCommand('list sleeping')).toThrow(/not a state \(one of created, queued/);
    expect(() => parseCommand('logs abc 500')).toThrow(/lines must be a whole number from 1 to 50/);
    expect(() => parseCommand('silence x soon')).toThrow(/not a duration: type one like 30m/);
  });

  it('suggests the closest command for a typo', () => {
    expect(() => parseCommand('stauts')).toThrow(/Unknown command 'stauts'\. Did you mean `status`/);
    expect(() => parseCommand('xyzzy')).toThrow(/Unknown command 'xyzzy'\. Type `\/train help`/);
  });

  it('ranks close matches', () => {
    expect(closestMatches('demo-mpl', ['demo-mlp', 'ticker', 'demo-cnn'])).toEqual(['demo-mlp']);
    expect(closestMatches('demo', ['demo-mlp', 'ticker', 'demo-cnn'])).toEqual(['demo-cnn', 'demo-mlp']);
    expect(closestMatches('tick', ['demo-mlp', 'ticker'])).toEqual(['ticker']);
    expect(closestMatches('zzzzzz', ['ticker'])).toEqual([]);
  });

  it('parses durations', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('2d')).toBe(172800);
    expect(() => parseDuration('0')).toThrow();
    expect(() => parseDuration('31d')).toThrow();
  });
});

describe('access control', () => {
  const actor = { platform: 'slack' as const, userId: 'U1', userName: 'ann', channelId: 'C1', roles: [] as string[] };

  it('opens reads to everyone and closes writes when nobody is listed', () => {
    expect(refusal(emptyPolicy(), actor, false)).toBeNull();
    expect(refusal(emptyPolicy(), actor, true)).toMatch(/SLACK_ALLOWED_USERS/);
  });

  it('lets listed users, roles and admins write, in the allowed channels only', () => {
    const policy = { ...emptyPolicy(), users: ['U1'], roles: ['G7'], channels: ['C9'], admins: ['UADMIN'] };
    expect(refusal(policy, actor, true)).toMatch(/only in the allowed channels/);
    expect(refusal(policy, { ...actor, channelId: 'C9' }, true)).toBeNull();
    expect(refusal(policy, { ...actor, userId: 'U2', channelId: 'C9', roles: ['G7'] }, true)).toBeNull();
    expect(refusal(policy, { ...actor, userId: 'U2', channelId: 'C9' }, true)).toMatch(/not on the slack allow-list/);
    expect(refusal(policy, { ...actor, userId: 'UADMIN' }, true)).toBeNull();
    expect(refusal({ ...policy, readsNeedAllowList: true }, { ...actor, userId: 'U2' }, false)).toMatch(/allow-list/);
  });
});

describe('run progress in chat replies', () => {
  it('shows epochs when known, else where the run’s progress bar stands', async () => {
    const { epochText } = await import('../../dist/bots/core/replies.js');
    expect(epochText({ current_epoch: 3, total_epochs: 10, bar_progress: { n: 1, total: 2 } })).toBe('3/10');
    expect(epochText({ current_epoch: null, total_epochs: null, bar_progress: { n: 45, total: 100 } })).toBe('45%');
    expect(epochText({ current_epoch: null, total_epochs: null, bar_progress: null })).toBeNull();
  });
});
