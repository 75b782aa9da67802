// CONTRACT §5: messages in both directions, fragmentation, pings, protocol violations, send rules.
import test from 'ava'

import { assertRejects, businessError, newClient, openClient, toHex, viaPromise } from './helpers/events.mjs'
import { delay, frame, handshakeResponse, OP, startRawPeer, startWsServer, waitUntil } from './helpers/servers.mjs'

let echo
test.before(async () => {
  echo = await startWsServer(null)
})
test.after.always(() => echo?.close())

/** A raw peer that runs `script(conn)` after the handshake; returns the open client and the peer connection. */
async function rawSession(t, script, peerOpts = {}, clientOptions = undefined) {
  const peer = await startRawPeer(t, { ...peerOpts, onConnection: (conn) => script?.(conn) })
  const client = await openClient(t, peer.url(), clientOptions)
  const conn = await peer.nextConnection()
  return { ...client, conn, peer }
}

// ---------------------------------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------------------------------

test("a text message arrives as a string, then 'dataEnd' with undefined", async (t) => {
  const server = await startWsServer(t, { onConnection: (c) => setTimeout(() => c.send('hello'), 20) })
  const { rec } = await openClient(t, server.url())
  await rec.until('dataEnd')
  t.deepEqual(rec.events.slice(3), [
    ['message', 'hello'],
    ['dataEnd', undefined],
  ])
  const dataEnd = rec.calls.find((c) => c.type === 'dataEnd')
  t.true(dataEnd.args.length <= 1 && dataEnd.args[0] === undefined, 'dataEnd gets undefined')
})

test("'dataEnd' comes straight after its 'message', before anything the listener scheduled", async (t) => {
  const server = await startWsServer(t, { onConnection: (c) => setTimeout(() => (c.send('one'), c.send('two')), 20) })
  const { ws, rec } = newClient(t)
  ws.on('message', (_e, data) => {
    rec.mark('message', data)
    setImmediate(() => rec.mark('immediate', data))
    setTimeout(() => rec.mark('timeout', data), 0)
  })
  await ws.connect(server.url())
  await rec.until('timeout', { count: 2 })
  await delay(20)
  const seq = rec.events.slice(3).map(([type, p]) => (type === 'dataEnd' ? type : `${type} ${p}`))
  t.is(seq.indexOf('message one') + 1, seq.indexOf('dataEnd'), seq.join(', '))
  t.true(seq.indexOf('dataEnd') < seq.indexOf('immediate one'), seq.join(', '))
  t.true(seq.indexOf('dataEnd') < seq.indexOf('timeout one'), seq.join(', '))
  t.is(seq.filter((x) => x === 'dataEnd').length, 2)
  t.is(seq[seq.indexOf('message two') + 1], 'dataEnd', seq.join(', '))
})

test('a binary message arrives as an ArrayBuffer', async (t) => {
  const server = await startWsServer(t, { onConnection: (c) => setTimeout(() => c.send(Buffer.from([0, 1, 2, 0xfe, 0xff])), 20) })
  const { rec } = await openClient(t, server.url())
  const data = await rec.until('message')
  t.true(data instanceof ArrayBuffer, 'an ArrayBuffer (not a Buffer or TypedArray)')
  t.is(toHex(data), '000102feff')
  await rec.until('dataEnd')
})

test('an empty text message arrives as "" and an empty binary message as an empty ArrayBuffer', async (t) => {
  const server = await startWsServer(t, {
    onConnection: (c) =>
      setTimeout(() => {
        c.send('')
        c.send(Buffer.alloc(0))
      }, 20),
  })
  const { rec } = await openClient(t, server.url())
  await rec.until('dataEnd', { count: 2 })
  const [text, binary] = rec.of('message')
  t.is(text, '')
  t.true(binary instanceof ArrayBuffer)
  t.is(binary.byteLength, 0)
  t.deepEqual(rec.types().slice(3), ['message', 'dataEnd', 'message', 'dataEnd'])
})

