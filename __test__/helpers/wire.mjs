// The WebSocket wire by hand, for the conformance and fault tests: a frame encoder that can also
// write what RFC 6455 forbids (reserved bits and opcodes, non-minimal lengths, masked server frames,
// oversized control frames), a streaming frame reader, and a raw TCP peer on 127.0.0.1:0 that does the
// upgrade itself (Sec-WebSocket-Accept with SHA-1) and then runs the test's script against one client.
//
// Self-contained on purpose: the parser here copes with 100 MiB streams (no re-concatenation per
// chunk, word-wise unmasking), which the hostile-peer tests need.
import { createHash } from 'node:crypto'
import net from 'node:net'

export const HOST = '127.0.0.1'

export const OP = Object.freeze({
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
})

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2). */
export function acceptKey(key) {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64')
}

/** Bytes of a payload given as a string (UTF-8), Buffer, ArrayBuffer, TypedArray or array of bytes. */
export function bytes(payload) {
  if (payload === undefined) return Buffer.alloc(0)
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8')
  if (Buffer.isBuffer(payload)) return payload
  if (payload instanceof ArrayBuffer) return Buffer.from(payload)
  if (ArrayBuffer.isView(payload)) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  if (Array.isArray(payload)) return Buffer.from(payload)
  throw new TypeError('unsupported payload')
}

/** XORs `data` with the 4-byte `key` in place (starting at key offset 0) and returns it. */
export function unmask(data, key) {
  const n = data.length
  let i = 0
  // Word-wise where the buffer is 4-byte aligned (fast enough for 100 MiB); byte-wise for the rest.
  if (n >= 8 && data.byteOffset % 4 === 0) {
    const k = key.readUInt32LE(0)
    const w = new Uint32Array(data.buffer, data.byteOffset, n >>> 2)
    for (let j = 0; j < w.length; j++) w[j] ^= k
    i = w.length * 4
  }
  for (; i < n; i++) data[i] ^= key[i & 3]
  return data
}

/**
 * One frame, as bytes. Options:
 *  - `fin` (default true), `rsv` (3 bits: 0b100 = RSV1), `opcode` is taken as given (any 0..15);
 *  - `mask`: mask the payload (clients must, servers must not); `maskKey` a 4-byte key;
 *  - `lengthBytes`: 0, 2 or 8 extra length bytes, to force a non-minimal encoding (default minimal);
 *  - `length`: the announced payload length, when it should differ from the payload's.
 */
export function encodeFrame(opcode, payload, { fin = true, rsv = 0, mask = false, maskKey, lengthBytes, length } = {}) {
  let data = bytes(payload)
  const len = length ?? data.length
  const extra = lengthBytes ?? (len < 126 ? 0 : len < 0x10000 ? 2 : 8)
  const head = Buffer.alloc(2 + extra + (mask ? 4 : 0))
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf)
  const maskBit = mask ? 0x80 : 0
  if (extra === 0) {
    if (len > 125) throw new RangeError('a 7-bit length holds at most 125')
    head[1] = maskBit | len
  } else if (extra === 2) {
    if (len > 0xffff) throw new RangeError('a 16-bit length holds at most 65535')
    head[1] = maskBit | 126
    head.writeUInt16BE(len, 2)
  } else {
    head[1] = maskBit | 127
    head.writeBigUInt64BE(BigInt(len), 2)
  }
  if (mask) {
    const key = maskKey ? bytes(maskKey) : Buffer.from([0x37, 0xfa, 0x21, 0x3d])
    key.copy(head, 2 + extra)
    data = unmask(Buffer.from(data), key)
  }
  return Buffer.concat([head, data])
}

/** Payload of a close frame: a 2-byte code, then the reason (string or bytes). */
export function closePayload(code, reason = '') {
  const r = bytes(reason)
  const b = Buffer.alloc(2 + r.length)
  b.writeUInt16BE(code, 0)
  r.copy(b, 2)
  return b
}

/**
 * Streaming parser of the frames a client sends. `push(chunk)` returns the frames completed by it:
 * `{fin, rsv, opcode, masked, length, payload}` with the payload unmasked; a close frame with a
 * payload of 2+ bytes also gets `code` and `reason` (a string).
 */
export class FrameReader {
  #chunks = []
  #buffered = 0

  push(chunk) {
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    const out = []
    for (;;) {
      const f = this.#next()
      if (!f) return out
      out.push(f)
    }
  }

