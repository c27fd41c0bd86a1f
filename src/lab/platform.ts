/**
 * Whether this machine can run a lab at all. The lab needs Linux namespaces, overlayfs and root; everywhere
 * else the admin gets one clear sentence instead of a failing `ip` or `mount`.
 */
import { ConfigError } from '../errors.js';

export interface PlatformFacts {
  platform: NodeJS.Platform;
  uid: number | undefined;
}

export function currentPlatform(): PlatformFacts {
  return { platform: process.platform, uid: typeof process.getuid === 'function' ? process.getuid() : undefined };
}

/** Why the lab cannot run here, or null when it can. */
export function labUnsupportedReason(facts: PlatformFacts = currentPlatform()): string | null {
  if (facts.platform !== 'linux') {
    return `the lab needs Linux (network, mount and PID namespaces, overlayfs); this machine runs ${facts.platform}`;
  }
  if (facts.uid !== 0) {
    return 'the lab needs root (it creates network namespaces, a bridge, overlay mounts and boots systemd); run it with sudo';
  }
  return null;
}

export function assertLabSupported(facts: PlatformFacts = currentPlatform()): void {
  const reason = labUnsupportedReason(facts);
  if (reason) throw new ConfigError(reason);
}
