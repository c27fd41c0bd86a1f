import { expect } from 'chai';
import { matchesFields, matchesRequirements, parseFieldSelector, parseLabelSelector, selectorMatches } from '../../../../src/lab/apiserver/selectors.js';
import type { KubeObject } from '../../../../src/lab/apiserver/types.js';

describe('lab apiserver: selectors', () => {
  it('parses every label selector form and matches like the apiserver', () => {
    const reqs = parseLabelSelector('app=web,tier!=db,env in (prod, staging),zone notin (z9),team,!legacy');
    const labels = { app: 'web', tier: 'front', env: 'prod', zone: 'z1', team: 'a' };
    expect(matchesRequirements(reqs, labels)).to.equal(true);
    expect(matchesRequirements(reqs, { ...labels, legacy: 'yes' })).to.equal(false);
    expect(matchesRequirements(reqs, { ...labels, env: 'dev' })).to.equal(false);
    expect(matchesRequirements(parseLabelSelector('tier!=db'), {})).to.equal(true);
    expect(matchesRequirements(parseLabelSelector('app==web'), { app: 'web' })).to.equal(true);
    expect(matchesRequirements(parseLabelSelector(''), undefined)).to.equal(true);
  });

  it('rejects a malformed label selector with a 400', () => {
    expect(() => parseLabelSelector('a=b=c')).to.throw(/unable to parse requirement/).with.property('code', 400);
  });

  it('treats a null LabelSelector as nothing and {} as everything; expressions work', () => {
    expect(selectorMatches(null, { a: 'b' })).to.equal(false);
    expect(selectorMatches({}, { a: 'b' })).to.equal(true);
    const selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }, { key: 'old', operator: 'DoesNotExist' }] };
    expect(selectorMatches(selector, { app: 'web', tier: 'front' })).to.equal(true);
    expect(selectorMatches(selector, { app: 'web', tier: 'front', old: '1' })).to.equal(false);
    expect(() => selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Near' }] }, {})).to.throw(/not a valid label selector operator/);
  });

  it('supports the pod and node field selectors drain and kubectl use, and refuses others', () => {
    const pod = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'node-1' }, status: { phase: 'Running' } } as unknown as KubeObject;
    expect(matchesFields(parseFieldSelector('pods', 'spec.nodeName=node-1'), pod)).to.equal(true);
    expect(matchesFields(parseFieldSelector('pods', 'spec.nodeName=node-2'), pod)).to.equal(false);
    expect(matchesFields(parseFieldSelector('pods', 'status.phase!=Succeeded,metadata.name==p'), pod)).to.equal(true);
    const node = { metadata: { name: 'n' }, spec: {} } as unknown as KubeObject;
    expect(matchesFields(parseFieldSelector('nodes', 'spec.unschedulable=false'), node)).to.equal(true);
    expect(() => parseFieldSelector('nodes', 'spec.nodeName=x')).to.throw('field label not supported: spec.nodeName');
  });
});
