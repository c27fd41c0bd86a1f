/**
 * The version schemes of Ansible's `version` test besides the default loose one: `strict` (distutils
 * StrictVersion), `semver`/`semantic` (Ansible's SemanticVersion, semver 2.0.0 precedence) and `pep440`
 * (packaging.version ordering: epoch, release, pre, post, dev; local labels ignored).
 */
import { ExprError } from './values.js';

type Key = (number | string)[];

function cmpKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === typeof y) return x < y ? -1 : 1;
    return typeof x === 'number' ? -1 : 1;
  }
  return 0;
}

function strictKey(v: string): Key {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:([ab])(\d+))?$/.exec(v);
  if (!m) throw new ExprError(`invalid version number '${v}' for version_type 'strict'`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), ...(m[4] ? [0, m[4], Number(m[5])] : [1])];
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

function compareSemver(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => {
    const m = SEMVER.exec(v);
    if (!m) throw new ExprError(`invalid semantic version '${v}'`);
    return m;
  }) as [RegExpExecArray, RegExpExecArray];
  const core = cmpKeys([1, 2, 3].map((i) => Number(x[i])), [1, 2, 3].map((i) => Number(y[i])));
  if (core !== 0) return core;
  if (!x[4] || !y[4]) return x[4] ? -1 : y[4] ? 1 : 0;
  const ids = (p: string): Key => p.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return cmpKeys(ids(x[4]), ids(y[4]));
}

const PEP440 =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/i;

function pep440Key(v: string): Key {
  const m = PEP440.exec(v.trim());
  if (!m) throw new ExprError(`invalid PEP 440 version '${v}'`);
  const release = m[2]!.split('.').map(Number);
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  const letter = m[3]?.toLowerCase();
  const preRank = letter === undefined ? undefined : /^a/.test(letter) ? 0 : /^b/.test(letter) ? 1 : 2;
  const post = m[5] ?? m[6];
  // A group that took part in the match holds '' even when its digits are missing (`1.0.post`).
  const hasPost = m[5] !== undefined || m[6] !== undefined;
  const dev = m[7];
  const hasDev = dev !== undefined;
  // packaging's _cmpkey: a dev release without pre/post sorts before the pre-releases; no pre sorts after them.
  const pre = preRank === undefined ? (!hasPost && hasDev ? [-Infinity] : [Infinity]) : [preRank, Number(m[4] || 0)];
  return [Number(m[1] ?? 0), release.length, ...release, ...pre, hasPost ? Number(post || 0) : -Infinity, hasDev ? Number(dev || 0) : Infinity];
}

function comparePep440(a: string, b: string): number {
  const [x, y] = [pep440Key(a), pep440Key(b)];
  // Release segments of different lengths compare element-wise, the shorter padded with zeros.
  const rel = (k: Key) => k.slice(2, 2 + (k[1] as number)) as number[];
  const [rx, ry] = [rel(x), rel(y)];
  for (let i = 0; i < Math.max(rx.length, ry.length); i++) if ((rx[i] ?? 0) !== (ry[i] ?? 0)) return (rx[i] ?? 0) < (ry[i] ?? 0) ? -1 : 1;
  if (x[0] !== y[0]) return (x[0] as number) < (y[0] as number) ? -1 : 1;
  return cmpKeys(x.slice(2 + (x[1] as number)), y.slice(2 + (y[1] as number)));
}

/** Compares two versions under a version_type other than 'loose'; undefined for an unknown type. */
export function compareTyped(type: string, a: string, b: string): number | undefined {
  if (type === 'strict') return cmpKeys(strictKey(a), strictKey(b));
  if (type === 'semver' || type === 'semantic') return compareSemver(a, b);
  if (type === 'pep440') return comparePep440(a, b);
  return undefined;
}
