// Reads a golden-bytes fixture file of this folder.
import { readFileSync } from 'node:fs';

export function goldenFrames(family: string): Record<string, string> {
  const url = new URL(`./fixtures/${family}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { frames: Record<string, string> }).frames;
}

export function golden(family: string, name: string): Buffer {
  const hex = goldenFrames(family)[name];
  if (hex === undefined) throw new Error(`no golden frame ${family}/${name}`);
  return Buffer.from(hex, 'hex');
}
