import { Document, isScalar, isSeq, visit } from 'yaml';

import type { ResolvedSpec } from '../shared/spec-types.ts';

/** The resolved spec as YAML, keys in schema order, short lists of numbers on one line (`[1, 5, 6]`). */
export function specToYaml(spec: ResolvedSpec): string {
  const doc = new Document(spec);
  visit(doc, {
    Seq(_key, node) {
      if (isSeq(node) && node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 100, flowCollectionPadding: false });
}
