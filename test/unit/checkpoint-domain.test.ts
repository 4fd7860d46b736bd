import { describe, expect, it } from 'vitest';
import { OutputParser } from '../../src/plugins/output/output-parser.js';
import { bestCheckpoint, checkpointsToDrop, parseCheckpointLine, type CheckpointRecord } from '../../src/domain/checkpoint.js';
import { parseDatasetRef } from '../../src/domain/registry.js';

const record = (epoch: number, val_loss?: number): CheckpointRecord => ({
  checkpoint_id: `ckpt_${String(epoch).padStart(12, '0')}`,
  session_id: 'sess_000000000001',
  epoch,
  metrics: val_loss === undefined ? {} : { val_loss },
  file: `e${epoch}.pt`,
  size_bytes: 1,
  created_at: `2026-01-01T00:00:${String(epoch).padStart(2, '0')}.000Z`,
  source: 'run',
  original_path: null,
});

describe('checkpoints (domain)', () => {
  it('parses the line a run prints, with metrics inside or beside', () => {
    expect(parseCheckpointLine('{"checkpoint": "ckpt/e3.pt", "epoch": 3, "metrics": {"val_loss": 0.4}}')).toEqual({
      path: 'ckpt/e3.pt',
      epoch: 3,
      metrics: { val_loss: 0.4 },
    });
    expect(parseCheckpointLine('{"checkpoint": "e3.pt", "epoch": 3, "val_loss": 0.4, "metrics": {"acc": 0.9}}')).toEqual({
      path: 'e3.pt',
      epoch: 3,
      metrics: { val_loss: 0.4, acc: 0.9 },
    });
    for (const line of ['{"epoch": 3, "loss": 0.4}', 'checkpoint saved', '{"checkpoint": "x"', '["checkpoint"]']) expect(parseCheckpointLine(line)).toBeNull();
  });

  it('says what is wrong with a malformed or escaping line', () => {
    expect(parseCheckpointLine('{"checkpoint": "../../db.json", "epoch": 1}')).toMatch(/must not contain "\.\."/);
    expect(parseCheckpointLine('{"checkpoint": "/etc/passwd", "epoch": 1}')).toMatch(/relative/);
    expect(parseCheckpointLine('{"checkpoint": "a\\\\..\\\\..\\\\b", "epoch": 1}')).toMatch(/\.\./);
    expect(parseCheckpointLine('{"checkpoint": "e.pt", "epoch": -1}')).toMatch(/epoch/);
    expect(parseCheckpointLine('{"checkpoint": "e.pt", "epoch": 1.5}')).toMatch(/epoch/);
    expect(parseCheckpointLine('{"checkpoint": "e.pt", "epoch": 1, "metrics": {"loss": "low"}}')).toMatch(/finite number/);
    expect(parseCheckpointLine('{"checkpoint": 3, "epoch": 1}')).toMatch(/relative to the output directory/);
  });

  it('keeps the best K by metric and the last K by epoch', () => {
    const records = [record(1, 0.9), record(2, 0.5), record(3, 0.7), record(4, 0.6), record(5, 0.8)];
    const kept = (keepBest: number, keepLast: number, mode: 'min' | 'max' = 'min') => {
      const dropped = new Set(checkpointsToDrop(records, { metric: 'val_loss', mode, keepBest, keepLast }).map((dropped) => dropped.epoch));
      return records.map((r) => r.epoch).filter((epoch) => !dropped.has(epoch));
    };
    expect(kept(1, 2)).toEqual([2, 4, 5]);
    expect(kept(2, 1)).toEqual([2, 4, 5]);
    expect(kept(1, 0, 'max')).toEqual([1]);
    expect(kept(0, 0)).toEqual([]);
    expect(kept(10, 0)).toEqual([1, 2, 3, 4, 5]);
    // without the metric, a checkpoint can only be kept for being recent
    expect(
      checkpointsToDrop([record(1), record(2, 0.3), record(3)], { metric: 'val_loss', mode: 'min', keepBest: 1, keepLast: 1 }).map((r) => r.epoch),
    ).toEqual([1]);
    expect(bestCheckpoint([record(1), record(2)], { metric: 'val_loss', mode: 'min' })).toBeNull();
    expect(bestCheckpoint(records, { metric: 'val_loss', mode: 'max' })!.epoch).toBe(1);
  });

  it('keeps a checkpoint line in the log even when it carries metrics beside the path', () => {
    const line = '{"checkpoint": "e3.pt", "epoch": 3, "val_loss": 0.4}';
    const batch = new OutputParser().serializeBatch([line], 'stdout', 'T');
    expect(batch.points).toBe(1);
    expect(JSON.parse(batch.logText).message).toBe(line);
    expect(new OutputParser().serializeBatch(['{"epoch": 3, "val_loss": 0.4, "phase": "x"}'], 'stdout', 'T').logText).toBe('');
  });

  it('splits a dataset reference and its pinned version', () => {
    expect(parseDatasetRef('iris')).toEqual({ name: 'iris', version: null });
    expect(parseDatasetRef('iris@3FA2c1')).toEqual({ name: 'iris', version: '3fa2c1' });
    expect(parseDatasetRef('iris@abc')).toMatch(/4 to 64 hex digits/);
    expect(parseDatasetRef('iris@xyzw')).toMatch(/hex/);
  });
});
