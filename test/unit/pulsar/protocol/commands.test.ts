// Every command builder against a golden frame produced by Apache Pulsar's Java codec (fixtures/*.json,
// GenFixtures.java), and back through decodeFrame.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BaseCommandSchema,
  decodeFrame,
  encodeCommand,
  equals,
} from '../../../../src/pulsar/protocol/index.ts';
import { commandCases } from './command-cases.ts';
import { goldenFrames } from './fixtures.ts';

for (const [family, cases] of Object.entries(commandCases)) {
  describe(`${family} commands`, () => {
    const golden = goldenFrames(family);
    test('every golden frame has a builder case and the other way round', () => {
      assert.deepEqual(Object.keys(cases).sort(), Object.keys(golden).sort());
    });
    for (const [name, build] of Object.entries(cases)) {
      test(`${name} encodes to the bytes of Apache's Java codec`, () => {
        assert.equal(encodeCommand(build()).toString('hex'), golden[name]);
      });
      test(`${name} decodes back to the same command`, () => {
        const command = build();
        const frame = Buffer.from(golden[name]!, 'hex');
        const decoded = decodeFrame(frame.subarray(4));
        assert.equal(decoded.payload, undefined);
        assert.ok(equals(BaseCommandSchema, decoded.command, command));
      });
    }
  });
}
