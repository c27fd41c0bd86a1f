/**
 * The one POSIX sh script gather_facts runs per host: `key=value` lines (network and CPU lines repeat), then
 * the environment after an `@env` line (`env -0`: NUL separated, so values may hold newlines). Each source is
 * what Ansible's setup module reads on Linux: uname, os-release and /etc/debian_version, /proc/meminfo,
 * /proc/cpuinfo, `ip route get` to Ansible's probe addresses, `ip -o addr`, /sys/class/net, getent.
 */

/** Ansible's probe destinations for the default route (module_utils/facts/network/linux.py). */
export const DEFAULT_ROUTE_PROBES = { v4: '8.8.8.8', v6: '2404:6800:4000:804::200e' } as const;

export const FACT_SCRIPT = [
  'n=$(uname -n); echo "nodename=$n"',
  // socket.getfqdn(): the name's address looked up back; the first of its names holding a dot, else the first.
  'a=$(getent ahosts "$n" 2>/dev/null | awk \'NR==1{print $1}\'); f=""',
  'if [ -n "$a" ]; then f=$(getent hosts "$a" 2>/dev/null | awk \'NR==1{for(i=2;i<=NF;i++) if(index($i,".")){print $i; exit}; print $2}\'); fi',
  'echo "fqdn=${f:-$n}"',
  'echo "kernel=$(uname -r)"',
  'echo "kernel_version=$(uname -v)"',
  'echo "architecture=$(uname -m)"',
  'echo "system=$(uname -s)"',
  'echo "boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)"',
  'echo "machine_id=$(cat /etc/machine-id 2>/dev/null)"',
  'echo "uptime=$(cut -d" " -f1 /proc/uptime 2>/dev/null)"',
  'if [ -r /etc/os-release ]; then (. /etc/os-release; echo "os_id=$ID"; echo "os_version=$VERSION_ID"; echo "os_codename=$VERSION_CODENAME"; echo "os_name=$NAME"; echo "os_like=$ID_LIKE"); fi',
  'if [ -r /etc/debian_version ]; then echo "debian_version=$(cat /etc/debian_version)"; fi',
  'for m in apt-get dnf yum zypper apk pacman; do if command -v $m >/dev/null 2>&1; then echo "pkg_mgr=$m"; break; fi; done',
  'if [ -d /run/systemd/system ]; then echo "service_mgr=systemd"; else echo "service_mgr=$(cat /proc/1/comm 2>/dev/null)"; fi',
  'u=$(id -un); echo "user_id=$u"; echo "user_uid=$(id -u)"; echo "user_gid=$(id -g)"',
  'getent passwd "$u" 2>/dev/null | awk -F: \'NR==1{print "user_dir=" $6; print "user_shell=" $7; print "user_gecos=" $5}\'',
  'awk \'/^(MemTotal|MemFree|SwapTotal|SwapFree):/ {sub(":", "", $1); print "mem_" $1 "=" $2}\' /proc/meminfo 2>/dev/null',
  'awk -F": *" \'/^processor/{p++} /^physical id/{s[$2]=1} /^cpu cores/{if(c=="")c=$2} /^siblings/{if(t=="")t=$2} END{n=0; for(k in s)n++; print "cpu_processors=" p+0; print "cpu_sockets=" n; print "cpu_cores=" c; print "cpu_siblings=" t}\' /proc/cpuinfo 2>/dev/null',
  'echo "cpu_nproc=$(nproc 2>/dev/null)"',
  `echo "route4=$(ip -4 route get ${DEFAULT_ROUTE_PROBES.v4} 2>/dev/null | head -n1)"`,
  `echo "route6=$(ip -6 route get ${DEFAULT_ROUTE_PROBES.v6} 2>/dev/null | head -n1)"`,
  'ip -o addr show 2>/dev/null | sed "s/^/addr=/"',
  'for d in /sys/class/net/*; do [ -e "$d/address" ] || continue; b=0; [ -d "$d/bridge" ] && b=1; echo "link=${d##*/} $(cat "$d/address" 2>/dev/null) $(cat "$d/mtu" 2>/dev/null) $(cat "$d/type" 2>/dev/null) $b"; done',
  'echo "@env"; env -0 2>/dev/null || env',
].join('\n');
