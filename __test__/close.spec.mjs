// CONTRACT §6: close(options?) and the 'close' payload, whoever closes first.
import test from 'ava'

import { assertRejects, businessError, LINK_DOWN, newClient, openClient, utf8Cut, viaPromise } from './helpers/events.mjs'
import { delay, handshakeResponse, OP, startRawPeer, startWsServer, waitUntil } from './helpers/servers.mjs'

let server
let n = 0
test.before(async () => {
  server = await startWsServer(null)
})
test.after.always(() => server?.close())

/** An open client on the shared echo server, with the server side of its connection. */
async function session(t) {
  const p = `/s${++n}`
  const client = await openClient(t, server.url(p))
  const conn = await server.connectionAt(p)
  return { ...client, conn }
}

// ---------------------------------------------------------------------------------------------
// We close first
// ---------------------------------------------------------------------------------------------

test("close() resolves true, sends 1000 with an empty reason, and 'close' {1000, \"\"} follows", async (t) => {
  const { ws, rec, conn } = await session(t)
  ws.close().then((v) => rec.mark('close resolved', v))
  const payload = await rec.until('close')
  t.deepEqual(payload, { code: 1000, reason: '' })
  t.deepEqual(await conn.closed, { code: 1000, reason: '' })
  t.deepEqual(rec.types().slice(3), ['close resolved', 'close'])
  t.is(rec.of('close resolved')[0], true)
})

test('close({reason}) without a code sends 1000 and that reason', async (t) => {
  const { ws, rec, conn } = await session(t)
  await ws.close({ reason: 'bye' })
  t.deepEqual(await rec.until('close'), { code: 1000, reason: 'bye' })
  t.deepEqual(await conn.closed, { code: 1000, reason: 'bye' })
})

test('close({code: undefined, reason: undefined}) is close()', async (t) => {
  const { ws, rec, conn } = await session(t)
  await ws.close({ code: undefined, reason: undefined })
  t.deepEqual(await rec.until('close'), { code: 1000, reason: '' })
  t.deepEqual(await conn.closed, { code: 1000, reason: '' })
})

const SENT_AS_GIVEN = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4321, 4999]
const BECOME_1000 = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535, 65536, -1]

test('codes 1000–1003, 1007–1014 and 3000–4999 are sent as given', async (t) => {
  for (const code of SENT_AS_GIVEN) {
    const { ws, rec, conn } = await session(t)
    t.is(await ws.close({ code, reason: `r${code}` }), true)
    t.deepEqual(await conn.closed, { code, reason: `r${code}` }, `server received ${code}`)
    t.deepEqual(await rec.until('close'), { code, reason: `r${code}` }, `'close' payload for ${code}`)
  }
})

test('any other close code is sent as 1000', async (t) => {
  for (const code of BECOME_1000) {
    const { ws, rec, conn } = await session(t)
    t.is(await ws.close({ code, reason: 'other' }), true, `close({code: ${code}}) resolves`)
    t.deepEqual(await conn.closed, { code: 1000, reason: 'other' }, `server received 1000 for ${code}`)
    t.deepEqual(await rec.until('close'), { code: 1000, reason: 'other' }, `'close' payload for ${code}`)
  }
})

test('the reason is cut to 123 bytes on a UTF-8 boundary', async (t) => {
  const reasons = [
    'a'.repeat(123),
    'b'.repeat(200),
    '€'.repeat(50), // 3 bytes each: 41 fit exactly
    'a' + '€'.repeat(50), // 1 + 40*3 = 121; the 41st would end at 124
    'ab' + '😀'.repeat(40), // 2 + 30*4 = 122
    'é'.repeat(62), // 2 bytes each: 61 fit (122)
  ]
  for (const reason of reasons) {
    const { ws, rec, conn } = await session(t)
    const expected = utf8Cut(reason, 123)
    t.true(Buffer.byteLength(expected) <= 123)
    await ws.close({ code: 4000, reason })
    const got = await conn.closed
    t.is(got.reason, expected, `server received ${Buffer.byteLength(expected)} bytes`)
    t.false(got.reason.includes('\uFFFD'), 'no broken character')
    t.deepEqual(await rec.until('close'), { code: 4000, reason: expected })
  }
})

test("we closed first: 'close' reports our code and reason, not the peer's answer", async (t) => {
  const peer = await startRawPeer(t, {
    echoClose: false,
    onConnection: async (c) => {
      await c.closeFrame()
      c.close(1001, 'theirs')
      c.end()
    },
  })
  const { ws, rec } = await openClient(t, peer.url())
  await ws.close({ code: 4000, reason: 'mine' })
  t.deepEqual(await rec.until('close'), { code: 4000, reason: 'mine' })
  const conn = await peer.nextConnection()
  const sent = await conn.closeFrame()
  t.deepEqual([sent.code, sent.reason, sent.masked], [4000, 'mine', true])
})

