/**
 * The remote script that ends a timed-out or aborted command: the command's process group (the wrapper's
 * PID, see exec.ts) and every process group its descendants moved to (`setsid`, `setpgid`), found while they
 * are still descendants, before anything dies and they are re-parented to init. TERM first, KILL after the
 * grace period for whatever is left. POSIX sh and `ps -o pid=,ppid=,pgid=` (procps, busybox); without ps it
 * falls back to the command's own group.
 */

export function killScript(pid: number, graceMs: number): string {
  const rounds = Math.max(1, Math.ceil(graceMs / 100));
  return [
    `p=${pid}`,
    // Descendants of $p and their process groups, by walking the parent links until nothing new appears.
    'tree=" $p "; groups=" $p "',
    'table=$(ps -e -o pid= -o ppid= -o pgid= 2>/dev/null)',
    'grown=1',
    'while [ "$grown" = 1 ]; do',
    '  grown=0',
    '  while read -r c pp g; do',
    '    case "$tree" in *" $c "*) continue ;; esac',
    '    case "$tree" in *" $pp "*) tree="$tree$c "; grown=1; case "$groups" in *" $g "*) ;; *) groups="$groups$g " ;; esac ;; esac',
    '  done <<DRYDOCK_PS',
    '$table',
    'DRYDOCK_PS',
    'done',
    'signal() { for g in $groups; do kill -$1 -$g 2>/dev/null; done; for c in $tree; do kill -$1 $c 2>/dev/null; done; }',
    'alive() { for g in $groups; do kill -0 -$g 2>/dev/null && return 0; done; for c in $tree; do kill -0 $c 2>/dev/null && return 0; done; return 1; }',
    'signal TERM',
    'i=0',
    `while [ $i -lt ${rounds} ] && alive; do sleep 0.1; i=$((i+1)); done`,
    'signal KILL; exit 0',
  ].join('\n');
}
