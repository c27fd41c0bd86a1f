import { expect } from 'chai';
import { expandSshPath, expandSshTokens, expandTilde } from '../../../src/transport/ssh-paths.js';
import { parsePort, parseStrictHostKeyChecking, parseYesNo } from '../../../src/transport/ssh-option-values.js';

describe('transport/ssh-paths and option values', () => {
  const values = { home: '/home/ops', localUser: 'ops', host: 'n1.example', alias: 'n1', remoteUser: 'root', port: 2222 };

  it('expands ~ only for the current user', () => {
    expect(expandTilde('~', '/h')).to.equal('/h');
    expect(expandTilde('~/.ssh/x', '/h/')).to.equal('/h/.ssh/x');
    expect(expandTilde('~bob/.ssh/x', '/h')).to.equal('~bob/.ssh/x');
    expect(expandTilde('/abs/~/x', '/h')).to.equal('/abs/~/x');
  });

  it('expands the simple % tokens and lists the others', () => {
    expect(expandSshPath('~/.ssh/%r@%h:%p-%n-%u-%d-100%%', values).value).to.equal(
      '/home/ops/.ssh/root@n1.example:2222-n1-ops-/home/ops-100%',
    );
    expect(expandSshTokens('~/.ssh/%C', values)).to.deep.equal({ value: '~/.ssh/%C', unexpanded: ['%C'] });
    expect(expandSshTokens('%p', { home: '/h', localUser: 'u' }).unexpanded).to.deep.equal(['%p']);
  });

  it('parses ports, booleans and StrictHostKeyChecking spellings', () => {
    expect([parsePort('22'), parsePort(65535), parsePort('0'), parsePort('2.5'), parsePort('x')]).to.deep.equal([
      22,
      65535,
      undefined,
      undefined,
      undefined,
    ]);
    expect([parseYesNo('Yes'), parseYesNo('false'), parseYesNo(true), parseYesNo('maybe')]).to.deep.equal([
      true,
      false,
      true,
      undefined,
    ]);
    expect(parseStrictHostKeyChecking('ACCEPT-NEW')).to.equal('accept-new');
    expect(parseStrictHostKeyChecking('sometimes')).to.equal(undefined);
  });
});