test("close right after connect resolves, before 'open': a 'close' with our code and reason, never an 'open'", async (t) => {
  const { ws, rec } = newClient(t)
  let closing
  const connected = ws.connect(server.url('/early-close')).then((v) => {
    closing = ws.close({ code: 4001, reason: 'early' })
    return v
  })
  t.is(await connected, true)
  t.is(await closing, true)
  t.deepEqual(await rec.until('close'), { code: 4001, reason: 'early' })
  await delay(200)
  t.is(rec.count('open'), 0, 'no stray open')
  t.is(rec.count('close'), 1)
})

test("close while the handshake is pending, then the server accepts: closed right after the handshake, no 'open'", async (t) => {
  const peer = await startRawPeer(t, { handshake: 'silent' })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  const conn = await peer.nextConnection()
  await waitUntil(() => conn.request)
  t.is(await ws.close({ code: 4002, reason: 'after handshake' }), true)
  conn.write(handshakeResponse(conn.request))
  t.deepEqual(await rec.until('close'), { code: 4002, reason: 'after handshake' })
  await delay(100)
  t.is(rec.count('open'), 0)
  t.is(rec.count('close'), 1)
})

test("close while the handshake is pending and the server never answers: a 'close' and no 'open'", async (t) => {
  t.timeout(20000)
  const peer = await startRawPeer(t, { handshake: 'silent' })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  await peer.nextConnection()
  t.is(await ws.close({ code: 4002, reason: 'abort' }), true)
  const payload = await rec.until('close', { timeout: 7000 })
  t.deepEqual(payload, { code: 4002, reason: 'abort' })
  await delay(100)
  t.is(rec.count('open'), 0)
  t.is(rec.count('close'), 1)
})

test('close with no session rejects 2302999', async (t) => {
  const { ws } = newClient(t)
  await assertRejects(t, ws, 'close', [], 2302999)
  await assertRejects(t, ws, 'close', [{ code: 1000 }], 2302999)
})

test('close twice rejects 2302999 the second time', async (t) => {
  const { ws, rec } = await session(t)
  const first = ws.close()
  const second = await viaPromise(ws, 'close')
  t.deepEqual(second, { error: businessError(2302999) })
  t.is(await first, true)
  await rec.until('close')
  await assertRejects(t, ws, 'close', [], 2302999, "after 'close'")
  t.is(rec.count('close'), 1)
})

test("close() resolves before the 'close' event", async (t) => {
  const { ws, rec } = await session(t)
  await ws.close()
  t.is(rec.count('close'), 0, "'close' comes later")
  await rec.until('close')
})

test("the peer never answers our close: 'close' comes after about 5 s with our code and reason", async (t) => {
  t.timeout(20000)
  const peer = await startRawPeer(t, { echoClose: false })
  const { ws, rec } = await openClient(t, peer.url())
  const started = Date.now()
  await ws.close({ code: 4003, reason: 'timeout' })
  await (await peer.nextConnection()).closeFrame()
  const payload = await rec.until('close', { timeout: 12000 })
  const elapsed = Date.now() - started
  t.deepEqual(payload, { code: 4003, reason: 'timeout' })
  t.true(elapsed >= 4000 && elapsed <= 7500, `'close' after ${elapsed} ms`)
  t.is(rec.count('error'), 0)
})

// ---------------------------------------------------------------------------------------------
// The peer closes first
// ---------------------------------------------------------------------------------------------

const peerCloses = test.macro({
  async exec(t, act, expected, echoed) {
    const { rec, conn } = await session(t)
    act(conn)
    t.deepEqual(await rec.until('close'), expected)
    await delay(50)
    t.deepEqual(rec.types().slice(3), ['close'], 'no error before a clean close')
    if (echoed) t.deepEqual(await conn.closed, echoed, 'the client answers with a close frame')
  },
  title: (provided, _act, expected) => `the peer closes ${provided}: 'close' ${JSON.stringify(expected)}`,
})

test('with 4001 "bye"', peerCloses, (c) => c.close(4001, 'bye'), { code: 4001, reason: 'bye' }, { code: 4001, reason: 'bye' })
test('with 1001 "going away"', peerCloses, (c) => c.close(1001, 'going away'), { code: 1001, reason: 'going away' })
test('with 1000 and a UTF-8 reason', peerCloses, (c) => c.close(1000, 'fin — ✓'), { code: 1000, reason: 'fin — ✓' })
test('with 1000 and an empty reason', peerCloses, (c) => c.close(1000, ''), { code: 1000, reason: LINK_DOWN })
test('with 3000 and an empty reason', peerCloses, (c) => c.close(3000), { code: 3000, reason: LINK_DOWN })
test('with a close frame without payload', peerCloses, (c) => c.closeNoPayload(), { code: 1000, reason: LINK_DOWN })

