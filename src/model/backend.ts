// Chooses the numeric backend once per process: native TensorFlow (tfjs-node) when it loads, else
// WebAssembly (XNNPACK, SIMD), else tfjs's pure-JS cpu kernels. tfjs-node is an optional
// dependency whose install downloads libtensorflow, so on machines without internet it is simply
// absent — that is the normal case, not an error, unless the user asked for it by name.
import * as tf from '@tensorflow/tfjs';
import { UserError, errorMessage } from '../shared/errors.ts';
import type { BackendInfo } from '../shared/types.ts';

export type BackendName = BackendInfo['name'];
export const backendNames: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Package names, kept in variables so that TypeScript does not require the optional one to exist. */
const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';
const TFJS_WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

interface Attempt {
  ok: boolean;
  /** Short explanation for the user when the backend could not be used (or details when it could). */
  detail: string;
}

let selected: { name: BackendName; info: BackendInfo } | undefined;
/** The selection in progress, so that concurrent callers share one initialisation. */
let pending: Promise<BackendInfo> | undefined;

/**
 * Selects the backend (idempotent: later calls without a preference, or with the preference
 * already in effect, return the same info). Prints nothing; `info.reason` is the one line the
 * CLI shows. A preference that cannot load is a UserError naming why and what is available.
 */
export async function selectBackend(preference?: BackendName): Promise<BackendInfo> {
  while (pending) await pending.catch(() => undefined);
  if (selected && (preference === undefined || preference === selected.name)) return selected.info;
  if (preference !== undefined && !backendNames.includes(preference)) {
    throw new UserError(`unknown backend '${String(preference)}'; valid backends: ${backendNames.join(', ')}`);
  }
  pending = choose(preference);
  try {
    const info = await pending;
    selected = { name: info.name, info };
    return info;
  } finally {
    pending = undefined;
  }
}

/** Selects the default backend unless one was selected already (used before building models). */
export async function ensureBackend(): Promise<BackendInfo> {
  return selected?.info ?? selectBackend();
}

/** The backend selected so far, if any. */
export function currentBackend(): BackendInfo | undefined {
  return selected?.info;
}

async function choose(preference: BackendName | undefined): Promise<BackendInfo> {
  quietTfjs();
  if (preference !== undefined) {
    const attempt = await tryBackend(preference);
    if (!attempt.ok) {
      const available: BackendName[] = [];
      for (const name of backendNames) {
        if (name !== preference && (await isLoadable(name))) available.push(name);
      }
      throw new UserError(
        `backend '${preference}' is not available: ${attempt.detail}. ` +
          `Available here: ${available.join(', ')}; or leave the backend unset to pick the fastest that loads.`,
      );
    }
    return info(preference, `${preference} requested; ${attempt.detail}`);
  }
  const skipped: string[] = [];
  for (const name of backendNames) {
    const attempt = await tryBackend(name);
    if (attempt.ok) {
      const why = skipped.length > 0 ? `${skipped.join('; ')}; ` : '';
      return info(name, `${why}using ${attempt.detail}`);
    }
    skipped.push(attempt.detail);
  }
  // The cpu backend ships inside @tensorflow/tfjs, so reaching this is a broken installation.
  throw new Error(`no tfjs backend could be initialised: ${skipped.join('; ')}`);
}

function info(name: BackendName, reason: string): BackendInfo {
  const result: BackendInfo = { name, reason, tfjs_version: tf.version.tfjs };
  if (name === 'wasm') result.fast_matmul = fastMatmulInstalled;
  return result;
}

let fastMatmulInstalled = false;

async function tryBackend(name: BackendName): Promise<Attempt> {
  switch (name) {
    case 'tensorflow':
      return tryTensorflow();
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return (await activate('cpu'))
        ? { ok: true, detail: 'the pure-JS cpu backend (slow)' }
        : { ok: false, detail: 'the cpu backend failed to start' };
  }
}

async function tryTensorflow(): Promise<Attempt> {
  // libtensorflow's own C++ start-up chatter goes to stderr unless told otherwise.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  try {
    await withConsoleSilenced(() => import(TFJS_NODE_PACKAGE));
  } catch (err) {
    return { ok: false, detail: describeImportFailure('tfjs-node', err) };
  }
  if (!(await activate('tensorflow'))) return { ok: false, detail: 'tfjs-node loaded but its backend failed to start' };
  return { ok: true, detail: 'tfjs-node (native TensorFlow)' };
}

async function tryWasm(): Promise<Attempt> {
  let getThreadsCount: () => number;
  try {
    ({ getThreadsCount } = await withConsoleSilenced(() => import(TFJS_WASM_PACKAGE) as Promise<typeof import('@tensorflow/tfjs-backend-wasm')>));
  } catch (err) {
    return { ok: false, detail: describeImportFailure('tfjs-backend-wasm', err) };
  }
  if (!(await activate('wasm'))) return { ok: false, detail: 'the wasm backend failed to start' };
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = getThreadsCount();
  // Not only an optimisation: stock wasm lacks a convolution's weight gradient, so always installed.
  const { installWasmConvBackprop } = await import('./wasm-conv-backprop.ts');
  installWasmConvBackprop();
  // Results are bit for bit the same, so always installed: clones share data instead of copying it.
  const { installWasmSharedIdentity } = await import('./wasm-shared-identity.ts');
  installWasmSharedIdentity();
  let fast = '';
  if (process.env.AELAB_WASM_FAST_MATMUL === '0') {
    fastMatmulInstalled = false;
    fast = ', fast matmul off by AELAB_WASM_FAST_MATMUL=0';
  } else {
    const { installWasmFastMatmul } = await import('./wasm-fast-matmul.ts');
    installWasmFastMatmul();
    fastMatmulInstalled = true;
  }
  return { ok: true, detail: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}${fast})` };
}

/** Switches tfjs to a registered backend; false when it is not registered or fails to initialise. */
async function activate(name: BackendName): Promise<boolean> {
  try {
    const ok = await withConsoleSilenced(() => tf.setBackend(name));
    if (!ok) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** Whether a backend other than the requested one would load, for the error message. */
async function isLoadable(name: BackendName): Promise<boolean> {
  if (name === 'cpu') return true;
  try {
    await withConsoleSilenced(() => import(name === 'tensorflow' ? TFJS_NODE_PACKAGE : TFJS_WASM_PACKAGE));
    return true;
  } catch {
    return false;
  }
}

function describeImportFailure(what: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return what === 'tfjs-node'
      ? 'tfjs-node is not installed (its install needs the internet)'
      : `${what} is not installed (npm install)`;
  }
  const firstLine = errorMessage(err).split('\n')[0] ?? '';
  return `${what} failed to load (${firstLine})`;
}

/**
 * tfjs prints advice ("looks like you are running TensorFlow.js in Node.js…", platform and kernel
 * re-registration warnings) through its own warn(), which production mode turns off; the CLI
 * prints its own single backend line instead.
 */
function quietTfjs(): void {
  tf.enableProdMode();
}

/** Runs an import or backend start with console.log/info/warn discarded (belt and braces for banners). */
async function withConsoleSilenced<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn };
  const discard = () => {};
  console.log = discard;
  console.info = discard;
  console.warn = discard;
  try {
    return await fn();
  } finally {
    console.log = saved.log;
    console.info = saved.info;
    console.warn = saved.warn;
  }
}
