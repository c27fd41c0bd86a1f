import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import {
  applyLimit,
  expandLimitTerms,
  readLimitFile,
  resolvePattern,
  resolvePatternDetailed,
  splitPattern,
} from '../../../src/inventory/index.js';
import type { LoadedInventory } from '../../../src/inventory/index.js';
import { loadMemory } from './helpers.js';

const INI = `
node-1
node-22
[web]
web1
web2
web3
[db]
db1
db2
[staging]
web1
db1
[prod]
web2
web3
db2
[net]
192.168.1.10
192.168.2.20
fe80::1
`;

describe('inventory/patterns', () => {
  let inv: LoadedInventory;
  before(async () => {
    inv = await loadMemory({ 'p.ini': INI });
  });
  const r = (pattern: string): string[] => resolvePattern(inv, pattern);

  describe('splitting', () => {
    it('splits on colons, or only on commas when there is one', () => {
      expect(splitPattern('a:b:&c:!d')).to.deep.equal(['a', 'b', '&c', '!d']);
      expect(splitPattern(' a , b,&c ,!d, ')).to.deep.equal(['a', 'b', '&c', '!d']);
    });

    it('keeps subscripts and ranges whole and keeps IPv6 addresses whole', () => {
      expect(splitPattern('web[0:1]:db[1:]')).to.deep.equal(['web[0:1]', 'db[1:]']);
      expect(splitPattern('fe80::1')).to.deep.equal(['fe80::1']);
      expect(splitPattern('fe80::1,2001:db8::2')).to.deep.equal(['fe80::1', '2001:db8::2']);
      expect(splitPattern('!fe80::1,web')).to.deep.equal(['!fe80::1', 'web']);
      // Ansible would keep "b:&c" as one term matching nothing; splitting it too is strictly more useful.
      expect(splitPattern('a,b:&c')).to.deep.equal(['a', 'b', '&c']);
    });
  });

  describe('single terms', () => {
    it('matches all and *', () => {
      const everyone = ['node-1', 'node-22', 'web1', 'web2', 'web3', 'db1', 'db2', '192.168.1.10', '192.168.2.20', 'fe80::1'];
      expect(r('all')).to.deep.equal(everyone);
      expect(r('*')).to.deep.equal(everyone);
    });

    it('matches a host, a group and ungrouped', () => {
      expect(r('db2')).to.deep.equal(['db2']);
      expect(r('prod')).to.deep.equal(['web2', 'web3', 'db2']);
      expect(r('ungrouped')).to.deep.equal(['node-1', 'node-22']);
      expect(r('fe80::1')).to.deep.equal(['fe80::1']);
    });

    it('matches globs against groups and hosts', () => {
      expect(r('web*')).to.deep.equal(['web1', 'web2', 'web3']);
      expect(r('192.168.*')).to.deep.equal(['192.168.1.10', '192.168.2.20']);
      expect(r('*b?')).to.deep.equal(['web1', 'web2', 'web3', 'db1', 'db2']);
      expect(r('st*')).to.deep.equal(['web1', 'db1']);
    });

    it('supports glob character classes that are not subscripts', () => {
      expect(r('db[!2]')).to.deep.equal(['db1']);
      expect(() => r('web[13]')).to.throw(ConfigError, 'out of range');
      expect(r('w?b[ab1]')).to.deep.equal(['web1']);
    });

    it('matches a ~regex anchored at the start', () => {
      expect(r('~node-\\d+')).to.deep.equal(['node-1', 'node-22']);
      expect(r('~node-\\d$')).to.deep.equal(['node-1']);
      expect(r('~(web|db)1')).to.deep.equal(['web1', 'db1']);
      expect(r('~eb')).to.deep.equal([]);
    });

    it('rejects an invalid regex', () => {
      expect(() => r('~web(')).to.throw(ConfigError, 'not a valid regular expression');
    });

    it('returns [] for a pattern matching nothing and names the term', () => {
      expect(r('nosuch')).to.deep.equal([]);
      expect(resolvePatternDetailed(inv, 'web:nosuch:!nada')).to.deep.equal({
        hosts: ['web1', 'web2', 'web3'],
        unmatched: ['nosuch', '!nada'],
      });
    });

    it('rejects an empty pattern', () => {
      expect(() => r('')).to.throw(ConfigError, 'empty host pattern');
      expect(() => r(' , ,')).to.throw(ConfigError, 'empty host pattern');
      expect(() => r('web:!')).to.throw(ConfigError, 'nothing after "!"');
    });
  });

  describe('set operations', () => {
    it('unions in the order written, each term in inventory order, without duplicates', () => {
      expect(r('db:web')).to.deep.equal(['db1', 'db2', 'web1', 'web2', 'web3']);
      expect(r('web,db')).to.deep.equal(['web1', 'web2', 'web3', 'db1', 'db2']);
      expect(r('staging:web')).to.deep.equal(['web1', 'db1', 'web2', 'web3']);
    });

    it('intersects and excludes', () => {
      expect(r('web:&prod')).to.deep.equal(['web2', 'web3']);
      expect(r('web:!staging')).to.deep.equal(['web2', 'web3']);
      expect(r('all:!net:!ungrouped')).to.deep.equal(['web1', 'web2', 'web3', 'db1', 'db2']);
    });

    it('starts from all when there is no union term', () => {
      expect(r('!web:!net')).to.deep.equal(['node-1', 'node-22', 'db1', 'db2']);
      expect(r('&staging')).to.deep.equal(['web1', 'db1']);
    });

    it('evaluates unions, then intersections, then exclusions, whatever the order written', () => {
      const expected = ['web2', 'db2'];
      // (web ∪ db) ∩ prod minus web3
      for (const pattern of [
        'web:db:&prod:!web3',
        '!web3:&prod:web:db',
        '&prod:web:!web3:db',
        'web:!web3:db:&prod',
        'db:&prod:!web3:web',
        'web,&prod,!web3,db',
      ]) {
        expect(r(pattern), pattern).to.have.members(expected).and.have.length(2);
      }
      expect(r('!web3:&prod:web:db')).to.deep.equal(['web2', 'db2']);
      expect(r('db:&prod:!web3:web')).to.deep.equal(['db2', 'web2']);
    });

    it('applies several intersections and exclusions', () => {
      expect(r('all:&web:&staging')).to.deep.equal(['web1']);
      expect(r('all:!web:!db:!net')).to.deep.equal(['node-1', 'node-22']);
    });
  });

  describe('subscripts', () => {
    it('picks by index, including negative', () => {
      expect(r('web[0]')).to.deep.equal(['web1']);
      expect(r('web[-1]')).to.deep.equal(['web3']);
      expect(r('prod[1]')).to.deep.equal(['web3']);
    });

    it('slices with an inclusive end', () => {
      expect(r('web[0:1]')).to.deep.equal(['web1', 'web2']);
      expect(r('prod[0:2]')).to.deep.equal(['web2', 'web3', 'db2']);
      expect(r('prod[1:]')).to.deep.equal(['web3', 'db2']);
      expect(r('prod[:1]')).to.deep.equal(['web2', 'web3']);
      expect(r('web[1:9]')).to.deep.equal(['web2', 'web3']);
    });

    it('combines with other terms', () => {
      expect(r('web[0]:db[-1]')).to.deep.equal(['web1', 'db2']);
      expect(r('all:!web[0]')).to.not.include('web1');
    });

    it('rejects [:] and an index out of range', () => {
      expect(() => r('web[:]')).to.throw(ConfigError, '"[:]" is not a valid subscript');
      expect(() => r('web[3]')).to.throw(ConfigError, 'index 3 is out of range (3 hosts, 0..2)');
      expect(() => r('web[-4]')).to.throw(ConfigError, 'out of range');
    });

    it('returns [] for a subscript on a group that does not exist', () => {
      expect(resolvePatternDetailed(inv, 'nosuch[0]')).to.deep.equal({ hosts: [], unmatched: ['nosuch[0]'] });
    });
  });

  describe('limit', () => {
    it('keeps the hosts matching the limit, in the given order', () => {
      const hosts = r('db:web');
      expect(applyLimit(inv, hosts, 'staging')).to.deep.equal(['db1', 'web1']);
      expect(applyLimit(inv, hosts, 'all:!staging')).to.deep.equal(['db2', 'web2', 'web3']);
      expect(applyLimit(inv, hosts, '!staging')).to.deep.equal(['db2', 'web2', 'web3']);
      expect(applyLimit(inv, hosts, 'net')).to.deep.equal([]);
    });

    it('intersects when applied once per --limit flag', () => {
      const once = applyLimit(inv, r('all'), 'web:db');
      expect(applyLimit(inv, once, 'prod')).to.deep.equal(['web2', 'web3', 'db2']);
    });

    it('reads @file terms through the injected reader, merging them with other terms', () => {
      const files: Record<string, string> = { 'retry.txt': '# failed last time\nweb2\n\n  db1  \n' };
      const read = (path: string): string[] => readLimitFile(path, (p) => {
        const text = files[p];
        if (text === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
        return text;
      });
      expect(expandLimitTerms('@retry.txt:web3', read)).to.deep.equal(['web2', 'db1', 'web3']);
      expect(applyLimit(inv, r('all'), '@retry.txt', read)).to.deep.equal(['web2', 'db1']);
      expect(applyLimit(inv, r('all'), '@retry.txt:!db1', read)).to.deep.equal(['web2']);
    });

    it('reads a real limit file and names a missing one', () => {
      const dir = mkdtempSync(join(tmpdir(), 'drydock-limit-'));
      try {
        const file = join(dir, 'site.retry');
        writeFileSync(file, 'db2\nweb1\n');
        expect(applyLimit(inv, r('all'), `@${file}`)).to.deep.equal(['web1', 'db2']);
        const missing = join(dir, 'missing.retry');
        expect(() => applyLimit(inv, r('all'), `@${missing}`))
          .to.throw(ConfigError)
          .with.property('issues')
          .that.deep.equals([{ file: missing, message: 'cannot read --limit file: no such file' }]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('rejects an empty limit', () => {
      expect(() => applyLimit(inv, r('all'), '@empty', () => [])).to.throw(ConfigError, 'selects nothing');
    });
  });
});
