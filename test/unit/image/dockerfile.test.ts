// images/function/Dockerfile and the pure build plan that feeds it: user, labels, health check, environment, base
// image argument, and the build context's file list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ContextEntry,
  DOCKERFILE_TEMPLATE,
  defaultTag,
  type FunctionImageOptions,
  type ImageInputs,
  ImageOptionsError,
  imageBuildPlan,
  productionPackages,
} from '../../../src/image/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCKERFILE = readFileSync(`${ROOT}${DOCKERFILE_TEMPLATE}`, 'utf8');
/** Instructions with their continuation lines joined, comments dropped. */
const INSTRUCTIONS = DOCKERFILE.replace(/\s*\\\n\s*/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.startsWith('#'));

const SHA = 'a'.repeat(64);
const INPUTS: ImageInputs = {
  runtimeVersion: '0.1.0',
  scriptSha256: SHA,
  packages: [
    { path: 'node_modules/pino', optional: false },
    { path: 'node_modules/cpu-features', optional: true },
  ],
};

function plan(options: Partial<FunctionImageOptions> = {}) {
  return imageBuildPlan({ script: '/home/me/fns/reverse.sh', ...options }, INPUTS);
}

function problemsOf(options: Partial<FunctionImageOptions>, inputs: ImageInputs = INPUTS): readonly string[] {
  try {
    imageBuildPlan({ script: '/x/reverse.sh', ...options }, inputs);
  } catch (error) {
    assert.ok(error instanceof ImageOptionsError);
    return error.problems;
  }
  assert.fail('expected an ImageOptionsError');
}

/** `${NAME}`, a Dockerfile variable reference. */
function arg(name: string): string {
  return `\${${name}}`;
}

function instruction(keyword: string): string[] {
  return INSTRUCTIONS.filter((line) => line.startsWith(`${keyword} `));
}

describe('images/function/Dockerfile', () => {
  it('takes the base image as an ARG before FROM, defaulting to the public Node 24 slim image', () => {
    assert.equal(INSTRUCTIONS[0], 'ARG BASE_IMAGE=node:24-bookworm-slim');
    assert.deepEqual(instruction('FROM'), [`FROM ${arg('BASE_IMAGE')}`]);
  });

  it('creates the pfbash user 10001:10001 with a home and runs as it, numerically', () => {
    const [run] = instruction('RUN');
    assert.match(run ?? '', /groupadd --gid 10001 pfbash/);
    assert.match(
      run ?? '',
      /useradd --no-log-init --uid 10001 --gid 10001 --home-dir \/home\/pfbash --create-home/,
    );
    assert.deepEqual(instruction('USER'), ['USER 10001:10001']);
    // Nothing may need root after the user exists: the only RUN comes first.
    assert.equal(instruction('RUN').length, 1);
  });

  it('sets the script, the function identity and NODE_ENV as default environment', () => {
    const [env] = instruction('ENV');
    for (const setting of [
      `PF_SCRIPT=/fn/${arg('FUNCTION_SCRIPT')}`,
      `PF_NAME=${arg('FUNCTION_NAME')}`,
      `PF_TENANT=${arg('FUNCTION_TENANT')}`,
      `PF_NAMESPACE=${arg('FUNCTION_NAMESPACE')}`,
      'NODE_ENV=production',
    ]) {
      assert.ok(env?.includes(setting), `${setting} in ${env}`);
    }
    assert.deepEqual(instruction('WORKDIR'), ['WORKDIR /fn']);
  });

  it('checks health on /healthz with Node, not curl, on the configured port', () => {
    const [healthcheck] = instruction('HEALTHCHECK');
    assert.match(
      healthcheck ?? '',
      /^HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD \["node", "-e", /,
    );
    assert.match(
      healthcheck ?? '',
      /fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.PF_HTTP_PORT \|\| 9094\) \+ '\/healthz'/,
    );
    const json = (healthcheck ?? '').replace(/^.* CMD /, '');
    assert.deepEqual(JSON.parse(json).slice(0, 2), ['node', '-e']);
  });

  it('stops on SIGTERM and starts the runtime through its entrypoint, `run` by default', () => {
    assert.deepEqual(instruction('STOPSIGNAL'), ['STOPSIGNAL SIGTERM']);
    assert.deepEqual(instruction('ENTRYPOINT'), ['ENTRYPOINT ["/opt/pf-bash/bin/entrypoint.sh"]']);
    assert.deepEqual(instruction('CMD'), ['CMD ["run"]']);
    assert.deepEqual(instruction('EXPOSE'), ['EXPOSE 9094']);
  });

  it('labels the image with OCI labels and the script checksum', () => {
    const [label] = instruction('LABEL');
    for (const expected of [
      `org.opencontainers.image.title="${arg('FUNCTION_NAME')}"`,
      `org.opencontainers.image.version="${arg('IMAGE_VERSION')}"`,
      `org.opencontainers.image.base.name="${arg('BASE_IMAGE')}"`,
      'org.opencontainers.image.description=',
      `org.pf-bash.runtime.version="${arg('PF_BASH_VERSION')}"`,
      `org.pf-bash.script="/fn/${arg('FUNCTION_SCRIPT')}"`,
      `org.pf-bash.script.sha256="${arg('SCRIPT_SHA256')}"`,
    ]) {
      assert.ok(label?.includes(expected), `${expected} in ${label}`);
    }
    // A build timestamp would make every build a new image; it is an option, passed as a build label.
    assert.doesNotMatch(DOCKERFILE, /image\.created/);
  });

  it('copies the context in cache order: dependencies, runtime, then the function', () => {
    assert.deepEqual(instruction('COPY'), [
      'COPY runtime/node_modules /opt/pf-bash/node_modules',
      'COPY runtime/package.json /opt/pf-bash/package.json',
      'COPY runtime/scripts /opt/pf-bash/scripts',
      'COPY runtime/dist /opt/pf-bash/dist',
      'COPY runtime/entrypoint.sh /opt/pf-bash/bin/entrypoint.sh',
      'COPY function /fn',
    ]);
  });

  it('declares exactly the ARGs the plan passes', () => {
    const declared = new Set(
      INSTRUCTIONS.filter((l) => l.startsWith('ARG ')).map((l) => l.slice(4).split('=')[0]),
    );
    assert.deepEqual([...declared].sort(), Object.keys(plan().buildArgs).sort());
  });
});

