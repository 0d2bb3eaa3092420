#!/usr/bin/env bash
# Builds dist/: tsc for the TypeScript sources, then copies the generated protobuf code, which is JavaScript
# plus .d.ts (see buf.gen.yaml) and so is neither compiled nor copied by tsc without allowJs.
# Usage: scripts/build.sh [outDir]   (default dist)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
rm -rf "$out"
bash scripts/run-node24.sh tsc -p tsconfig.build.json --outDir "$out"
mkdir -p "$out/pulsar/protocol/generated"
cp src/pulsar/protocol/generated/*.js src/pulsar/protocol/generated/*.d.ts "$out/pulsar/protocol/generated/"
