// Interop with another implementation: Python's `websockets` (__test__/peers/echo_server.py).
import test from 'ava'

import { LINK_DOWN, openClient, OPEN_PAYLOAD, toHex } from './helpers/events.mjs'
import { startPythonPeer, waitUntil } from './helpers/servers.mjs'

let py
let n = 0
test.before(async () => {
  py = await startPythonPeer(null)
})
test.after.always(() => py?.close())

const tag = () => `?id=${++n}`

test('echo of text, binary and empty messages with Python websockets', async (t) => {
  const path = `/echo${tag()}`
  const { ws, rec } = await openClient(t, py.url(path))
  t.deepEqual(rec.of('open')[0], OPEN_PAYLOAD)
  await ws.send('héllo 😀')
  await ws.send(Uint8Array.from([0, 1, 255]).buffer)
  await ws.send('')
  await ws.send(new ArrayBuffer(0))
  await rec.until('message', { count: 4 })
  const [a, b, c, d] = rec.of('message')
  t.is(a, 'héllo 😀')
  t.is(toHex(b), '0001ff')
  t.is(c, '')
  t.true(d instanceof ArrayBuffer)
  t.is(d.byteLength, 0)
  // The peer's own log (its stdout) may come in after the echoes.
  const seen = await waitUntil(() => {
    const m = py.events.filter((e) => e.event === 'message' && e.path === path)
    return m.length >= 4 && m
  })
  t.deepEqual(
    seen.map((e) => [e.binary, e.data]),
    [
      [false, 'héllo 😀'],
      [true, '0001ff'],
      [false, ''],
      [true, ''],
    ],
  )
})

test('Python sees the request path, Host and the lower-cased custom headers', async (t) => {
  const path = `/echo${tag()}&x=1`
  await openClient(t, py.url(path), { header: { 'X-Interop': 'yes' } })
  const open = await py.waitFor((e) => e.event === 'open' && e.path === path)
  const headers = Object.fromEntries(open.headers.map(([k, v]) => [k.toLowerCase(), v]))
  t.is(headers.host, `127.0.0.1:${py.port}`)
  t.is(headers['x-interop'], 'yes')
  t.true(open.headers.some(([k]) => k === 'x-interop'))
})

test('subprotocol negotiation with Python websockets', async (t) => {
  const path = `/echo${tag()}`
  const { rec } = await openClient(t, py.url(path), { protocol: 'chat' })
  t.deepEqual(await rec.until('openInfo'), { status: 101, message: 'Switching Protocols', protocol: 'chat' })
  const open = await py.waitFor((e) => e.event === 'open' && e.path === path)
  t.is(open.subprotocol, 'chat')
})

test('our close code and reason reach Python', async (t) => {
  const path = `/echo${tag()}`
  const { ws, rec } = await openClient(t, py.url(path))
  await ws.close({ code: 4000, reason: 'bye from node' })
  t.deepEqual(await rec.until('close'), { code: 4000, reason: 'bye from node' })
  const closed = await py.waitFor((e) => e.event === 'close' && e.path === path)
  t.deepEqual([closed.code, closed.reason], [4000, 'bye from node'])
})

test("Python's close code and reason reach us", async (t) => {
  const { rec } = await openClient(t, py.url(`/close/4003/see%20you${tag()}`))
  t.deepEqual(await rec.until('close'), { code: 4003, reason: 'see you' })
  t.is(rec.count('error'), 0)
})

test('a Python close with an empty reason gives "The link is down"', async (t) => {
  const { rec } = await openClient(t, py.url(`/close/1001/${tag()}`))
  t.deepEqual(await rec.until('close'), { code: 1001, reason: LINK_DOWN })
})

test('fragmented messages from Python arrive whole', async (t) => {
  const { rec } = await openClient(t, py.url(`/fragments${tag()}`))
  await rec.until('dataEnd', { count: 2 })
  const [text, binary] = rec.of('message')
  t.is(text, 'fragmented')
  t.is(toHex(binary), '010203')
})

test("Python's ping is answered", async (t) => {
  const { rec } = await openClient(t, py.url(`/ping${tag()}`))
  t.is(await rec.until('message'), 'pong ok')
})

test('many messages from Python arrive in order', async (t) => {
  const N = 500
  const { rec } = await openClient(t, py.url(`/send/${N}${tag()}`))
  await rec.until('message', { count: N, timeout: 10000 })
  t.deepEqual(
    rec.of('message'),
    Array.from({ length: N }, (_, i) => `m${i}`),
  )
})
