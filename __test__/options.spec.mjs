// CONTRACT §7 (heartbeat, domain allow-list, receive limits), §3 (Origin with supportOriginPort,
// header values with CR/LF/NUL → 401, order of checks), against real peers on 127.0.0.1.
import { createHash } from 'node:crypto'
import http from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import test from 'ava'
import { WebSocketServer } from 'ws'

import { ROOT, runNode } from './helpers/child.mjs'
import { assertRejects, describe, LINK_DOWN, newClient, OPEN_PAYLOAD, openClient } from './helpers/events.mjs'
import { delay, startWsServer, waitUntil } from './helpers/servers.mjs'

// ---------------------------------------------------------------------------------------------
// Heartbeat: pingInterval / pongTimeout
// ---------------------------------------------------------------------------------------------

/**
 * A `ws` server that never answers pings (`autoPong: false`), on 127.0.0.1 port 0. Records, per
 * connection, when it was accepted (`at`) and the pings it received. Returns `{url(), connections}`.
 */
async function startDeafServer(t) {
  const server = http.createServer()
  const wss = new WebSocketServer({ server, autoPong: false, perMessageDeflate: false })
  const connections = []
  const sockets = new Set()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  wss.on('connection', (ws) => {
    const conn = { ws, at: Date.now(), pings: [], closed: null, ended: false }
    ws.on('ping', (data) => conn.pings.push({ at: Date.now(), data: Buffer.from(data) }))
    ws.on('close', (code) => {
      conn.closed = code
      conn.ended = true
    })
    ws.on('error', () => {})
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
    connections.push(conn)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = server.address().port
  t.teardown(async () => {
    for (const c of connections) c.ws.terminate()
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => wss.close(() => resolve()))
    await new Promise((resolve) => server.close(() => resolve()))
  })
  return { port, connections, url: (p = '/') => `ws://127.0.0.1:${port}${p}` }
}

test("no pong in time (pingInterval 1, pongTimeout 1): 'error' then 'close' {1005, \"The link is down\"} after about 2 s", async (t) => {
  t.timeout(15000)
  const server = await startDeafServer(t)
  const { rec } = await openClient(t, server.url(), { pingInterval: 1, pongTimeout: 1 })
  await rec.until('close', { timeout: 8000 })
  // Timed from the server's side of the handshake: 'open' reaches JS a little later.
  const opened = server.connections[0].at
  const elapsed = Date.now() - opened
  t.true(elapsed >= 1800 && elapsed <= 3500, `the connection was dropped ${elapsed} ms after the handshake (expected ≈ 2000)`)
  const after = rec.types().slice(rec.types().indexOf('open') + 1).filter((ty) => ty !== 'openInfo')
  t.deepEqual(after, ['error', 'close'])
  const err = rec.of('error')[0]
  t.is(err.code, 200)
  t.is(err.data, '0')
  t.is(typeof err.message, 'string')
  t.deepEqual(rec.of('close')[0], { code: 1005, reason: LINK_DOWN })
  const conn = server.connections[0]
  t.true(conn.pings.length >= 1, 'the server received the heartbeat ping')
  const firstPing = conn.pings[0].at - opened
  t.true(firstPing >= 800 && firstPing <= 1800, `first ping ${firstPing} ms after the handshake (expected ≈ 1000)`)
})

test('pongTimeout larger than pingInterval is clamped to it (pingInterval 1, pongTimeout 5 → dropped after about 2 s)', async (t) => {
  t.timeout(15000)
  const server = await startDeafServer(t)
  const { rec } = await openClient(t, server.url(), { pingInterval: 1, pongTimeout: 5 })
  await rec.until('close', { timeout: 8000 })
  const elapsed = Date.now() - server.connections[0].at
  t.true(elapsed >= 1800 && elapsed <= 3500, `dropped after ${elapsed} ms (expected ≈ 2000)`)
  t.deepEqual(rec.of('close')[0], { code: 1005, reason: LINK_DOWN })
})

test('a peer that answers pings keeps the connection open (pingInterval 1 over 3 s)', async (t) => {
  t.timeout(15000)
  const server = await startWsServer(t)
  const { ws, rec } = await openClient(t, server.url('/alive'), { pingInterval: 1, pongTimeout: 1 })
  const conn = await server.connectionAt('/alive')
  await delay(3200)
  t.true(conn.pings.length >= 2, `${conn.pings.length} pings in 3.2 s`)
  t.true(conn.pings.length <= 5, `${conn.pings.length} pings in 3.2 s`)
  t.deepEqual(rec.types().filter((ty) => ty === 'error' || ty === 'close'), [], 'no error, no close')
  await ws.send('still here')
  t.deepEqual(await conn.nextMessages(1), [{ data: 'still here', isBinary: false }])
  t.is(await rec.until('message'), 'still here')
})

test('pingInterval 0 turns the heartbeat off: no pings, and a peer that never pongs is not dropped', async (t) => {
  t.timeout(15000)
  const server = await startDeafServer(t)
  const { ws, rec } = await openClient(t, server.url(), { pingInterval: 0, pongTimeout: 1 })
  await delay(2800)
  t.is(server.connections[0].pings.length, 0)
  t.deepEqual(rec.types().filter((ty) => ty === 'error' || ty === 'close'), [])
  await ws.send('no heartbeat')
  t.is(await rec.until('message'), 'no heartbeat')
})

for (const pingInterval of [-1, 30001]) {
  test(`pingInterval ${pingInterval} (out of 0..30000) is the default 30 s: accepted, no ping within 2 s`, async (t) => {
    const server = await startDeafServer(t)
    const { rec } = await openClient(t, server.url(), { pingInterval })
    await delay(2000)
    t.is(server.connections[0].pings.length, 0)
    t.deepEqual(rec.types().filter((ty) => ty === 'error' || ty === 'close'), [])
  })
}

// ---------------------------------------------------------------------------------------------
// Origin and header checks
// ---------------------------------------------------------------------------------------------

test('Origin is http://host by default and http://host:port with supportOriginPort: true', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, server.url('/default'))
  await openClient(t, server.url('/with-port'), { supportOriginPort: true })
  await openClient(t, server.url('/without-port'), { supportOriginPort: false })
  await waitUntil(() => server.upgrades.length === 3)
  const origin = (p) => server.upgrades.find((u) => u.url === p).headers.origin
  t.is(origin('/default'), 'http://127.0.0.1')
  t.is(origin('/with-port'), `http://127.0.0.1:${server.port}`)
  t.is(origin('/without-port'), 'http://127.0.0.1')
})