  /** The first `n` buffered bytes, joined only as far as needed. */
  #peek(n) {
    if (this.#chunks[0].length >= n) return this.#chunks[0]
    const b = Buffer.concat(this.#chunks)
    this.#chunks = [b]
    return b
  }

  #take(n) {
    if (n === 0) return Buffer.alloc(0)
    const b = this.#peek(n)
    const out = b.subarray(0, n)
    if (b.length === n) this.#chunks.shift()
    else this.#chunks[0] = b.subarray(n)
    this.#buffered -= n
    return out
  }

  #next() {
    if (this.#buffered < 2) return null
    let head = this.#peek(2)
    const short = head[1] & 0x7f
    const masked = (head[1] & 0x80) !== 0
    const headLen = 2 + (short === 126 ? 2 : short === 127 ? 8 : 0) + (masked ? 4 : 0)
    if (this.#buffered < headLen) return null
    head = this.#peek(headLen)
    let length = short
    if (short === 126) length = head.readUInt16BE(2)
    else if (short === 127) length = Number(head.readBigUInt64BE(2))
    if (this.#buffered < headLen + length) return null
    const first = head[0]
    const key = masked ? Buffer.from(head.subarray(headLen - 4, headLen)) : null
    this.#take(headLen)
    // Copy: the frame outlives the chunks it came in.
    const payload = Buffer.from(this.#take(length))
    if (masked) unmask(payload, key)
    const f = { fin: (first & 0x80) !== 0, rsv: (first >> 4) & 7, opcode: first & 0xf, masked, length, payload }
    if (f.opcode === OP.CLOSE && payload.length >= 2) {
      f.code = payload.readUInt16BE(0)
      f.reason = payload.subarray(2).toString('utf8')
    }
    return f
  }
}

/** The 101 response to an upgrade request with `key` as its Sec-WebSocket-Key. */
export function upgradeResponse(key, extraHeaders = []) {
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
    ...extraHeaders,
    '',
    '',
  ].join('\r\n')
}

function parseRequest(head) {
  const [requestLine, ...lines] = head.split('\r\n')
  const [method, path] = requestLine.split(' ')
  const headers = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
  }
  return { method, path, headers }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A raw TCP peer on 127.0.0.1:0. For every connection it reads the upgrade request, answers it
 * (unless `handshake: 'silent'`: accept TCP and never answer), and runs `script(session)`; a script
 * that throws or rejects is reported by `session.done` (and by `peer.session()` callers awaiting it).
 *
 * Options:
 *  - `handshake`: 'accept' (default) | 'silent' | `(request) => bytes` (the whole raw response);
 *  - `echoClose` (default true): answer the client's first close frame with the same payload and
 *    end TCP, as a well-behaved server does; `'no-end'`: answer it but keep TCP open; false: ignore it;
 *  - `keepFrames` (default true): keep every received frame in `session.frames`; false for long
 *    streams, with `onFrame(frame, session)` seeing each frame instead.
 *
 * `session`: `{request, socket, frames, bytesRead, closeSent, write(bytes) → Promise, writeChunked(bytes, size,
 * pauseMs), send(opcode, payload, frameOpts), text, binary, ping, pong, close(code?, reason?),
 * nextFrame(timeout), closeFrame(timeout), pauseReading(), resumeReading(), end(), destroy(),
 * ended, done}`. `nextFrame` returns the received frames one by one, in order.
 *
 * Returns `{port, url(path), sessions, session(index?, timeout?), close()}`; `close()` destroys every
 * socket and the listener, and runs at `t.teardown` when `t` is given.
 */
export async function startScriptedPeer(t, script, { handshake = 'accept', echoClose = true, keepFrames = true, onFrame } = {}) {
  const sessions = []
  const sockets = new Set()
  const waiters = new Set()
  const notify = () => {
    for (const w of waiters) w()
  }
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.setNoDelay(true)
    const session = newSession(socket, { echoClose, keepFrames, onFrame, notify })
    sessions.push(session)
    let head = Buffer.alloc(0)
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk])
      const i = head.indexOf('\r\n\r\n')
      if (i < 0) return
      socket.off('data', onData)
      session.request = parseRequest(head.subarray(0, i).toString('latin1'))
      const rest = head.subarray(i + 4)
      if (handshake === 'silent') {
        session.done = Promise.resolve(script?.(session))
      } else {
        socket.write(typeof handshake === 'function' ? handshake(session.request) : upgradeResponse(session.request.headers['sec-websocket-key'] ?? ''))
        session.startReading(rest)
        session.done = Promise.resolve().then(() => script?.(session))
      }
      session.done.catch(() => {})
      notify()
    }
    socket.on('data', onData)
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, resolve)
  })
  const port = server.address().port
  let closed = false
  const peer = {
    port,
    sessions,
    url: (path = '/') => `ws://${HOST}:${port}${path}`,
    /** The `index`-th session once its request has been read (and its script started). */
    session(index = 0, timeout = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const s = sessions[index]
          if (s && s.done) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(s)
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no session #${index} within ${timeout} ms`))
        }, timeout)
        waiters.add(check)
        check()
      })
    },
    async close() {
      if (closed) return
      closed = true
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(() => resolve()))
    },
  }
  t?.teardown(() => peer.close())
  return peer
}

