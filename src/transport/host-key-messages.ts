/**
 * The text of host-key refusals (for `HostKeyError`): what happened, the fingerprints to compare out of band,
 * and the exact commands that resolve it. Written for an admin reading it at 3 a.m., modelled on OpenSSH's.
 */
import { storedKeyType } from './fingerprint.js';
import { knownHostsName } from './known-hosts-format.js';
import { shellQuote } from '../util/shell.js';

/** Recorded key, as `known-hosts.ts` reports it. */
interface RecordedKey {
  file: string;
  line: number;
  keyType: string;
  fingerprint: string;
}

/** The `-t` value ssh-keyscan understands for a key type. */
function keyscanType(keyType: string): string | undefined {
  const type = storedKeyType(keyType);
  if (type === 'ssh-ed25519') return 'ed25519';
  if (type.startsWith('ecdsa-sha2-')) return 'ecdsa';
  if (type === 'ssh-rsa') return 'rsa';
  return undefined;
}

function keyscanCommand(host: string, port: number, keyType: string): string {
  const type = keyscanType(keyType);
  const parts = ['ssh-keyscan', ...(port === 22 ? [] : ['-p', String(port)]), ...(type ? ['-t', type] : []), host];
  return parts.map(shellQuote).join(' ');
}

export function unknownHostMessage(
  host: string,
  port: number,
  keyType: string,
  fingerprint: string,
  knownHostsFile: string,
  recorded: readonly RecordedKey[] = [],
  /** The real address when the key is recorded under a HostKeyAlias: keyscan must dial it, not the alias. */
  dial?: { hostname: string; port: number },
): string {
  const lines = [
    `the authenticity of host ${knownHostsName(host, port)} can't be established: it presented a ${keyType} ` +
      `key ${fingerprint}, which is not in the known_hosts files.`,
  ];
  if (recorded.length > 0) {
    lines.push('Keys of other types are recorded for this host:');
    for (const key of recorded) lines.push(`  ${key.keyType} ${key.fingerprint} (${key.file}:${key.line})`);
  }
  lines.push(
    'Check the fingerprint out of band (on the host: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then either',
    'record it after comparing:',
    `  ${keyscanCommand(dial?.hostname ?? host, dial?.port ?? port, keyType)} | ssh-keygen -lf -`,
    dial
      ? `  ${keyscanCommand(dial.hostname, dial.port, keyType)} | sed 's/^[^ ]*/${knownHostsName(host, port)}/' >> ${shellQuote(knownHostsFile)}`
      : `  ${keyscanCommand(host, port, keyType)} >> ${shellQuote(knownHostsFile)}`,
    'or rerun with --host-key-checking accept-new to record the keys of new hosts on first connection.',
  );
  return lines.join('\n');
}

export function changedHostMessage(
  host: string,
  port: number,
  keyType: string,
  presentedFingerprint: string,
  recorded: readonly RecordedKey[],
): string {
  const type = storedKeyType(keyType);
  const sameType = recorded.filter((key) => key.keyType === type);
  const shown = sameType.length > 0 ? sameType : recorded;
  const name = knownHostsName(host, port);
  const files = [...new Set(shown.map((key) => key.file))];
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    `POSSIBLE MAN-IN-THE-MIDDLE ATTACK: host ${name} presented a different ${type} key than the one recorded.`,
    `  presented: ${keyType} ${presentedFingerprint}`,
    ...shown.map((key) => `  expected:  ${key.keyType} ${key.fingerprint} (${key.file}:${key.line})`),
    'drydock did not connect. If the host was reinstalled or its keys were rotated, verify the new fingerprint',
    'out of band (on the host: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then remove the old key with',
    ...files.map((file) => `  ssh-keygen -R ${shellQuote(name)} -f ${shellQuote(file)}`),
    'and record the new one (ssh-keyscan, or --host-key-checking accept-new).',
  ].join('\n');
}

export function revokedHostMessage(
  host: string,
  port: number,
  keyType: string,
  fingerprint: string,
  revokedAt: readonly RecordedKey[],
): string {
  return [
    `host ${knownHostsName(host, port)} presented a REVOKED ${keyType} key ${fingerprint}`,
    ...revokedAt.map((key) => `  marked @revoked at ${key.file}:${key.line}`),
    'drydock will never accept this key. The host must be given a new key; treat it as compromised until then.',
  ].join('\n');
}
