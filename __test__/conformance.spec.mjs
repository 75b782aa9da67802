// RFC 6455 conformance of the client, case by case after the Autobahn|Testsuite catalogue
// (1 framing, 2 pings/pongs, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close handling,
// 9 large messages), against a peer that writes the frames byte by byte (helpers/wire.mjs).
//
// Every case is data: the bytes the peer writes, and what the contract (§5, §6) promises for them.
//  - Accepted: each message arrives intact and in order, 'dataEnd' straight after each 'message';
//    the client answers each ping with a pong of the same payload. As in Autobahn, the client echoes
//    each message back, and the peer checks the echo (masked, intact). The peer then closes
//    with 1000 "done", which the client echoes.
//  - Failed (fail: code): the client sends a close frame with that code (read on the wire, masked),
//    then emits 'error' {code: 200, data: "0", message} and 'close' {code, reason} with the reason
//    it sent. Messages before the violation still arrive.
import { createHash } from 'node:crypto'

import test from 'ava'

import { describe, LINK_DOWN, newClient, OPEN_PAYLOAD } from './helpers/events.mjs'
import { closePayload, describeFrames, encodeFrame, OP, startScriptedPeer } from './helpers/wire.mjs'

// ---------------------------------------------------------------------------------------------
// Building blocks of the cases
// ---------------------------------------------------------------------------------------------

const text = (p, o) => encodeFrame(OP.TEXT, p, o)
const binary = (p, o) => encodeFrame(OP.BINARY, p, o)
const cont = (p, o) => encodeFrame(OP.CONTINUATION, p, o)
const ping = (p, o) => encodeFrame(OP.PING, p, o)
const pong = (p, o) => encodeFrame(OP.PONG, p, o)
const close = (code, reason) => encodeFrame(OP.CLOSE, code === undefined ? undefined : closePayload(code, reason))
/** Steps other than plain bytes: write `bytes` in pieces of `size`, or pause. */
const chunked = (bytes, size) => ({ chunked: Buffer.concat([bytes].flat()), size })
const pause = (ms) => ({ pause: ms })
/** An expected binary message (expected text messages are plain strings). */
const bin = (b) => Buffer.from(b)

const hex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
/** `size` bytes of printable text, deterministic. */
const textOf = (size) => 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(size / 36)).slice(0, size)
/** `size` bytes of binary data, every value 0..255 represented. */
const bytesOf = (size) => {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff
  return b
}
/** A message cut into fragments of `size` bytes: first frame `opcode`, then continuations. */
function fragments(opcode, payload, size) {
  const data = Buffer.from(payload)
  const out = []
  for (let i = 0; i === 0 || i < data.length; i += size) {
    const last = i + size >= data.length
    out.push(encodeFrame(i === 0 ? opcode : OP.CONTINUATION, data.subarray(i, i + size), { fin: last }))
  }
  return out
}

const KOSME = hex('cebae1bdb9cf83cebcceb5') // "κόσμε"
const HELLO_UTF8 = 'Hello-µ@ßöäüàá-UTF-8!!'
const MiB = 1024 * 1024

// ---------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------

/**
 * A case: `{id, title, wire, messages?, pongs?, fail?, closed?, options?, timeout?}`.
 *  - `wire`: what the peer writes after the handshake: Buffers, `chunked(...)`, `pause(ms)`;
 *  - `messages`: the payloads 'message' must deliver, in order (strings, or Buffers for binary);
 *  - `pongs`: the pong payloads the client must send, in order;
 *  - `fail`: the close code of a connection the client must fail;
 *  - `closed`: the peer closes within `wire`: `{code, reason}` is the expected 'close' payload and
 *    `echo` the code the client's answering close frame must carry (null: no code at all).
 */
const cases = []
const add = (section, list) => cases.push(...list.map((c) => ({ section, ...c })))

