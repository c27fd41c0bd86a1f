/**
 * `remote_user` as Ansible reads it: the login user of a play's hosts unless their variables set
 * `ansible_user` (connection variables win over keywords), above `-u`. drydock keeps one SSH connection per
 * host for the whole run, so a host must be reached as one user: a block or task `remote_user` must name the
 * play's, and two plays may not name different users for the same host. Both are refused before any host
 * is contacted, with the place and the reason; so is a templated `remote_user`.
 */
import type { ConfigIssue } from '../errors.js';
import type { Play, Playbook, TaskItem } from '../playbook/model.js';
import { walkItems } from '../playbook/walk.js';

function issueAt(pos: { file: string; line?: number; col?: number }, message: string): ConfigIssue {
  return { file: pos.file, ...(pos.line !== undefined ? { line: pos.line } : {}), ...(pos.col !== undefined ? { col: pos.col } : {}), message };
}

/** Load-time problems of remote_user in the playbook itself. */
export function remoteUserIssues(playbook: Playbook): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const play of playbook.plays) {
    if (play.remoteUser?.includes('{{')) issues.push(issueAt(play.pos, `templated remote_user ('${play.remoteUser}') is not supported; name the user`));
    const check = (item: TaskItem): void => {
      if (item.remoteUser === undefined || item.remoteUser === play.remoteUser) return;
      issues.push(
        issueAt(
          item.pos,
          `remote_user '${item.remoteUser}' differs from the play's (${play.remoteUser === undefined ? 'none' : `'${play.remoteUser}'`}): ` +
            'drydock reaches each host over one connection as one user for the whole run; set remote_user on the play (or ansible_user in the inventory)',
        ),
      );
    };
    for (const section of [play.preTasks, play.tasks, play.postTasks, play.handlers]) walkItems(section, check);
  }
  return issues;
}

/**
 * The user each host logs in as because of a play's remote_user (hosts with their own ansible_user are left
 * out, as Ansible lets that variable win). Conflicts go to `issues`.
 */
export function remoteUsers(plays: readonly Play[], playHosts: readonly string[][], hasUserVar: (host: string) => boolean, issues: ConfigIssue[]): Map<string, string> {
  const users = new Map<string, { user: string; play: Play }>();
  plays.forEach((play, index) => {
    const user = play.remoteUser;
    if (user === undefined) return;
    for (const host of playHosts[index] ?? []) {
      if (hasUserVar(host)) continue;
      const earlier = users.get(host);
      if (earlier && earlier.user !== user) {
        issues.push(
          issueAt(
            play.pos,
            `host ${host}: remote_user '${user}' here but '${earlier.user}' at ${earlier.play.pos.file}:${earlier.play.pos.line ?? 0}: ` +
              'drydock reaches each host over one connection as one user for the whole run; run these plays separately',
          ),
        );
        continue;
      }
      users.set(host, { user, play });
    }
  });
  return new Map([...users].map(([host, { user }]) => [host, user]));
}