describe('imageBuildPlan', () => {
  it('passes the base image, the script, the identity, versions and checksum as build arguments', () => {
    assert.deepEqual(
      plan({ tenant: 'acme', namespace: 'etl', baseImage: 'pf-bash/base:bookworm-node24' }).buildArgs,
      {
        BASE_IMAGE: 'pf-bash/base:bookworm-node24',
        FUNCTION_SCRIPT: 'reverse.sh',
        FUNCTION_NAME: 'reverse',
        FUNCTION_TENANT: 'acme',
        FUNCTION_NAMESPACE: 'etl',
        IMAGE_VERSION: '0.1.0',
        PF_BASH_VERSION: '0.1.0',
        SCRIPT_SHA256: SHA,
      },
    );
  });

  it('defaults to node:24-bookworm-slim, empty tenant and namespace, and the name from the script', () => {
    const { buildArgs, baseImage, scriptInImage } = plan();
    assert.equal(baseImage, 'node:24-bookworm-slim');
    assert.equal(buildArgs.BASE_IMAGE, 'node:24-bookworm-slim');
    assert.equal(buildArgs.FUNCTION_TENANT, '');
    assert.equal(buildArgs.FUNCTION_NAMESPACE, '');
    assert.equal(scriptInImage, '/fn/reverse.sh');
    assert.equal(plan({ name: 'Backwards' }).buildArgs.FUNCTION_NAME, 'Backwards');
  });

  it('tags pf-bash/<name>:<version> by default', () => {
    assert.equal(plan().tag, 'pf-bash/reverse:0.1.0');
    assert.equal(plan({ version: '2.0.0-rc.1' }).tag, 'pf-bash/reverse:2.0.0-rc.1');
    assert.equal(plan({ tag: 'registry:5000/x:y' }).tag, 'registry:5000/x:y');
    assert.equal(defaultTag('My:Fn=1', '1+build'), 'pf-bash/my-fn-1:1-build');
  });

  it('passes only the labels that vary or are the user’s through the build API', () => {
    assert.deepEqual(plan().labels, {});
    const created = new Date('2030-01-02T03:04:05Z');
    assert.deepEqual(
      plan({ source: 'https://example.com/fns', revision: 'abc123', created, labels: { team: 'payments' } })
        .labels,
      {
        'org.opencontainers.image.source': 'https://example.com/fns',
        'org.opencontainers.image.revision': 'abc123',
        'org.opencontainers.image.created': '2030-01-02T03:04:05.000Z',
        team: 'payments',
      },
    );
  });

  it('lists the context: Dockerfile, runtime, production packages without their nested node_modules, function files', () => {
    const expected: ContextEntry[] = [
      { target: 'Dockerfile', from: 'runtime', path: 'images/function/Dockerfile' },
      {
        target: 'runtime/package.json',
        content:
          '{\n  "name": "pf-bash",\n  "version": "0.1.0",\n  "private": true,\n  "type": "module"\n}\n',
      },
      { target: 'runtime/entrypoint.sh', from: 'runtime', path: 'images/function/entrypoint.sh' },
      { target: 'runtime/scripts/lib', from: 'runtime', path: 'scripts/lib' },
      { target: 'runtime/dist', from: 'runtime', path: 'dist' },
      {
        target: 'runtime/node_modules/pino',
        from: 'runtime',
        path: 'node_modules/pino',
        skipDirectories: ['node_modules'],
        optional: false,
      },
      {
        target: 'runtime/node_modules/cpu-features',
        from: 'runtime',
        path: 'node_modules/cpu-features',
        skipDirectories: ['node_modules'],
        optional: true,
      },
      { target: 'function/reverse.sh', from: 'function', path: 'reverse.sh' },
      { target: 'function/words.txt', from: 'function', path: 'words.txt' },
      { target: 'function/lib/common.sh', from: 'function', path: 'lib/common.sh' },
    ];
    assert.deepEqual(plan({ files: ['words.txt', './lib/common.sh'] }).context, expected);
  });

  it('refuses files outside the script’s directory, duplicates, and unsafe names, listing every problem', () => {
    assert.deepEqual(
      problemsOf({ script: '/x/my script.sh', files: ['/etc/passwd', '../up', 'a', './a', 'reverse.sh'] }),
      [
        'script "my script.sh": expected a file name of letters, digits and ._+-',
        'file "/etc/passwd": expected a relative path',
        'file "../up": expected a path inside the script’s directory',
        'file "./a": named twice (or it is the script)',
      ],
    );
    assert.deepEqual(problemsOf({ files: ['reverse.sh'] }), [
      'file "reverse.sh": named twice (or it is the script)',
    ]);
    assert.deepEqual(problemsOf({ name: 'a/b', tenant: 'x y' }), [
      'name="a/b": expected letters, digits and -_=:.',
      'tenant="x y": expected letters, digits and -_=:.',
    ]);
    assert.deepEqual(problemsOf({}, { ...INPUTS, scriptSha256: 'nope' }), [
      'script checksum: expected 64 hex digits',
    ]);
  });
});