// 1. Framing: text and binary messages at every length-encoding boundary.
const SIZES = [0, 125, 126, 127, 128, 65535, 65536]
add('1 framing', [
  ...SIZES.map((n, i) => ({ id: `1.1.${i + 1}`, title: `text message of ${n} bytes`, wire: [text(textOf(n))], messages: [textOf(n)] })),
  { id: '1.1.8', title: 'text message of 65536 bytes written in 997-byte chunks', wire: [chunked(text(textOf(65536)), 997)], messages: [textOf(65536)] },
  ...SIZES.map((n, i) => ({ id: `1.2.${i + 1}`, title: `binary message of ${n} bytes`, wire: [binary(bytesOf(n))], messages: [bytesOf(n)] })),
  { id: '1.2.8', title: 'binary message of 65536 bytes written in 997-byte chunks', wire: [chunked(binary(bytesOf(65536)), 997)], messages: [bytesOf(65536)] },
  { id: '1.3.1', title: 'a 5-byte text announced with a 16-bit length (non-minimal, accepted)', wire: [text('hello', { lengthBytes: 2 })], messages: ['hello'] },
  { id: '1.3.2', title: 'a 5-byte text announced with a 64-bit length (non-minimal, accepted)', wire: [text('hello', { lengthBytes: 8 })], messages: ['hello'] },
  { id: '1.3.3', title: 'a 300-byte binary announced with a 64-bit length (non-minimal, accepted)', wire: [binary(bytesOf(300), { lengthBytes: 8 })], messages: [bytesOf(300)] },
  { id: '1.3.4', title: 'a frame written one byte at a time', wire: [chunked([text('one'), binary([1, 2, 3])], 1)], messages: ['one', bin([1, 2, 3])] },
  { id: '1.3.5', title: 'many messages in one TCP write arrive separately and in order', wire: [Buffer.concat(Array.from({ length: 50 }, (_, i) => text(`m${i}`)))], messages: Array.from({ length: 50 }, (_, i) => `m${i}`) },
  { id: '1.4.1', title: 'a masked frame from the server fails the connection', wire: [text('masked', { mask: true })], fail: 1002 },
  { id: '1.4.2', title: 'a 64-bit length with the most significant bit set fails the connection', wire: [Buffer.concat([hex('817f8000000000000002'), Buffer.from('hi')])], fail: [1002, 1009] },
])

// 2. Pings and pongs.
const PING_BINARY = hex('00fffefdfcfb00ff')
add('2 pings and pongs', [
  { id: '2.1', title: 'ping without payload is answered by an empty pong', wire: [ping()], pongs: [''] },
  { id: '2.2', title: 'ping with a text payload is answered with the same payload', wire: [ping('Hello, world!')], pongs: ['Hello, world!'] },
  { id: '2.3', title: 'ping with a binary payload is answered with the same payload', wire: [ping(PING_BINARY)], pongs: [PING_BINARY] },
  { id: '2.4', title: 'ping with a 125-byte payload is answered with the same payload', wire: [ping(bytesOf(125))], pongs: [bytesOf(125)] },
  { id: '2.5', title: 'ping with a 126-byte payload fails the connection', wire: [ping(bytesOf(126))], fail: 1002 },
  { id: '2.6', title: 'ping with a 125-byte payload written one byte at a time', wire: [chunked(ping(bytesOf(125)), 1)], pongs: [bytesOf(125)] },
  { id: '2.7', title: 'an unsolicited empty pong is ignored', wire: [pong(), text('after')], messages: ['after'] },
  { id: '2.8', title: 'an unsolicited pong with payload is ignored', wire: [pong('unsolicited'), text('after')], messages: ['after'] },
  { id: '2.9', title: 'an unsolicited pong, then a ping: one pong with the ping payload', wire: [pong('unsolicited'), ping('solicited')], pongs: ['solicited'] },
  { id: '2.10', title: '10 pings in one write: the pongs echo the pings in order, the last included', wire: [Buffer.concat(Array.from({ length: 10 }, (_, i) => ping(`payload-${i}`)))], pongs: { subsequenceOf: Array.from({ length: 10 }, (_, i) => `payload-${i}`) } },
  { id: '2.11', title: '10 pings, 50 ms apart: each is answered', wire: Array.from({ length: 10 }, (_, i) => [ping(`payload-${i}`), pause(50)]).flat(), pongs: Array.from({ length: 10 }, (_, i) => `payload-${i}`) },
  { id: '2.12', title: 'a fragmented ping fails the connection', wire: [ping('frag', { fin: false }), cont('ment')], fail: 1002 },
  { id: '2.13', title: 'a fragmented pong fails the connection', wire: [pong('frag', { fin: false }), cont('ment')], fail: 1002 },
])

