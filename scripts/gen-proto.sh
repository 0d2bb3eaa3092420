#!/usr/bin/env bash
# Regenerates src/pulsar/protocol/generated from src/pulsar/protocol/proto with buf + protoc-gen-es.
# The output is committed: installing or building pf-bash never runs code generation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/run-node24.sh buf generate
ls src/pulsar/protocol/generated
