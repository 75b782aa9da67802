// CONTRACT §7 (proxy), §3 (401 for bad proxy arguments), §4 ('error' data = the proxy's status):
// a real HTTP CONNECT proxy (the npm `proxy` package) started by each test, which records every
// CONNECT it receives, so that a test can tell a tunnelled connection from a direct one.
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import test from 'ava'
import { createProxy } from 'proxy'

import { makeCerts, startWssServer } from './helpers/certs.mjs'
import { ROOT, runNode } from './helpers/child.mjs'
import { assertRejects, describe, newClient, OPEN_PAYLOAD } from './helpers/events.mjs'
import { closedPort, delay, startWsServer } from './helpers/servers.mjs'

let certs
test.before(() => {
  certs = makeCerts(null)
})
test.after.always(() => certs?.remove())

const USER = 'proxy-user'
const PASSWORD = 'p@ss:w0rd'
const basic = (user, password) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')

/**
 * Starts an HTTP CONNECT proxy on `host`, port 0. `auth: true` requires Basic USER/PASSWORD
 * (407 otherwise); `status` makes it refuse every CONNECT with that status instead of tunnelling.
 * Returns `{host, port, connects, connections, close()}`: `connects` = `{target, auth}` of every
 * CONNECT request (`auth` = its Proxy-Authorization), `connections` = TCP connections accepted.
 */
async function startProxy(t, { auth = false, status, host = '127.0.0.1' } = {}) {
  const server = http.createServer()
  if (status) {
    server.on('connect', (req, socket) => {
      socket.on('error', () => {})
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
    })
  } else {
    createProxy(server)
    if (auth) server.authenticate = (req) => req.headers['proxy-authorization'] === basic(USER, PASSWORD)
  }
  const proxy = { host, port: 0, connects: [], connections: 0, close }
  // Registered after the proxy's own listener: it only records.
  server.on('connect', (req) => proxy.connects.push({ target: req.url, auth: req.headers['proxy-authorization'] }))
  const sockets = new Set()
  server.on('connection', (s) => {
    proxy.connections++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  proxy.port = server.address().port
  let closed = false
  async function close() {
    if (closed) return
    closed = true
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(() => resolve()))
  }
  t.teardown(close)
  return proxy
}

const viaProxy = (proxy, extra = {}) => ({ proxy: { host: proxy.host, port: proxy.port, exclusionList: [], ...extra } })

/** Connects and expects 'open' and an exact echo. */
async function expectOpen(t, url, options) {
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(url, options), true, 'connect resolves true')
  t.deepEqual(await rec.until('open'), OPEN_PAYLOAD)
  await ws.send('through the tunnel?')
  t.is(await rec.until('message'), 'through the tunnel?')
  t.is(rec.count('error'), 0)
  return { ws, rec }
}

/** Connects and expects exactly one 'error' {200, data} and no other event. */
async function expectError(t, url, options, data) {
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(url, options), true, 'connect resolves true')
  const err = await rec.until('error', { timeout: 8000 })
  t.is(err.code, 200)
  t.is(err.data, data)
  t.is(typeof err.message, 'string')
  await delay(300)
  t.deepEqual(rec.types(), ['error'], `only one 'error'; got ${describe(rec.events)}`)
  return err
}

// ---------------------------------------------------------------------------------------------
// HttpProxy: the CONNECT tunnel
// ---------------------------------------------------------------------------------------------

test('ws:// through an HttpProxy: one CONNECT to the server, then the upgrade inside the tunnel', async (t) => {
  const proxy = await startProxy(t)
  const server = await startWsServer(t)
  await expectOpen(t, server.url('/tunnel?q=1'), viaProxy(proxy))
  t.deepEqual(proxy.connects, [{ target: `127.0.0.1:${server.port}`, auth: undefined }])
  t.is(proxy.connections, 1)
  t.is(server.upgrades.length, 1)
  t.is(server.upgrades[0].url, '/tunnel?q=1')
  t.is(server.upgrades[0].headers.host, `127.0.0.1:${server.port}`)
})

test('wss:// through an HttpProxy (caPath): TLS runs end to end inside the tunnel', async (t) => {
  const proxy = await startProxy(t)
  const server = await startWssServer(t, certs.server)
  await expectOpen(t, server.url('/secure'), { caPath: certs.ca, ...viaProxy(proxy) })
  t.deepEqual(proxy.connects, [{ target: `127.0.0.1:${server.port}`, auth: undefined }])
  t.is(server.connections.length, 1)
  t.is(server.connections[0].path, '/secure')
})

