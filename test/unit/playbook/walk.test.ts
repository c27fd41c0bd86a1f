import { expect } from 'chai';
import { loadFromText } from '../engine/harness.js';
import { usesAnyModule, walkItems, walkTasks } from '../../../src/playbook/walk.js';

const BOOK = `
- hosts: all
  tasks:
    - name: first
      command: echo 1
    - name: outer
      tags: [outer]
      block:
        - name: inside
          command: echo 2
          tags: [own]
      rescue:
        - name: rescuing
          debug: { msg: r }
      always:
        - name: nested
          block:
            - name: deep
              kube_uncordon: {}
`;

describe('playbook/walk', () => {
  it('visits every item in playbook order, a block before its sections, with the engine’s paths and inherited tags', async () => {
    const play = (await loadFromText(BOOK)).plays[0]!;
    const seen: string[] = [];
    walkItems(play.tasks, (item, at) => seen.push(`${at.path} ${item.kind === 'task' ? item.name : `block ${item.name ?? ''}`} [${at.tags.join(',')}]`), '0.tasks');
    expect(seen).to.deep.equal([
      '0.tasks/0 first []',
      '0.tasks/1 block outer [outer]',
      '0.tasks/1/block/0 inside [outer,own]',
      '0.tasks/1/rescue/0 rescuing [outer]',
      '0.tasks/1/always/0 block nested [outer]',
      '0.tasks/1/always/0/block/0 deep [outer]',
    ]);
  });

  it('walks tasks only, and finds a module however deep it is', async () => {
    const play = (await loadFromText(BOOK)).plays[0]!;
    const names: string[] = [];
    walkTasks(play.tasks, (task) => names.push(task.name ?? ''));
    expect(names).to.deep.equal(['first', 'inside', 'rescuing', 'deep']);
    expect(usesAnyModule(play.tasks, new Set(['kube_uncordon']))).to.equal(true);
    expect(usesAnyModule(play.tasks, new Set(['kube_drain']))).to.equal(false);
  });
});