// 3. Reserved bits: no extension was negotiated, so any RSV bit fails the connection.
add('3 reserved bits', [
  { id: '3.1', title: 'text with RSV1', wire: [text('hello', { rsv: 4 })], fail: 1002 },
  { id: '3.2', title: 'text, then text with RSV2, then ping: the first message arrives', wire: [text('hello'), text('hello', { rsv: 2 }), ping('p')], messages: ['hello'], fail: 1002 },
  { id: '3.3', title: 'text, text with RSV3 and ping in one write', wire: [Buffer.concat([text('hello'), text('hello', { rsv: 3 }), ping('p')])], messages: ['hello'], fail: 1002 },
  { id: '3.4', title: 'text, text with RSV4 and ping written byte by byte', wire: [chunked([text('hello'), text('hello', { rsv: 4 }), ping('p')], 1)], messages: ['hello'], fail: 1002 },
  { id: '3.5', title: 'binary with RSV5', wire: [binary(bytesOf(8), { rsv: 5 })], fail: 1002 },
  { id: '3.6', title: 'ping with RSV6', wire: [ping('p', { rsv: 6 })], fail: 1002 },
  { id: '3.7', title: 'close with RSV7', wire: [encodeFrame(OP.CLOSE, closePayload(1000), { rsv: 7 })], fail: 1002 },
])

// 4. Reserved opcodes: 3–7 (non-control) and 11–15 (control).
const opcodeCases = (from, to, section) =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const op = from + i
    return [
      { id: `4.${section}.${i + 1}`, title: `reserved opcode ${op} fails the connection`, wire: [encodeFrame(op)], fail: 1002 },
      {
        id: `4.${section}.${i + 1}b`,
        title: `text, reserved opcode ${op} with payload, ping: the text arrives`,
        wire: [text('hello'), encodeFrame(op, 'reserved'), ping('p')],
        messages: ['hello'],
        fail: 1002,
      },
    ]
  }).flat()
add('4 opcodes', [...opcodeCases(3, 7, 1), ...opcodeCases(11, 15, 2)])

// 5. Fragmentation.
const PINGS_BETWEEN = [
  text('fragment1', { fin: false }),
  ping('ping1'),
  cont('fragment2', { fin: false }),
  ping('ping2'),
  cont('fragment3', { fin: false }),
  ping('ping3'),
  cont('fragment4', { fin: false }),
  ping('ping4'),
  cont('fragment5'),
]
add('5 fragmentation', [
  { id: '5.1', title: 'a ping in 2 fragments fails the connection', wire: [ping('fragment1', { fin: false }), cont('fragment2')], fail: 1002 },
  { id: '5.2', title: 'a pong in 2 fragments fails the connection', wire: [pong('fragment1', { fin: false }), cont('fragment2')], fail: 1002 },
  { id: '5.3', title: 'text in 2 fragments', wire: [text('fragment1', { fin: false }), cont('fragment2')], messages: ['fragment1fragment2'] },
  { id: '5.4', title: 'text in 2 fragments, 1 s apart', wire: [text('fragment1', { fin: false }), pause(1000), cont('fragment2')], messages: ['fragment1fragment2'], timeout: 8000 },
  { id: '5.5', title: 'text in 2 fragments written byte by byte', wire: [chunked([text('fragment1', { fin: false }), cont('fragment2')], 1)], messages: ['fragment1fragment2'] },
  { id: '5.6', title: 'text in 2 fragments with a ping between them', wire: [text('fragment1', { fin: false }), ping('pongme!'), cont('fragment2')], messages: ['fragment1fragment2'], pongs: ['pongme!'] },
  { id: '5.7', title: 'text in 2 fragments with a ping between, written byte by byte', wire: [chunked([text('fragment1', { fin: false }), ping('pongme!'), cont('fragment2')], 1)], messages: ['fragment1fragment2'], pongs: ['pongme!'] },
  { id: '5.8', title: 'binary in 2 fragments with a ping between them', wire: [binary([1, 2], { fin: false }), ping('p'), cont([3, 4])], messages: [bin([1, 2, 3, 4])], pongs: ['p'] },
  { id: '5.9', title: 'a continuation (fin) without a message started fails the connection', wire: [cont('non-continuation payload'), text('Hello, world!')], fail: 1002 },
  { id: '5.10', title: 'a continuation (fin) without a message started, byte by byte', wire: [chunked([cont('non-continuation payload'), text('Hello, world!')], 1)], fail: 1002 },
  { id: '5.12', title: 'a continuation (not fin) without a message started fails the connection', wire: [cont('non-continuation payload', { fin: false }), text('Hello, world!')], fail: 1002 },
  { id: '5.15', title: 'a new text frame inside a fragmented message fails the connection', wire: [text('fragment1', { fin: false }), cont('fragment2'), cont('fragment3', { fin: false }), text('fragment4')], messages: ['fragment1fragment2'], fail: 1002 },
  { id: '5.16', title: 'continuation, text (not fin), continuation: fails on the first frame', wire: [cont('fragment1', { fin: false }), text('fragment2', { fin: false }), cont('fragment3')], fail: 1002 },
  { id: '5.18', title: 'text (not fin), then a second text (fin) fails the connection', wire: [text('fragment1', { fin: false }), text('fragment2')], fail: 1002 },
  { id: '5.18b', title: 'binary (not fin), then text fails the connection', wire: [binary([1], { fin: false }), text('x')], fail: 1002 },
  { id: '5.19', title: 'text in 5 fragments with pings between, 1 s apart', wire: PINGS_BETWEEN.flatMap((f, i) => (i === 4 ? [f, pause(1000)] : [f])), messages: ['fragment1fragment2fragment3fragment4fragment5'], pongs: ['ping1', 'ping2', 'ping3', 'ping4'], timeout: 8000 },
  { id: '5.20', title: 'text in 5 fragments with pings between, byte by byte', wire: [chunked(PINGS_BETWEEN, 1)], messages: ['fragment1fragment2fragment3fragment4fragment5'], pongs: ['ping1', 'ping2', 'ping3', 'ping4'] },
  { id: '5.21', title: 'text in 3 empty fragments is an empty message', wire: [text('', { fin: false }), cont('', { fin: false }), cont('')], messages: [''] },
  { id: '5.22', title: 'text in 3 fragments, first and last empty', wire: [text('', { fin: false }), cont('middle', { fin: false }), cont('')], messages: ['middle'] },
  { id: '5.23', title: 'binary in 3 empty fragments is an empty message', wire: [binary([], { fin: false }), cont([], { fin: false }), cont([])], messages: [bin([])] },
  { id: '5.24', title: 'text in 100 one-byte fragments, then binary in 3 fragments', wire: [...fragments(OP.TEXT, textOf(100), 1), ...fragments(OP.BINARY, bytesOf(30), 10)], messages: [textOf(100), bytesOf(30)] },
])