test('text with multi-byte UTF-8 characters round-trips unchanged', async (t) => {
  const text = 'héllo wörld — 你好 — 😀🎉 — \u0000 — \uFFFD'
  const { ws, rec } = await openClient(t, echo.url('/utf8'))
  await ws.send(text)
  const conn = await echo.connectionAt('/utf8')
  const [received] = await conn.nextMessages(1)
  t.deepEqual(received, { data: text, isBinary: false })
  t.is(await rec.until('message'), text)
})

test('large text and binary messages round-trip', async (t) => {
  const text = 'x'.repeat(300_000) + '€'.repeat(10_000)
  const bytes = Buffer.alloc(1024 * 1024 + 7)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff
  const { ws, rec } = await openClient(t, echo.url('/large'))
  await ws.send(text)
  await ws.send(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
  await rec.until('message', { count: 2, timeout: 15000 })
  const [gotText, gotBinary] = rec.of('message')
  t.is(gotText.length, text.length)
  t.true(gotText === text)
  t.true(gotBinary instanceof ArrayBuffer)
  t.true(Buffer.from(gotBinary).equals(bytes))
})

test('a fragmented text message arrives as one message; pings between its fragments are answered', async (t) => {
  const { rec, conn } = await rawSession(t, (c) => {
    c.send(OP.TEXT, 'Hel', { fin: false })
    c.ping('p1')
    c.send(OP.CONTINUATION, 'lo, ', { fin: false })
    c.ping('p2')
    c.send(OP.CONTINUATION, 'world', { fin: true })
  })
  await rec.until('dataEnd')
  await delay(50)
  t.deepEqual(rec.events.slice(3), [
    ['message', 'Hello, world'],
    ['dataEnd', undefined],
  ])
  const pongs = await waitUntil(() => {
    const p = conn.frames.filter((f) => f.opcode === OP.PONG)
    return p.length >= 2 && p
  })
  t.deepEqual(
    pongs.map((f) => [f.payload.toString(), f.fin, f.masked]),
    [
      ['p1', true, true],
      ['p2', true, true],
    ],
  )
})

test('a fragmented binary message arrives as one ArrayBuffer', async (t) => {
  const { rec } = await rawSession(t, (c) => {
    c.send(OP.BINARY, [1, 2], { fin: false })
    c.send(OP.CONTINUATION, [], { fin: false })
    c.send(OP.CONTINUATION, [3], { fin: false })
    c.send(OP.CONTINUATION, [4, 5], { fin: true })
  })
  const data = await rec.until('message')
  t.true(data instanceof ArrayBuffer)
  t.is(toHex(data), '0102030405')
  await delay(50)
  t.deepEqual(rec.types().slice(3), ['message', 'dataEnd'])
})

test('a UTF-8 character split across fragments is decoded whole', async (t) => {
  const euro = Buffer.from('€') // e2 82 ac
  const { rec } = await rawSession(t, (c) => {
    c.send(OP.TEXT, Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)]), { fin: false })
    c.send(OP.CONTINUATION, Buffer.concat([euro.subarray(2), Buffer.from('b')]), { fin: true })
  })
  t.is(await rec.until('message'), 'a€b')
})

test("many messages arrive in order, each followed by 'dataEnd'", async (t) => {
  const N = 300
  const server = await startWsServer(t, {
    onConnection: (c) =>
      setTimeout(() => {
        for (let i = 0; i < N; i++) c.send(i % 3 === 2 ? Buffer.from([i & 0xff]) : `m${i}`)
      }, 20),
  })
  const { rec } = await openClient(t, server.url())
  await rec.until('dataEnd', { count: N, timeout: 10000 })
  const after = rec.events.slice(3)
  t.is(after.length, 2 * N)
  for (let i = 0; i < N; i++) {
    const [type, payload] = after[2 * i]
    t.is(type, 'message')
    if (i % 3 === 2) t.is(toHex(payload), (i & 0xff).toString(16).padStart(2, '0'))
    else t.is(payload, `m${i}`)
    t.deepEqual(after[2 * i + 1], ['dataEnd', undefined])
  }
})

