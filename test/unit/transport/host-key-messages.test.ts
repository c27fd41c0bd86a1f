import { expect } from 'chai';
import { HostKeyError } from '../../../src/errors.js';
import { changedHostMessage, revokedHostMessage, unknownHostMessage } from '../../../src/transport/known-hosts.js';

describe('transport/host-key-messages', () => {
  it('tells how to accept an unknown host after checking its fingerprint', () => {
    const text = unknownHostMessage('node1', 2222, 'ssh-ed25519', 'SHA256:abc', '/root/.ssh/known_hosts', [
      { file: '/root/.ssh/known_hosts', line: 4, keyType: 'ssh-rsa', fingerprint: 'SHA256:rsa' },
    ]);
    expect(text).to.contain('[node1]:2222').and.contain('SHA256:abc');
    expect(text).to.contain('ssh-keyscan -p 2222 -t ed25519 node1 >> /root/.ssh/known_hosts');
    expect(text).to.contain('ssh-keyscan -p 2222 -t ed25519 node1 | ssh-keygen -lf -');
    expect(text).to.contain('--host-key-checking accept-new');
    expect(text).to.contain('ssh-rsa SHA256:rsa (/root/.ssh/known_hosts:4)');
    expect(unknownHostMessage('node1', 22, 'ssh-ed25519', 'SHA256:abc', '/kh')).to.contain('ssh-keyscan -t ed25519 node1 >>');
  });

  it('scans the real address but records the line under the HostKeyAlias', () => {
    const text = unknownHostMessage('db-alias', 22, 'ssh-ed25519', 'SHA256:abc', '/kh', [], { hostname: '127.0.0.9', port: 2200 });
    expect(text).to.contain("ssh-keyscan -p 2200 -t ed25519 127.0.0.9 | sed 's/^[^ ]*/db-alias/' >> /kh");
    expect(text).to.contain('ssh-keyscan -p 2200 -t ed25519 127.0.0.9 | ssh-keygen -lf -');
    expect(text).not.to.contain('ed25519 db-alias');
  });

  it('warns loudly about a changed key, with both fingerprints, file:line and the ssh-keygen -R command', () => {
    const text = changedHostMessage('node1', 2222, 'ssh-ed25519', 'SHA256:new', [
      { file: '/kh', line: 7, keyType: 'ssh-ed25519', fingerprint: 'SHA256:old' },
      { file: '/kh', line: 8, keyType: 'ssh-rsa', fingerprint: 'SHA256:rsa' },
    ]);
    expect(text).to.contain('REMOTE HOST IDENTIFICATION HAS CHANGED').and.contain('POSSIBLE MAN-IN-THE-MIDDLE');
    expect(text).to.contain('presented: ssh-ed25519 SHA256:new');
    expect(text).to.contain('expected:  ssh-ed25519 SHA256:old (/kh:7)');
    expect(text).to.not.contain('SHA256:rsa');
    expect(text).to.contain("ssh-keygen -R '[node1]:2222' -f /kh");
    const error = new HostKeyError('node1', 'changed', 'SHA256:new', 'ssh-ed25519', text);
    expect(error.message).to.contain('node1: unreachable (hostkey)');
  });

  it('names the @revoked line of a revoked key', () => {
    const text = revokedHostMessage('node1', 22, 'ssh-ed25519', 'SHA256:bad', [
      { file: '/etc/ssh/ssh_known_hosts', line: 3, keyType: 'ssh-ed25519', fingerprint: 'SHA256:bad' },
    ]);
    expect(text).to.contain('REVOKED').and.contain('/etc/ssh/ssh_known_hosts:3');
  });
});
