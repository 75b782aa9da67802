// CONTRACT §3 (connect: the handshake it sends, the events of success and failure) and §4
// ('error' payloads).
import test from 'ava'

import { businessError, newClient, OPEN_PAYLOAD, openClient, viaPromise } from './helpers/events.mjs'
import { acceptKey, closedPort, delay, HOST, respond, startRawPeer, startWsServer } from './helpers/servers.mjs'

/** After a failure, how long we watch for stray events. */
const QUIET_MS = 300

function header(upgrade, name) {
  const found = upgrade.rawHeaders.filter(([k]) => k.toLowerCase() === name.toLowerCase())
  return found.length === 0 ? undefined : found.length === 1 ? found[0][1] : found.map(([, v]) => v)
}

// ---------------------------------------------------------------------------------------------
// Success
// ---------------------------------------------------------------------------------------------

test('success: connect settles true, then headerReceive, open {status: 101, message: "Switching Protocols"}, openInfo', async (t) => {
  const server = await startWsServer(t)
  const { ws, rec } = newClient(t)
  ws.connect(server.url()).then((v) => rec.mark('connect resolved', v))
  await rec.until('openInfo')
  await delay(50)
  t.deepEqual(rec.types(), ['connect resolved', 'headerReceive', 'open', 'openInfo'])
  t.is(rec.of('connect resolved')[0], true)
  t.deepEqual(rec.of('open')[0], OPEN_PAYLOAD)
  const info = rec.of('openInfo')[0]
  t.deepEqual(info, { status: 101, message: 'Switching Protocols' })
  t.false('protocol' in info, 'openInfo has no protocol property when the server chose none')
})

test('connect resolves true once the attempt has started, without waiting for the handshake', async (t) => {
  const peer = await startRawPeer(t, { handshake: 'silent' })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  await peer.nextConnection()
  await delay(100)
  t.deepEqual(rec.types(), [], 'no event while the server has not answered')
})

test('openInfo.protocol and headerReceive show the subprotocol the server chose', async (t) => {
  const server = await startWsServer(t, { handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false) })
  const { rec } = await openClient(t, server.url(), { protocol: 'superchat, chat' })
  const info = await rec.until('openInfo')
  t.deepEqual(info, { status: 101, message: 'Switching Protocols', protocol: 'chat' })
  t.is(rec.of('headerReceive')[0]['sec-websocket-protocol'], 'chat')
})

test('a server may answer without a subprotocol even when one was offered', async (t) => {
  const server = await startWsServer(t, { handleProtocols: () => false })
  const { rec } = await openClient(t, server.url(), { protocol: 'chat' })
  const info = await rec.until('openInfo')
  t.false('protocol' in info)
  t.is(server.upgrades[0].headers['sec-websocket-protocol'], 'chat')
})

test('headerReceive: lower-case names, a string per header, string[] for a repeated header', async (t) => {
  const server = await startWsServer(t, {
    responseHeaders: ['X-Custom-Reply: Yes', 'Set-Cookie: a=1', 'Set-Cookie: b=2', 'X-Multi: one', 'X-Multi: two', 'X-Empty-Ok: '],
  })
  const { rec } = await openClient(t, server.url())
  const headers = rec.of('headerReceive')[0]
  t.is(typeof headers, 'object')
  for (const k of Object.keys(headers)) t.is(k, k.toLowerCase(), `header name ${k} is lower case`)
  t.is(headers['x-custom-reply'], 'Yes')
  t.is(headers.upgrade, 'websocket')
  t.regex(headers.connection, /upgrade/i)
  t.is(typeof headers['sec-websocket-accept'], 'string')
  t.deepEqual(headers['set-cookie'], ['a=1', 'b=2'])
  t.deepEqual(headers['x-multi'], ['one', 'two'])
  t.false('HTTP/1.1 101 Switching Protocols' in headers, 'the status line is not a header')
})

