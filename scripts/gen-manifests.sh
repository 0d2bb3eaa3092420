#!/usr/bin/env bash
# Renders the example functions' Kubernetes manifests (src/k8s/examples.ts) into k8s/<name>.yaml, straight from
# the TypeScript sources (Node 24 strips the types), so no build is needed.
# Usage: scripts/gen-manifests.sh [--check]
#   --check  write nothing; exit 1 and name the files that differ from what the generator produces
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

mode='write'
case "${1:-}" in
  '') ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

pf_use_node24
cd "$PF_ROOT"
node --input-type=module - "$mode" <<'JS'
import { readFile, writeFile } from 'node:fs/promises';
import { exampleManifestFiles } from './src/k8s/index.ts';

const mode = process.argv[2];
let stale = 0;
for (const { path, text } of exampleManifestFiles()) {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) continue;
  if (mode === 'check') {
    console.error(`${path} differs from what scripts/gen-manifests.sh produces`);
    stale++;
  } else {
    await writeFile(path, text);
    console.error(`wrote ${path}`);
  }
}
process.exitCode = stale === 0 ? 0 : 1;
JS
