/** Hostile YAML for tests of the input guards. */

/** Nine levels of nine aliases: 9^9 (387 million) strings once expanded; each line prefixed with `indent`. */
export function aliasBomb(indent: string): string {
  const lines = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  let prev = 'a';
  for (const name of 'bcdefghi') {
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    prev = name;
  }
  return lines.map((l) => indent + l).join('\n') + '\n';
}
