import { describe, expect, it } from 'vitest';
import { loadEngine } from '../../dist/src/tfjs/engine.js';

// wasm has no Conv2DBackpropFilter; trainer computes it with wasm's 3-D kernel. Same numbers as cpu's?
describe('the wasm convolution filter gradient', () => {
  it('matches the cpu kernel for the shapes the trainer builds', async () => {
    const { tf, name } = await loadEngine({ requested: 'wasm', needsConvGradients: true });
    expect(name).toBe('wasm');
    const cases = [
      { x: [3, 9, 7, 2], dy: [3, 9, 7, 4], pad: 'same', filter: [3, 3, 2, 4] },
      { x: [3, 9, 7, 2], dy: [3, 7, 5, 4], pad: 'valid', filter: [3, 3, 2, 4] },
      { x: [4, 16, 16, 1], dy: [4, 16, 16, 8], pad: 'same', filter: [3, 3, 1, 8] },
      { x: [2, 8, 8, 8], dy: [2, 8, 8, 16], pad: 'same', filter: [3, 3, 8, 16] },
    ];
    const size = (shape: number[]) => shape.reduce((product, value) => product * value, 1);
    for (const { x, dy, pad, filter } of cases) {
      const xs = Float32Array.from({ length: size(x) }, (_, i) => Math.sin(i * 1.3));
      const dys = Float32Array.from({ length: size(dy) }, (_, i) => Math.cos(i * 0.7));
      const results: Record<string, Float32Array> = {};
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const gradient = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(xs, x), dy: tf.tensor(dys, dy) }, {
          strides: [1, 1],
          pad,
          dataFormat: 'NHWC',
          filterShape: filter,
        } as never) as import('@tensorflow/tfjs').Tensor;
        expect(gradient.shape).toEqual(filter);
        results[backend] = (await gradient.data()) as Float32Array;
      }
      const worst = Math.max(...results.cpu!.map((value, i) => Math.abs(value - results.wasm![i]!)));
      expect(worst).toBeLessThan(1e-3);
    }
    await tf.setBackend('wasm');
    // a stride the 3-D kernel would pad differently is refused, not computed wrong
    expect(() =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.ones([1, 8, 8, 1]), dy: tf.ones([1, 4, 4, 2]) }, {
        strides: [2, 2],
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: [3, 3, 1, 2],
      } as never),
    ).toThrow(/only stride 1/);
  });
});