// 6. UTF-8. Valid texts must arrive intact however they are cut into fragments.
const VALID_UTF8 = [
  ['"Hello-µ@ßöäüàá-UTF-8!!"', Buffer.from(HELLO_UTF8)],
  ['"κόσμε"', KOSME],
  ['U+0000', hex('00')],
  ['U+0080 (first 2-byte)', hex('c280')],
  ['U+0800 (first 3-byte)', hex('e0a080')],
  ['U+10000 (first 4-byte)', hex('f0908080')],
  ['U+007F (last 1-byte)', hex('7f')],
  ['U+07FF (last 2-byte)', hex('dfbf')],
  ['U+FFFF (last 3-byte)', hex('efbfbf')],
  ['U+10FFFF (last code point)', hex('f48fbfbf')],
  ['U+D7FF (before the surrogates)', hex('ed9fbf')],
  ['U+E000 (after the surrogates)', hex('ee8080')],
  ['U+FFFD', hex('efbfbd')],
  ['U+FFFE (noncharacter)', hex('efbfbe')],
  ['U+FDD0 (noncharacter)', hex('efb790')],
  ['U+1FFFE (noncharacter)', hex('f09fbfbe')],
  ['U+1F600 (emoji)', hex('f09f9880')],
]
add(
  '6 UTF-8 valid',
  VALID_UTF8.flatMap(([name, b], i) => {
    const s = b.toString('utf8')
    return [
      { id: `6.v${i + 1}.1`, title: `valid ${name} in one frame`, wire: [text(b)], messages: [s] },
      { id: `6.v${i + 1}.2`, title: `valid ${name} in one-byte fragments`, wire: fragments(OP.TEXT, b, 1), messages: [s] },
      { id: `6.v${i + 1}.3`, title: `valid ${name} in one frame written byte by byte`, wire: [chunked(text(b), 1)], messages: [s] },
    ]
  }),
)
add('6 UTF-8 valid', [
  { id: '6.1.1', title: 'empty text message', wire: [text('')], messages: [''] },
  { id: '6.2.2', title: '"Hello-µ@ßöäüàá-UTF-8!!" in 2 fragments cut inside "ü"', wire: splitAt(Buffer.from(HELLO_UTF8), Buffer.from('Hello-µ@ßöä').length + 1), messages: [HELLO_UTF8] },
  { id: '6.2.4', title: '"κόσμε" in fragments cut inside every character', wire: fragments(OP.TEXT, KOSME, 3), messages: [KOSME.toString('utf8')] },
])

/** A text message in 2 fragments, cut at byte `at`. */
function splitAt(b, at) {
  return [text(b.subarray(0, at), { fin: false }), cont(b.subarray(at))]
}