test('pings are answered with a pong carrying the same payload; pings and pongs never reach JS', async (t) => {
  const { rec, conn } = await rawSession(t, (c) => {
    c.ping('are you there')
    c.ping('')
    c.pong('unsolicited')
  })
  const pongs = await waitUntil(() => {
    const p = conn.frames.filter((f) => f.opcode === OP.PONG)
    return p.length >= 2 && p
  })
  t.deepEqual(
    pongs.map((f) => f.payload.toString()),
    ['are you there', ''],
  )
  conn.text('after')
  await rec.until('dataEnd')
  await delay(50)
  t.deepEqual(rec.events.slice(3), [
    ['message', 'after'],
    ['dataEnd', undefined],
  ])
})

// ---------------------------------------------------------------------------------------------
// Protocol violations by the peer: close frame with the code, then 'error', then 'close'
// ---------------------------------------------------------------------------------------------

const violation = test.macro({
  async exec(t, script, code, clientOptions) {
    const { rec, conn } = await rawSession(t, script, {}, clientOptions)
    const sent = await conn.closeFrame()
    t.is(sent.code, code, `the client sends close ${code}`)
    t.is(typeof sent.reason, 'string')
    t.true(sent.reason.length > 0, 'the close reason names the violation')
    t.true(Buffer.byteLength(sent.reason) <= 123)
    await rec.until('close')
    await delay(50)
    t.deepEqual(rec.types().slice(3), ['error', 'close'], 'error then close, no message')
    const [err] = rec.of('error')
    t.deepEqual(Object.keys(err).sort(), ['code', 'data', 'message'])
    t.is(err.code, 200)
    t.is(err.data, '0')
    t.true(typeof err.message === 'string' && err.message.length > 0, 'message names the violation')
    t.deepEqual(rec.of('close')[0], { code, reason: sent.reason })
    t.log(`close reason: ${sent.reason}; error message: ${err.message}`)
  },
  title: (provided, _script, code) => `${provided} fails the connection with close ${code}`,
})

test('invalid UTF-8 in a text message', violation, (c) => c.text(Buffer.from([0x61, 0xc3, 0x28])), 1007)
test('an overlong UTF-8 encoding', violation, (c) => c.text(Buffer.from([0xc0, 0xaf])), 1007)
test('a UTF-16 surrogate encoded in UTF-8', violation, (c) => c.text(Buffer.from([0xed, 0xa0, 0x80])), 1007)
test('a text message that ends inside a UTF-8 sequence', violation, (c) => c.text(Buffer.from([0x61, 0xe2, 0x82])), 1007)
test(
  'invalid UTF-8 split across fragments',
  violation,
  (c) => {
    c.send(OP.TEXT, Buffer.from([0x6f, 0x6b, 0xe2, 0x82]), { fin: false })
    c.send(OP.CONTINUATION, Buffer.from([0x28, 0x29]), { fin: true })
  },
  1007,
)
test('a frame with RSV1 set (no extension negotiated)', violation, (c) => c.text('x', { rsv: 0b100 }), 1002)
test('a frame with RSV2 set', violation, (c) => c.text('x', { rsv: 0b010 }), 1002)
test('a frame with RSV3 set', violation, (c) => c.text('x', { rsv: 0b001 }), 1002)
test('an unknown data opcode (0x3)', violation, (c) => c.send(0x3, 'x'), 1002)
test('an unknown control opcode (0xB)', violation, (c) => c.send(0xb, 'x'), 1002)
test('a masked frame from the server', violation, (c) => c.text('masked', { mask: true }), 1002)
test('a continuation frame with no message started', violation, (c) => c.send(OP.CONTINUATION, 'x', { fin: true }), 1002)
test(
  'a new data frame inside a fragmented message',
  violation,
  (c) => {
    c.send(OP.TEXT, 'first', { fin: false })
    c.send(OP.TEXT, 'second', { fin: true })
  },
  1002,
)
test('a fragmented ping', violation, (c) => c.send(OP.PING, 'x', { fin: false }), 1002)
test('a ping with more than 125 bytes of payload', violation, (c) => c.send(OP.PING, 'p'.repeat(126)), 1002)
test('a close frame with a 1-byte payload', violation, (c) => c.send(OP.CLOSE, [0x03]), 1002)
for (const bad of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]) {
  test(`a close frame with the invalid code ${bad}`, violation, (c) => c.close(bad, 'bad code'), 1002)
}

