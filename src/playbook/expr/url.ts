/** Python's urllib.parse.urlsplit, as the `urlsplit` filter returns it (all nine fields). */
export function urlSplit(url: string): Record<string, unknown> {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s.exec(url)!;
  const netloc = m[2] ?? '';
  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at) : undefined;
  const hostport = at >= 0 ? netloc.slice(at + 1) : netloc;
  const colon = userinfo?.indexOf(':') ?? -1;
  const host = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?/.exec(hostport)!;
  const hostname = host[1]!.replace(/^\[|\]$/g, '').toLowerCase();
  return {
    fragment: m[5] ?? '',
    hostname: hostname === '' ? null : hostname,
    netloc,
    password: userinfo !== undefined && colon >= 0 ? userinfo.slice(colon + 1) : null,
    path: m[3] ?? '',
    port: host[2] ? Number(host[2]) : null,
    query: m[4] ?? '',
    scheme: (m[1] ?? '').toLowerCase(),
    username: userinfo === undefined ? null : colon >= 0 ? userinfo.slice(0, colon) : userinfo,
  };
}
