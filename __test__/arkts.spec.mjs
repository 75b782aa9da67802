// CONTRACT §1, ArkTS drop-in: run with `node --import ohos-websocket/register --import tsx`, the API
// reference's examples (examples/*.ts, ArkTS import lines unchanged) print what §2–§6 imply, against a local
// `ws` echo server, and exit. The ArkTS module names resolve for `import` and `require` alike.
import test from 'ava';
import ts from 'typescript';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { repoRoot } from './fixtures/api-reference.mjs';

const require = createRequire(import.meta.url);
const examplesDir = path.join(repoRoot, 'examples');
const tmp = path.join(repoRoot, '__test__', '.tmp', `arkts-${process.pid}`);
mkdirSync(tmp, { recursive: true });
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

// --- local servers -------------------------------------------------------------------------------------

/**
 * A `ws` echo server on 127.0.0.1, port 0. It records each handshake and message, and closes every
 * connection `closeAfterMs` after it opened (so that examples which never close still end), unless null.
 */
async function echoServer({ closeAfterMs = 300 } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const connections = [];
  const messages = [];
  wss.on('connection', (socket, request) => {
    connections.push({ headers: request.headers, remotePort: request.socket.remotePort });
    socket.on('message', (data, isBinary) => {
      messages.push(isBinary ? data : data.toString());
      socket.send(data, { binary: isBinary });
    });
    if (closeAfterMs !== null) setTimeout(() => socket.close(1000, 'done'), closeAfterMs).unref();
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${wss.address().port}`,
    port: wss.address().port,
    connections,
    messages,
    close: () => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(resolve);
    }),
  };
}

/** An HTTP CONNECT proxy on 127.0.0.1, port 0, that tunnels to 127.0.0.1 only and records what it did. */
async function connectProxy() {
  const requests = [];
  const tunnelPorts = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(405).end();
  });
  server.on('connect', (req, client, head) => {
    requests.push(`CONNECT ${req.url}`);
    const [host, port] = req.url.split(':');
    if (host !== '127.0.0.1') return client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = net.connect(Number(port), host, () => {
      tunnelPorts.push(upstream.localPort);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: server.address().port,
    requests,
    tunnelPorts,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}

// --- running node ---------------------------------------------------------------------------------------

/** The environment of a child: no proxy or allow-list settings of the host, so traffic stays local. */
function childEnv(extra) {
  const env = { ...process.env, ...extra };
  for (const name of Object.keys(env)) {
    if (/^(https?_proxy|all_proxy|no_proxy|ohos_websocket_allowed_domains|node_options)$/i.test(name)) delete env[name];
  }
  return env;
}

// Two cores: run at most two node processes at a time.
let running = 0;
const waiting = [];
async function limited(fn) {
  if (running >= 2) await new Promise((resolve) => waiting.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Runs `node ...args`; resolves to `{ code, signal, stdout, stderr, timedOut }`. */
function node(args, { cwd = repoRoot, env = {}, timeoutMs = 20_000 } = {}) {
  return limited(
    () =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout, stderr, timedOut });
        });
      }),
  );
}

/** `node --import ohos-websocket/register --import tsx <file>`, as docs/porting-arkts.md says to run ported code. */
const runArkTs = (file, options) => node(['--import', 'ohos-websocket/register', '--import', 'tsx', file], options);

/** Printed lines, with a trailing JSON object rewritten with sorted keys, so that key order does not matter. */
function lines(stdout) {
  const out = stdout.split('\n');
  if (out.at(-1) === '') out.pop();
  return out.map((line) =>
    line.replace(/\{.*\}$/, (json) => {
      try {
        return JSON.stringify(sortKeys(JSON.parse(json)));
      } catch {
        return json;
      }
    }),
  );
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
}

/** Asserts a clean exit: on its own (the event loop emptied), code 0, nothing on stderr. */
function assertExited(t, result) {
  t.false(result.timedOut, `the process did not exit on its own\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  t.is(result.code, 0, `exit code ${result.code}\nstderr:\n${result.stderr}`);
  t.is(result.stderr, '');
}

// --- the API reference's examples ----------------------------------------------------------------------

const OPEN = 'on open, status:101, message:Switching Protocols';
const NO_SESSION = { code: 2302999, message: 'Websocket other unknown error.' };

/**
 * What each example prints (CONTRACT §2–§6), and how many handshakes / which messages the server sees.
 * Examples that only register or remove listeners print nothing and, with no connection, exit at once.
 */
const expectations = {
  // connect with options → connect settles → close() before 'open' → the attempt ends with 'close' (§6),
  // with the code and reason we sent; no 'open', hence no send.
  overview: { output: ['connect success', 'close success', 'on close, code is 1000, reason is '] },
  createWebSocket: { output: [], handshakes: 0 },
  'connect-callback': { output: ['connect success'], handshakes: 1 },
  // `options` is still undefined: connects as if no options were given (§1, §2).
  'connect-options-callback': { output: ['connect success'], handshakes: 1 },
  'connect-promise': { output: ['connect success'], handshakes: 1 },
  // connect settles, then 'open' (§3); send resolves once queued (§5).
  'send-callback': { output: ['connect success', OPEN, 'send success'], handshakes: 1, messages: ['Hello, server!'] },
  'send-promise': { output: ['connect success', OPEN, 'send success'], handshakes: 1, messages: ['Hello, server!'] },
  // close without a session: 2302999 (§6); explicit undefined options count as none (§2).
  'close-callback': { output: [`close fail, err is ${JSON.stringify(NO_SESSION)}`], handshakes: 0 },
  'close-options-callback': { output: [`close fail, err is ${JSON.stringify(NO_SESSION)}`], handshakes: 0 },
  'close-promise': { output: [`close fail, err is ${JSON.stringify(NO_SESSION)}`], handshakes: 0 },
};
for (const slug of ['open', 'message', 'close', 'error', 'dataEnd', 'headerReceive']) {
  expectations[`on-${slug}`] = { output: [], handshakes: 0 };
  expectations[`off-${slug}`] = { output: [], handshakes: 0 };
}

const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();

test('every example in examples/ has an expected output here', (t) => {
  t.deepEqual(examples.filter((slug) => !(slug in expectations)), []);
});

for (const slug of examples.filter((s) => s !== 'overview')) {
  const expected = expectations[slug];
  if (!expected) continue;
  test(`example ${slug}.ts prints ${expected.output.length ? JSON.stringify(expected.output) : 'nothing'} and exits`, async (t) => {
    const server = await echoServer();
    try {
      const result = await runArkTs(path.join(examplesDir, `${slug}.ts`), { env: { WS_URL: server.url } });
      t.deepEqual(lines(result.stdout), lines(expected.output.map((l) => `${l}\n`).join('')));
      assertExited(t, result);
      if (expected.handshakes !== undefined) t.is(server.connections.length, expected.handshakes, 'handshakes seen by the server');
      if (expected.messages !== undefined) t.deepEqual(server.messages, expected.messages, 'messages seen by the server');
      if (slug === 'connect-options-callback') t.is(server.connections[0]?.headers.name1, undefined, 'undefined options send no headers');
    } finally {
      await server.close();
    }
  });
}

test('example overview.ts prints what its connect-then-close implies and tunnels only through its proxy', async (t) => {
  const server = await echoServer();
  const proxy = await connectProxy();
  try {
    const result = await runArkTs(path.join(examplesDir, 'overview.ts'), {
      env: { WS_URL: server.url, WS_PROXY_HOST: proxy.host, WS_PROXY_PORT: String(proxy.port) },
    });
    t.deepEqual(lines(result.stdout), expectations.overview.output);
    assertExited(t, result);
    // close() right after connect may abort the attempt before the proxy is reached; whatever got through
    // must have gone through the proxy's tunnel, with the example's headers and subprotocol (§3, §7).
    t.true(proxy.requests.every((r) => r === `CONNECT 127.0.0.1:${server.port}`), proxy.requests.join(', '));
    for (const connection of server.connections) {
      t.true(proxy.tunnelPorts.includes(connection.remotePort), 'a handshake bypassed the proxy');
      t.like(connection.headers, { name1: 'value1', name2: 'value2', name3: 'value3', 'sec-websocket-protocol': 'my-protocol' });
    }
    t.log(`proxy: ${proxy.requests.length} CONNECT, server: ${server.connections.length} handshake(s)`);
  } finally {
    await Promise.all([server.close(), proxy.close()]);
  }
});

test('an example runs as an ES module too (.mts: the import hook, not the require patch)', async (t) => {
  const file = path.join(tmp, 'send-callback.mts');
  copyFileSync(path.join(examplesDir, 'send-callback.ts'), file);
  const server = await echoServer();
  try {
    const result = await runArkTs(file, { env: { WS_URL: server.url } });
    t.deepEqual(lines(result.stdout), expectations['send-callback'].output);
    assertExited(t, result);
    t.deepEqual(server.messages, ['Hello, server!']);
  } finally {
    await server.close();
  }
});

// --- module resolution ----------------------------------------------------------------------------------

const PROBE = `
  const pkg = load('ohos-websocket');
  const kit = load('@kit.NetworkKit');
  const ohos = load('@ohos.net.webSocket');
  const basic = load('@kit.BasicServicesKit');
  const base = load('@ohos.base');
  console.log(JSON.stringify({
    kitWebSocket: kit.webSocket === pkg.webSocket,
    kitNames: Object.keys(kit).filter((k) => k !== 'default').sort(),
    kitCreate: kit.createWebSocket === pkg.webSocket.createWebSocket,
    ohosDefault: ohos.default === pkg.webSocket,
    ohosCreate: ohos.createWebSocket === pkg.webSocket.createWebSocket,
    ohosServer: ohos.createWebSocketServer === pkg.webSocket.createWebSocketServer,
    ohosTls: ohos.TlsProtocol,
    businessError: typeof basic.BusinessError,
    sameBusinessError: base.BusinessError === basic.BusinessError,
    client: typeof kit.webSocket.createWebSocket().connect,
  }));
`;
const PROBE_RESULT = {
  kitWebSocket: true,
  kitNames: ['TlsProtocol', 'createWebSocket', 'createWebSocketServer', 'webSocket'],
  kitCreate: true,
  ohosDefault: true,
  ohosCreate: true,
  ohosServer: true,
  ohosTls: { TLS_V_1_0: 0, TLS_V_1_1: 1, TLS_V_1_2: 2, TLS_V_1_3: 3 },
  businessError: 'function',
  sameBusinessError: true,
  client: 'function',
};

test('CommonJS: require() of @kit.NetworkKit, @ohos.net.webSocket, @kit.BasicServicesKit under the hook', async (t) => {
  const file = path.join(tmp, 'probe.cjs');
  writeFileSync(file, `const load = require;\n${PROBE}`);
  const result = await node(['--import', 'ohos-websocket/register', file]);
  assertExited(t, result);
  t.deepEqual(JSON.parse(result.stdout), PROBE_RESULT);
});

test('ESM: import of @kit.NetworkKit, @ohos.net.webSocket (default + named), @kit.BasicServicesKit under the hook', async (t) => {
  const file = path.join(tmp, 'probe.mjs');
  const specifiers = ['ohos-websocket', '@kit.NetworkKit', '@ohos.net.webSocket', '@kit.BasicServicesKit', '@ohos.base'];
  writeFileSync(
    file,
    specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n') +
      `\nconst modules = { ${specifiers.map((s, i) => `'${s}': m${i}`).join(', ')} };` +
      `\nconst load = (s) => modules[s];` +
      `\n${PROBE}`,
  );
  const result = await node(['--import', 'ohos-websocket/register', file]);
  assertExited(t, result);
  t.deepEqual(JSON.parse(result.stdout), PROBE_RESULT);
});

test('TypeScript compiled to CommonJS: `import webSocket from "@ohos.net.webSocket"` reads .default', async (t) => {
  // What tsc emits for a default import without esModuleInterop, and with it (__importDefault).
  const file = path.join(tmp, 'default-import.cjs');
  writeFileSync(
    file,
    `const plain = require('@ohos.net.webSocket').default;
const interop = ((m) => (m && m.__esModule ? m : { default: m }))(require('@ohos.net.webSocket')).default;
console.log(JSON.stringify([typeof plain.createWebSocket, typeof interop.createWebSocket, plain === interop]));`,
  );
  const result = await node(['--import', 'ohos-websocket/register', file]);
  assertExited(t, result);
  t.deepEqual(JSON.parse(result.stdout), ['function', 'function', true]);
});

test('without the hook the ArkTS module names do not resolve (it is the hook that makes them work)', async (t) => {
  const file = path.join(tmp, 'no-hook.mjs');
  writeFileSync(file, "import { webSocket } from '@kit.NetworkKit';\nconsole.log(typeof webSocket);\n");
  const result = await node([file]);
  t.not(result.code, 0);
  t.is(result.stdout, '');
});

test('an application with ohos-websocket in node_modules runs ported ArkTS code with the documented command', async (t) => {
  // The layout of a user's project; the package is linked, as `npm link` or a workspace would.
  const app = path.join(tmp, 'app');
  mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  symlinkSync(repoRoot, path.join(app, 'node_modules', 'ohos-websocket'), 'dir');
  symlinkSync(path.join(repoRoot, 'node_modules', 'tsx'), path.join(app, 'node_modules', 'tsx'), 'dir');
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'arkts-app', private: true }));
  writeFileSync(
    path.join(app, 'app.ts'),
    `import { webSocket } from '@kit.NetworkKit';
import { BusinessError } from '@kit.BasicServicesKit';
import ohosWebSocket from '@ohos.net.webSocket';

let ws: webSocket.WebSocket = ohosWebSocket.createWebSocket();
ws.on('open', (err: BusinessError, value: Object) => {
  ws.send("ping");
});
ws.on('message', (err: BusinessError, value: string | ArrayBuffer) => {
  console.log("message " + value);
  ws.close({ code: 4000, reason: "done" });
});
ws.on('close', (err: BusinessError, value: webSocket.CloseResult) => {
  console.log("close " + value.code + " " + value.reason);
});
ws.connect(process.env.WS_URL ?? "ws://");
`,
  );
  const server = await echoServer({ closeAfterMs: null });
  try {
    const result = await runArkTs('app.ts', { cwd: app, env: { WS_URL: server.url } });
    t.deepEqual(lines(result.stdout), ['message ping', 'close 4000 done']);
    assertExited(t, result);
  } finally {
    await server.close();
  }
});

