import type { KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './engine.js';

/**
 * The wasm backend has no Conv2DBackpropFilter kernel, so a convolution cannot train on it. It does have
 * Conv3DBackpropFilterV2: a 2-D convolution is a 3-D one of depth 1, and an NHWC tensor has the same
 * memory as an NDHWC tensor with D = 1, so the 3-D kernel computes the 2-D filter gradient on the same
 * buffers, with no copy. Only what the trainer's layers use: NHWC, stride 1, no dilation, 'same' or
 * 'valid' padding (with stride 2 and 'same', the 3-D kernel pads differently: checked against cpu).
 */
export function registerWasmConv2dFilterGradient(tf: Tf): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  if (!conv3d) throw new Error('the wasm backend has no Conv3DBackpropFilterV2 kernel either');
  const config: KernelConfig = {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as NamedTensorInfoMap & { x: TensorInfo; dy: TensorInfo };
      const { strides, pad, dataFormat, filterShape } = attrs as unknown as {
        strides: number | [number, number];
        pad: unknown;
        dataFormat: string;
        filterShape: [number, number, number, number];
      };
      if (dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm: only NHWC, got ${dataFormat}`);
      if (pad !== 'same' && pad !== 'valid' && typeof pad !== 'number') throw new Error('Conv2DBackpropFilter on wasm: only same, valid or numeric padding');
      const [strideHeight, strideWidth] = typeof strides === 'number' ? [strides, strides] : strides;
      if (strideHeight !== 1 || strideWidth !== 1) throw new Error(`Conv2DBackpropFilter on wasm: only stride 1, got ${strideHeight}x${strideWidth}`);
      const asDepthOne = (tensor: TensorInfo): TensorInfo => ({
        dataId: tensor.dataId,
        dtype: tensor.dtype,
        shape: [tensor.shape[0]!, 1, ...tensor.shape.slice(1)],
      });
      const gradient = conv3d.kernelFunc({
        inputs: { x: asDepthOne(x), dy: asDepthOne(dy) },
        backend,
        attrs: { strides: [1, strideHeight, strideWidth], pad, filterShape: [1, ...filterShape] },
      }) as TensorInfo;
      return { dataId: gradient.dataId, dtype: gradient.dtype, shape: filterShape };
    },
  };
  tf.registerKernel(config);
}
