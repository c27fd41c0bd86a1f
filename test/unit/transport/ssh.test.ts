import { expect } from 'chai';
import { hostKeyAlgorithms } from '../../../src/transport/ssh.js';

describe('ssh: host-key algorithm order', () => {
  it('offers the OpenSSH 9 defaults ssh2 supports, without SHA-1 ssh-rsa', () => {
    expect(hostKeyAlgorithms([])).to.deep.equal([
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
  });

  it('puts recorded key types first; a recorded ssh-rsa key asks for the SHA-2 RSA signatures', () => {
    expect(hostKeyAlgorithms(['ecdsa-sha2-nistp256']).slice(0, 2)).to.deep.equal(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(hostKeyAlgorithms(['ssh-rsa', 'ssh-ed25519']).slice(0, 3)).to.deep.equal(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-ed25519']);
    expect(hostKeyAlgorithms(['ssh-dss'])).to.have.length(6);
  });
});
