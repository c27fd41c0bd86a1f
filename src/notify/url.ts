/**
 * `--notify URL`: only http:// and https://, checked before anything runs. A webhook URL often carries its
 * token in the path (Slack's /services/T…/B…/secret), so drydock never shows one in full: `displayUrl` keeps
 * the scheme and host, nothing after them.
 */
import { UsageError } from '../errors.js';

export const NOTIFY_FLAG = '--notify';

/** The URL, or a UsageError naming the flag (and never the URL's path, which may be a secret). */
export function parseNotifyUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    // Not echoed: what was typed may be the webhook's token itself.
    throw new UsageError(`${NOTIFY_FLAG} takes an http:// or https:// URL (https://host/path); the value given is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${NOTIFY_FLAG} takes an http:// or https:// URL, not a ${url.protocol.replace(/:$/, '')}: one (${displayUrl(url)})`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`${NOTIFY_FLAG}: a user or password in the URL is not supported (${displayUrl(url)}); put the webhook's token in its path`);
  }
  return url;
}

/** `scheme://host[:port]/…`: enough to tell the receivers apart, never the path or query. */
export function displayUrl(url: URL): string {
  const rest = url.pathname !== '/' || url.search !== '' || url.hash !== '' ? '…' : '';
  return `${url.protocol}//${url.host}/${rest}`;
}
