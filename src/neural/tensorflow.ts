/**
 * The one place TensorFlow.js is loaded and its backend chosen: every net in the process shares the
 * engine, so the choice is made once, by `initTensorflow()`, before any net is built.
 */

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ConfigError } from '../errors';

export { tf };

/** tfjs backend names: `tensorflow` is tfjs-node's native libtensorflow. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
export const BACKEND_ENV = 'STREAMLEARN_TF_BACKEND';
const TFJS_NODE = '@tensorflow/tfjs-node';

let initialising: Promise<BackendName> | undefined;
let chosen: BackendName | undefined;

/**
 * Picks the backend once per process and logs it (one line on stderr): `$STREAMLEARN_TF_BACKEND` when
 * set, else tfjs-node when installed, else wasm, else cpu. The cpu backend is initialised too, as the
 * fallback for nets whose gradients the chosen backend lacks (see {@link trainingBackend}).
 * Later calls return the same promise.
 */
export function initTensorflow(): Promise<BackendName> {
  initialising ??= chooseBackend().then((name) => {
    chosen = name;
    return name;
  });
  return initialising;
}

async function chooseBackend(): Promise<BackendName> {
  const requested = process.env[BACKEND_ENV];
  if (requested !== undefined && requested !== '') {
    if (!(BACKENDS as readonly string[]).includes(requested)) {
      throw new ConfigError(`${BACKEND_ENV} must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(requested)}`);
    }
    const name = requested as BackendName;
    if (!(await activate(name))) throw new ConfigError(`${BACKEND_ENV}=${name}: that backend failed to initialise`);
    log(name, `from ${BACKEND_ENV}`);
    return name;
  }
  for (const name of BACKENDS) {
    if (await activate(name)) {
      log(name, name === 'tensorflow' ? 'tfjs-node' : `${TFJS_NODE} not installed`);
      return name;
    }
  }
  throw new ConfigError('no TensorFlow.js backend could be initialised');
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'tensorflow' && !loadTfjsNode()) return false;
  // Initialise cpu first so that switching to it later never waits (see onBackend).
  if (!(await tf.setBackend('cpu'))) return false;
  return tf.setBackend(name);
}

/** tfjs-node is optional (its install downloads libtensorflow): loaded only when it resolves. */
function loadTfjsNode(): boolean {
  try {
    require.resolve(TFJS_NODE);
  } catch {
    return false;
  }
  // Importing it registers the `tensorflow` backend with the shared tfjs engine.
  require(TFJS_NODE);
  return true;
}

function log(name: BackendName, reason: string): void {
  process.stderr.write(`streamlearn: TensorFlow.js backend ${name} (${reason})\n`);
}

/** The backend chosen by `initTensorflow()`; throws when it has not completed. */
export function defaultBackend(): BackendName {
  if (chosen === undefined) {
    throw new ConfigError('TensorFlow.js is not initialised: await initTensorflow() before building a NeuralNet');
  }
  return chosen;
}

/**
 * The default backend if it has every kernel in `gradientKernels`, else cpu. wasm lacks some gradients
 * (Conv2DBackpropFilter, UnsortedSegmentSum; tfjs#8474), so conv2d and embedding nets train on cpu there.
 */
export function trainingBackend(gradientKernels: readonly string[]): BackendName {
  const preferred = defaultBackend();
  return gradientKernels.every((kernel) => tf.getKernel(kernel, preferred) !== undefined) ? preferred : 'cpu';
}

/**
 * Runs `fn` with `name` as the engine's backend and switches back after. Both backends were initialised
 * by `initTensorflow()`, and `tf.setBackend` only awaits a first initialisation, so the switch is
 * synchronous; tensors created on another backend are moved on first use by tfjs itself.
 */
export function onBackend<T>(name: BackendName, fn: () => T): T {
  const previous = tf.getBackend();
  if (previous === name) return fn();
  select(name);
  try {
    return fn();
  } finally {
    select(previous);
  }
}

function select(name: string): void {
  void tf.setBackend(name);
  if (tf.getBackend() !== name) {
    throw new ConfigError(`TensorFlow.js backend ${name} is not initialised: await initTensorflow() first`);
  }
}
