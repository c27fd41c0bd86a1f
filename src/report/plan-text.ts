/**
 * The plan a plain playbook run records (`run.plan`) when no confirm step showed one: each play and the hosts
 * it runs on, as planned. The changing commands (upgrade, reboot, certs renew) record their confirm text instead.
 */
import type { PlaybookPlan } from '../engine/plan.js';
import type { Playbook } from '../playbook/model.js';

const HOSTS_SHOWN = 50;

export function playbookPlanText(playbook: Playbook, plan: Pick<PlaybookPlan, 'playHosts'>): string {
  const lines = [`playbook ${playbook.file}`];
  playbook.plays.forEach((play, i) => {
    const hosts = plan.playHosts[i] ?? [];
    const shown = hosts.slice(0, HOSTS_SHOWN).join(', ');
    const more = hosts.length > HOSTS_SHOWN ? `, … (${hosts.length - HOSTS_SHOWN} more)` : '';
    lines.push(`play ${i + 1} "${play.name}": ${hosts.length} host${hosts.length === 1 ? '' : 's'}${hosts.length > 0 ? `: ${shown}${more}` : ''}`);
  });
  return `${lines.join('\n')}\n`;
}
