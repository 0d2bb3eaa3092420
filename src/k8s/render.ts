// Kubernetes objects → one multi-document YAML text, as `kubectl apply -f` takes it.
import { stringify } from 'yaml';

export interface RenderOptions {
  /** Lines written as `# …` comments at the top of the file. */
  readonly header?: readonly string[];
}

/** One YAML document per object, separated by `---`, keys in the order the objects were built. */
export function renderManifests(objects: readonly object[], options: RenderOptions = {}): string {
  const header = (options.header ?? []).map((line) => (line === '' ? '#\n' : `# ${line}\n`)).join('');
  // lineWidth 0: long values (images, topic lists) stay on one line, as people grep for them. No anchors and
  // aliases for objects used twice (labels): kubectl reads them, but people and other tools read manifests too.
  const documents = objects.map((object) =>
    stringify(object, { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  return `${header}${documents.map((doc) => `---\n${doc}`).join('')}`;
}
