// CONTRACT §2 (calling conventions, argument validation, error objects, on/off arguments,
// throwing listeners) and §3 (the order of connect's checks).
import test from 'ava'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { INDEX_URL, runNode } from './helpers/child.mjs'
import {
  assertRejects,
  businessError,
  newClient,
  OPEN_PAYLOAD,
  openClient,
  show,
  viaCallback,
  viaPromise,
  webSocket,
} from './helpers/events.mjs'
import { closedPort, delay, startRawPeer, startWsServer } from './helpers/servers.mjs'

let server
let refusedUrl
test.before(async () => {
  server = await startWsServer(null)
  refusedUrl = `ws://127.0.0.1:${await closedPort()}/`
})
test.after.always(() => server?.close())

const MISSING = path.join(os.tmpdir(), 'ohos-websocket-test-does-not-exist', 'ca.pem')

// ---------------------------------------------------------------------------------------------
// Callback and promise forms
// ---------------------------------------------------------------------------------------------

test('connect(url) returns a Promise that resolves true', async (t) => {
  const { ws, rec } = newClient(t)
  const r = await viaPromise(ws, 'connect', server.url())
  t.deepEqual(r, { value: true })
  t.deepEqual(await rec.until('open'), OPEN_PAYLOAD)
})

test('connect(url, cb) returns undefined and later calls cb(undefined, true)', async (t) => {
  const { ws, rec } = newClient(t)
  const r = await viaCallback(ws, 'connect', server.url())
  t.is(r.returned, undefined)
  t.false(r.sync, 'the callback is called later, not during the call')
  t.deepEqual(r.args, [undefined, true])
  t.false(r.args[0] === null, 'the error slot is undefined, not null')
  await rec.until('open')
})

test('connect(url, options, cb) returns undefined and later calls cb(undefined, true)', async (t) => {
  const { ws, rec } = newClient(t)
  const r = await viaCallback(ws, 'connect', server.url(), { header: { 'x-a': 'b' } })
  t.is(r.returned, undefined)
  t.false(r.sync)
  t.deepEqual(r.args, [undefined, true])
  await rec.until('open')
})

test('send(data) returns a Promise of true; send(data, cb) calls cb(undefined, true)', async (t) => {
  const { ws } = await openClient(t, server.url())
  t.deepEqual(await viaPromise(ws, 'send', 'a'), { value: true })
  const r = await viaCallback(ws, 'send', 'b')
  t.is(r.returned, undefined)
  t.false(r.sync)
  t.deepEqual(r.args, [undefined, true])
  const r2 = await viaCallback(ws, 'send', new ArrayBuffer(1))
  t.deepEqual(r2.args, [undefined, true])
})

test('close() returns a Promise that resolves true', async (t) => {
  const { ws, rec } = await openClient(t, server.url())
  t.deepEqual(await viaPromise(ws, 'close'), { value: true })
  await rec.until('close')
})

test('close(cb) returns undefined and later calls cb(undefined, true)', async (t) => {
  const { ws, rec } = await openClient(t, server.url())
  const r = await viaCallback(ws, 'close')
  t.is(r.returned, undefined)
  t.false(r.sync)
  t.deepEqual(r.args, [undefined, true])
  await rec.until('close')
})

test('close(options, cb) returns undefined and later calls cb(undefined, true)', async (t) => {
  const { ws, rec } = await openClient(t, server.url())
  const r = await viaCallback(ws, 'close', { code: 4000, reason: 'x' })
  t.is(r.returned, undefined)
  t.deepEqual(r.args, [undefined, true])
  t.deepEqual(await rec.until('close'), { code: 4000, reason: 'x' })
})

test('a failure in callback form is cb(err, undefined) with err = {code, message}', async (t) => {
  const ws = webSocket.createWebSocket()
  const c = await viaCallback(ws, 'close')
  t.deepEqual(c.args, [businessError(2302999), undefined])
  const s = await viaCallback(ws, 'send', 'x')
  t.deepEqual(s.args, [businessError(2302999), undefined])
  const p = await viaCallback(ws, 'connect', 5)
  t.deepEqual(p.args, [businessError(401), undefined])
  const u = await viaCallback(ws, 'connect', 'http://127.0.0.1/')
  t.deepEqual(u.args, [businessError(2302001), undefined])
})