function newSession(socket, { echoClose, keepFrames, onFrame, notify }) {
  const reader = new FrameReader()
  const frames = []
  let cursor = 0
  let closeAnswered = false
  let ended = false
  // Waiting helpers re-check on every frame and on the end of the connection.
  const waiters = new Set()
  const wake = () => {
    notify()
    for (const w of waiters) w()
  }
  const session = {
    socket,
    request: null,
    frames,
    bytesRead: 0,
    done: null,
    /** Set once this side sent a close frame (by `close()`; set it by hand after raw writes of one). */
    closeSent: false,
    ended: new Promise((resolve) =>
      socket.on('close', () => {
        ended = true
        wake()
        resolve()
      }),
    ),
    write: (data) => new Promise((resolve) => (socket.destroyed ? resolve(false) : socket.write(data, () => resolve(true)))),
    /** Writes `data` in pieces of `size` bytes, pausing `pauseMs` between them (0: next tick). */
    async writeChunked(data, size = 1, pauseMs = 0) {
      for (let i = 0; i < data.length && !socket.destroyed; i += size) {
        await session.write(data.subarray(i, i + size))
        if (pauseMs > 0) await sleep(pauseMs)
        else await new Promise(setImmediate)
      }
    },
    send: (opcode, payload, frameOpts) => session.write(encodeFrame(opcode, payload, frameOpts)),
    text: (s, frameOpts) => session.send(OP.TEXT, s, frameOpts),
    binary: (b, frameOpts) => session.send(OP.BINARY, b, frameOpts),
    ping: (p, frameOpts) => session.send(OP.PING, p, frameOpts),
    pong: (p, frameOpts) => session.send(OP.PONG, p, frameOpts),
    /** A close frame: no payload when `code` is undefined. */
    close(code, reason) {
      session.closeSent = true
      return session.send(OP.CLOSE, code === undefined ? undefined : closePayload(code, reason))
    },
    /** The next received frame not yet returned by nextFrame (waits for it). */
    nextFrame(timeout = 5000) {
      return waitFor(
        () => {
          if (cursor < frames.length) return frames[cursor++]
          if (ended) throw new Error(`the connection ended after ${frames.length} frames`)
        },
        timeout,
        `frame #${cursor} from the client`,
      )
    },
    /** The first close frame the client sent (waits for it). */
    closeFrame(timeout = 5000) {
      return waitFor(
        () => {
          const f = frames.find((x) => x.opcode === OP.CLOSE)
          if (f) return f
          if (ended) throw new Error(`the connection ended without a close frame (got ${describeFrames(frames)})`)
        },
        timeout,
        'a close frame from the client',
      )
    },
    pauseReading: () => socket.pause(),
    resumeReading: () => socket.resume(),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
    startReading(rest) {
      const received = (chunk) => {
        session.bytesRead += chunk.length
        for (const f of reader.push(chunk)) {
          if (keepFrames) frames.push(f)
          onFrame?.(f, session)
          if (f.opcode === OP.CLOSE && echoClose && !closeAnswered && !socket.destroyed) {
            closeAnswered = true
            // The client's close frame answers ours when we sent one first: then only TCP ends.
            const answer = session.closeSent ? Buffer.alloc(0) : encodeFrame(OP.CLOSE, f.payload)
            if (echoClose === 'no-end') socket.write(answer)
            else socket.end(answer)
          }
        }
        wake()
      }
      socket.on('data', received)
      if (rest.length) received(rest)
    },
  }
  function waitFor(get, timeout, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v
        try {
          v = get()
        } catch (e) {
          waiters.delete(check)
          clearTimeout(timer)
          return reject(e)
        }
        if (v !== undefined) {
          waiters.delete(check)
          clearTimeout(timer)
          resolve(v)
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; got ${describeFrames(frames)}`))
      }, timeout)
      waiters.add(check)
      check()
    })
  }
  return session
}

/** Short text of received frames, for failure messages. */
export function describeFrames(frames) {
  const name = { 0: 'cont', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' }
  return (
    frames
      .map((f) => {
        let s = `${name[f.opcode] ?? 'op' + f.opcode}${f.fin ? '' : '(fin=0)'}[${f.length}]`
        if (f.code !== undefined) s += ` ${f.code} ${JSON.stringify(f.reason)}`
        return s
      })
      .join(', ') || '(no frames)'
  )
}