test('the CONNECT names the URL host (a host name is resolved by the proxy side)', async (t) => {
  const proxy = await startProxy(t)
  const server = await startWssServer(t, certs.server)
  await expectOpen(t, server.url('/named', 'localhost'), { caPath: certs.ca, ...viaProxy(proxy) })
  t.deepEqual(
    proxy.connects.map((c) => c.target),
    [`localhost:${server.port}`],
  )
})

test('username/password: Basic Proxy-Authorization is sent and accepted', async (t) => {
  const proxy = await startProxy(t, { auth: true })
  const server = await startWsServer(t)
  await expectOpen(t, server.url('/auth'), viaProxy(proxy, { username: USER, password: PASSWORD }))
  t.deepEqual(proxy.connects, [{ target: `127.0.0.1:${server.port}`, auth: basic(USER, PASSWORD) }])
  t.is(server.upgrades.length, 1)
})

test("refused proxy credentials: 'error' with data \"407\", no 'close', the server sees nothing", async (t) => {
  const proxy = await startProxy(t, { auth: true })
  const server = await startWsServer(t)
  await expectError(t, server.url(), viaProxy(proxy, { username: USER, password: 'wrong' }), '407')
  t.deepEqual(proxy.connects, [{ target: `127.0.0.1:${server.port}`, auth: basic(USER, 'wrong') }])
  t.is(server.upgrades.length, 0)
})

test("no credentials for a proxy that requires them: 'error' with data \"407\"", async (t) => {
  const proxy = await startProxy(t, { auth: true })
  const server = await startWsServer(t)
  await expectError(t, server.url(), viaProxy(proxy), '407')
  t.is(proxy.connects.length, 1)
  t.is(proxy.connects[0].auth, undefined, 'no Proxy-Authorization without a username')
})

test("a proxy that answers 502 Bad Gateway: 'error' with data \"502\"", async (t) => {
  const proxy = await startProxy(t, { status: 502 })
  const server = await startWsServer(t)
  await expectError(t, server.url(), viaProxy(proxy), '502')
  t.is(proxy.connects.length, 1)
  t.is(server.upgrades.length, 0)
})

test("a proxy that cannot reach the target (it answers 500): 'error' with data \"500\"", async (t) => {
  const proxy = await startProxy(t)
  const port = await closedPort()
  await expectError(t, `ws://127.0.0.1:${port}/`, viaProxy(proxy), '500')
  t.deepEqual(
    proxy.connects.map((c) => c.target),
    [`127.0.0.1:${port}`],
  )
})

test("a proxy that is not listening: 'error' with data \"0\"", async (t) => {
  const server = await startWsServer(t)
  await expectError(t, server.url(), { proxy: { host: '127.0.0.1', port: await closedPort(), exclusionList: [] } }, '0')
  t.is(server.upgrades.length, 0)
})

test('after a proxy failure the same object can connect again', async (t) => {
  const proxy = await startProxy(t, { auth: true })
  const server = await startWsServer(t)
  const { ws, rec } = newClient(t)
  await ws.connect(server.url('/a'), viaProxy(proxy))
  t.is((await rec.until('error')).data, '407')
  t.is(await ws.connect(server.url('/b'), viaProxy(proxy, { username: USER, password: PASSWORD })), true)
  await rec.until('open')
  t.is(server.upgrades.length, 1)
  t.is(server.upgrades[0].url, '/b')
})

// Test declarations must be synchronous, so IPv6 loopback is looked up on the interfaces.
const haveIpv6 = Object.values(os.networkInterfaces()).some((addrs) => addrs?.some((a) => a.address === '::1'))
;(haveIpv6 ? test : test.skip)('an IPv6 literal proxy host (::1)', async (t) => {
  const proxy = await startProxy(t, { host: '::1' })
  const server = await startWsServer(t)
  await expectOpen(t, server.url('/v6'), viaProxy(proxy))
  t.deepEqual(
    proxy.connects.map((c) => c.target),
    [`127.0.0.1:${server.port}`],
  )
})
if (!haveIpv6) console.log('proxy.spec: no IPv6 loopback here; the ::1 proxy case is skipped')

// ---------------------------------------------------------------------------------------------
// When the proxy is not used
// ---------------------------------------------------------------------------------------------

/** Connects with `proxyOptions` and expects a direct connection: open, and the proxy saw nothing. */
const direct = test.macro({
  async exec(t, proxyOptions, host = '127.0.0.1') {
    const proxy = await startProxy(t)
    const server = await startWsServer(t)
    const url = `ws://${host}:${server.port}/direct`
    await expectOpen(t, url, { proxy: proxyOptions(proxy) })
    t.is(server.upgrades.length, 1)
    t.is(proxy.connections, 0, 'the proxy saw no connection')
    t.deepEqual(proxy.connects, [])
  },
  title: (label) => `direct connection: ${label}`,
})

