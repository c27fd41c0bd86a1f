import { expect } from 'chai';
import { parseSelector, selectorMatches, selectorStringMatches } from '../../../src/kube/label-selector.js';
import { ConfigError } from '../../../src/errors.js';

describe('kube/label-selector', () => {
  const labels = { app: 'web', tier: 'front', 'app.kubernetes.io/name': 'shop' };

  it('matches matchLabels and every matchExpressions operator', () => {
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).to.equal(true);
    expect(selectorMatches({ matchLabels: { app: 'db' } }, labels)).to.equal(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'x'] }] }, labels)).to.equal(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).to.equal(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).to.equal(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).to.equal(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).to.equal(false);
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, labels)).to.equal(false);
  });

  it('treats an empty selector as matching everything', () => {
    expect(selectorMatches({}, labels)).to.equal(true);
    expect(selectorMatches({}, undefined)).to.equal(true);
  });

  it('parses and matches textual selectors with API semantics', () => {
    expect(selectorStringMatches('app=web,tier!=back', labels)).to.equal(true);
    expect(selectorStringMatches('app==web', labels)).to.equal(true);
    expect(selectorStringMatches('zone!=a', labels)).to.equal(true); // absent key matches !=
    expect(selectorStringMatches('tier in (front, back),app.kubernetes.io/name', labels)).to.equal(true);
    expect(selectorStringMatches('tier notin (front)', labels)).to.equal(false);
    expect(selectorStringMatches('!legacy', labels)).to.equal(true);
    expect(selectorStringMatches('!app', labels)).to.equal(false);
    expect(selectorStringMatches('', labels)).to.equal(true);
  });

  it('rejects malformed selectors with a ConfigError quoting them', () => {
    expect(() => parseSelector('app=web,,x')).to.throw(ConfigError, /invalid label selector "app=web,,x"/);
    expect(() => parseSelector('app in web')).to.throw(ConfigError);
  });
});