test('error objects are plain objects {code: number, message: string} that JSON.stringify shows whole', async (t) => {
  const ws = webSocket.createWebSocket()
  const { error } = await viaPromise(ws, 'connect', 5)
  t.is(Object.getPrototypeOf(error), Object.prototype, 'a plain object, not an Error')
  t.is(typeof error.code, 'number')
  t.is(typeof error.message, 'string')
  t.deepEqual(JSON.parse(JSON.stringify(error)), { code: 401, message: 'Parameter error.' })
})

test('connect, send and close never throw, whatever the arguments', async (t) => {
  const ws = webSocket.createWebSocket()
  const weird = [[], [Symbol('s')], [{ toString() { throw new Error('no') } }], [1n], [() => {}, () => {}], [undefined, null, 5]]
  for (const method of ['connect', 'send', 'close']) {
    for (const args of weird) {
      let p
      t.notThrows(() => {
        p = ws[method](...args)
      }, `${method}(${args.map(show).join(', ')})`)
      if (p instanceof Promise) await p.catch(() => {})
    }
  }
})

// ---------------------------------------------------------------------------------------------
// 401: wrong arguments (explicit undefined is absent, unknown fields are ignored)
// ---------------------------------------------------------------------------------------------

const connect401 = test.macro({
  async exec(t, args) {
    const ws = webSocket.createWebSocket()
    const events = []
    ws.on('error', (e) => events.push(e))
    await assertRejects(t, ws, 'connect', args.map((a) => (a === URL_ ? refusedUrl : a)), 401)
    await delay(20)
    t.deepEqual(events, [], 'no error event for a parameter error')
  },
  title: (provided, args) => `connect(${args.map((a) => (a === URL_ ? 'url' : show(a))).join(', ')}) rejects 401 ${provided ?? ''}`.trim(),
})
const URL_ = Symbol('url')

test(connect401, [])
test('(missing url)', connect401, [undefined])
test(connect401, [null])
test(connect401, [5])
test(connect401, [{}])
test(connect401, [URL_, null])
test(connect401, [URL_, 5])
test(connect401, [URL_, 'options'])
test(connect401, [URL_, true])
test('(non-function callback)', connect401, [URL_, {}, 5])
test('(null callback)', connect401, [URL_, {}, null])
test('(string callback)', connect401, [URL_, {}, 'cb'])
test(connect401, [URL_, { header: 5 }])
test(connect401, [URL_, { header: 'x-a: b' }])
test(connect401, [URL_, { header: null }])
test(connect401, [URL_, { protocol: 5 }])
test(connect401, [URL_, { protocol: null }])
test(connect401, [URL_, { protocol: ['chat'] }])
test(connect401, [URL_, { caPath: 5 }])
test(connect401, [URL_, { caPath: null }])
test(connect401, [URL_, { clientCert: 5 }])
test(connect401, [URL_, { clientCert: 'cert.pem' }])
test(connect401, [URL_, { clientCert: { certPath: 5 } }])
test(connect401, [URL_, { clientCert: { certPath: '/c.pem', keyPath: 5 } }])
test(connect401, [URL_, { clientCert: { certPath: '/c.pem', keyPath: '/k.pem', keyPassword: 5 } }])
test(connect401, [URL_, { proxy: 5 }])
test(connect401, [URL_, { proxy: null }])
test('(unknown proxy string)', connect401, [URL_, { proxy: 'direct' }])
test(connect401, [URL_, { proxy: { host: 5, port: 80 } }])
test(connect401, [URL_, { proxy: { host: 'proxy.example', port: '80' } }])
test('(proxy port above 65535)', connect401, [URL_, { proxy: { host: 'proxy.example', port: 65536 } }])
test('(negative proxy port)', connect401, [URL_, { proxy: { host: 'proxy.example', port: -1 } }])
test(connect401, [URL_, { proxy: { host: 'proxy.example', port: 80, exclusionList: 'a.example' } }])
test(connect401, [URL_, { proxy: { host: 'proxy.example', port: 80, exclusionList: [], username: 5 } }])
test(connect401, [URL_, { skipServerCertVerification: 'true' }])
test(connect401, [URL_, { supportOriginPort: 1 }])
test(connect401, [URL_, { pingInterval: '10' }])
test(connect401, [URL_, { pongTimeout: '10' }])
test(connect401, [URL_, { minSupportTlsProtocol: 'TLS_V_1_3' }])
test('(CR LF in a header value)', connect401, [URL_, { header: { 'x-a': 'a\r\ninjected: 1' } }])
test('(LF in a header value)', connect401, [URL_, { header: { 'x-a': 'a\nb' } }])
test('(CR in a header value)', connect401, [URL_, { header: { 'x-a': 'a\rb' } }])
test('(NUL in a header value)', connect401, [URL_, { header: { 'x-a': 'a\0b' } }])
test('(CR LF in a header name)', connect401, [URL_, { header: { 'x-a\r\ninjected': 'v' } }])
test('(NUL in a header name)', connect401, [URL_, { header: { 'x\0a': 'v' } }])

