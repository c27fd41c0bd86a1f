import { expect } from 'chai';
import { expandHostRange } from '../../../src/inventory/ranges.js';

function hosts(pattern: string): string[] {
  const r = expandHostRange(pattern);
  if (!r.ok) expect.fail(`unexpected error: ${r.error}`);
  return r.hosts;
}

function error(pattern: string): string {
  const r = expandHostRange(pattern);
  if (r.ok) expect.fail(`expected an error for ${pattern}, got ${r.hosts.join(',')}`);
  return r.error;
}

describe('inventory/ranges', () => {
  it('leaves a name without brackets alone', () => {
    expect(hosts('web1.example.com')).to.deep.equal(['web1.example.com']);
  });

  it('expands an inclusive numeric range and keeps zero padding', () => {
    expect(hosts('worker[01:12]')).to.deep.equal([
      'worker01', 'worker02', 'worker03', 'worker04', 'worker05', 'worker06',
      'worker07', 'worker08', 'worker09', 'worker10', 'worker11', 'worker12',
    ]);
    expect(hosts('www[001:003].example.com')).to.deep.equal(['www001.example.com', 'www002.example.com', 'www003.example.com']);
  });

  it('does not pad an unpadded range', () => {
    expect(hosts('n[8:11]')).to.deep.equal(['n8', 'n9', 'n10', 'n11']);
  });

  it('supports a stride', () => {
    expect(hosts('www[01:10:2]')).to.deep.equal(['www01', 'www03', 'www05', 'www07', 'www09']);
    expect(hosts('n[0:9:4]')).to.deep.equal(['n0', 'n4', 'n8']);
  });

  it('treats an empty begin as 0', () => {
    expect(hosts('n[:2]')).to.deep.equal(['n0', 'n1', 'n2']);
  });

  it('expands letter ranges, including a stride and across case like ascii_letters', () => {
    expect(hosts('node-[a:c]')).to.deep.equal(['node-a', 'node-b', 'node-c']);
    expect(hosts('db-[a:f:2]')).to.deep.equal(['db-a', 'db-c', 'db-e']);
    expect(hosts('x[y:B]')).to.deep.equal(['xy', 'xz', 'xA', 'xB']);
  });

  it('expands several ranges in one name, leftmost outermost', () => {
    expect(hosts('rack[1:2]-node[a:b].dc')).to.deep.equal(['rack1-nodea.dc', 'rack1-nodeb.dc', 'rack2-nodea.dc', 'rack2-nodeb.dc']);
  });

  it('rejects a backwards range', () => {
    expect(error('web[5:1]')).to.equal('host range "[5:1]" in "web[5:1]" runs backwards (5 > 1)');
    expect(error('n[c:a]')).to.contain('runs backwards (c > a)');
  });

  it('rejects a range mixing letters and numbers', () => {
    expect(error('n[a:5]')).to.equal('host range "[a:5]" in "n[a:5]" mixes a letter and a number');
    expect(error('n[1:b]')).to.contain('mixes a letter and a number');
  });

  it('rejects malformed ranges', () => {
    expect(error('n[1]')).to.contain('must be [begin:end] or [begin:end:step]');
    expect(error('n[1:2:3:4]')).to.contain('must be [begin:end] or [begin:end:step]');
    expect(error('n[1:]')).to.contain('has no end value');
    expect(error('n[1:5:0]')).to.contain('step "0"');
    expect(error('n[1:5:x]')).to.contain('step "x"');
    expect(error('n[01:100]')).to.contain('same width (01 vs 100)');
    expect(error('n[1:3')).to.contain('missing its closing "]"');
    expect(error('n1:3]')).to.contain('"]" without "["');
    expect(error('n[aa:bb]')).to.contain('must use numbers or single letters');
  });

  it('refuses ranges that would expand to an absurd number of hosts', () => {
    expect(error('n[1:99999999]')).to.contain('more than 100000 hosts');
  });
});