// --- index.d.ts against the runtime ---------------------------------------------------------------------

/** Names of the members of an interface of `webSocket` in index.d.ts. */
function declaredMembers(interfaceName) {
  const file = path.join(repoRoot, 'index.d.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const names = new Set();
  const visit = (node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === interfaceName && ts.isModuleBlock(node.parent)) {
      for (const member of node.members) if (member.name) names.add(member.name.getText());
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...names].sort();
}

test('the runtime has every method index.d.ts declares on WebSocket and WebSocketServer', (t) => {
  if (!existsSync(path.join(repoRoot, 'index.js'))) return t.fail('index.js is missing: the runtime is not built');
  const { webSocket } = require('ohos-websocket');
  const client = webSocket.createWebSocket();
  const server = webSocket.createWebSocketServer();
  const clientMethods = declaredMembers('WebSocket');
  const serverMethods = declaredMembers('WebSocketServer');
  t.true(clientMethods.length >= 19 && serverMethods.length >= 15, 'the declarations were not found');
  t.deepEqual(clientMethods.filter((name) => typeof client[name] !== 'function'), []);
  t.deepEqual(serverMethods.filter((name) => typeof server[name] !== 'function'), []);
});

test('the runtime exports what index.d.ts declares, the default export included', async (t) => {
  if (!existsSync(path.join(repoRoot, 'index.js'))) return t.fail('index.js is missing: the runtime is not built');
  const cjs = require('ohos-websocket');
  const esm = await import('ohos-websocket');
  const { webSocket } = cjs;
  t.deepEqual(Object.keys(webSocket).sort(), ['TlsProtocol', 'createWebSocket', 'createWebSocketServer']);
  t.deepEqual({ ...webSocket.TlsProtocol }, { TLS_V_1_0: 0, TLS_V_1_1: 1, TLS_V_1_2: 2, TLS_V_1_3: 3 });
  for (const name of ['createWebSocket', 'createWebSocketServer', 'TlsProtocol']) {
    t.is(cjs[name], webSocket[name], `require: ${name}`);
    t.is(esm[name], webSocket[name], `import: ${name}`);
  }
  t.is(esm.webSocket, webSocket);
  t.is(esm.default, webSocket, 'import: default');
  // index.d.ts serves `require` too, so TypeScript's CommonJS output of `import webSocket from
  // 'ohos-websocket'` reads `require('ohos-websocket').default`.
  t.is(cjs.default, webSocket, 'require: .default, which index.d.ts declares');
});