test('connect(5, cb) calls cb with 401 (a function in the callback position is used)', async (t) => {
  const ws = webSocket.createWebSocket()
  const r = await viaCallback(ws, 'connect', 5)
  t.is(r.returned, undefined)
  t.deepEqual(r.args, [businessError(401), undefined])
  const r2 = await viaCallback(ws, 'connect', refusedUrl, { header: 5 })
  t.deepEqual(r2.args, [businessError(401), undefined])
})

test('connect(url, undefined) is connect(url)', async (t) => {
  const { ws, rec } = newClient(t)
  t.deepEqual(await viaPromise(ws, 'connect', server.url(), undefined), { value: true })
  await rec.until('open')
})

test('connect(url, undefined, cb) is connect(url, cb)', async (t) => {
  const { ws, rec } = newClient(t)
  const r = await viaCallback(ws, 'connect', server.url(), undefined)
  t.deepEqual(r.args, [undefined, true])
  await rec.until('open')
})

test('connect(url, options, undefined) is connect(url, options)', async (t) => {
  const { ws, rec } = newClient(t)
  t.deepEqual(await viaPromise(ws, 'connect', server.url(), {}, undefined), { value: true })
  await rec.until('open')
})

test('option fields set to undefined count as absent', async (t) => {
  const { ws, rec } = newClient(t)
  const options = {
    header: undefined,
    caPath: undefined,
    clientCert: undefined,
    proxy: undefined,
    protocol: undefined,
    skipServerCertVerification: undefined,
    pingInterval: undefined,
    pongTimeout: undefined,
    minSupportTlsProtocol: undefined,
    supportOriginPort: undefined,
  }
  t.deepEqual(await viaPromise(ws, 'connect', server.url(), options), { value: true })
  await rec.until('open')
})

test('unknown option fields are ignored', async (t) => {
  const { ws, rec } = newClient(t)
  t.deepEqual(await viaPromise(ws, 'connect', server.url(), { foo: 1, bar: null, headers: 5 }), { value: true })
  await rec.until('open')
})

test("proxy 'no-proxy' and 'system' are accepted", async (t) => {
  for (const proxy of ['no-proxy', 'system']) {
    const { ws, rec } = newClient(t)
    t.deepEqual(await viaPromise(ws, 'connect', server.url(), { proxy }), { value: true }, proxy)
    await rec.until('open')
    await ws.close()
    await rec.until('close')
  }
})

const close401 = test.macro({
  async exec(t, args) {
    const { ws, rec } = await openClient(t, server.url())
    await assertRejects(t, ws, 'close', args, 401)
    // The connection is untouched: a valid close still works.
    t.is(await ws.close(), true)
    t.deepEqual(await rec.until('close'), { code: 1000, reason: '' })
  },
  title: (provided, args) => `close(${args.map(show).join(', ')}) rejects 401 ${provided ?? ''}`.trim(),
})
test(close401, [null])
test(close401, [5])
test(close401, ['reason'])
test(close401, [true])
test(close401, [{ code: '4000' }])
test(close401, [{ code: null }])
test(close401, [{ reason: 5 }])
test('(non-function callback)', close401, [{}, 5])
test('(null callback)', close401, [{}, null])