// ---------------------------------------------------------------------------------------------
// The handshake request, as the server sees it
// ---------------------------------------------------------------------------------------------

test('the request line carries the URL path and query', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, server.url('/a/b%20c/d?x=1&y=two'))
  const u = server.upgrades[0]
  t.is(u.method, 'GET')
  t.is(u.httpVersion, '1.1')
  t.is(u.url, '/a/b%20c/d?x=1&y=two')
})

test('the URL fragment is not sent', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, server.url('/p?q=1#frag'))
  t.is(server.upgrades[0].url, '/p?q=1')
})

test('an empty path becomes "/"', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, `ws://${HOST}:${server.port}`)
  t.is(server.upgrades[0].url, '/')
})

test('a "/" is inserted before a query that follows the authority directly', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, `ws://${HOST}:${server.port}?x=1&y=2`)
  t.is(server.upgrades[0].url, '/?x=1&y=2')
})

test('Host carries the port when it is not the default; Origin is http://host without the port', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, server.url())
  const u = server.upgrades[0]
  t.is(header(u, 'host'), `${HOST}:${server.port}`)
  t.is(header(u, 'origin'), `http://${HOST}`)
  t.is(header(u, 'upgrade')?.toLowerCase(), 'websocket')
  t.regex(header(u, 'connection'), /upgrade/i)
  t.is(header(u, 'sec-websocket-version'), '13')
  t.is(Buffer.from(header(u, 'sec-websocket-key'), 'base64').length, 16)
})

test('supportOriginPort: true puts the port in Origin', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, server.url(), { supportOriginPort: true })
  t.is(header(server.upgrades[0], 'origin'), `http://${HOST}:${server.port}`)
})

test('Host has no port for ws on port 80', async (t) => {
  let server
  try {
    server = await startWsServer(t, { port: 80 })
  } catch (e) {
    t.log(`port 80 not available (${e.code}); the check is skipped`)
    t.pass()
    return
  }
  const { ws, rec } = await openClient(t, `ws://${HOST}/`)
  t.is(header(server.upgrades[0], 'host'), HOST)
  t.is(header(server.upgrades[0], 'origin'), `http://${HOST}`)
  await ws.close()
  await rec.until('close')
  await openClient(t, `ws://${HOST}:80/explicit`)
  t.is(header(server.upgrades[1], 'host'), HOST, 'an explicit default port is not repeated')
})

test('Sec-WebSocket-Protocol is options.protocol verbatim', async (t) => {
  const server = await startWsServer(t, { handleProtocols: () => false })
  await openClient(t, server.url('/one'), { protocol: 'chat' })
  await openClient(t, server.url('/list'), { protocol: 'chat, superchat,v2.json' })
  t.is(header(server.upgrades[0], 'sec-websocket-protocol'), 'chat')
  t.is(header(server.upgrades[1], 'sec-websocket-protocol'), 'chat, superchat,v2.json')
})

test('no Sec-WebSocket-Protocol header without a protocol or with an empty one', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, server.url('/none'))
  await openClient(t, server.url('/empty'), { protocol: '' })
  t.is(header(server.upgrades[0], 'sec-websocket-protocol'), undefined)
  t.is(header(server.upgrades[1], 'sec-websocket-protocol'), undefined)
})

test('custom headers are sent with lower-case names and their values as given', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, server.url(), {
    header: { 'X-Custom-Thing': 'Some Value', Authorization: 'Bearer abc.DEF', 'x-already-lower': 'v' },
  })
  const raw = server.upgrades[0].rawHeaders
  t.deepEqual(
    raw.filter(([k]) => /^(x-custom-thing|authorization|x-already-lower)$/i.test(k)),
    [
      ['x-custom-thing', 'Some Value'],
      ['authorization', 'Bearer abc.DEF'],
      ['x-already-lower', 'v'],
    ],
  )
})

