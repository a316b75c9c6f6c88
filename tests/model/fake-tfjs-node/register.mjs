// `node --import ./register.mjs`: resolves @tensorflow/tfjs-node to tfjs-node.mjs beside this file.
import { register } from 'node:module';

const fake = new URL('./tfjs-node.mjs', import.meta.url).href;
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === '@tensorflow/tfjs-node') return { url: ${JSON.stringify(fake)}, shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
