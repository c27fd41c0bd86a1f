import { expect } from 'chai';
import { parse } from 'yaml';
import { ConfigError } from '../../../src/errors.js';
import { bootArgv, bootScript, overlaySafe } from '../../../src/lab/boot.js';
import { shellQuote } from '../../../src/util/shell.js';
import { cgroup2MountPoint } from '../../../src/lab/cgroup.js';
import { renderInventory, renderKnownHosts } from '../../../src/lab/inventory.js';
import { hostNames, hostPaths, labIdFor, labPaths, planHosts } from '../../../src/lab/layout.js';
import { mountsUnder } from '../../../src/lab/mounts.js';
import { assertLabSupported, labUnsupportedReason } from '../../../src/lab/platform.js';
import { hostsFile } from '../../../src/lab/provision.js';
import { stampMatches, wantedStamp } from '../../../src/lab/rootfs.js';
import { parseDeb822Sources, parseOneLineSources, pickMirror } from '../../../src/lab/sources.js';
import { chooseSubnet, hostAddress, overlaps, parseCidr, usedNetworks } from '../../../src/lab/subnet.js';

describe('lab: subnet choice', () => {
  it('reads addresses and routes, leaving default routes out', () => {
    const addrs = '1: lo    inet 127.0.0.1/8 scope host lo\n4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\n';
    const routes = 'default via 192.0.2.1 dev eth0\n10.213.5.0/24 dev br0 proto kernel\nlocal 10.99.0.1 dev x table local\n';
    const used = usedNetworks(addrs, routes).map((c) => `${c.network}/${c.prefix}`);
    expect(used).to.have.length(4);
    expect(used).to.not.include('0/0');
  });

  it('skips /24s that overlap anything in use, including wider routes', () => {
    const used = [parseCidr('10.213.7.0/24')!, parseCidr('10.213.8.128/25')!];
    expect(chooseSubnet(used, 7)?.cidr).to.equal('10.213.9.0/24');
    expect(chooseSubnet([parseCidr('10.213.0.0/16')!], 0)).to.equal(null);
    expect(chooseSubnet([parseCidr('10.0.0.0/8')!], 3)).to.equal(null);
  });

  it('wraps around past 255 and numbers hosts from .11', () => {
    expect(chooseSubnet([parseCidr('10.213.255.0/24')!], 255)?.cidr).to.equal('10.213.0.0/24');
    expect(hostAddress('10.213.9', 0)).to.equal('10.213.9.11');
    expect(overlaps(parseCidr('10.213.9.77')!, parseCidr('10.213.9.0/24')!)).to.equal(true);
    expect(parseCidr('10.213.300.0/24')).to.equal(null);
  });
});

describe('lab: mirror from apt sources', () => {
  it('takes the URI serving the exact suite from deb822, skipping disabled and deb-src stanzas', () => {
    const text = [
      'Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n',
      'Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n',
      'Types: deb\n# comment\nURIs: http://deb.debian.org/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n',
      'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n',
    ].join('\n');
    expect(pickMirror(parseDeb822Sources(text, 'debian.sources'), 'bookworm')).to.equal('http://deb.debian.org/debian');
  });

  it('reads one-line sources with options and ignores other suites', () => {
    const text = 'deb [arch=amd64 signed-by=/k.gpg] https://packages.example/apt cloud-sdk main\n# deb http://x/debian bookworm main\ndeb http://mirror.example/debian bookworm main\n';
    expect(pickMirror(parseOneLineSources(text, 'sources.list'), 'bookworm')).to.equal('http://mirror.example/debian');
    expect(pickMirror(parseOneLineSources(text, 'sources.list'), 'trixie')).to.equal(null);
  });
});

