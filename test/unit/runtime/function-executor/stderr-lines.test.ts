import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StderrLines,
  type StderrLinesOptions,
} from '../../../../src/runtime/function-executor/stderr-lines.ts';

function collect(options: Partial<StderrLinesOptions> = {}) {
  const lines: string[] = [];
  const stderr = new StderrLines({
    tailLines: 3,
    tailBytes: 100,
    maxLineBytes: 10,
    maxForwarded: 100,
    onLine: (line) => lines.push(line),
    ...options,
  });
  return { stderr, lines };
}

describe('StderrLines', () => {
  it('splits lines across chunks, drops a CR before LF and keeps a last unterminated line', () => {
    const { stderr, lines } = collect();
    for (const chunk of ['on', 'e\r\ntwo\n\nth', 'ree']) stderr.push(Buffer.from(chunk));
    stderr.end();
    assert.deepEqual(lines, ['one', 'two', '', 'three']);
    assert.equal(stderr.tail(), 'two\n\nthree');
  });

  it('cuts a long line into pieces of maxLineBytes', () => {
    const { stderr, lines } = collect();
    stderr.push(Buffer.from(`${'a'.repeat(25)}\nb\n`));
    assert.deepEqual(lines, ['aaaaaaaaaa', 'aaaaaaaaaa', 'aaaaa', 'b']);
  });

  it('keeps at most tailBytes, cut at the front on a character boundary', () => {
    const { stderr } = collect({ tailBytes: 8, maxLineBytes: 100 });
    stderr.push(Buffer.from('ééééé\nxyz\n'));
    const tail = stderr.tail();
    assert.ok(tail.startsWith('…'));
    assert.ok(Buffer.byteLength(tail.slice(1)) <= 8);
    assert.ok(tail.endsWith('é\nxyz'));
    assert.ok(!tail.includes('\ufffd'));
  });

  it('forwards at most maxForwarded lines, then one notice, and keeps the tail current', () => {
    const { stderr, lines } = collect({ maxForwarded: 2 });
    stderr.push(Buffer.from('1\n2\n3\n4\n5\n'));
    assert.deepEqual(lines.slice(0, 2), ['1', '2']);
    assert.equal(lines.length, 3);
    assert.match(lines[2]!, /more than 2 stderr lines/);
    assert.equal(stderr.tail(), '3\n4\n5');
  });

  it('survives a throwing sink', () => {
    const stderr = new StderrLines({
      tailLines: 2,
      tailBytes: 100,
      maxLineBytes: 100,
      maxForwarded: 10,
      onLine: () => {
        throw new Error('sink down');
      },
    });
    stderr.push(Buffer.from('x\n'));
    assert.equal(stderr.tail(), 'x');
  });
});