describe('imageBuildPlan with environment', () => {
  const withTemplate: ImageInputs = { ...INPUTS, dockerfile: DOCKERFILE };

  it('appends one ENV instruction, sorted, with every value literal', () => {
    const { context } = imageBuildPlan(
      {
        script: '/x/reverse.sh',
        env: { PF_SCRIPT_ARGV_PAYLOAD: 'true', GREETING: 'say "hi" to $HOME \\o/ ünï' },
      },
      withTemplate,
    );
    const entry = context[0];
    assert.ok(entry !== undefined && 'content' in entry && entry.target === 'Dockerfile');
    assert.ok(entry.content.startsWith(DOCKERFILE));
    assert.equal(
      entry.content.slice(DOCKERFILE.length),
      '\n# Default environment given with the build (pf-bash build --env).\n' +
        'ENV GREETING="say \\"hi\\" to \\$HOME \\\\o/ ünï" \\\n    PF_SCRIPT_ARGV_PAYLOAD="true"\n',
    );
  });

  it('keeps the template as a file of the context when no environment is given', () => {
    assert.deepEqual(plan({ env: {} }).context[0], {
      target: 'Dockerfile',
      from: 'runtime',
      path: DOCKERFILE_TEMPLATE,
    });
  });

  it('refuses bad names, the identity, a token and control characters', () => {
    assert.deepEqual(
      problemsOf(
        { env: { 'A-B': '1', PF_NAME: 'x', PF_AUTH_TOKEN: 'secret', OK: 'line\nbreak', FINE: 'yes' } },
        withTemplate,
      ),
      [
        'env "A-B": expected a variable name ([A-Za-z_][A-Za-z0-9_]*)',
        'env PF_NAME: set from the script, name, tenant and namespace options',
        'env PF_AUTH_TOKEN: anyone holding the image could read it; give it at run time (PF_AUTH_TOKEN_FILE)',
        'env OK: control characters are not allowed in the value',
      ],
    );
  });
});

describe('productionPackages', () => {
  it('keeps every package but the root and dev-only ones, sorted, optional ones marked', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'pf-bash' },
        'node_modules/z': {},
        'node_modules/typescript': { dev: true },
        'node_modules/a/node_modules/b': {},
        'node_modules/a': {},
        'node_modules/opt': { optional: true },
        'node_modules/both': { devOptional: true },
      },
    };
    assert.deepEqual(productionPackages(lock), [
      { path: 'node_modules/a', optional: false },
      { path: 'node_modules/a/node_modules/b', optional: false },
      { path: 'node_modules/both', optional: false },
      { path: 'node_modules/opt', optional: true },
      { path: 'node_modules/z', optional: false },
    ]);
  });

  it('matches what the repository’s own lock file marks as production', () => {
    const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8'));
    const paths = productionPackages(lock).map((p) => p.path);
    assert.ok(paths.includes('node_modules/yaml'));
    assert.ok(paths.includes('node_modules/pino'));
    assert.ok(!paths.includes('node_modules/typescript'));
    assert.ok(!paths.includes('node_modules/kubernetes-models'));
  });

  it('refuses a lock file without a packages map, and linked packages', () => {
    assert.throws(() => productionPackages({ lockfileVersion: 1, dependencies: {} }), /no "packages" map/);
    assert.throws(
      () => productionPackages({ packages: { '': {}, 'packages/x': { link: true } } }),
      /workspaces and linked packages are not supported/,
    );
  });
});