describe('lab: names and layout', () => {
  it('derives a stable short id and interface names that fit 15 characters', () => {
    const id = labIdFor('/var/lib/drydock/lab');
    expect(id).to.match(/^[0-9a-f]{6}$/).and.equal(labIdFor('/var/lib/drydock/lab'));
    expect(labIdFor('/tmp/other')).to.not.equal(id);
    const hosts = planHosts(3, 3);
    expect(hosts.map((h) => h.name)).to.deep.equal(['cp1', 'cp2', 'cp3', 'worker1', 'worker2', 'worker3']);
    expect(hosts.map((h) => h.index)).to.deep.equal([0, 1, 2, 3, 4, 5]);
    const names = hostNames(id, { name: 'worker199', role: 'worker', index: 199 });
    expect(names.vethOuter.length).to.be.at.most(15);
  });

  it('moves the control socket out of a state folder too long for a Unix socket path', () => {
    const long = `/tmp/${'x'.repeat(120)}`;
    expect(labPaths(long, 'abc123').controlSocket).to.equal('/tmp/drydock-lab-abc123.sock');
    expect(labPaths('/tmp/lab', 'abc123').controlSocket).to.equal('/tmp/lab/supervisor.sock');
    expect(hostPaths(labPaths('/tmp/lab', 'abc123'), 'cp1').upper).to.equal('/tmp/lab/hosts/cp1/upper');
  });
});

describe('lab: boot script', () => {
  const spec = {
    hostname: 'cp1', lowerDir: '/cache/rootfs', netnsPath: '/run/netns/drydock-abc-cp1', cgroup: '/sys/fs/cgroup/drydock-lab-abc/cp1',
    paths: hostPaths(labPaths('/state', 'abc'), 'cp1'),
  };

  it('gives the host its own overlay, read-only /sys, rw cgroup2, tmpfs /run, a null console and a boot id', () => {
    const script = bootScript(spec);
    expect(script).to.include('lowerdir=/cache/rootfs,upperdir=/state/hosts/cp1/upper,workdir=/state/hosts/cp1/work');
    expect(script).to.match(/mount -t sysfs -o ro\b/);
    expect(script).to.match(/mount -t cgroup2 -o rw\b.* \/state\/hosts\/cp1\/merged\/sys\/fs\/cgroup/);
    expect(script).to.include('mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /state/hosts/cp1/merged/run');
    expect(script).to.include('mount --bind /dev/null /state/hosts/cp1/merged/dev/console');
    expect(script).to.include('mount --bind /state/hosts/cp1/boot_id /state/hosts/cp1/merged/proc/sys/kernel/random/boot_id');
    expect(script).to.include('newinstance');
    expect(script).to.include('container=drydock /lib/systemd/systemd');
    // The boot id bind must come after /proc/sys is re-bound read-only, or that bind would hide it.
    expect(script.indexOf('random/boot_id')).to.be.greaterThan(script.indexOf('remount,bind,ro /state/hosts/cp1/merged/proc/sys'));
  });

  it('joins the cgroup before unsharing the cgroup namespace, and the netns by path', () => {
    const { command, args } = bootArgv(spec);
    expect(command).to.equal('sh');
    expect(args[1]).to.match(/cgroup\.procs.*nsenter --net=.*unshare --mount --uts --ipc --pid --cgroup --fork/);
    expect(args.slice(3, 5)).to.deep.equal([spec.cgroup, spec.netnsPath]);
  });

  it('quotes words for the shell and refuses overlay-unsafe paths', () => {
    expect(shellQuote('/plain/path')).to.equal('/plain/path');
    expect(shellQuote("it's")).to.equal(`'it'"'"'s'`);
    expect(overlaySafe('/var/lib/drydock/lab')).to.equal(true);
    expect(overlaySafe('/tmp/a,b')).to.equal(false);
    expect(overlaySafe('/tmp/a:b')).to.equal(false);
  });
});

