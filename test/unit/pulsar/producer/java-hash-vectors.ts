// Key routing vectors computed by Java itself, not by our code (jshell 21):
//   for (String k : keys) { int h = k.hashCode(); int m = h & Integer.MAX_VALUE; print(k, h, m % 4, m % 3, m % 7); }
/** [key, String.hashCode(), partition of 4, of 3, of 7] as printed by jshell 21. */
export const javaHashVectors: [string, number, number, number, number][] = [
  ['', 0, 0, 0, 0],
  ['a', 97, 1, 1, 6],
  ['key-1', 101943363, 3, 0, 4],
  ['hello world', 1794106052, 0, 2, 4],
  ['polygenelubricants', -2147483648, 0, 0, 0],
  ['order-42', 1234255197, 1, 0, 0],
  ['ünïcödé', -609221899, 1, 1, 3],
  ['😀', 1772899, 3, 1, 2],
  ['Aa', 2112, 0, 0, 5],
  ['BB', 2112, 0, 0, 5],
  ['user:12345', 812563396, 0, 1, 1],
  ['zzzzzzzzzzzzzzzzzzzzzzzz', -143714560, 0, 1, 6],
];