// Invalid sequences (Autobahn 6.3, 6.8, 6.10–6.21): each alone, inside valid text, one byte per
// fragment, and cut across a fragment boundary — every time the connection fails with 1007.
const INVALID_UTF8 = [
  ['U+D800 inside "κόσμεedited" (6.3.1)', Buffer.concat([KOSME, hex('eda080'), Buffer.from('edited')])],
  ['U+110000 (beyond U+10FFFF)', hex('f4908080')],
  ['F7 BF BF BF (beyond U+10FFFF)', hex('f7bfbfbf')],
  ['5-byte sequence', hex('f888808080')],
  ['6-byte sequence', hex('fc8480808080')],
  ['lone continuation byte 80', hex('80')],
  ['lone continuation byte BF', hex('bf')],
  ['continuation bytes 80 BF 80 BF', hex('80bf80bf')],
  ['lonely start byte C0 then space', hex('c020')],
  ['lonely start byte E0 then space', hex('e020')],
  ['lonely start byte F0 then space', hex('f020')],
  ['2-byte sequence cut short (C2)', hex('c2')],
  ['3-byte sequence cut short (EF BF)', hex('efbf')],
  ['4-byte sequence cut short (F4 8F BF)', hex('f48fbf')],
  ['"κόσμε" then a truncated 2-byte sequence', Buffer.concat([KOSME, hex('ce')])],
  ['concatenated incomplete sequences', hex('c0e080f08080dfef bff7bfbf')],
  ['impossible byte FE', hex('fe')],
  ['impossible byte FF', hex('ff')],
  ['impossible bytes FE FE FF FF', hex('fefeffff')],
  ['overlong "/" C0 AF', hex('c0af')],
  ['overlong "/" E0 80 AF', hex('e080af')],
  ['overlong "/" F0 80 80 AF', hex('f08080af')],
  ['maximal overlong C1 BF', hex('c1bf')],
  ['maximal overlong E0 9F BF', hex('e09fbf')],
  ['maximal overlong F0 8F BF BF', hex('f08fbfbf')],
  ['overlong NUL C0 80', hex('c080')],
  ['overlong NUL E0 80 80', hex('e08080')],
  ['high surrogate U+D800', hex('eda080')],
  ['high surrogate U+DB7F', hex('edadbf')],
  ['high surrogate U+DBFF', hex('edafbf')],
  ['low surrogate U+DC00', hex('edb080')],
  ['low surrogate U+DFFF', hex('edbfbf')],
  ['surrogate pair U+D800 U+DC00', hex('eda080edb080')],
]
add(
  '6 UTF-8 invalid',
  INVALID_UTF8.flatMap(([name, b], i) => {
    const embedded = Buffer.concat([Buffer.from('valid '), b, Buffer.from(' text')])
    // Cut after the first byte of the invalid part.
    const at = name.includes('inside') ? KOSME.length + 1 : 'valid '.length + 1
    return [
      { id: `6.i${i + 1}.1`, title: `invalid ${name} in one frame`, wire: [text(b)], fail: 1007 },
      { id: `6.i${i + 1}.2`, title: `invalid ${name} between valid text`, wire: [text(embedded)], fail: 1007 },
      { id: `6.i${i + 1}.3`, title: `invalid ${name} in one-byte fragments`, wire: fragments(OP.TEXT, b, 1), fail: 1007 },
      { id: `6.i${i + 1}.4`, title: `invalid ${name} split across a fragment boundary`, wire: splitAt(name.includes('inside') ? b : embedded, at), fail: 1007 },
    ]
  }),
)
add('6 UTF-8 invalid', [
  { id: '6.4.1', title: 'a valid message, then invalid UTF-8: the first arrives', wire: [text(KOSME), text(hex('eda080'))], messages: [KOSME.toString('utf8')], fail: 1007 },
  { id: '6.4.2', title: 'invalid UTF-8 in a first fragment fails without waiting for the rest', wire: [text(Buffer.concat([KOSME, hex('f4908080')]), { fin: false })], fail: 1007 },
  { id: '6.4.3', title: 'invalid UTF-8 in a middle fragment fails without waiting for the rest', wire: [text(KOSME, { fin: false }), cont(hex('f4908080'), { fin: false })], fail: 1007 },
  { id: '6.4.4', title: 'a text that ends inside a character in its last fragment fails', wire: [text(KOSME, { fin: false }), cont(hex('cebae1bd'))], fail: 1007 },
  { id: '6.4.5', title: 'invalid UTF-8 in a binary message is just bytes', wire: [binary(hex('eda080fffe'))], messages: [hex('eda080fffe')] },
])