test('close(undefined) is close(): 2302999 without a session, not 401', async (t) => {
  const ws = webSocket.createWebSocket()
  await assertRejects(t, ws, 'close', [undefined], 2302999)
  const r = await viaCallback(ws, 'close', undefined)
  t.deepEqual(r.args, [businessError(2302999), undefined])
})

test('close(undefined) on an open connection closes with 1000 and ""', async (t) => {
  const { ws, rec } = await openClient(t, server.url('/close-undefined'))
  const conn = await server.connectionAt('/close-undefined')
  t.is(await ws.close(undefined), true)
  t.deepEqual(await rec.until('close'), { code: 1000, reason: '' })
  t.deepEqual(await conn.closed, { code: 1000, reason: '' })
})

test('send(data, undefined) is send(data)', async (t) => {
  const { ws, rec } = await openClient(t, server.url())
  t.deepEqual(await viaPromise(ws, 'send', 'hi', undefined), { value: true })
  t.is(await rec.until('message'), 'hi')
})

// ---------------------------------------------------------------------------------------------
// The order of connect's checks: 401 → (201) → 2302998 → 2302002 → 2302003 → 2302001
// ---------------------------------------------------------------------------------------------

test('2302001 for a scheme other than ws/wss, an unparsable URL, or more than 1024 characters', async (t) => {
  const ws = webSocket.createWebSocket()
  const long = 'ws://127.0.0.1:1/' + 'a'.repeat(1025 - 'ws://127.0.0.1:1/'.length)
  t.is(long.length, 1025)
  for (const url of ['http://127.0.0.1/', 'https://127.0.0.1/', 'ftp://127.0.0.1/', 'WS://127.0.0.1/', '127.0.0.1:80', '', 'not a url', 'ws://', long]) {
    await assertRejects(t, ws, 'connect', [url], 2302001, `connect(${show(url)})`)
  }
})

test('a URL of exactly 1024 characters is accepted', async (t) => {
  const base = server.url('/long?q=')
  const url = base + 'x'.repeat(1024 - base.length)
  t.is(url.length, 1024)
  const { rec } = await openClient(t, url)
  t.truthy(rec)
  t.true(server.upgrades.some((u) => u.url === url.slice(url.indexOf('/long'))))
})

test('401 comes before every other check', async (t) => {
  const { ws } = await openClient(t, server.url())
  await assertRejects(t, ws, 'connect', [server.url(), { header: 5 }], 401, 'bad options on an open object')
  await assertRejects(t, ws, 'connect', [5], 401, 'bad url on an open object')
  const fresh = webSocket.createWebSocket()
  await assertRejects(t, fresh, 'connect', ['http://127.0.0.1/', { protocol: 5 }], 401, 'bad options and a bad scheme')
  await assertRejects(t, fresh, 'connect', [refusedUrl, { caPath: MISSING, protocol: 5 }], 401, 'bad options and a missing caPath')
})

test('2302002 when caPath does not exist', async (t) => {
  const ws = webSocket.createWebSocket()
  await assertRejects(t, ws, 'connect', ['wss://127.0.0.1:1/', { caPath: MISSING }], 2302002)
})

test('2302002 when clientCert.certPath or keyPath does not exist', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohos-ws-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const existing = path.join(dir, 'exists.pem')
  fs.writeFileSync(existing, '')
  const ws = webSocket.createWebSocket()
  await assertRejects(t, ws, 'connect', ['wss://127.0.0.1:1/', { clientCert: { certPath: MISSING, keyPath: existing } }], 2302002, 'missing certPath')
  await assertRejects(t, ws, 'connect', ['wss://127.0.0.1:1/', { clientCert: { certPath: existing, keyPath: MISSING } }], 2302002, 'missing keyPath')
})

