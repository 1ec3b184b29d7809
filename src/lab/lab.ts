import { spawn, type ChildProcess } from 'node:child_process';
import { SpawnExec, type ExecResult } from '../apply/exec.js';
import { CLIENT, SERVER } from './agent.js';
import { removeSync, sweep, track, untrack } from './cleanup.js';
import type { LabGuestSpec, LabSpec, Probe, TcpVerdict } from './types.js';

export class LabError extends Error {
  constructor(
    readonly code: 'E_LAB_CMD' | 'E_LAB_SPEC' | 'E_LAB_AGENT',
    message: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'LabError';
  }
}

const PORT_NAME = /^[a-z][a-z0-9]{1,14}$/;

export function portName(g: Pick<LabGuestSpec, 'vmid' | 'type' | 'nic'>): string {
  return `${g.type === 'qemu' ? 'tap' : 'veth'}${g.vmid}i${g.nic ?? 0}`;
}

/**
 * A hypervisor-like topology in network namespaces: `<prefix>h` holds the bridges and the guest
 * ports (named like Proxmox taps), each guest NIC lives in `<prefix>g<vmid>` (as eth<nic>), and
 * `<prefix>out` sits behind the uplink port. Always dispose() it; exit and SIGINT are covered too.
 */
export class Lab {
  readonly host: string;
  readonly outside: string | undefined;
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  private constructor(readonly spec: LabSpec) {
    this.host = `${spec.prefix}h`;
    this.outside = spec.outside ? `${spec.prefix}out` : undefined;
  }

  static async create(spec: LabSpec): Promise<Lab> {
    sweep(spec.prefix);
    const lab = new Lab(spec);
    try {
      await lab.build();
    } catch (e) {
      await lab.dispose();
      throw e;
    }
    return lab;
  }

  guestNs(vmid: number): string {
    return `${this.spec.prefix}g${vmid}`;
  }

  /** An Exec bound to a namespace (for NftApplier, probes, sysctl). */
  execIn(ns: string): SpawnExec {
    return new SpawnExec({ netns: ns });
  }

  async run(ns: string, cmd: string, args: string[], stdin?: string): Promise<ExecResult> {
    return this.execIn(ns).run(cmd, args, stdin);
  }

  private async ip(...args: string[]): Promise<void> {
    const r = await new SpawnExec().run('ip', args);
    if (r.exitCode !== 0) throw new LabError('E_LAB_CMD', `ip ${args.join(' ')}: ${r.stderr.trim()}`, r.stderr);
  }

  private async addNs(ns: string): Promise<void> {
    await this.ip('netns', 'add', ns);
    this.namespaces.push(ns);
    track(ns);
    await this.ip('-n', ns, 'link', 'set', 'lo', 'up');
  }

  private async build(): Promise<void> {
    const { spec } = this;
    await this.addNs(this.host);
    for (const b of spec.bridges) {
      await this.ip('-n', this.host, 'link', 'add', b.name, 'type', 'bridge');
      await this.ip('-n', this.host, 'link', 'set', b.name, 'up');
      if (b.ipv4) await this.ip('-n', this.host, 'addr', 'add', b.ipv4, 'dev', b.name);
      if (b.ipv6) await this.ip('-n', this.host, 'addr', 'add', b.ipv6, 'dev', b.name, 'nodad');
    }
    for (const g of spec.guests) {
      const port = portName(g);
      if (!PORT_NAME.test(port)) throw new LabError('E_LAB_SPEC', `bad port name ${port}`);
      const ns = this.guestNs(g.vmid);
      if (!this.namespaces.includes(ns)) await this.addNs(ns);
      await this.attach(port, ns, `eth${g.nic ?? 0}`, g.bridge, g);
    }
    if (spec.outside && this.outside) {
      await this.addNs(this.outside);
      await this.attach(spec.outside.uplink ?? 'eth0', this.outside, 'eth0', spec.outside.bridge, spec.outside);
    }
  }

  private async attach(
    port: string,
    ns: string,
    inner: string,
    bridge: string,
    a: { mac?: string; ipv4?: string; ipv6?: string; gateway4?: string; gateway6?: string },
  ): Promise<void> {
    await this.ip('-n', this.host, 'link', 'add', port, 'type', 'veth', 'peer', 'name', inner, 'netns', ns);
    await this.ip('-n', this.host, 'link', 'set', port, 'master', bridge, 'up');
    if (a.mac) await this.ip('-n', ns, 'link', 'set', inner, 'address', a.mac);
    await this.ip('-n', ns, 'link', 'set', inner, 'up');
    if (a.ipv4) await this.ip('-n', ns, 'addr', 'add', a.ipv4, 'dev', inner);
    if (a.ipv6) await this.ip('-n', ns, 'addr', 'add', a.ipv6, 'dev', inner, 'nodad');
    if (a.gateway4) await this.ip('-n', ns, 'route', 'add', 'default', 'via', a.gateway4);
    if (a.gateway6) await this.ip('-n', ns, '-6', 'route', 'add', 'default', 'via', a.gateway6);
  }

  /** Start TCP listeners and UDP echo servers (dual-stack) in a namespace; resolves when ready. */
  async listen(ns: string, ports: { proto: 'tcp' | 'udp'; port: number }[]): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER, JSON.stringify(ports)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new LabError('E_LAB_AGENT', `listener in ${ns} exited (${code})`, err)));
    });
  }

  /** Run many TCP/UDP probes from one namespace concurrently (one process). */
  async probe(ns: string, probes: Probe[]): Promise<TcpVerdict[]> {
    const list = probes.map((p) => ({ ...p, timeoutMs: p.timeoutMs ?? 1000 }));
    const r = await this.run(ns, process.execPath, ['-e', CLIENT, JSON.stringify(list)]);
    if (r.exitCode !== 0) throw new LabError('E_LAB_AGENT', `probe in ${ns} failed`, r.stderr);
    return JSON.parse(r.stdout) as TcpVerdict[];
  }

  async tcp(ns: string, addr: string, port: number, timeoutMs = 1000): Promise<TcpVerdict> {
    return (await this.probe(ns, [{ proto: 'tcp', addr, port, timeoutMs }]))[0] as TcpVerdict;
  }

  async udp(ns: string, addr: string, port: number, timeoutMs = 1000): Promise<TcpVerdict> {
    return (await this.probe(ns, [{ proto: 'udp', addr, port, timeoutMs }]))[0] as TcpVerdict;
  }

  /** One ICMP/ICMPv6 echo; true when answered. */
  async ping(ns: string, addr: string, timeoutSec = 1): Promise<boolean> {
    const r = await this.run(ns, 'ping', ['-n', '-q', '-c', '1', '-W', String(timeoutSec), addr]);
    return r.exitCode === 0;
  }

  async dispose(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
    this.children.length = 0;
    for (const ns of this.namespaces.reverse()) {
      removeSync(ns);
      untrack(ns);
    }
    this.namespaces.length = 0;
  }
}