const badHeaders = [
  ['a value with CR LF (header injection)', { 'X-Test': 'ok\r\nX-Injected: 1' }],
  ['a value with LF', { 'X-Test': 'a\nb' }],
  ['a value with CR', { 'X-Test': 'a\rb' }],
  ['a value with NUL', { 'X-Test': 'a\0b' }],
  ['a name with CR LF', { 'X-Test\r\nX-Injected': 'v' }],
  ['a name with NUL', { 'X-\0Test': 'v' }],
]
for (const [label, header] of badHeaders) {
  test(`header ${label}: connect rejects 401 and nothing is sent`, async (t) => {
    const server = await startWsServer(t)
    const { ws, rec } = newClient(t)
    await assertRejects(t, ws, 'connect', [server.url(), { header }], 401)
    await delay(150)
    t.deepEqual(rec.types(), [])
    t.is(server.upgrades.length, 0)
  })
}

// ---------------------------------------------------------------------------------------------
// Domain allow-list: OHOS_WEBSOCKET_ALLOWED_DOMAINS, in a child process (its own environment)
// ---------------------------------------------------------------------------------------------

const CHILD_URL = pathToFileURL(path.join(ROOT, '__test__/fixtures/connect-child.mjs')).href

/** Runs __test__/fixtures/connect-child.mjs with OHOS_WEBSOCKET_ALLOWED_DOMAINS = `domains`. */
async function inChild(t, url, options, domains) {
  const r = await runNode(t, `import ${JSON.stringify(CHILD_URL)}`, {
    args: [url, JSON.stringify(options ?? null)],
    env: { OHOS_WEBSOCKET_ALLOWED_DOMAINS: domains, HTTP_PROXY: undefined, http_proxy: undefined },
    timeout: 15000,
  })
  const line = r.stdout.trim().split('\n').pop()
  if (r.code !== 0 || !line) throw new Error(`the child failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.stderr}${r.stdout}`)
  return JSON.parse(line)
}