test(
  'a message over maxMessageSize (in frames under maxFrameSize)',
  violation,
  (c) => {
    c.send(OP.BINARY, Buffer.alloc(600), { fin: false })
    c.send(OP.CONTINUATION, Buffer.alloc(600), { fin: true })
  },
  1009,
  { maxMessageSize: 1000 },
)
test('a frame over maxFrameSize', violation, (c) => c.text('z'.repeat(200)), 1009, { maxFrameSize: 100 })

test('messages and frames exactly at maxMessageSize / maxFrameSize are delivered', async (t) => {
  const { rec } = await rawSession(
    t,
    (c) => {
      c.send(OP.TEXT, 'a'.repeat(500), { fin: false })
      c.send(OP.CONTINUATION, 'b'.repeat(500), { fin: true })
      c.binary(Buffer.alloc(500, 1))
    },
    {},
    { maxMessageSize: 1000, maxFrameSize: 500 },
  )
  await rec.until('message', { count: 2 })
  t.is(rec.of('message')[0], 'a'.repeat(500) + 'b'.repeat(500))
  t.is(rec.of('message')[1].byteLength, 500)
  t.is(rec.count('close'), 0)
})

test('a close reason that is not UTF-8 fails the connection (1007 or 1002)', async (t) => {
  const { rec, conn } = await rawSession(t, (c) => c.send(OP.CLOSE, Buffer.from([0x03, 0xe8, 0xc3, 0x28])))
  const sent = await conn.closeFrame()
  t.true([1002, 1007].includes(sent.code), `close code ${sent.code}`)
  await rec.until('close')
  t.deepEqual(rec.types().slice(3), ['error', 'close'])
  t.is(rec.of('close')[0].code, sent.code)
})

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

test('send(string) is one text frame and send(ArrayBuffer) one binary frame, masked, never fragmented', async (t) => {
  const { ws, conn } = await rawSession(t)
  const big = 'y'.repeat(70_000)
  t.is(await ws.send('hello'), true)
  t.is(await ws.send(new Uint8Array([9, 8, 7]).buffer), true)
  t.is(await ws.send(''), true)
  t.is(await ws.send(new ArrayBuffer(0)), true)
  t.is(await ws.send(big), true)
  const frames = await waitUntil(() => conn.frames.length >= 5 && conn.frames)
  t.deepEqual(
    frames.slice(0, 4).map((f) => [f.opcode, f.fin, f.rsv, f.masked, f.payload.toString('hex')]),
    [
      [OP.TEXT, true, 0, true, Buffer.from('hello').toString('hex')],
      [OP.BINARY, true, 0, true, '090807'],
      [OP.TEXT, true, 0, true, ''],
      [OP.BINARY, true, 0, true, ''],
    ],
  )
  t.is(frames[4].opcode, OP.TEXT)
  t.true(frames[4].fin)
  t.is(frames[4].payload.toString(), big)
})

test('the server receives sent strings as text and ArrayBuffers as binary', async (t) => {
  const { ws } = await openClient(t, echo.url('/types'))
  await ws.send('text')
  await ws.send(Uint8Array.from([1, 2, 3]).buffer)
  await ws.send('')
  await ws.send(new ArrayBuffer(0))
  const conn = await echo.connectionAt('/types')
  const got = await conn.nextMessages(4)
  t.deepEqual(got, [
    { data: 'text', isBinary: false },
    { data: Buffer.from([1, 2, 3]), isBinary: true },
    { data: '', isBinary: false },
    { data: Buffer.alloc(0), isBinary: true },
  ])
})

test('messages reach the server in the order of the send calls', async (t) => {
  const N = 1000
  const { ws } = await openClient(t, echo.url('/order'))
  const results = []
  for (let i = 0; i < N; i++) results.push(ws.send(i % 5 === 4 ? Uint32Array.of(i).buffer : `s${i}`))
  t.true((await Promise.all(results)).every((v) => v === true))
  const conn = await echo.connectionAt('/order')
  const got = await conn.nextMessages(N, 15000)
  for (let i = 0; i < N; i++) {
    if (i % 5 === 4) t.deepEqual(got[i], { data: Buffer.from(Uint32Array.of(i).buffer), isBinary: true })
    else t.deepEqual(got[i], { data: `s${i}`, isBinary: false })
  }
})

