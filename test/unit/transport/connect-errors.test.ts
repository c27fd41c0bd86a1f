import { expect } from 'chai';
import { HostUnreachableError } from '../../../src/errors.js';
import {
  connectError,
  identityReport,
  isRecoverableAuthError,
  jumpFailure,
  noUsableIdentityError,
} from '../../../src/transport/connect-errors.js';

const spec = { name: 'db1', hostname: '10.0.0.7', port: 2222, user: 'ops', agentSocket: '/tmp/agent.sock', connectTimeoutMs: 5000 };
const identities = [{ file: '/k/id_ed25519' }, { file: '/k/id_rsa', problem: 'is encrypted and no passphrase was given' }];
const sshError = (message: string, level?: string): Error & { level?: string } => Object.assign(new Error(message), level ? { level } : {});

describe('transport/connect-errors', () => {
  it('lists identity files with why each could not be used', () => {
    expect(identityReport(identities)).to.equal('/k/id_ed25519, /k/id_rsa (is encrypted and no passphrase was given)');
    expect(identityReport([])).to.equal('none');
    const err = noUsableIdentityError(spec, [identities[1]!]);
    expect(err).to.include({ phase: 'auth' });
    expect(err.message).to.include('ops@10.0.0.7').and.include('no ssh-agent in use');
  });

  it('names user, host, key files, agent and the collected agent problems when authentication fails', () => {
    const err = connectError(spec, 'auth', sshError('All configured authentication methods failed', 'client-authentication'), identities, true, [
      'agent refused',
      'agent refused',
    ]);
    expect(err).to.be.instanceOf(HostUnreachableError);
    expect(err).to.include({ phase: 'auth', host: 'db1' });
    expect(err.message).to.equal(
      'db1: unreachable (auth): authentication failed for ops@10.0.0.7:2222 (All configured authentication methods failed; tried identity files: ' +
        '/k/id_ed25519, /k/id_rsa (is encrypted and no passphrase was given), ssh-agent at /tmp/agent.sock; agent refused)',
    );
  });

  it('says which handshake step timed out, and keeps other errors in the phase reached', () => {
    const timeout = sshError('Timed out while waiting for handshake', 'client-timeout');
    expect(connectError(spec, 'kex', timeout, [], false, []).message).to.equal('db1: unreachable (kex): timed out after 5s during the SSH key exchange');
    expect(connectError(spec, 'auth', timeout, [], false, []).message).to.equal('db1: unreachable (auth): timed out after 5s during authentication');
    expect(connectError(spec, 'kex', sshError('read ECONNRESET'), [], false, [])).to.include({
      phase: 'kex',
      message: 'db1: unreachable (kex): read ECONNRESET',
    });
  });

  it('lets ssh2 go on after an agent problem or one unusable key, but not after the final refusal', () => {
    expect(isRecoverableAuthError(sshError('agent gone', 'agent'))).to.equal(true);
    expect(isRecoverableAuthError(sshError('cannot sign', 'client-authentication'))).to.equal(true);
    expect(isRecoverableAuthError(sshError('All configured authentication methods failed', 'client-authentication'))).to.equal(false);
    expect(isRecoverableAuthError(sshError('protocol error', 'protocol'))).to.equal(false);
  });

  it('fails a target in the proxy phase when a jump host fails', () => {
    const err = jumpFailure(spec, new HostUnreachableError('bastion', 'auth', 'authentication failed for jump@bastion:22'));
    expect(err).to.include({ phase: 'proxy', host: 'db1' });
    expect(err.message).to.include('jump host failed: ').and.include('jump@bastion');
  });
});
