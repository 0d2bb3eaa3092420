// docs/cli.md keeps up with the commands: each command's section names every option it declares and each of
// its exit codes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { CommandSpec } from '../../../src/cli/args.ts';
import { BUILD_SPEC } from '../../../src/cli/build.ts';
import { CONSUME_SPEC } from '../../../src/cli/consume.ts';
import { MANIFEST_SPEC } from '../../../src/cli/manifest.ts';
import { PRODUCE_SPEC } from '../../../src/cli/produce.ts';
import { STATS_SPEC } from '../../../src/cli/stats.ts';
import { STATUS_SPEC } from '../../../src/cli/status.ts';
import { TRIGGER_SPEC } from '../../../src/cli/trigger.ts';

const DOC = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

/** The text under `## <heading>` up to the next `## `. */
function section(heading: string): string {
  const start = DOC.indexOf(`\n## ${heading}\n`);
  assert.ok(start !== -1, `docs/cli.md has a section "## ${heading}"`);
  const end = DOC.indexOf('\n## ', start + 1);
  return DOC.slice(start, end === -1 ? undefined : end);
}

const SECTIONS: readonly (readonly [CommandSpec, string])[] = [
  [BUILD_SPEC, 'build'],
  [MANIFEST_SPEC, 'manifest'],
  [PRODUCE_SPEC, 'produce'],
  [CONSUME_SPEC, 'consume'],
  [TRIGGER_SPEC, 'trigger'],
  [STATUS_SPEC, 'status and stats'],
  [STATS_SPEC, 'status and stats'],
];

describe('docs/cli.md', () => {
  for (const [spec, heading] of SECTIONS) {
    it(`documents every option and exit code of ${spec.name}`, () => {
      const text = section(heading);
      for (const name of Object.keys(spec.options)) {
        assert.ok(text.includes(`\`--${name}`), `--${name} of ${spec.name} in "## ${heading}"`);
      }
      for (const [code] of spec.exitCodes) {
        assert.match(
          text,
          new RegExp(`Exit codes:[^\\n]*(\\n[^\\n]+)*\\b${code} `),
          `exit code ${code} of ${spec.name}`,
        );
      }
    });
  }

  it('lists every command in its table', () => {
    for (const [spec] of SECTIONS) assert.ok(DOC.includes(`| [\`${spec.name}\`]`), spec.name);
  });
});