test('custom headers with an empty or non-string value are dropped', async (t) => {
  const server = await startWsServer(t)
  await openClient(t, server.url(), {
    header: { 'X-Kept': 'yes', 'X-Empty': '', 'X-Number': 5, 'X-Bool': true, 'X-Null': null, 'X-Undef': undefined, 'X-Obj': { a: 1 } },
  })
  const names = server.upgrades[0].rawHeaders.map(([k]) => k.toLowerCase())
  t.true(names.includes('x-kept'))
  for (const n of ['x-empty', 'x-number', 'x-bool', 'x-null', 'x-undef', 'x-obj']) t.false(names.includes(n), `${n} is dropped`)
})

// ---------------------------------------------------------------------------------------------
// Redirects
// ---------------------------------------------------------------------------------------------

for (const status of [301, 302, 303, 307, 308]) {
  test(`a ${status} redirect is followed`, async (t) => {
    const server = await startWsServer(t, {
      onUpgrade(req, socket) {
        if (req.url === '/from') return respond(socket, status, { Location: '/to?after=redirect' })
      },
    })
    const { rec } = await openClient(t, server.url('/from'))
    t.deepEqual(
      server.upgrades.map((u) => u.url),
      ['/from', '/to?after=redirect'],
    )
    t.deepEqual(rec.of('open')[0], OPEN_PAYLOAD)
    t.is(rec.count('error'), 0)
  })
}

test('a redirect to an absolute ws:// URL on another server is followed', async (t) => {
  const target = await startWsServer(t)
  const origin = await startWsServer(t, {
    onUpgrade: (req, socket) => respond(socket, 302, { Location: target.url('/elsewhere') }),
  })
  const { rec } = await openClient(t, origin.url('/start'))
  t.deepEqual(origin.upgrades.map((u) => u.url), ['/start'])
  t.deepEqual(target.upgrades.map((u) => u.url), ['/elsewhere'])
  t.is(header(target.upgrades[0], 'host'), `${HOST}:${target.port}`)
  t.deepEqual(rec.of('open')[0], OPEN_PAYLOAD)
})

function redirectChain(t) {
  // /r/N redirects to /r/N-1; /r/0 accepts.
  return startWsServer(t, {
    onUpgrade(req, socket) {
      const m = /^\/r\/(\d+)$/.exec(req.url)
      if (m && Number(m[1]) > 0) return respond(socket, 302, { Location: `/r/${Number(m[1]) - 1}` })
    },
  })
}

test('up to 5 redirects in a row are followed', async (t) => {
  const server = await redirectChain(t)
  const { rec } = await openClient(t, server.url('/r/5'))
  t.is(server.upgrades.length, 6)
  t.deepEqual(rec.of('open')[0], OPEN_PAYLOAD)
})

test('a 6th redirect fails the connection with one error and no open', async (t) => {
  const server = await redirectChain(t)
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(server.url('/r/6')), true)
  const err = await rec.until('error')
  await delay(QUIET_MS)
  t.is(err.code, 200)
  t.is(typeof err.data, 'string')
  t.true(server.upgrades.length <= 6, `${server.upgrades.length} requests`)
  t.deepEqual(rec.types(), ['error'])
})

// ---------------------------------------------------------------------------------------------
// Failures: one 'error', no 'close', and the object can connect again
// ---------------------------------------------------------------------------------------------

async function assertFailedAttempt(t, rec, data) {
  const err = await rec.until('error')
  await delay(QUIET_MS)
  t.deepEqual(Object.keys(err).sort(), ['code', 'data', 'message'])
  t.is(err.code, 200)
  t.is(err.data, data)
  t.is(typeof err.message, 'string')
  t.true(err.message.length > 0, 'message says why')
  t.deepEqual(rec.types(), ['error'], 'exactly one error, no headerReceive/open/openInfo/close')
  return err
}