/** Connects with `proxyOptions` and expects the tunnel to be used. */
const proxied = test.macro({
  async exec(t, proxyOptions, host = '127.0.0.1') {
    const proxy = await startProxy(t)
    const server = await startWsServer(t)
    await expectOpen(t, `ws://${host}:${server.port}/proxied`, { proxy: proxyOptions(proxy) })
    t.deepEqual(
      proxy.connects.map((c) => c.target),
      [`${host}:${server.port}`],
    )
  },
  title: (label) => `through the proxy: ${label}`,
})

const excluding = (exclusionList) => (p) => ({ host: p.host, port: p.port, exclusionList })

test("exclusionList ['127.0.0.*'] (wildcard)", direct, excluding(['127.0.0.*']))
test("exclusionList ['127.0.0.1'] (exact)", direct, excluding(['127.0.0.1']))
test("exclusionList ['*']", direct, excluding(['*']))
test("exclusionList ['example.com', '*.0.0.1'] (any entry)", direct, excluding(['example.com', '*.0.0.1']))
test("exclusionList ['LOCALHOST'] for ws://localhost (case-insensitive)", direct, excluding(['LOCALHOST']), 'localhost')
test("exclusionList ['LocalHost'] for ws://localhost (case-insensitive)", direct, excluding(['LocalHost']), 'localhost')
test("proxy 'no-proxy'", direct, () => 'no-proxy')
test('proxy port 0', direct, (p) => ({ host: p.host, port: 0, exclusionList: [] }))
test('proxy with an empty host', direct, (p) => ({ host: '', port: p.port, exclusionList: [] }))

test("exclusionList ['example.com'] does not match 127.0.0.1", proxied, excluding(['example.com']))
test("exclusionList ['127.0.0'] matches only the whole host", proxied, excluding(['127.0.0']))
test("exclusionList ['127.0.0.1'] does not match the host localhost", proxied, excluding(['127.0.0.1']), 'localhost')
test("exclusionList ['*.localhost'] does not match localhost", proxied, excluding(['*.localhost']), 'localhost')
test('exclusionList absent', proxied, (p) => ({ host: p.host, port: p.port }))

// ---------------------------------------------------------------------------------------------
// Bad proxy arguments: 401
// ---------------------------------------------------------------------------------------------

const badProxies = [
  ['port 70000', { host: '127.0.0.1', port: 70000, exclusionList: [] }],
  ['port 65536', { host: '127.0.0.1', port: 65536, exclusionList: [] }],
  ['port -1', { host: '127.0.0.1', port: -1, exclusionList: [] }],
  ['port 1.5', { host: '127.0.0.1', port: 1.5, exclusionList: [] }],
  ["port '8080'", { host: '127.0.0.1', port: '8080', exclusionList: [] }],
  ['host 5', { host: 5, port: 80 }],
  ['exclusionList a string', { host: '127.0.0.1', port: 80, exclusionList: '127.0.0.1' }],
  ['exclusionList [5]', { host: '127.0.0.1', port: 80, exclusionList: [5] }],
  ['username 5', { host: '127.0.0.1', port: 80, exclusionList: [], username: 5 }],
  ["the string 'bogus'", 'bogus'],
  ["the string 'SYSTEM'", 'SYSTEM'],
  ['the number 5', 5],
  ['null', null],
  ['true', true],
]
for (const [label, proxy] of badProxies) {
  test(`proxy ${label}: connect rejects 401`, async (t) => {
    const server = await startWsServer(t)
    const { ws, rec } = newClient(t)
    await assertRejects(t, ws, 'connect', [server.url(), { proxy }], 401)
    await delay(100)
    t.deepEqual(rec.types(), [])
    t.is(server.upgrades.length, 0)
  })
}

test('proxy port 65535 and 0 are accepted (no 401)', async (t) => {
  const server = await startWsServer(t)
  for (const port of [0, 65535]) {
    const { ws, rec } = newClient(t)
    t.is(await ws.connect(server.url(`/p${port}`), { proxy: { host: port ? '' : '127.0.0.1', port, exclusionList: [] } }), true)
    await rec.until('open')
  }
})

// ---------------------------------------------------------------------------------------------
// 'system' and absent: the environment, in a child process so the variables stay there
// ---------------------------------------------------------------------------------------------

const CHILD_URL = pathToFileURL(path.join(ROOT, '__test__/fixtures/connect-child.mjs')).href
const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']

