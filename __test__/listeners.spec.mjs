// CONTRACT §2: one listener per event type, off(type, cb) rules, listener arities, the static
// ArkTS aliases, and events that happen with no listener being dropped.
import test from 'ava'

import { newClient, OPEN_PAYLOAD, openClient } from './helpers/events.mjs'
import { closedPort, delay, HOST, startWsServer, waitUntil } from './helpers/servers.mjs'

// A server that sends back "<text>" when it receives "send:<text>", so a test decides when
// a message comes in.
let server
let n = 0
test.before(async () => {
  server = await startWsServer(null, {
    echo: false,
    onConnection: (c) =>
      c.ws.on('message', (data, isBinary) => {
        const s = data.toString()
        if (!isBinary && s.startsWith('send:')) c.ws.send(s.slice(5))
      }),
  })
})
test.after.always(() => server?.close())

async function session(t, options) {
  const p = `/l${++n}`
  const { ws, rec } = newClient(t, ['open', 'close'])
  await ws.connect(server.url(p), options)
  await rec.until('open')
  const conn = await server.connectionAt(p)
  return { ws, rec, conn }
}

/** Asks the server for `text` and waits until it has been sent (plus a margin for delivery). */
async function serverSends(ws, conn, text) {
  const before = conn.messages.length
  await ws.send(`send:${text}`)
  await waitUntil(() => conn.messages.length > before)
  await delay(100)
}

test('on(type, cb) replaces the previous listener of that type', async (t) => {
  const { ws, conn } = await session(t)
  const got = []
  ws.on('message', (_e, d) => got.push(['a', d]))
  ws.on('message', (_e, d) => got.push(['b', d]))
  await serverSends(ws, conn, 'x')
  t.deepEqual(got, [['b', 'x']])
})

test('registering the same function twice still calls it once per event', async (t) => {
  const { ws, conn } = await session(t)
  const got = []
  const fn = (_e, d) => got.push(d)
  ws.on('message', fn)
  ws.on('message', fn)
  await serverSends(ws, conn, 'once')
  t.deepEqual(got, ['once'])
})

test('off(type, cb) with another function leaves the listener in place', async (t) => {
  const { ws, conn } = await session(t)
  const got = []
  ws.on('message', (_e, d) => got.push(d))
  ws.off('message', () => {})
  await serverSends(ws, conn, 'kept')
  t.deepEqual(got, ['kept'])
})

test('off(type, cb) with that function removes it', async (t) => {
  const { ws, conn } = await session(t)
  const got = []
  const fn = (_e, d) => got.push(d)
  ws.on('message', fn)
  ws.off('message', fn)
  await serverSends(ws, conn, 'dropped')
  t.deepEqual(got, [])
})

test('off(type) and off(type, undefined) remove the listener whatever it is', async (t) => {
  const { ws, conn } = await session(t)
  const got = []
  ws.on('message', (_e, d) => got.push(d))
  ws.off('message')
  await serverSends(ws, conn, 'dropped-1')
  ws.on('message', (_e, d) => got.push(d))
  ws.off('message', undefined)
  await serverSends(ws, conn, 'dropped-2')
  ws.on('message', (_e, d) => got.push(d))
  await serverSends(ws, conn, 'kept')
  t.deepEqual(got, ['kept'])
})

test("a message that arrives with no 'message' listener is dropped (and gets no 'dataEnd')", async (t) => {
  const { ws, conn } = await session(t)
  const got = []
  ws.on('dataEnd', () => got.push('dataEnd'))
  await serverSends(ws, conn, 'nobody listens')
  t.deepEqual(got, [], "no 'dataEnd' for a dropped message")
  ws.on('message', (_e, d) => got.push(d))
  await serverSends(ws, conn, 'heard')
  t.deepEqual(got, ['heard', 'dataEnd'], 'the dropped message is not delivered later')
})

test("events that happen with no listener are not delivered to a listener added later", async (t) => {
  const { ws } = newClient(t, [])
  await ws.connect(server.url('/late-listeners'))
  await server.connectionAt('/late-listeners')
  await delay(200)
  const got = []
  for (const type of ['open', 'openInfo', 'headerReceive']) ws.on(type, (...args) => got.push([type, args]))
  await delay(200)
  t.deepEqual(got, [])
})

test("an 'error' with no listener is dropped silently (no throw, no crash)", async (t) => {
  const port = await closedPort()
  const ws = newClient(t, []).ws
  t.is(await ws.connect(`ws://${HOST}:${port}/`), true)
  await delay(300)
  const got = []
  ws.on('error', (e) => got.push(e))
  await delay(100)
  t.deepEqual(got, [])
})

// ---------------------------------------------------------------------------------------------
// Arities
// ---------------------------------------------------------------------------------------------

test("'open', 'openInfo', 'message' and 'close' listeners get (undefined, payload)", async (t) => {
  const { ws, conn } = await session(t)
  const calls = []
  ws.on('message', (...args) => calls.push(['message', args]))
  ws.on('close', (...args) => calls.push(['close', args]))
  await serverSends(ws, conn, 'hi')
  await ws.close({ code: 4000, reason: 'arity' })
  await waitUntil(() => calls.length === 2)
  t.deepEqual(calls, [
    ['message', [undefined, 'hi']],
    ['close', [undefined, { code: 4000, reason: 'arity' }]],
  ])

  const { ws: ws2 } = newClient(t, [])
  const seen = []
  ws2.on('open', (...args) => seen.push(['open', args]))
  ws2.on('openInfo', (...args) => seen.push(['openInfo', args]))
  await ws2.connect(server.url('/arity-open'))
  await waitUntil(() => seen.length === 2)
  t.deepEqual(seen, [
    ['open', [undefined, OPEN_PAYLOAD]],
    ['openInfo', [undefined, { status: 101, message: 'Switching Protocols' }]],
  ])
})

