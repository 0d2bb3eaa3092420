import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildBaseEnv,
  DEFAULT_LANG,
  DEFAULT_PATH,
  EnvVar,
  invocationEnv,
  MAX_ARG_STRLEN,
} from '../../../../src/runtime/function-executor/environment.ts';
import { instance, invocation } from './helpers.ts';

const parentEnv = {
  PATH: '/bin:/usr/bin',
  HOME: '/home/fn',
  LANG: 'C.UTF-8',
  TZ: 'UTC',
  PF_AUTH_TOKEN: 'secret-token',
  PULSAR_AUTH_PARAMS: 'token:secret',
  SHARED: 'shared-value',
};
const base = (extra: Partial<Parameters<typeof buildBaseEnv>[0]> = {}) =>
  buildBaseEnv({
    instance,
    parentEnv,
    passEnv: [],
    extraEnv: {},
    helperLibraryPath: '/lib/pf-function.sh',
    permanentExitCode: 100,
    ...extra,
  });

describe('the script environment', () => {
  it('starts from a clean base: a few variables of the runtime, never its secrets', () => {
    const env = base();
    assert.equal(env.PATH, '/bin:/usr/bin');
    assert.equal(env.HOME, '/home/fn');
    assert.equal(env.LANG, 'C.UTF-8');
    assert.equal(env.TZ, 'UTC');
    assert.equal(env.PF_AUTH_TOKEN, undefined);
    assert.equal(env.PULSAR_AUTH_PARAMS, undefined);
    assert.equal(env.SHARED, undefined);
    assert.ok(!Object.values(env).some((value) => value.includes('secret')));
  });

  it('passes the allow-listed variables and the explicit ones', () => {
    const env = base({ passEnv: ['SHARED', 'NOT_SET'], extraEnv: { API_URL: 'http://x' } });
    assert.equal(env.SHARED, 'shared-value');
    assert.equal('NOT_SET' in env, false);
    assert.equal(env.API_URL, 'http://x');
  });

  it('gives a default PATH and a UTF-8 locale when the runtime has none', () => {
    const env = buildBaseEnv({ ...baseInput(), parentEnv: {} });
    assert.equal(env.PATH, DEFAULT_PATH);
    assert.equal(env.LANG, DEFAULT_LANG);
    assert.equal(buildBaseEnv({ ...baseInput(), parentEnv: { LC_ALL: 'C' } }).LANG, undefined);
  });

  it('describes the function instance', () => {
    const env = base();
    assert.equal(env[EnvVar.Tenant], 'public');
    assert.equal(env[EnvVar.Namespace], 'default');
    assert.equal(env[EnvVar.Name], 'test-fn');
    assert.equal(env[EnvVar.Fqfn], 'public/default/test-fn');
    assert.equal(env[EnvVar.InstanceId], '1');
    assert.equal(env[EnvVar.NumInstances], '3');
    assert.deepEqual(JSON.parse(env[EnvVar.UserConfig]!), { greeting: 'hi', nested: { n: 1 } });
    assert.equal(
      env[EnvVar.InputTopics],
      'persistent://public/default/in-a,persistent://public/default/in-b',
    );
    assert.equal(env[EnvVar.InputTopicsPattern], undefined);
    assert.equal(env[EnvVar.OutputTopic], 'persistent://public/default/out');
    assert.equal(env[EnvVar.ControlFd], '3');
    assert.equal(env[EnvVar.Lib], '/lib/pf-function.sh');
    assert.equal(env[EnvVar.ExitPermanent], '100');
  });

  it('leaves PF_OUTPUT_TOPIC unset without an output topic, and names a topics pattern', () => {
    const env = base({
      instance: { ...instance, outputTopic: null, inputTopics: [], topicsPattern: 'ns/in-.*' },
    });
    assert.equal(EnvVar.OutputTopic in env, false);
    assert.equal(env[EnvVar.InputTopics], '');
    assert.equal(env[EnvVar.InputTopicsPattern], 'ns/in-.*');
  });

  it('refuses a user config too large for one environment string', () => {
    const userConfig = { big: 'x'.repeat(MAX_ARG_STRLEN) };
    assert.throws(() => base({ instance: { ...instance, userConfig } }), /PF_USER_CONFIG is \d+ bytes/);
  });

  it('adds the message metadata per run', () => {
    const prepared = invocationEnv(base(), invocation());
    assert.ok('env' in prepared);
    const { env } = prepared;
    assert.equal(env[EnvVar.MessageId], '12:34:-1:-1');
    assert.equal(env[EnvVar.MessageKey], 'key-1');
    assert.equal(env[EnvVar.MessageKeyBase64], Buffer.from('key-1').toString('base64'));
    assert.equal(env[EnvVar.MessageTopic], 'persistent://public/default/in-a');
    assert.equal(env[EnvVar.MessagePublishTime], '1700000000000');
    assert.equal(env[EnvVar.MessageEventTime], '1699999999000');
    assert.equal(env[EnvVar.MessageRedeliveryCount], '2');
    assert.equal(env[EnvVar.MessageProperties], '{"origin":"test"}');
    assert.equal(env[EnvVar.MessageSize], '5');
  });

  it('leaves the key and the event time unset when the message has none', () => {
    const prepared = invocationEnv(base(), invocation({ key: undefined, eventTime: undefined }));
    assert.ok('env' in prepared);
    for (const name of [EnvVar.MessageKey, EnvVar.MessageKeyBase64, EnvVar.MessageEventTime]) {
      assert.equal(name in prepared.env, false, name);
    }
  });

  it('passes a key with a NUL character only as base64', () => {
    const prepared = invocationEnv(base(), invocation({ key: 'a\0b' }));
    assert.ok('env' in prepared);
    assert.equal(EnvVar.MessageKey in prepared.env, false);
    assert.equal(Buffer.from(prepared.env[EnvVar.MessageKeyBase64]!, 'base64').toString(), 'a\0b');
  });

  it('escapes NUL in property values (JSON) and refuses properties too large for the environment', () => {
    const nul = invocationEnv(base(), invocation({ properties: { p: 'a\0b' } }));
    assert.ok('env' in nul);
    assert.equal(nul.env[EnvVar.MessageProperties], '{"p":"a\\u0000b"}');
    const big = invocationEnv(base(), invocation({ properties: { p: 'x'.repeat(MAX_ARG_STRLEN) } }));
    assert.ok('problem' in big);
    assert.match(
      big.problem,
      /PF_MESSAGE_PROPERTIES is \d+ bytes as an environment string, over Linux's limit/,
    );
  });
});

function baseInput(): Parameters<typeof buildBaseEnv>[0] {
  return {
    instance,
    parentEnv,
    passEnv: [],
    extraEnv: {},
    helperLibraryPath: '/lib',
    permanentExitCode: 100,
  };
}