describe('lab: inventory and known_hosts', () => {
  const hosts = [
    { name: 'cp1', role: 'control_plane' as const, address: '10.213.9.11' },
    { name: 'worker1', role: 'worker' as const, address: '10.213.9.12' },
  ];

  it('groups control planes, workers and etcd (= control planes) with root, key and strict known_hosts', () => {
    const inv = parse(renderInventory(hosts, { clientKey: '/s/id_ed25519', knownHosts: '/s/known_hosts' }));
    expect(inv.all.vars.ansible_user).to.equal('root');
    expect(inv.all.vars.ansible_ssh_private_key_file).to.equal('/s/id_ed25519');
    expect(inv.all.vars.ansible_ssh_common_args).to.include('-o UserKnownHostsFile=/s/known_hosts');
    expect(inv.all.children.control_plane.hosts).to.deep.equal({ cp1: { ansible_host: '10.213.9.11' } });
    expect(inv.all.children.workers.hosts).to.deep.equal({ worker1: { ansible_host: '10.213.9.12' } });
    expect(Object.keys(inv.all.children.etcd.hosts)).to.deep.equal(['cp1']);
  });

  it('writes one line per host key under both the name and the address', () => {
    const text = renderKnownHosts([{ name: 'cp1', address: '10.213.9.11', publicKeys: ['ssh-ed25519 AAAAkey root@cp1\n', 'garbage'] }]);
    expect(text).to.equal('cp1,10.213.9.11 ssh-ed25519 AAAAkey\n');
  });

  it('lists every lab host in each host\'s /etc/hosts, after localhost', () => {
    const text = hostsFile('cp1', hosts);
    expect(text.split('\n')[0]).to.equal('127.0.0.1\tlocalhost');
    expect(text).to.include('127.0.1.1\tcp1').and.include('10.213.9.12\tworker1');
  });
});

describe('lab: machine facts', () => {
  it('finds cgroup2 whether unified or hybrid', () => {
    const hybrid = 'tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n';
    expect(cgroup2MountPoint(hybrid)).to.equal('/sys/fs/cgroup/unified');
    expect(cgroup2MountPoint('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n')).to.equal('/sys/fs/cgroup');
    expect(cgroup2MountPoint('proc /proc proc rw 0 0\n')).to.equal(null);
  });

  it('lists mounts under a state folder deepest first, not its siblings', () => {
    const mounts = 'overlay /s/lab/hosts/cp1/merged overlay rw 0 0\nproc /s/lab/hosts/cp1/merged/proc proc rw 0 0\ntmpfs /s/lab2 tmpfs rw 0 0\nx /s/lab\\040x y rw 0 0\n';
    expect(mountsUnder('/s/lab', mounts)).to.deep.equal(['/s/lab/hosts/cp1/merged/proc', '/s/lab/hosts/cp1/merged']);
  });

  it('reuses a cached root only when packages and recipe match, whatever the mirror', () => {
    const wanted = wantedStamp('http://a/debian');
    expect(stampMatches({ ...wantedStamp('http://b/debian'), builtAt: 'x' }, wanted)).to.equal(true);
    expect(stampMatches({ ...wanted, packages: wanted.packages.slice(1) }, wanted)).to.equal(false);
    expect(stampMatches({ ...wanted, recipe: 0 }, wanted)).to.equal(false);
    expect(stampMatches(null, wanted)).to.equal(false);
  });

  it('carries no etcd tool in the image, and rebuilds a root cached with Debian\'s etcd packages', () => {
    const wanted = wantedStamp('http://a/debian');
    expect(wanted.packages.filter((p) => p.startsWith('etcd'))).to.deep.equal([]);
    const withEtcd = [...wanted.packages, 'etcd-client', 'etcd-server'].sort();
    expect(stampMatches({ ...wanted, packages: withEtcd, builtAt: 'x' }, wanted)).to.equal(false);
  });

  it('says plainly why the lab cannot run on other systems or without root', () => {
    expect(labUnsupportedReason({ platform: 'darwin', uid: 0 })).to.match(/needs Linux/);
    expect(labUnsupportedReason({ platform: 'linux', uid: 1000 })).to.match(/needs root/);
    expect(labUnsupportedReason({ platform: 'linux', uid: 0 })).to.equal(null);
    expect(() => assertLabSupported({ platform: 'win32', uid: undefined })).to.throw(ConfigError);
  });
});