test("'error', 'headerReceive' and 'dataEnd' listeners get (payload)", async (t) => {
  const { ws } = newClient(t, [])
  const seen = []
  ws.on('headerReceive', (...args) => seen.push(['headerReceive', args]))
  ws.on('message', () => {})
  ws.on('dataEnd', (...args) => seen.push(['dataEnd', args]))
  ws.on('error', (...args) => seen.push(['error', args]))
  await ws.connect(server.url('/arity-plain'))
  const conn = await server.connectionAt('/arity-plain')
  await waitUntil(() => seen.length === 1)
  await serverSends(ws, conn, 'x')
  await waitUntil(() => seen.length === 2)
  t.is(seen[0][0], 'headerReceive')
  t.is(seen[0][1].length, 1)
  t.is(typeof seen[0][1][0], 'object')
  t.is(seen[1][0], 'dataEnd')
  t.true(seen[1][1].length <= 1 && seen[1][1][0] === undefined, 'dataEnd gets (undefined)')

  const port = await closedPort()
  const { ws: ws2 } = newClient(t, [])
  const errors = []
  ws2.on('error', (...args) => errors.push(args))
  await ws2.connect(`ws://${HOST}:${port}/`)
  await waitUntil(() => errors.length === 1)
  t.is(errors[0].length, 1)
  t.is(errors[0][0].code, 200)
})

// ---------------------------------------------------------------------------------------------
// Static ArkTS aliases
// ---------------------------------------------------------------------------------------------

const ALIASES = [
  ['onOpen', 'offOpen', 'open'],
  ['onMessage', 'offMessage', 'message'],
  ['onWebSocketClose', 'offWebSocketClose', 'close'],
  ['onWebSocketError', 'offWebSocketError', 'error'],
  ['onDataEnd', 'offDataEnd', 'dataEnd'],
  ['onHeaderReceive', 'offHeaderReceive', 'headerReceive'],
]

test('the static aliases exist: ' + ALIASES.map(([on, off]) => `${on}/${off}`).join(', '), (t) => {
  const { ws } = newClient(t, [])
  for (const [on, off] of ALIASES) {
    t.is(typeof ws[on], 'function', on)
    t.is(typeof ws[off], 'function', off)
  }
})

test('events reach listeners registered with the aliases, with the same arities', async (t) => {
  const { ws } = newClient(t, [])
  const seen = []
  ws.onHeaderReceive((...a) => seen.push(['headerReceive', a.length, typeof a[0]]))
  ws.onOpen((...a) => seen.push(['open', a]))
  ws.onMessage((...a) => seen.push(['message', a]))
  ws.onDataEnd((...a) => seen.push(['dataEnd', a.length <= 1 && a[0] === undefined]))
  ws.onWebSocketClose((...a) => seen.push(['close', a]))
  await ws.connect(server.url('/aliases'))
  const conn = await server.connectionAt('/aliases')
  await waitUntil(() => seen.length >= 2)
  await serverSends(ws, conn, 'via alias')
  await ws.close({ code: 4000, reason: 'alias' })
  await waitUntil(() => seen.some(([k]) => k === 'close'))
  t.deepEqual(seen, [
    ['headerReceive', 1, 'object'],
    ['open', [undefined, OPEN_PAYLOAD]],
    ['message', [undefined, 'via alias']],
    ['dataEnd', true],
    ['close', [undefined, { code: 4000, reason: 'alias' }]],
  ])

  const port = await closedPort()
  const { ws: ws2 } = newClient(t, [])
  const errors = []
  ws2.onWebSocketError((...a) => errors.push(a))
  await ws2.connect(`ws://${HOST}:${port}/`)
  await waitUntil(() => errors.length === 1)
  t.is(errors[0].length, 1)
  t.is(errors[0][0].code, 200)
})

test('an alias and on/off share the one listener slot of their type', async (t) => {
  const { ws, conn } = await session(t)
  const got = []
  const a = (_e, d) => got.push(['a', d])
  const b = (_e, d) => got.push(['b', d])
  ws.onMessage(a)
  ws.on('message', b)
  await serverSends(ws, conn, '1')
  ws.onMessage(a)
  await serverSends(ws, conn, '2')
  ws.offMessage(b)
  await serverSends(ws, conn, '3')
  ws.off('message', a)
  await serverSends(ws, conn, '4')
  ws.on('message', b)
  ws.offMessage()
  await serverSends(ws, conn, '5')
  t.deepEqual(got, [
    ['b', '1'],
    ['a', '2'],
    ['a', '3'],
  ])
})

test('aliases with a bad callback throw code "401"', (t) => {
  const { ws } = newClient(t, [])
  for (const [on, off] of ALIASES) {
    for (const [name, call] of [
      [`${on}()`, () => ws[on]()],
      [`${on}(5)`, () => ws[on](5)],
      [`${off}(5)`, () => ws[off](5)],
    ]) {
      let code
      try {
        call()
      } catch (e) {
        code = e?.code
      }
      t.is(code, '401', name)
    }
  }
})
