/**
 * Kubernetes version values. Versions arrive in many spellings — `v1.29.4` from the API, `1.29.4-1.1` from
 * apt, `1.28.5-150500.1.1` from rpm, `v1.29.4+k3s1` or `v1.29.3-eks-ab12` from distributions — and all of them
 * are reduced to major.minor.patch before any comparison (semver ranges would otherwise exclude prereleases).
 * This is the one module that imports semver.
 */
import semver from 'semver';
import { ConfigError } from '../errors.js';

export interface KubeVersion {
  major: number;
  minor: number;
  patch: number;
  /** The text it was parsed from, for messages. */
  raw: string;
}

const LEADING_TRIPLE = /^\s*v?\d+\.\d+\.\d+/;

/** Parses any of the spellings above; returns null for text that does not start with `[v]X.Y.Z`. */
export function tryParseKubeVersion(text: string): KubeVersion | null {
  if (!LEADING_TRIPLE.test(text)) return null;
  const coerced = semver.coerce(text.trim());
  if (!coerced) return null;
  return { major: coerced.major, minor: coerced.minor, patch: coerced.patch, raw: text.trim() };
}

/** Like tryParseKubeVersion, but a bad version is a ConfigError naming the text. */
export function parseKubeVersion(text: string): KubeVersion {
  const parsed = tryParseKubeVersion(text);
  if (!parsed) throw new ConfigError(`"${text}" is not a Kubernetes version (expected a form like v1.29.4 or 1.29.4)`);
  return parsed;
}

/** Negative, zero or positive like a sort comparator; only major.minor.patch count. */
export function compareKubeVersions(a: KubeVersion | string, b: KubeVersion | string): number {
  const left = typeof a === 'string' ? parseKubeVersion(a) : a;
  const right = typeof b === 'string' ? parseKubeVersion(b) : b;
  return semver.compare(formatKubeVersion(left), formatKubeVersion(right));
}

/** `1.29.4` (no leading v): the form package globs and hop lists use. */
export function formatKubeVersion(v: KubeVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** `1.29`: the form messages use for windows of minors. */
export function formatMinor(major: number, minor: number): string {
  return `${major}.${minor}`;
}

