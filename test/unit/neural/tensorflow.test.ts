import { ConfigError } from '../../../src/errors';

type TensorflowModule = typeof import('../../../src/neural/tensorflow');
type NeuralModule = typeof import('../../../src/neural');

/** A fresh copy of the module, as a new process would load it (the tfjs engine itself is shared). */
function fresh<T>(path: string): T {
  let loaded: T | undefined;
  jest.isolateModules(() => {
    loaded = require(path) as T;
  });
  return loaded as T;
}

const ENV = 'STREAMLEARN_TF_BACKEND';

afterEach(() => {
  delete process.env[ENV];
  jest.restoreAllMocks();
});

test('initTensorflow picks wasm without tfjs-node, once, and says so on one stderr line', async () => {
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const { initTensorflow, tf } = fresh<TensorflowModule>('../../../src/neural/tensorflow');
  const first = initTensorflow();
  expect(initTensorflow()).toBe(first);
  expect(await first).toBe('wasm');
  expect(await initTensorflow()).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
  expect(stderr.mock.calls).toEqual([['streamlearn: TensorFlow.js backend wasm (@tensorflow/tfjs-node not installed)\n']]);
});

test(`${ENV} overrides the choice`, async () => {
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.env[ENV] = 'cpu';
  const neural = fresh<NeuralModule>('../../../src/neural');
  expect(await neural.initTensorflow()).toBe('cpu');
  const net = neural.createNeuralNet({ inputShape: [2], layers: [{ type: 'dense', units: 1 }], loss: 'meanSquaredError' });
  expect(net.backend).toBe('cpu');
  expect(net.learnOne(Float64Array.of(1, 2), 3).steps).toBe(1);
});

test.each([
  ['gpu', /STREAMLEARN_TF_BACKEND must be one of tensorflow, wasm, cpu, got "gpu"/],
  ['tensorflow', /STREAMLEARN_TF_BACKEND=tensorflow: that backend failed to initialise/],
])(`${ENV}=%s is refused`, async (value, message) => {
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.env[ENV] = value;
  const { initTensorflow } = fresh<TensorflowModule>('../../../src/neural/tensorflow');
  // The fresh module has its own copy of the errors module, hence no instanceof.
  await expect(initTensorflow()).rejects.toMatchObject({ name: ConfigError.name, code: 'CONFIG' });
  await expect(initTensorflow()).rejects.toThrow(message);
});

test('a net cannot be built before initTensorflow() has resolved', () => {
  const { createNeuralNet } = fresh<NeuralModule>('../../../src/neural');
  expect(() => createNeuralNet({ inputShape: [2], layers: [{ type: 'dense', units: 1 }], loss: 'meanSquaredError' })).toThrow(
    /await initTensorflow\(\) before building a NeuralNet/,
  );
});
