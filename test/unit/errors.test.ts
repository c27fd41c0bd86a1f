import { expect } from 'chai';
import { ConfigError, formatIssue } from '../../src/errors.js';

describe('errors', () => {
  it('formats a positioned issue as file:line:col', () => {
    expect(formatIssue({ file: 'hosts.ini', line: 3, col: 7, message: 'bad' })).to.equal('hosts.ini:3:7: bad');
  });
  it('keeps every issue of a ConfigError', () => {
    const err = new ConfigError([{ message: 'a' }, { message: 'b', file: 'x.yaml', line: 1 }]);
    expect(err.issues).to.have.length(2);
    expect(err.message).to.equal('a\nx.yaml:1: b');
  });
});