test('send before open is queued and flushed in order once open', async (t) => {
  const { ws, rec } = newClient(t)
  const connected = ws.connect(echo.url('/early'))
  const early = [ws.send('early-1'), ws.send(Uint8Array.of(2).buffer), ws.send('early-3')]
  t.is(await connected, true)
  t.deepEqual(await Promise.all(early), [true, true, true])
  await rec.until('open')
  await ws.send('late-4')
  const conn = await echo.connectionAt('/early')
  t.deepEqual(await conn.nextMessages(4), [
    { data: 'early-1', isBinary: false },
    { data: Buffer.from([2]), isBinary: true },
    { data: 'early-3', isBinary: false },
    { data: 'late-4', isBinary: false },
  ])
})

test('send while the handshake is pending resolves true and the data follows the handshake', async (t) => {
  const peer = await startRawPeer(t, { handshake: 'silent' })
  const { ws, rec } = newClient(t)
  t.is(await ws.connect(peer.url()), true)
  const conn = await peer.nextConnection()
  await waitUntil(() => conn.request)
  t.is(await ws.send('queued'), true, 'resolves before open')
  t.is(rec.count('open'), 0)
  conn.write(handshakeResponse(conn.request))
  await rec.until('open')
  const f = await conn.nextFrame((x) => x.opcode === OP.TEXT)
  t.is(f.payload.toString(), 'queued')
})

const send401 = test.macro({
  async exec(t, args) {
    const { ws, rec } = await openClient(t, echo.url())
    await assertRejects(t, ws, 'send', args, 401)
    // The connection is still usable.
    await ws.send('still-open')
    t.is(await rec.until('message'), 'still-open')
  },
  title: (provided) => `send(${provided}) rejects 401`,
})
test('no arguments', send401, [])
test('undefined', send401, [undefined])
test('null', send401, [null])
test('a number', send401, [42])
test('a boolean', send401, [true])
test('a plain object', send401, [{ data: 'x' }])
test('an array', send401, [['x']])
test('a Uint8Array', send401, [new Uint8Array([1, 2])])
test('a Buffer', send401, [Buffer.from('x')])
test('a DataView', send401, [new DataView(new ArrayBuffer(2))])
test('a Float64Array', send401, [new Float64Array(1)])
test('a SharedArrayBuffer', send401, [new SharedArrayBuffer(2)])
test('a string and a non-function callback', send401, ['x', 5])
test('a string and a null callback', send401, ['x', null])

test('send with no session rejects 2302999', async (t) => {
  const { ws } = newClient(t)
  await assertRejects(t, ws, 'send', ['x'], 2302999)
  await assertRejects(t, ws, 'send', [new ArrayBuffer(1)], 2302999)
})

test('send after close() was requested rejects 2302999', async (t) => {
  const { ws, rec } = await openClient(t, echo.url())
  const closing = ws.close()
  await assertRejects(t, ws, 'send', ['x'], 2302999, 'right after close()')
  t.is(await closing, true)
  await assertRejects(t, ws, 'send', ['x'], 2302999, 'after close() resolved')
  await rec.until('close')
  await assertRejects(t, ws, 'send', ['x'], 2302999, "after 'close'")
})

test("send after the peer's close rejects 2302999", async (t) => {
  const server = await startWsServer(t, { onConnection: (c) => setTimeout(() => c.close(1001, 'going'), 20) })
  const { ws, rec } = await openClient(t, server.url())
  t.deepEqual(await rec.until('close'), { code: 1001, reason: 'going' })
  const r = await viaPromise(ws, 'send', 'x')
  t.deepEqual(r, { error: businessError(2302999) })
})

test('a frame of 2^16 bytes and more (64-bit length) is received', async (t) => {
  const payload = Buffer.alloc(70_000, 0x61)
  const { rec } = await rawSession(t, (c) => c.write(frame(OP.TEXT, payload)))
  const got = await rec.until('message')
  t.is(got.length, 70_000)
  t.true(got === payload.toString())
})