// 7. Close handling.
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]
add('7 close', [
  { id: '7.1.1', title: 'a message, then the peer closes', wire: [text('Hello World!'), close(1000, 'bye')], messages: ['Hello World!'], closed: { code: 1000, reason: 'bye', echo: 1000 } },
  { id: '7.1.2', title: 'two close frames: one close event', wire: [close(1000, 'first'), close(1001, 'second')], closed: { code: 1000, reason: 'first', echo: 1000 } },
  { id: '7.1.3', title: 'a ping after the close frame is not answered', wire: [close(1000, 'bye'), ping('too late')], closed: { code: 1000, reason: 'bye', echo: 1000 }, pongs: [] },
  { id: '7.1.4', title: 'a text after the close frame is ignored', wire: [close(1000, 'bye'), text('too late')], closed: { code: 1000, reason: 'bye', echo: 1000 } },
  { id: '7.1.5', title: 'a fragment, close, then the last fragment: no message', wire: [text('fragment1', { fin: false }), close(1000, 'bye'), cont('fragment2')], closed: { code: 1000, reason: 'bye', echo: 1000 } },
  { id: '7.1.6', title: 'a 256 KiB text, then close, in one write', wire: [Buffer.concat([text(textOf(256 * 1024)), close(1000, 'bye')])], messages: [textOf(256 * 1024)], closed: { code: 1000, reason: 'bye', echo: 1000 } },
  { id: '7.3.1', title: 'close without payload → {1000, "The link is down"}', wire: [close()], closed: { code: 1000, reason: LINK_DOWN, echo: [null, 1000] } },
  { id: '7.3.2', title: 'close with a 1-byte payload fails the connection', wire: [encodeFrame(OP.CLOSE, [0x03])], fail: 1002 },
  { id: '7.3.3', title: 'close with a code and no reason → "The link is down"', wire: [close(1000)], closed: { code: 1000, reason: LINK_DOWN, echo: 1000 } },
  { id: '7.3.4', title: 'close with a code and a reason', wire: [close(1000, 'Hello World!')], closed: { code: 1000, reason: 'Hello World!', echo: 1000 } },
  { id: '7.3.5', title: 'close with a 123-byte reason', wire: [close(1000, textOf(123))], closed: { code: 1000, reason: textOf(123), echo: 1000 } },
  { id: '7.3.6', title: 'close with a 124-byte reason (126-byte control frame) fails the connection', wire: [close(1000, textOf(124))], fail: 1002 },
  { id: '7.3.7', title: 'close with a multi-byte UTF-8 reason', wire: [close(4000, 'κόσμε 😀')], closed: { code: 4000, reason: 'κόσμε 😀', echo: 4000 } },
  { id: '7.5.1', title: 'close with an invalid UTF-8 reason fails the connection with 1007', wire: [close(1000, Buffer.concat([KOSME, hex('eda080'), Buffer.from('edited')]))], fail: 1007 },
  ...VALID_CODES.map((code) => ({ id: `7.7.${code}`, title: `close code ${code} is accepted and echoed`, wire: [close(code, 'reason')], closed: { code, reason: 'reason', echo: code } })),
  ...INVALID_CODES.map((code) => ({ id: `7.9.${code}`, title: `close code ${code} fails the connection with 1002`, wire: [close(code, 'reason')], fail: 1002 })),
])

