/**
 * The variables one loop item runs with, as Ansible 2.14's TaskExecutor._run_loop sets them: the loop
 * variable (`loop_control.loop_var`, default `item`), `ansible_loop_var`, `index_var`, and with
 * `loop_control.extended` the `ansible_loop` map (index, index0, revindex, revindex0, first, last, length,
 * previtem and nextitem where they exist, allitems unless `extended_allitems: false`). Every one of them is
 * also kept in the item's result, as Ansible does.
 */
import type { Vars } from '../inventory/types.js';
import type { LoopControl } from '../playbook/model.js';

export interface LoopSettings {
  loopVar: string;
  indexVar?: string;
  extended: boolean;
  allItems: boolean;
}

export function loopItemVars(settings: LoopSettings, items: readonly unknown[], index: number): Vars {
  const vars: Vars = { [settings.loopVar]: items[index], ansible_loop_var: settings.loopVar };
  if (settings.indexVar) {
    vars[settings.indexVar] = index;
    vars['ansible_index_var'] = settings.indexVar;
  }
  if (settings.extended) {
    const length = items.length;
    const loop: Vars = {
      index: index + 1,
      index0: index,
      first: index === 0,
      last: index === length - 1,
      length,
      revindex: length - index,
      revindex0: length - index - 1,
    };
    if (settings.allItems) loop['allitems'] = [...items];
    if (index > 0) loop['previtem'] = items[index - 1];
    if (index < length - 1) loop['nextitem'] = items[index + 1];
    vars['ansible_loop'] = loop;
  }
  return vars;
}

export function loopSettings(control: LoopControl | undefined, extended: boolean, allItems: boolean): LoopSettings {
  return { loopVar: control?.loopVar ?? 'item', ...(control?.indexVar ? { indexVar: control.indexVar } : {}), extended, allItems };
}
