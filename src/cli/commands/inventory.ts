/**
 * `drydock inventory list|graph|host NAME -i SOURCE [-e VARS]`: shows the inventory as drydock reads it, in
 * the shapes of `ansible-inventory --list`, `--graph` and `--host`, so admins can check groups and merged
 * variables before touching a node. Secret-looking values are masked. Warnings go to stderr.
 */
import type { Command } from 'commander';
import type { ConfigIssue } from '../../errors.js';
import { formatIssue } from '../../errors.js';
import { formatHostVars, formatInventoryGraph, formatInventoryList, loadInventory } from '../../inventory/index.js';
import type { LoadedInventory, Vars } from '../../inventory/index.js';
import { extraVarsOption, inventoryOption, requireInventory } from '../options.js';
import type { Invocation } from '../exit.js';

interface InventoryOptions {
  inventory: string[];
  extraVars: Vars;
}

export function register(program: Command, { exit }: Invocation): void {
  const inventory = program
    .command('inventory')
    .description('show the inventory as drydock reads it (groups, hosts, merged variables)');

  const list = inventory.command('list').description('all groups and hosts with merged variables, as JSON (ansible-inventory --list)');
  withInventoryOptions(list).action(async (options: InventoryOptions) => {
    const inv = await load(options);
    write(formatInventoryList(inv, options.extraVars));
  });

  const graph = inventory
    .command('graph')
    .description('the group tree (ansible-inventory --graph)')
    .argument('[group]', 'group to start at', 'all')
    .option('--vars', 'also show variables', false);
  withInventoryOptions(graph).action(async (group: string, options: InventoryOptions & { vars: boolean }) => {
    const inv = await load(options);
    write(formatInventoryGraph(inv, { group, vars: options.vars, extraVars: options.extraVars }));
  });

  const host = inventory
    .command('host')
    .description("one host's merged variables as JSON (ansible-inventory --host)")
    .argument('<name>', 'inventory host name (the alias, not ansible_host)');
  withInventoryOptions(host).action(async (name: string, options: InventoryOptions) => {
    const inv = await load(options);
    write(formatHostVars(inv, name, options.extraVars));
  });
}

function withInventoryOptions(command: Command): Command {
  return command.addOption(inventoryOption()).addOption(extraVarsOption());
}

async function load(options: InventoryOptions): Promise<LoadedInventory> {
  const inv = await loadInventory(requireInventory(options));
  for (const warning of inv.warnings) printWarning(warning);
  return inv;
}

function printWarning(issue: ConfigIssue): void {
  process.stderr.write(`drydock: warning: ${formatIssue(issue)}\n`);
}

function write(text: string): void {
  process.stdout.write(`${text}\n`);
}