test('an upgrade answered 404: one error {code: 200, data: "404", message}, no close, and the object can connect again', async (t) => {
  const server = await startWsServer(t, {
    onUpgrade: (req, socket) => req.url === '/missing' && respond(socket, 404, {}, 'not here'),
  })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(server.url('/missing')), true)
  const err = await assertFailedAttempt(t, rec, '404')
  t.log(err.message)
  t.is(await ws.connect(server.url('/ok')), true)
  t.deepEqual(await rec.until('open'), OPEN_PAYLOAD)
})

for (const status of [200, 400, 401, 403, 500, 503]) {
  test(`an upgrade answered ${status} fails with error data "${status}"`, async (t) => {
    const server = await startWsServer(t, { onUpgrade: (req, socket) => respond(socket, status) })
    const { ws, rec } = newClient(t)
    t.is(await ws.connect(server.url()), true)
    await assertFailedAttempt(t, rec, String(status))
  })
}

test('connection refused: connect resolves true, then one error {code: 200, data: "0"}, no close; the object can connect again', async (t) => {
  const port = await closedPort()
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(`ws://${HOST}:${port}/`), true)
  const err = await assertFailedAttempt(t, rec, '0')
  t.log(err.message)
  const server = await startWsServer(t)
  t.is(await ws.connect(server.url()), true)
  t.deepEqual(await rec.until('open'), OPEN_PAYLOAD)
})

test('an unresolvable host: connect rejects 2302999 and one error is emitted', async (t) => {
  const { ws, rec } = newClient(t)
  const r = await viaPromise(ws, 'connect', 'ws://nonexistent.invalid/')
  t.deepEqual(r, { error: businessError(2302999) })
  const err = await assertFailedAttempt(t, rec, '0')
  t.log(err.message)
  const server = await startWsServer(t)
  t.is(await ws.connect(server.url()), true, 'the object can connect again')
  await rec.until('open')
})

test('a wrong Sec-WebSocket-Accept fails with error data "101"', async (t) => {
  const peer = await startRawPeer(t, { accept: () => 'dGhlIHNhbXBsZSBub25jZQ==' })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  await assertFailedAttempt(t, rec, '101')
})

test('a 101 without "Upgrade: websocket" fails with error data "101"', async (t) => {
  const peer = await startRawPeer(t, {
    handshake: (req) => `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(req)}\r\n\r\n`,
  })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  await assertFailedAttempt(t, rec, '101')
})

test('a subprotocol the client did not offer fails with error data "101"', async (t) => {
  const server = await startWsServer(t, { handleProtocols: () => 'other' })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(server.url(), { protocol: 'chat' }), true)
  await assertFailedAttempt(t, rec, '101')
})

test('a peer that closes the TCP connection instead of answering fails with error data "0"', async (t) => {
  const peer = await startRawPeer(t, { handshake: 'silent', onConnection: (conn) => setTimeout(() => conn.end(), 50) })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  await assertFailedAttempt(t, rec, '0')
})

test('after a failed attempt, send and close report 2302999 (no session)', async (t) => {
  const port = await closedPort()
  const { ws, rec } = newClient(t)
  await ws.connect(`ws://${HOST}:${port}/`)
  await rec.until('error')
  await delay(50)
  t.deepEqual(await viaPromise(ws, 'send', 'x'), { error: businessError(2302999) })
  t.deepEqual(await viaPromise(ws, 'close'), { error: businessError(2302999) })
})

test("after a peer's close the object can connect again", async (t) => {
  const server = await startWsServer(t, { onConnection: (conn) => setTimeout(() => conn.close(4000, 'again'), 20) })
  const { ws, rec } = await openClient(t, server.url('/first'))
  t.deepEqual(await rec.until('close'), { code: 4000, reason: 'again' })
  t.is(await ws.connect(server.url('/second')), true)
  await rec.until('open', { count: 2 })
  t.deepEqual(await rec.until('close', { count: 2 }), { code: 4000, reason: 'again' })
})

function acceptFor(req) {
  return acceptKey(req.headers['sec-websocket-key'])
}