const NOT_ALLOWED = [['rejected', { code: 2302998, message: 'It is not allowed to access this domain.' }]]
const CONNECTED = [
  ['open', OPEN_PAYLOAD],
  ['message', 'from the child'],
  ['close', { code: 1000, reason: '' }],
]

const allowList = test.macro({
  async exec(t, domains, host, expected, options = null) {
    const server = await startWsServer(t)
    const events = await inChild(t, `ws://${host}:${server.port}/allow`, options, domains)
    t.deepEqual(events, expected, describe(events))
    t.is(server.upgrades.length, expected === CONNECTED ? 1 : 0)
  },
  title: (label, domains, host, expected) =>
    `allow-list ${JSON.stringify(domains)}, host ${host}: ${expected === CONNECTED ? 'connects' : 'rejects 2302998'}${label ? ` (${label})` : ''}`,
})

test('', allowList, 'example.com', '127.0.0.1', NOT_ALLOWED)
test('whole host only', allowList, '127.0.0', '127.0.0.1', NOT_ALLOWED)
test('whole host only', allowList, '27.0.0.1', '127.0.0.1', NOT_ALLOWED)
test('whole host only', allowList, '127.0.0.10', '127.0.0.1', NOT_ALLOWED)
test('`*` does not match the dot', allowList, '*.localhost', 'localhost', NOT_ALLOWED)
test('exact', allowList, '127.0.0.1', '127.0.0.1', CONNECTED)
test('`*` wildcard', allowList, '127.0.0.*', '127.0.0.1', CONNECTED)
test('`*` matches an empty run', allowList, '127.0.0.1*', '127.0.0.1', CONNECTED)
test('`*` alone', allowList, '*', '127.0.0.1', CONNECTED)
test('any entry of the list', allowList, 'example.com,127.0.0.1', '127.0.0.1', CONNECTED)
test('case-insensitive', allowList, 'EXAMPLE.com,LOCALHOST', 'localhost', CONNECTED)
test('case-insensitive', allowList, 'localhost', 'LocalHost', CONNECTED)
test('empty: no restriction', allowList, '', '127.0.0.1', CONNECTED)

test('allow-list: checked before any DNS lookup (an unresolvable host rejects 2302998, not 2302999)', async (t) => {
  const events = await inChild(t, 'ws://no-such-host.invalid/', null, 'example.com')
  t.deepEqual(events, NOT_ALLOWED)
})

test('allow-list: 401 comes first, 2302998 before 2302002 (missing caPath) and 2302001 (bad scheme)', async (t) => {
  t.deepEqual(await inChild(t, 'ws://127.0.0.1:9/', { proxy: 'bogus' }, 'example.com'), [
    ['rejected', { code: 401, message: 'Parameter error.' }],
  ])
  t.deepEqual(await inChild(t, 'wss://127.0.0.1:9/', { caPath: '/no/such/ca.pem' }, 'example.com'), NOT_ALLOWED)
  t.deepEqual(await inChild(t, 'http://127.0.0.1:9/', null, 'example.com'), NOT_ALLOWED)
})

// ---------------------------------------------------------------------------------------------
// Receive limits: maxMessageSize / maxFrameSize
// ---------------------------------------------------------------------------------------------

/**
 * Opens a client with `options` to a `ws` server that, once the connection is up, runs
 * `script(serverSocket)`; returns `{rec, conn}`.
 */
