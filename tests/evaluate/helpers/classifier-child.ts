// Child process for the cache race test: obtains the tiny classifier from a shared cache folder
// at the same moment as its siblings and prints what it got.
import { selectBackend } from '../../../src/model/index.ts';
import { obtainClassifier } from '../../../src/evaluate/quality/index.ts';
import { waitForGo } from '../../runs/helpers/children.ts';
import { syntheticSource, TINY_CLASSIFIER } from './quality-fixtures.ts';

const [syncDir, index, cacheRoot] = process.argv.slice(2) as [string, string, string];
await selectBackend();
const source = syntheticSource();
waitForGo(syncDir, index);
const got = await obtainClassifier(cacheRoot, source, TINY_CLASSIFIER);
const features = got.classifier.features(source.test.images.subarray(0, 4 * source.dim), 4);
process.stdout.write(JSON.stringify({ hash: got.hash, trained: got.trained, accuracy: got.testAccuracy, features: Array.from(features.subarray(0, 8)) }));
