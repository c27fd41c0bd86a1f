/**
 * INI variable values compared with what ansible-inventory 2.14.18 printed for the same file
 * (test/fixtures/ansible/ini-values): numbers, lists, dicts, True/False/None become typed values in `[g:vars]`
 * sections and on host lines alike; the rest stays the stripped text.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { formatInventoryGraph, formatInventoryList, hostVars, loadInventory, parsePythonLiteral } from '../../../src/inventory/index.js';
import { isPyFloat, isPyInt } from '../../../src/util/pyfloat.js';

const DIR = 'test/fixtures/ansible/ini-values';

describe('inventory/INI values (recorded ansible-inventory --list)', () => {
  const recordedText = readFileSync(`${DIR}/ansible-inventory-list.json`, 'utf8');
  const recorded = JSON.parse(recordedText) as { _meta: { hostvars: Record<string, Record<string, unknown>> } };

  it('gives every host the variables and types Ansible gave it', async () => {
    const inv = await loadInventory([`${DIR}/inventory.ini`]);
    for (const [host, expected] of Object.entries(recorded._meta.hostvars)) {
      // JSON as Ansible wrote it: a float box writes its number (the float check is below).
      expect(JSON.parse(JSON.stringify(hostVars(inv, host, {}, { magic: false }))), host).to.deep.equal(expected);
    }
  });

  it('drydock inventory --list prints exactly what ansible-inventory --list printed (floats as 1.0)', async () => {
    const inv = await loadInventory([`${DIR}/inventory.ini`]);
    expect(`${formatInventoryList(inv)}\n`).to.equal(recordedText);
  });

  it('drydock inventory --graph --vars prints exactly what ansible-inventory --graph --vars printed', async () => {
    const inv = await loadInventory([`${DIR}/inventory.ini`]);
    // One known difference: a Python tuple `(1, 2)` is a list to drydock (as it is in Ansible's JSON and
    // templates), so only --graph's repr of it differs.
    const withoutTuple = (text: string): string => text.trimEnd().split('\n').filter((l) => !l.includes('v_tuple')).join('\n');
    expect(withoutTuple(formatInventoryGraph(inv, { vars: true }))).to.equal(withoutTuple(readFileSync(`${DIR}/ansible-inventory-graph-vars.txt`, 'utf8')));
  });

  it('keeps integral floats floats (2.0 stays a float, 2 an int)', async () => {
    const inv = await loadInventory([`${DIR}/inventory.ini`]);
    const vars = hostVars(inv, 'w1', {}, { magic: false });
    for (const name of ['v_float', 'v_float2', 'v_exp', 'h_float', 'h_exp']) expect(isPyFloat(vars[name]), name).to.equal(true);
    for (const name of ['escape_pods', 'v_oct', 'v_hex', 'v_under', 'h_int', 'a_int']) expect(isPyInt(vars[name]), name).to.equal(true);
    expect(String(vars['v_float2'])).to.equal('2.0');
  });

  it('reads as floats exactly the values Ansible printed as floats', () => {
    // JSON.parse makes 1.0 and 1 alike; Ansible's output text still tells them apart.
    const floats = new Set([...recordedText.matchAll(/"(\w+)": -?[0-9]+\.[0-9]+/g)].map((m) => m[1]!));
    expect(floats).to.include.members(['v_float', 'v_float2', 'v_exp', 'h_float', 'h_exp', 'a_float']);
    const ini = readFileSync(`${DIR}/inventory.ini`, 'utf8');
    const values = new Map<string, string>();
    for (const line of ini.split('\n')) {
      const m = /^(\w+)=(.*)$/.exec(line.trim());
      if (m) values.set(m[1]!, m[2]!.trim());
    }
    for (const m of ini.matchAll(/ (h_\w+)=("[^"]*"|\S+)/g)) values.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1'));
    const parsedAsFloat = [...values]
      .filter(([, text]) => {
        const FLOAT = Symbol('float');
        const parsed = parsePythonLiteral(text, { float: () => FLOAT });
        return parsed.ok && parsed.value === FLOAT;
      })
      .map(([name]) => name);
    expect(new Set(parsedAsFloat)).to.deep.equal(floats);
  });
});
