/**
 * Finding a Debian mirror in the machine's own apt sources (deb822 `.sources` files or one-line `.list`
 * files). Pure: callers read the files; this picks the URI that serves the wanted suite.
 */

export interface AptSource {
  uri: string;
  suites: string[];
  file: string;
}

/** Entries of a deb822 `.sources` file; stanzas with `Enabled: no` or without a `deb` type are dropped. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | null = null;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) sources.push({ uri, suites, file });
  }
  return sources;
}

/** Entries of a one-line `sources.list`: `deb [options] URI suite component…`. */
export function parseOneLineSources(text: string, file: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (match) sources.push({ uri: match[1]!, suites: [match[2]!], file });
  }
  return sources;
}

/** The first source that serves exactly `suite` (not `suite-security` or `suite-updates`), as a debootstrap mirror. */
export function pickMirror(sources: AptSource[], suite: string): string | null {
  const found = sources.find((s) => s.suites.includes(suite) && /^(https?|file):\/\//.test(s.uri));
  return found ? found.uri.replace(/\/+$/, '') : null;
}