// 9. Large messages, and the receive limits (extension options maxMessageSize, maxFrameSize).
add('9 large', [
  { id: '9.1.3', title: 'text message of 1 MiB', wire: [text(textOf(MiB))], messages: [textOf(MiB)], timeout: 20000 },
  { id: '9.1.4', title: 'text message of 4 MiB', wire: [text(textOf(4 * MiB))], messages: [textOf(4 * MiB)], timeout: 20000 },
  { id: '9.2.3', title: 'binary message of 1 MiB', wire: [binary(bytesOf(MiB))], messages: [bytesOf(MiB)], timeout: 20000 },
  { id: '9.2.4', title: 'binary message of 4 MiB', wire: [binary(bytesOf(4 * MiB))], messages: [bytesOf(4 * MiB)], timeout: 20000 },
  { id: '9.3.1', title: 'text message of 4 MiB in 64-byte fragments', wire: [Buffer.concat(fragments(OP.TEXT, textOf(4 * MiB), 64))], messages: [textOf(4 * MiB)], timeout: 30000 },
  { id: '9.3.5', title: 'text message of 4 MiB in 4 KiB fragments', wire: [Buffer.concat(fragments(OP.TEXT, textOf(4 * MiB), 4096))], messages: [textOf(4 * MiB)], timeout: 20000 },
  { id: '9.4.1', title: 'binary message of 4 MiB in 64-byte fragments', wire: [Buffer.concat(fragments(OP.BINARY, bytesOf(4 * MiB), 64))], messages: [bytesOf(4 * MiB)], timeout: 30000 },
  { id: '9.7.1', title: 'text over maxMessageSize in one frame → 1009', options: { maxMessageSize: 1000 }, wire: [text(textOf(1001))], fail: 1009 },
  { id: '9.7.2', title: 'text over maxMessageSize in fragments → 1009', options: { maxMessageSize: 1000 }, wire: fragments(OP.TEXT, textOf(1500), 100), fail: 1009 },
  { id: '9.7.3', title: 'binary of exactly maxMessageSize is accepted', options: { maxMessageSize: 1000 }, wire: fragments(OP.BINARY, bytesOf(1000), 100), messages: [bytesOf(1000)] },
  { id: '9.7.4', title: '4 MiB in 64-byte fragments over a 1 MiB maxMessageSize → 1009', options: { maxMessageSize: MiB }, wire: [Buffer.concat(fragments(OP.BINARY, bytesOf(4 * MiB), 64))], fail: 1009, timeout: 20000 },
  { id: '9.7.5', title: 'a frame over maxFrameSize → 1009', options: { maxFrameSize: 1000 }, wire: [binary(bytesOf(1001))], fail: 1009 },
  { id: '9.7.6', title: 'fragments within maxFrameSize make a message over it', options: { maxFrameSize: 1000 }, wire: fragments(OP.BINARY, bytesOf(3000), 1000), messages: [bytesOf(3000)] },
  { id: '9.7.7', title: 'a frame header announcing 1 TiB fails at once with 1009', wire: [hex('827f0000010000000000'), Buffer.alloc(100)], fail: 1009 },
])

// ---------------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------------

/** Comparable form of a message payload: short ones as they are, long ones by length and hash. */
function norm(v) {
  if (typeof v === 'string') return v.length <= 256 ? v : { text: v.length, sha1: sha1(v) }
  const b = Buffer.from(v instanceof ArrayBuffer ? new Uint8Array(v) : v)
  return b.length <= 256 ? { binary: b.toString('hex') } : { binary: b.length, sha1: sha1(b) }
}
/** Comparable form of a control frame payload (a string stands for its UTF-8 bytes). */
const normBytes = (v) => norm(Buffer.from(v))
const sha1 = (x) => createHash('sha1').update(x).digest('hex')

/** Whole messages out of the client's data frames (text → string, binary → Buffer). */
function reassemble(frames) {
  const out = []
  let parts = null
  let opcode = 0
  for (const f of frames) {
    if (f.opcode === OP.TEXT || f.opcode === OP.BINARY) {
      parts = [f.payload]
      opcode = f.opcode
    } else if (f.opcode === OP.CONTINUATION && parts) {
      parts.push(f.payload)
    } else continue
    if (f.fin) {
      const b = Buffer.concat(parts)
      out.push(opcode === OP.TEXT ? b.toString('utf8') : b)
      parts = null
    }
  }
  return out
}

const isData = (f) => f.opcode === OP.TEXT || f.opcode === OP.BINARY || f.opcode === OP.CONTINUATION

async function writeWire(session, wire) {
  for (const step of wire) {
    if (Buffer.isBuffer(step)) await session.write(step)
    else if (step.chunked) await session.writeChunked(step.chunked, step.size)
    else if (step.pause) await new Promise((resolve) => setTimeout(resolve, step.pause))
  }
}

