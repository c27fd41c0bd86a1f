import { expect } from 'chai';
import { formatCpu, formatMemory, parseQuantity, podRequests } from '../../../src/kube/quantity.js';
import { pod } from './builders.js';

describe('kube/quantity: resource quantities and pod requests', () => {
  it('parses the API\'s quantity forms into base units', () => {
    expect(parseQuantity('500m')).to.equal(0.5);
    expect(parseQuantity('2')).to.equal(2);
    expect(parseQuantity('1.5')).to.equal(1.5);
    expect(parseQuantity('1Gi')).to.equal(2 ** 30);
    expect(parseQuantity('128Mi')).to.equal(128 * 2 ** 20);
    expect(parseQuantity('1k')).to.equal(1000);
    expect(parseQuantity('1e3')).to.equal(1000);
    expect(parseQuantity('110')).to.equal(110);
    expect(parseQuantity(4)).to.equal(4);
    expect(parseQuantity('lots')).to.equal(null);
    expect(parseQuantity(undefined)).to.equal(null);
  });

  it('a pod requests its containers\' sum, at least its largest init container, plus overhead', () => {
    const p = pod('web');
    p.spec.containers = [
      { name: 'a', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
      { name: 'b', resources: { requests: { cpu: '250m' } } },
      { name: 'c' },
    ];
    p.spec.initContainers = [{ name: 'init', resources: { requests: { cpu: '100m', memory: '1Gi' } } }];
    p.spec.overhead = { cpu: '10m' };
    const r = podRequests(p);
    expect(r.cpu).to.be.closeTo(0.51, 1e-9);
    expect(r.memory).to.equal(2 ** 30);
    expect(podRequests(pod('bare'))).to.deep.equal({ cpu: 0, memory: 0 });
  });

  it('formats cpu and memory shortly for messages', () => {
    expect(formatCpu(1.5)).to.equal('1.5');
    expect(formatCpu(0.25)).to.equal('250m');
    expect(formatCpu(3)).to.equal('3');
    expect(formatMemory(3 * 2 ** 30)).to.equal('3Gi');
    expect(formatMemory(512 * 2 ** 20)).to.equal('512Mi');
    expect(formatMemory(42)).to.equal('42');
  });
});