async function limited(t, options, script) {
  const server = await startWsServer(t, { echo: false, onConnection: (conn) => script(conn.ws) })
  const { ws, rec } = await openClient(t, server.url('/limits'), options)
  const conn = await server.nextConnection()
  return { ws, rec, conn }
}

/** Expects the 1009 failure: the client sends close 1009, then 'error' and 'close' {1009, reason}. */
async function expect1009(t, rec, conn) {
  const sent = await conn.closed
  t.is(sent.code, 1009, 'the client sent close 1009')
  await rec.until('close')
  const after = rec.types().slice(rec.types().indexOf('open') + 1).filter((ty) => ty !== 'openInfo')
  t.deepEqual(after, ['error', 'close'], `no 'message' for the oversized data; got ${describe(rec.events)}`)
  const err = rec.of('error')[0]
  t.is(err.code, 200)
  t.is(err.data, '0')
  t.is(typeof err.message, 'string')
  t.true(err.message.length > 0)
  const close = rec.of('close')[0]
  t.is(close.code, 1009)
  t.is(close.reason, sent.reason, "the 'close' reason is the one sent")
  t.true(close.reason.length > 0 && Buffer.byteLength(close.reason) <= 123, `a short reason naming the violation: ${JSON.stringify(close.reason)}`)
}

test('maxMessageSize 1000: a 2000-byte message (one frame) closes with 1009', async (t) => {
  const { rec, conn } = await limited(t, { maxMessageSize: 1000 }, (s) => s.send(Buffer.alloc(2000, 7)))
  await expect1009(t, rec, conn)
})

test('maxMessageSize 1000: a 2000-byte text message in 10 frames of 200 closes with 1009', async (t) => {
  const { rec, conn } = await limited(t, { maxMessageSize: 1000 }, (s) => {
    for (let i = 0; i < 10; i++) s.send('x'.repeat(200), { fin: i === 9 })
  })
  await expect1009(t, rec, conn)
})

test('maxFrameSize 100: a 200-byte single frame closes with 1009', async (t) => {
  const { rec, conn } = await limited(t, { maxFrameSize: 100 }, (s) => s.send('y'.repeat(200)))
  await expect1009(t, rec, conn)
})

test('maxFrameSize 100: a 500-byte message in frames of 100 is delivered whole', async (t) => {
  const parts = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(100))
  const { rec } = await limited(t, { maxFrameSize: 100 }, (s) => parts.forEach((p, i) => s.send(p, { fin: i === 4 })))
  t.is(await rec.until('message'), parts.join(''))
  await delay(100)
  t.is(rec.count('error') + rec.count('close'), 0)
})

test('maxMessageSize 1000: a message of exactly 1000 bytes is delivered', async (t) => {
  const { rec } = await limited(t, { maxMessageSize: 1000 }, (s) => s.send('z'.repeat(1000)))
  t.is(await rec.until('message'), 'z'.repeat(1000))
  await delay(100)
  t.is(rec.count('error') + rec.count('close'), 0)
})

test('default limits accept a 4 MiB message, and there is no send limit (6 MiB)', async (t) => {
  t.timeout(30000)
  const big = Buffer.alloc(4 * 1024 * 1024)
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 12)) & 0xff
  const { ws, rec, conn } = await limited(t, undefined, (s) => s.send(big))
  const got = await rec.until('message', { timeout: 15000 })
  t.true(got instanceof ArrayBuffer)
  t.is(got.byteLength, big.length)
  const sha = (b) => createHash('sha256').update(b).digest('hex')
  t.is(sha(Buffer.from(got)), sha(big))
  const out = Buffer.alloc(6 * 1024 * 1024, 0x5a)
  out.writeUInt32BE(0xdeadbeef, out.length - 4)
  t.is(await ws.send(out.buffer.slice(out.byteOffset, out.byteOffset + out.length)), true)
  const [received] = await conn.nextMessages(1, 15000)
  t.true(received.isBinary)
  t.is(received.data.length, out.length)
  t.is(sha(received.data), sha(out))
  t.is(rec.count('error') + rec.count('close'), 0)
})
