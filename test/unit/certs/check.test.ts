import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certsExitCode, checkCertificates, type CertsCheckPorts } from '../../../src/certs/check.js';
import { DEFAULT_LOCATIONS } from '../../../src/pki/remote.js';
import type { CertificateRow } from '../../../src/pki/rows.js';
import { HostUnreachableError, RemoteCommandError } from '../../../src/errors.js';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from '../../../src/transport/types.js';
import { makeCa, makeLeaf } from './helpers/openssl-certs.js';

const result = (over: Partial<ExecResult>): ExecResult => ({
  code: 0, signal: null, stdout: '', stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false, timedOut: false, ms: 1, ...over,
});
const spec = (name: string) => ({ name }) as ConnectionSpec;

describe('certs: checking the fleet through a connection port', function () {
  this.timeout(20_000);
  let dir: string;
  let output: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-certs-check-'));
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const ca = makeCa(dir, 'ca', 'kubernetes', 3650);
    const apiserver = makeLeaf(dir, 'apiserver', 'kube-apiserver', 'ca', 10);
    output = `pki\t/etc/kubernetes/pki/ca.crt\t${b64(ca)}\npki\t/etc/kubernetes/pki/apiserver.crt\t${b64(apiserver)}\n`;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function ports(behaviour: Record<string, (options: ExecOptions | undefined) => Promise<ExecResult>>, seen: string[] = []): CertsCheckPorts {
    return {
      connect: async (s) => {
        if (s.name === 'down') throw new HostUnreachableError('down', 'tcp', 'connection refused');
        return {
          name: s.name,
          exec: (_command: string, options?: ExecOptions) => behaviour[s.name]!(options),
        } as Connection;
      },
      release: async (name) => {
        seen.push(name);
      },
    };
  }
  const request = (names: string[], warnDays = 30) => ({
    targets: names.map((n) => ({ name: n, spec: spec(n) })), forks: 2, locations: DEFAULT_LOCATIONS, warnDays, now: () => new Date(),
  });

  it('reads each host with sudo in one command, rows sorted by host, and exits 2 on the 10-day certificate', async () => {
    const becomes: unknown[] = [];
    const released: string[] = [];
    const answer = async (options: ExecOptions | undefined) => {
      becomes.push(options?.become);
      return result({ stdout: output });
    };
    const outcome = await checkCertificates(request(['cp2', 'cp1']), ports({ cp1: answer, cp2: answer }, released));
    expect(becomes).to.deep.equal([{ enabled: true }, { enabled: true }]);
    expect(released).to.have.members(['cp1', 'cp2']);
    expect(outcome.rows.map((r) => `${r.host} ${r.certificate} ${r.status}`)).to.deep.equal([
      'cp1 apiserver.crt warning', 'cp1 ca.crt ok', 'cp2 apiserver.crt warning', 'cp2 ca.crt ok',
    ]);
    expect(certsExitCode(outcome)).to.equal(2);
    const lenient = await checkCertificates(request(['cp1'], 5), ports({ cp1: answer }));
    expect(certsExitCode(lenient)).to.equal(0);
  });

  it('records an unreachable host, a refused sudo and a failing command, and keeps checking the others', async () => {
    const outcome = await checkCertificates(request(['down', 'nosudo', 'broken', 'cp1', 'bare']), ports({
      nosudo: async () => {
        throw new RemoteCommandError('nosudo', 'LONG SCRIPT', 1, null, 'sudo: a password is required');
      },
      broken: async () => result({ code: 1, stderr: 'noise\nbase64: read error' }),
      cp1: async () => result({ stdout: output }),
      bare: async () => result({ stdout: '' }),
    }));
    expect(outcome.failures.map((f) => [f.host, f.status])).to.deep.equal([['broken', 'failed'], ['down', 'unreachable'], ['nosudo', 'failed']]);
    expect(outcome.failures[0]!.error).to.equal('reading the certificates failed: base64: read error');
    expect(outcome.failures[1]!.error).to.equal('unreachable (tcp): connection refused');
    expect(outcome.failures[2]!.error).to.equal('command failed (exit status 1): (reading the certificates)\nsudo: a password is required');
    expect(outcome.rows).to.have.length(2);
    expect(outcome.emptyHosts).to.deep.equal(['bare']);
    expect(certsExitCode(outcome)).to.equal(4);
  });

  it('exit code: 4 wins over 2, a failed host or unreadable file is 2, all ok is 0', () => {
    const ok = { status: 'ok' } as CertificateRow;
    const warning = { status: 'warning' } as CertificateRow;
    const expired = { status: 'expired' } as CertificateRow;
    expect(certsExitCode({ rows: [ok], failures: [], problems: [] })).to.equal(0);
    expect(certsExitCode({ rows: [ok, expired], failures: [], problems: [] })).to.equal(2);
    expect(certsExitCode({ rows: [warning], failures: [{ host: 'a', status: 'unreachable', error: '' }], problems: [] })).to.equal(4);
    expect(certsExitCode({ rows: [ok], failures: [{ host: 'a', status: 'failed', error: '' }], problems: [] })).to.equal(2);
    expect(certsExitCode({ rows: [ok], failures: [], problems: ['a: x.crt: no PEM certificate in it'] })).to.equal(2);
  });
});
