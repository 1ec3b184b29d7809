/**
 * Small programs the lab runs with `node -e` inside a namespace. They are fixed text; every
 * variable input arrives as argv, validated by the caller.
 */

/** argv: JSON list of {proto:'tcp'|'udp', port}. Listens on :: (dual-stack); UDP echoes. */
export const SERVER = `
const net = require('node:net'), dgram = require('node:dgram');
for (const { proto, port } of JSON.parse(process.argv[1])) {
  if (proto === 'tcp') net.createServer((s) => { s.on('error', () => {}); s.end('ok\\n'); }).listen({ port, host: '::', ipv6Only: false });
  else { const u = dgram.createSocket({ type: 'udp6', ipv6Only: false }); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(port, '::'); }
}
setTimeout(() => process.stdout.write('ready\\n'), 50);
`;

/** argv: JSON list of {proto, addr, port, timeoutMs, src?}. Prints a JSON list of verdicts. */
export const CLIENT = `
const net = require('node:net'), dgram = require('node:dgram');
const probe = ({ proto, addr, port, timeoutMs, src }) => new Promise((done) => {
  const finish = (v, close) => { clearTimeout(t); close(); done(v); };
  let t;
  if (proto === 'tcp') {
    const s = net.connect(src ? { host: addr, port, localAddress: src } : { host: addr, port });
    t = setTimeout(() => finish('timeout', () => s.destroy()), timeoutMs);
    s.on('connect', () => finish('open', () => s.destroy()));
    s.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'refused' : 'error:' + e.code, () => s.destroy()));
  } else {
    const u = dgram.createSocket(addr.includes(':') ? 'udp6' : 'udp4');
    t = setTimeout(() => finish('timeout', () => u.close()), timeoutMs);
    u.on('message', () => finish('open', () => u.close()));
    u.on('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'error:' + e.code, () => u.close()));
    const go = () => u.connect(port, addr, () => u.send('probe'));
    if (src) u.bind({ address: src }, go); else go();
  }
});
Promise.all(JSON.parse(process.argv[1]).map(probe)).then((r) => process.stdout.write(JSON.stringify(r)));
`;
