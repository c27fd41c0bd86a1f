import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlPlaneHosts } from '../../../src/certs/targets.js';
import { ConfigError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/index.js';

describe('certs: which hosts are control planes', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'drydock-certs-targets-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const inventory = async (text: string) => {
    const file = join(dir, `inv-${Math.random().toString(36).slice(2)}.ini`);
    writeFileSync(file, text);
    return loadInventory([file]);
  };

  it('takes the hosts of control_plane, kube_control_plane and kube-master together, each once, in inventory order', async () => {
    const inv = await inventory('[kube-master]\nold1\ncp2\n[kube_control_plane]\ncp1\ncp2\n[workers]\nw1\n');
    expect(controlPlaneHosts(inv)).to.deep.equal(['old1', 'cp2', 'cp1']);
  });

  it('includes hosts of child groups', async () => {
    const inv = await inventory('[control_plane:children]\nmasters\n[masters]\nm1\n[workers]\nw1\n');
    expect(controlPlaneHosts(inv)).to.deep.equal(['m1']);
  });

  it('says how to proceed when the inventory has no control-plane group', async () => {
    const inv = await inventory('[workers]\nw1\n');
    expect(() => controlPlaneHosts(inv)).to.throw(ConfigError, /no control-plane group .* PATTERN/);
  });
});
