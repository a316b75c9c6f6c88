// Stands in for @tensorflow/tfjs-node in a child process (tests/model/backend.test.ts): registers
// a backend named 'tensorflow' as the real package does, with tfjs's cpu kernels behind it, so the
// "tfjs-node loads" branch of selectBackend runs on a machine where tfjs-node cannot install.
import * as tf from '@tensorflow/tfjs';

tf.registerBackend('tensorflow', tf.findBackendFactory('cpu'), 3);
for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