async function runCase(t, c) {
  const timeout = c.timeout ?? 5000
  t.timeout(timeout + 10000)
  const expectedMessages = c.messages ?? []
  const expectedPongs = c.pongs ?? []
  const peerCloses = c.closed !== undefined
  const peer = await startScriptedPeer(t, async (s) => {
    if (peerCloses) s.closeSent = true
    await writeWire(s, c.wire)
    if (c.fail !== undefined || peerCloses) return
    // Accepted: wait for the echoes and the pongs, then close with 1000 "done".
    let echoes = 0
    let pongs = 0
    const wantPongs = Array.isArray(expectedPongs) ? expectedPongs.length : 1
    while (echoes < expectedMessages.length || pongs < wantPongs) {
      const f = await s.nextFrame(timeout)
      if (f.opcode === OP.CLOSE) return
      if (isData(f) && f.fin) echoes += 1
      // With pings that may be answered selectively, only the answer to the last one counts.
      const last = c.pongs?.subsequenceOf?.at(-1)
      if (f.opcode === OP.PONG && (last === undefined || f.payload.equals(Buffer.from(last)))) pongs += 1
    }
    await s.close(1000, 'done')
  })

  const types = ['open', 'error', 'close', 'dataEnd']
  const { ws, rec } = newClient(t, types)
  // As the Autobahn client does: echo every message back.
  ws.on('message', (err, data) => {
    rec.mark('message', data)
    ws.send(data).catch(() => {})
  })
  t.is(await ws.connect(peer.url(), c.options), true)
  await rec.until('close', { timeout: timeout + 2000 })
  const session = await peer.session()
  await session.done
  // The client's close frame was sent before its 'close' event; under load the peer's side may
  // read it a little later: wait for it (or for the connection's end) before looking.
  await session.closeFrame(3000).catch(() => {})
  // Let anything that would (wrongly) follow the close arrive.
  await new Promise((resolve) => setTimeout(resolve, 50))

  const events = rec.events.filter(([type]) => type !== 'open')
  t.deepEqual(rec.events[0], ['open', OPEN_PAYLOAD], 'the connection opened')
  const messagePart = expectedMessages.flatMap((m) => [
    ['message', norm(m)],
    ['dataEnd', undefined],
  ])
  const got = events.map(([type, p]) => [type, type === 'message' ? norm(p) : p])
  const frames = session.frames
  const clientClose = frames.find((f) => f.opcode === OP.CLOSE)
  const wire = `client frames: ${describeFrames(frames)}; events: ${describe(rec.events)}`

  t.true(
    frames.every((f) => f.masked),
    `every client frame is masked (${wire})`,
  )
  t.truthy(clientClose, `the client sent a close frame (${wire})`)

  if (c.fail !== undefined) {
    const codes = [c.fail].flat()
    t.true(codes.includes(clientClose?.code), `the client closes with ${codes.join(' or ')} (${wire})`)
    const reason = clientClose?.reason ?? ''
    t.true(reason.length > 0 && Buffer.byteLength(reason) <= 123, `the close reason names the violation: ${JSON.stringify(reason)}`)
    const error = rec.of('error')[0]
    t.deepEqual(
      got,
      [...messagePart, ['error', error], ['close', { code: clientClose?.code, reason }]],
      `messages before the violation, then 'error' and 'close' (${wire})`,
    )
    t.like(error, { code: 200, data: '0' }, "the 'error' payload")
    t.true(typeof error?.message === 'string' && error.message.length > 0, "the 'error' message names the violation")
  } else {
    const closed = c.closed ?? { code: 1000, reason: 'done', echo: 1000 }
    t.deepEqual(got, [...messagePart, ['close', { code: closed.code, reason: closed.reason }]], `the messages in order, then 'close' (${wire})`)
    const echo = [closed.echo].flat()
    t.true(echo.includes(clientClose?.code ?? null), `the client's close frame carries ${echo.join(' or ')} (${wire})`)
    // The echoed messages: intact, in order, of the same type. (When the peer's close frame came
    // with them, the client's echoes may come too late: send after the peer's close is 2302999.)
    if (!peerCloses) t.deepEqual(reassemble(frames).map(norm), expectedMessages.map(norm), 'the client echoed every message intact')
  }

  const pongs = frames.filter((f) => f.opcode === OP.PONG).map((f) => norm(f.payload))
  if (c.pongs?.subsequenceOf) {
    const pings = c.pongs.subsequenceOf.map(normBytes)
    let i = 0
    for (const p of pongs) {
      while (i < pings.length && JSON.stringify(pings[i]) !== JSON.stringify(p)) i++
      t.true(i < pings.length, `pong ${JSON.stringify(p)} echoes a ping, in order`)
    }
    t.deepEqual(pongs.at(-1), pings.at(-1), 'the last ping is answered')
  } else if (c.fail === undefined) {
    t.deepEqual(pongs, expectedPongs.map(normBytes), 'a pong with the same payload answers each ping, in order')
  }
  // The client's close frame is its last frame: no pong or data after it.
  const closeAt = frames.indexOf(clientClose)
  t.true(closeAt === -1 || closeAt === frames.length - 1, `nothing follows the client's close frame (${wire})`)
}

for (const c of cases) {
  const runner = c.section === '9 large' ? test.serial : test
  runner(`${c.id} ${c.title}`, (t) => runCase(t, c))
}

test('the catalogue covers every section', (t) => {
  const sections = new Set(cases.map((c) => c.section))
  t.deepEqual([...sections].sort(), ['1 framing', '2 pings and pongs', '3 reserved bits', '4 opcodes', '5 fragmentation', '6 UTF-8 invalid', '6 UTF-8 valid', '7 close', '9 large'])
  t.is(new Set(cases.map((c) => c.id)).size, cases.length, 'case ids are unique')
})