test('2302002 comes before 2302003 and 2302001', async (t) => {
  const { ws } = await openClient(t, server.url())
  await assertRejects(t, ws, 'connect', ['wss://127.0.0.1:1/', { caPath: MISSING }], 2302002, 'on an open object')
  const fresh = webSocket.createWebSocket()
  await assertRejects(t, fresh, 'connect', ['http://127.0.0.1/', { caPath: MISSING }], 2302002, 'with a bad scheme')
})

test('2302003 while open, and it comes before 2302001', async (t) => {
  const { ws } = await openClient(t, server.url())
  await assertRejects(t, ws, 'connect', [server.url()], 2302003, 'same url')
  await assertRejects(t, ws, 'connect', ['http://127.0.0.1/'], 2302003, 'bad scheme')
  const r = await viaCallback(ws, 'connect', server.url())
  t.deepEqual(r.args, [businessError(2302003), undefined])
})

test('2302003 while still connecting', async (t) => {
  const peer = await startRawPeer(t, { handshake: 'silent' })
  const { ws } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  await peer.nextConnection()
  await assertRejects(t, ws, 'connect', [peer.url()], 2302003)
})

test('2302003 while closing', async (t) => {
  // The peer never answers the close frame, so the session stays in "closing" for a while.
  const peer = await startRawPeer(t, { echoClose: false })
  const { ws, rec } = await openClient(t, peer.url())
  t.is(await ws.close(), true)
  await (await peer.nextConnection()).closeFrame()
  t.is(rec.count('close'), 0)
  await assertRejects(t, ws, 'connect', [peer.url()], 2302003)
})

test('2302998 when OHOS_WEBSOCKET_ALLOWED_DOMAINS does not match, checked after 401, before 2302002 and before DNS', async (t) => {
  const closed = await closedPort()
  const r = await runNode(
    t,
    `
import ohos from ${JSON.stringify(INDEX_URL)}
const ws = ohos.webSocket.createWebSocket()
const errors = []
ws.on('error', (e) => errors.push(e))
const result = async (p) => { try { return { value: await p } } catch (error) { return { error } } }
const out = {
  denied: await result(ws.connect('ws://127.0.0.1:1/')),
  parentOfWildcard: await result(ws.connect('ws://example.org/')),
  hostWithAllowedPrefix: await result(ws.connect('ws://example.com.evil.invalid/')),
  badArgs: await result(ws.connect('ws://127.0.0.1:1/', { header: 5 })),
  beforeCert: await result(ws.connect('wss://127.0.0.1:1/', { caPath: ${JSON.stringify(MISSING)} })),
  beforeDns: await result(ws.connect('ws://nonexistent.invalid/')),
}
await new Promise((r) => setTimeout(r, 100))
out.errorsWhileDenied = errors.splice(0)
const allowed = ohos.webSocket.createWebSocket()
allowed.on('error', (e) => errors.push(e))
out.allowedCaseInsensitive = await result(allowed.connect('ws://localhost:${closed}/'))
await new Promise((r) => setTimeout(r, 500))
out.errorsWhenAllowed = errors.map((e) => ({ code: e.code, data: e.data }))
console.log(JSON.stringify(out))
`,
    { env: { OHOS_WEBSOCKET_ALLOWED_DOMAINS: 'example.com,*.example.org,LOCALHOST' } },
  )
  t.is(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout.trim().split('\n').pop())
  t.deepEqual(out.denied, { error: businessError(2302998) }, 'a host matching no pattern')
  t.deepEqual(out.parentOfWildcard, { error: businessError(2302998) }, '*.example.org does not match example.org')
  t.deepEqual(out.hostWithAllowedPrefix, { error: businessError(2302998) }, 'patterns match the whole host')
  t.deepEqual(out.badArgs, { error: businessError(401) }, '401 first')
  t.deepEqual(out.beforeCert, { error: businessError(2302998) }, 'before 2302002')
  t.deepEqual(out.beforeDns, { error: businessError(2302998) }, 'before DNS (2302999)')
  t.deepEqual(out.errorsWhileDenied, [], 'no error event for a rejected argument check')
  t.deepEqual(out.allowedCaseInsensitive, { value: true }, 'LOCALHOST allows localhost')
  t.deepEqual(out.errorsWhenAllowed, [{ code: 200, data: '0' }], 'the allowed attempt goes on (and is refused)')
})