/** Runs __test__/fixtures/connect-child.mjs with exactly the proxy variables of `env`; returns its events. */
async function inChild(t, url, options, env) {
  const clean = Object.fromEntries(PROXY_VARS.map((k) => [k, undefined]))
  const r = await runNode(t, `import ${JSON.stringify(CHILD_URL)}`, {
    args: [url, JSON.stringify(options ?? null)],
    env: { ...clean, ...env },
    timeout: 15000,
  })
  const line = r.stdout.trim().split('\n').pop()
  if (r.code !== 0 || !line) throw new Error(`the child failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.stderr}${r.stdout}`)
  return JSON.parse(line)
}

const OK = [
  ['open', OPEN_PAYLOAD],
  ['message', 'from the child'],
  ['close', { code: 1000, reason: '' }],
]

/**
 * `env(proxy)` gives the variables; `options` the connect options (`null` = none); `expect`
 * 'proxy' or 'direct'; `scheme` 'ws' or 'wss'.
 */
const fromEnv = test.macro({
  async exec(t, { env, options = null, expect, scheme = 'ws', auth = false }) {
    const proxy = await startProxy(t, { auth })
    const server = scheme === 'ws' ? await startWsServer(t) : await startWssServer(t, certs.server)
    const url = server.url('/env')
    const opts = scheme === 'wss' ? { caPath: certs.ca, ...(options ?? {}) } : options
    const events = await inChild(t, url, opts, env(proxy))
    t.deepEqual(events, OK, 'open, echo, close')
    if (expect === 'proxy') {
      t.deepEqual(
        proxy.connects.map((c) => c.target),
        [`127.0.0.1:${server.port}`],
        'the tunnel was used',
      )
    } else {
      t.is(proxy.connections, 0, 'the proxy saw nothing')
    }
  },
  title: (label) => `environment: ${label}`,
})

const at = (p) => `http://127.0.0.1:${p.port}`

test('HTTP_PROXY is used for ws:// when the proxy option is absent', fromEnv, { env: (p) => ({ HTTP_PROXY: at(p) }), expect: 'proxy' })
test("http_proxy (lower case) is used for ws:// with proxy 'system'", fromEnv, {
  env: (p) => ({ http_proxy: at(p) }),
  options: { proxy: 'system' },
  expect: 'proxy',
})
test('HTTPS_PROXY is used for wss://', fromEnv, { env: (p) => ({ HTTPS_PROXY: at(p) }), scheme: 'wss', expect: 'proxy' })
test("https_proxy (lower case) is used for wss:// with proxy 'system'", fromEnv, {
  env: (p) => ({ https_proxy: at(p) }),
  options: { proxy: 'system' },
  scheme: 'wss',
  expect: 'proxy',
})
test('HTTPS_PROXY alone does not apply to ws://', fromEnv, { env: (p) => ({ HTTPS_PROXY: at(p) }), expect: 'direct' })
test('HTTP_PROXY alone does not apply to wss://', fromEnv, { env: (p) => ({ HTTP_PROXY: at(p) }), scheme: 'wss', expect: 'direct' })
test('NO_PROXY listing the host turns HTTP_PROXY off for it', fromEnv, {
  env: (p) => ({ HTTP_PROXY: at(p), NO_PROXY: 'example.com,127.0.0.1' }),
  expect: 'direct',
})
test('no_proxy (lower case) listing the host turns HTTPS_PROXY off for it', fromEnv, {
  env: (p) => ({ HTTPS_PROXY: at(p), no_proxy: '127.0.0.1' }),
  scheme: 'wss',
  expect: 'direct',
})
test("NO_PROXY '*' turns the proxy off", fromEnv, { env: (p) => ({ HTTP_PROXY: at(p), NO_PROXY: '*' }), expect: 'direct' })
test('NO_PROXY not listing the host keeps the proxy', fromEnv, {
  env: (p) => ({ HTTP_PROXY: at(p), NO_PROXY: 'example.com' }),
  expect: 'proxy',
})
test("proxy 'no-proxy' ignores HTTP_PROXY", fromEnv, { env: (p) => ({ HTTP_PROXY: at(p) }), options: { proxy: 'no-proxy' }, expect: 'direct' })
test('an HttpProxy with port 0 ignores HTTP_PROXY (direct)', fromEnv, {
  env: (p) => ({ HTTP_PROXY: at(p) }),
  options: { proxy: { host: '127.0.0.1', port: 0, exclusionList: [] } },
  expect: 'direct',
})
test('credentials in HTTP_PROXY are sent as Basic Proxy-Authorization', fromEnv, {
  env: (p) => ({ HTTP_PROXY: `http://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${p.port}` }),
  auth: true,
  expect: 'proxy',
})
test('no proxy variables: direct', fromEnv, { env: () => ({}), expect: 'direct' })
