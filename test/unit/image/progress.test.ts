// The engine's build output: echoed as it comes, and a failure shown with its step and that step's output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BuildEvent, BuildProgress, ImageBuildError } from '../../../src/image/index.ts';

function run(events: readonly BuildEvent[]) {
  let written = '';
  const progress = new BuildProgress((text) => {
    written += text;
  });
  for (const event of events) progress.handle(event);
  return { progress, written: () => written };
}

const STEPS: BuildEvent[] = [
  { stream: 'Step 1/3 : FROM pf-bash/base:bookworm-node24\n' },
  { stream: ' ---> 0123456789ab\n' },
  { stream: 'Step 2/3 : RUN groupadd --gid 10001 pfbash\n' },
  { stream: ' ---> Running in 5f0e\n' },
];

describe('BuildProgress', () => {
  it('echoes the output and returns the image id', () => {
    const { progress, written } = run([
      ...STEPS,
      { stream: ' ---> 9a8b7c6d5e4f\n' },
      { aux: { ID: 'sha256:9a8b7c6d5e4f' } },
      { stream: 'Successfully built 9a8b7c6d5e4f\n' },
    ]);
    assert.equal(progress.result(), 'sha256:9a8b7c6d5e4f');
    assert.match(written(), /^Step 1\/3 : FROM .*\n ---> 0123456789ab\nStep 2\/3 : RUN .*\n/);
  });

  it('falls back to the classic builder’s "Successfully built" line for the id', () => {
    const { progress } = run([...STEPS, { stream: 'Successfully built 9a8b7c6d5e4f\n' }]);
    assert.equal(progress.result(), '9a8b7c6d5e4f');
  });

  it('fails with the failing step, its own output (split across chunks) and the engine’s message', () => {
    const { progress, written } = run([
      ...STEPS,
      { stream: 'groupadd: GID ' },
      { stream: "'10001' already exists\nsecond line\n" },
      {
        error: "The command '/bin/sh -c groupadd' returned a non-zero code: 4",
        errorDetail: { code: 4, message: "The command '/bin/sh -c groupadd' returned a non-zero code: 4" },
      },
    ]);
    assert.throws(
      () => progress.result(),
      (error: unknown) => {
        assert.ok(error instanceof ImageBuildError);
        assert.equal(error.step, 'Step 2/3 : RUN groupadd --gid 10001 pfbash');
        assert.equal(error.stepOutput, "groupadd: GID '10001' already exists\nsecond line");
        assert.equal(
          error.message,
          "image build failed at Step 2/3 : RUN groupadd --gid 10001 pfbash\n  | groupadd: GID '10001' already exists\n" +
            "  | second line\nThe command '/bin/sh -c groupadd' returned a non-zero code: 4",
        );
        return true;
      },
    );
    assert.match(written(), /returned a non-zero code: 4\n$/);
  });

  it('fails before any step when the base cannot be had', () => {
    const { progress } = run([
      {
        errorDetail: { message: 'pull access denied for nosuch/base' },
        error: 'pull access denied for nosuch/base',
      },
    ]);
    assert.throws(
      () => progress.result(),
      (error: unknown) =>
        error instanceof ImageBuildError &&
        error.step === undefined &&
        error.message === 'image build failed\npull access denied for nosuch/base',
    );
  });

  it('fails when the engine ends without an image id', () => {
    const { progress } = run(STEPS);
    assert.throws(() => progress.result(), /the engine ended the build without an image id/);
  });

  it('shows pull state changes but not every progress tick', () => {
    const { written } = run([
      { status: 'Pulling from library/node', id: '24-bookworm-slim' },
      { status: 'Downloading', id: 'abc', progressDetail: { current: 10, total: 100 } },
      { status: 'Download complete', id: 'abc', progressDetail: {} },
    ]);
    assert.equal(written(), '24-bookworm-slim: Pulling from library/node\nabc: Download complete\n');
  });
});