// ---------------------------------------------------------------------------------------------
// on/off arguments
// ---------------------------------------------------------------------------------------------

function assertThrows401(t, fn, label) {
  let thrown
  let threw = false
  try {
    fn()
  } catch (e) {
    threw = true
    thrown = e
  }
  t.true(threw, `${label} throws`)
  if (threw) {
    t.is(thrown?.code, '401', `${label}: code is the string "401"`)
    t.regex(String(thrown?.message), /Parameter error/, `${label}: message`)
  }
}

test('on() with bad arguments throws synchronously with code "401"', (t) => {
  const ws = webSocket.createWebSocket()
  const fn = () => {}
  assertThrows401(t, () => ws.on(), 'on()')
  assertThrows401(t, () => ws.on('open'), "on('open')")
  assertThrows401(t, () => ws.on('open', 5), "on('open', 5)")
  assertThrows401(t, () => ws.on('open', null), "on('open', null)")
  assertThrows401(t, () => ws.on('open', {}), "on('open', {})")
  assertThrows401(t, () => ws.on(5, fn), 'on(5, fn)')
  assertThrows401(t, () => ws.on(null, fn), 'on(null, fn)')
  assertThrows401(t, () => ws.on(fn), 'on(fn)')
})

test('off() with bad arguments throws synchronously with code "401"', (t) => {
  const ws = webSocket.createWebSocket()
  const fn = () => {}
  assertThrows401(t, () => ws.off(), 'off()')
  assertThrows401(t, () => ws.off(5), 'off(5)')
  assertThrows401(t, () => ws.off(null, fn), 'off(null, fn)')
  assertThrows401(t, () => ws.off('open', 5), "off('open', 5)")
  assertThrows401(t, () => ws.off('open', null), "off('open', null)")
  assertThrows401(t, () => ws.off('open', 'fn'), "off('open', 'fn')")
})

test('on/off accept an unknown event name and ignore it; off(type, undefined) is off(type)', (t) => {
  const ws = webSocket.createWebSocket()
  const fn = () => {}
  t.notThrows(() => ws.on('bogus', fn))
  t.notThrows(() => ws.off('bogus'))
  t.notThrows(() => ws.off('bogus', fn))
  t.notThrows(() => ws.on('OPEN', fn))
  t.notThrows(() => ws.off('open', undefined))
  t.notThrows(() => ws.off('message'))
})

// ---------------------------------------------------------------------------------------------
// A listener that throws
// ---------------------------------------------------------------------------------------------

const THROWING_LISTENER = (handler) => `
import { WebSocketServer } from 'ws'
import ohos from ${JSON.stringify(INDEX_URL)}
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
await new Promise((r) => wss.on('listening', r))
wss.on('connection', (s) => { s.send('one'); setTimeout(() => s.send('two'), 50) })
${handler}
const ws = ohos.webSocket.createWebSocket()
ws.on('open', () => { console.log('open'); throw new Error('boom-open') })
ws.on('message', (err, data) => {
  console.log('message ' + data)
  if (data === 'one') throw new Error('boom-message')
  ws.close()
})
ws.on('close', (err, c) => { console.log('close ' + c.code); wss.close() })
await ws.connect('ws://127.0.0.1:' + wss.address().port)
`

test('an exception thrown by a listener reaches process "uncaughtException", and later events still arrive', async (t) => {
  const r = await runNode(t, THROWING_LISTENER("process.on('uncaughtException', (e) => console.log('uncaught ' + e.message))"))
  t.false(r.timedOut, 'the process ends by itself')
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.stdout.trim().split('\n'), ['open', 'uncaught boom-open', 'message one', 'uncaught boom-message', 'message two', 'close 1000'])
})

test('an exception thrown by a listener with no uncaughtException handler crashes the process like any uncaught error', async (t) => {
  const r = await runNode(t, THROWING_LISTENER(''))
  t.false(r.timedOut)
  t.not(r.code, 0)
  t.regex(r.stderr, /boom-open/)
  t.is(r.stdout.trim().split('\n')[0], 'open')
  t.notRegex(r.stdout, /close/)
})