test('the peer closes with a 123-byte reason: it arrives whole', async (t) => {
  const { rec, conn } = await session(t)
  const reason = 'r'.repeat(120) + '€'
  conn.close(4004, reason)
  t.deepEqual(await rec.until('close'), { code: 4004, reason })
})

test("messages sent before the peer's close are all delivered before 'close'", async (t) => {
  const s = await startWsServer(t, {
    onConnection: (c) =>
      setTimeout(() => {
        c.send('one')
        c.send('two')
        c.close(4005, 'done')
      }, 20),
  })
  const { rec } = await openClient(t, s.url())
  await rec.until('close')
  t.deepEqual(rec.events.slice(3), [
    ['message', 'one'],
    ['dataEnd', undefined],
    ['message', 'two'],
    ['dataEnd', undefined],
    ['close', { code: 4005, reason: 'done' }],
  ])
})

// ---------------------------------------------------------------------------------------------
// Abnormal loss: 'error' then 'close' {1005, "The link is down"}
// ---------------------------------------------------------------------------------------------

const abrupt = test.macro({
  async exec(t, makePeer) {
    const { rec } = await makePeer(t)
    await rec.until('close')
    await delay(50)
    t.deepEqual(rec.types().slice(3), ['error', 'close'])
    const [err] = rec.of('error')
    t.is(err.code, 200)
    t.is(err.data, '0')
    t.true(typeof err.message === 'string' && err.message.length > 0)
    t.deepEqual(rec.of('close')[0], { code: 1005, reason: LINK_DOWN })
  },
  title: (provided) => `abrupt loss (${provided}): 'error' {code: 200, data: "0"} then 'close' {1005, "The link is down"}`,
})

test('the server terminates the socket', abrupt, async (t) => {
  const { ws, rec, conn } = await session(t)
  conn.terminate()
  return { ws, rec }
})

test('TCP reset', abrupt, async (t) => {
  const peer = await startRawPeer(t, { onConnection: (c) => setTimeout(() => c.reset(), 30) })
  return openClient(t, peer.url())
})

test('EOF without a close frame', abrupt, async (t) => {
  const peer = await startRawPeer(t, { onConnection: (c) => setTimeout(() => c.end(), 30) })
  return openClient(t, peer.url())
})

test('EOF in the middle of a frame', abrupt, async (t) => {
  const peer = await startRawPeer(t, {
    onConnection: (c) =>
      setTimeout(() => {
        c.write(Buffer.from([0x81, 0x05, 0x68, 0x65]))
        c.end()
      }, 30),
  })
  return openClient(t, peer.url())
})

test("after an abrupt loss, close and send reject 2302999 and the object can connect again", async (t) => {
  const peer = await startRawPeer(t, { onConnection: (c) => setTimeout(() => c.destroy(), 30) })
  const { ws, rec } = await openClient(t, peer.url())
  await rec.until('close')
  await assertRejects(t, ws, 'close', [], 2302999)
  await assertRejects(t, ws, 'send', ['x'], 2302999)
  t.is(await ws.connect(server.url('/again')), true)
  await rec.until('open', { count: 2 })
})

// ---------------------------------------------------------------------------------------------
// Heartbeat: a peer that stops answering pings is an abnormal loss
// ---------------------------------------------------------------------------------------------

test("no pong within pongTimeout: 'error' then 'close' {1005, \"The link is down\"}", async (t) => {
  t.timeout(15000)
  // The raw peer never answers pings.
  const peer = await startRawPeer(t)
  const started = Date.now()
  const { rec } = await openClient(t, peer.url(), { pingInterval: 1, pongTimeout: 1 })
  const conn = await peer.nextConnection()
  const ping = await conn.nextFrame((f) => f.opcode === OP.PING, 4000)
  t.true(ping.masked)
  await rec.until('close', { timeout: 8000 })
  const elapsed = Date.now() - started
  t.true(elapsed >= 1500 && elapsed <= 5000, `connection dropped after ${elapsed} ms`)
  t.deepEqual(rec.types().slice(3), ['error', 'close'])
  const [err] = rec.of('error')
  t.deepEqual([err.code, err.data], [200, '0'])
  t.deepEqual(rec.of('close')[0], { code: 1005, reason: LINK_DOWN })
})

test('a peer that answers the heartbeat pings keeps the connection open', async (t) => {
  t.timeout(15000)
  const { ws, rec, conn } = await (async () => {
    const p = `/s${++n}`
    const client = await openClient(t, server.url(p), { pingInterval: 1, pongTimeout: 1 })
    return { ...client, conn: await server.connectionAt(p) }
  })()
  await delay(3500)
  t.true(conn.pings.length >= 2, `${conn.pings.length} pings in 3.5 s`)
  t.deepEqual(rec.types().slice(3), [], 'no error, no close')
  await ws.send('still open')
  t.is((await conn.nextMessages(1))[0].data, 'still open')
})
