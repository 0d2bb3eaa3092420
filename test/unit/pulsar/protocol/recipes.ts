// Deterministic test inputs named by recipe ("text:100", "lcg:3000:1", …); GenFixtures.java makes the same
// bytes, so compression vectors can name their input instead of carrying it.
const SENTENCE = 'The quick brown fox jumps over the lazy dog, again and again; ';

export const RECIPES = [
  'empty',
  'text:5',
  'text:12',
  'text:13',
  'text:17',
  'text:100',
  'text:70000',
  'lcg:20:7',
  'lcg:3000:1',
  'runs:5000',
] as const;

export function recipe(name: string): Buffer {
  const [kind, size, seed] = name.split(':');
  const n = Number(size ?? 0);
  const out = Buffer.alloc(n);
  switch (kind) {
    case 'empty':
      break;
    case 'text':
      for (let i = 0; i < n; i++) out[i] = SENTENCE.charCodeAt(i % SENTENCE.length);
      break;
    case 'lcg': {
      let x = BigInt(seed ?? 0);
      for (let i = 0; i < n; i++) {
        x = (x * 1103515245n + 12345n) & 0x7fffffffn;
        out[i] = Number((x >> 16n) & 0xffn);
      }
      break;
    }
    case 'runs':
      for (let i = 0; i < n; i++) out[i] = Math.floor(i / 300) & 0xff;
      break;
    default:
      throw new Error(`unknown recipe ${name}`);
  }
  return out;
}
