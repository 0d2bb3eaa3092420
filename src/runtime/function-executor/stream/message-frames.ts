// What the runtime writes on a stream-mode script's stdin for one message. Pure.
//
//   lines codec:            payload LF           ; a payload containing LF cannot be sent (fails permanently)
//   length-prefixed codec:  header LF payload    ; payload is exactly `size` bytes, any values
//
//   header = size SP id SP topic SP key SP publish-time SP event-time SP redelivery-count SP nul SP properties
//     size              decimal byte count of the payload
//     id, topic         percent-encoded (below)
//     key               "-" when the message has no key, else "+" and the percent-encoded key ("+" alone: "")
//     publish-time      decimal milliseconds since the epoch
//     event-time        decimal milliseconds, or "-" when the producer set none
//     redelivery-count  decimal
//     nul               "1" when the payload holds a NUL byte (bash cannot keep it in a variable), else "0"
//     properties        a JSON object of strings, as JSON.stringify writes it (never a raw LF); the rest of the line
//
//   percent-encoding: the bytes 0x00–0x20, "%" (0x25), "\" (0x5C) and 0x7F become "%" and two upper-case hex
//   digits; every other byte (UTF-8 included) stays. Bash decodes it with printf %b after ${v//%/\\x}.
//
// Example: `5 12:3:-1:-1 persistent://public/default/in +k%201 1700000000000 - 0 0 {"a":"b"}\nhello`
import { Buffer } from 'node:buffer';
import type { Invocation } from '../types.ts';

const LF = 0x0a;
const NEWLINE = Buffer.from('\n');
// Every character percent-encoding replaces is ASCII, so the JS string can be encoded before it becomes UTF-8.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the encoding is defined over the control bytes
const ENCODED = /[\x00-\x20%\\\x7f]/g;

export type MessageFrame = { readonly parts: readonly Uint8Array[] } | { readonly problem: string };

export function linesFrame(payload: Uint8Array): MessageFrame {
  const newline = payload.indexOf(LF);
  if (newline !== -1) {
    return {
      problem: `the payload holds a newline (at byte ${newline}), which the lines codec cannot carry: one line is one message (PF_STREAM_CODEC=length-prefixed carries any bytes)`,
    };
  }
  return { parts: [payload, NEWLINE] };
}

export function lengthPrefixedFrame(invocation: Invocation): MessageFrame {
  const { payload } = invocation;
  const key = invocation.key === undefined ? '-' : `+${percentEncode(invocation.key)}`;
  const eventTime = invocation.eventTime === undefined ? '-' : String(invocation.eventTime);
  const nul = payload.indexOf(0) === -1 ? '0' : '1';
  const header = [
    payload.byteLength,
    percentEncode(invocation.messageId),
    percentEncode(invocation.topic),
    key,
    invocation.publishTime,
    eventTime,
    invocation.redeliveryCount,
    nul,
    JSON.stringify(invocation.properties),
  ].join(' ');
  return { parts: [Buffer.from(`${header}\n`, 'utf8'), payload] };
}

export function percentEncode(text: string): string {
  return text.replace(ENCODED, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
