// RFC 6455 frames by hand, for the hostile peer: build any frame (also invalid ones) and parse
// what the client sends.
import { createHash } from 'node:crypto'

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
  return createHash('sha1').update(key + GUID).digest('base64')
}

function toBuffer(payload) {
  if (payload === undefined) return Buffer.alloc(0)
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8')
  if (Buffer.isBuffer(payload)) return payload
  if (payload instanceof ArrayBuffer) return Buffer.from(payload)
  if (ArrayBuffer.isView(payload)) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  if (Array.isArray(payload)) return Buffer.from(payload)
  throw new TypeError('unsupported payload')
}

/**
 * One frame. `fin` defaults to true; `rsv` is a 3-bit number (0b100 = RSV1); `mask` masks the
 * payload (servers must not); `length` overrides the announced payload length.
 */
export function frame(opcode, payload, { fin = true, rsv = 0, mask = false, length } = {}) {
  let data = toBuffer(payload)
  const len = length ?? data.length
  const head = [((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf))]
  const maskBit = mask ? 0x80 : 0
  if (len < 126) {
    head.push(maskBit | len)
  } else if (len < 0x10000) {
    head.push(maskBit | 126, len >> 8, len & 0xff)
  } else {
    head.push(maskBit | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff)
  }
  let maskKey = Buffer.alloc(0)
  if (mask) {
    maskKey = Buffer.from([0x37, 0xfa, 0x21, 0x3d])
    data = Buffer.from(data.map((b, i) => b ^ maskKey[i % 4]))
  }
  return Buffer.concat([Buffer.from(head), maskKey, data])
}

/** Payload of a close frame: 2-byte code, then the reason (string or bytes). */
export function closePayload(code, reason = '') {
  const r = toBuffer(reason)
  const b = Buffer.alloc(2 + r.length)
  b.writeUInt16BE(code, 0)
  r.copy(b, 2)
  return b
}

/**
 * Incremental parser of the frames a client sends. `push(bytes)` returns the complete frames
 * found so far: `{fin, rsv, opcode, masked, payload}` with the payload unmasked. A close frame
 * also gets `code` and `reason` (undefined when it has no payload).
 */
export class FrameParser {
  constructor() {
    this.buf = Buffer.alloc(0)
  }

  push(chunk) {
    this.buf = Buffer.concat([this.buf, chunk])
    const out = []
    for (;;) {
      const f = this.#next()
      if (!f) break
      out.push(f)
    }
    return out
  }

  #next() {
    const b = this.buf
    if (b.length < 2) return null
    let len = b[1] & 0x7f
    let off = 2
    if (len === 126) {
      if (b.length < 4) return null
      len = b.readUInt16BE(2)
      off = 4
    } else if (len === 127) {
      if (b.length < 10) return null
      len = Number(b.readBigUInt64BE(2))
      off = 10
    }
    const masked = (b[1] & 0x80) !== 0
    const maskKey = masked ? b.subarray(off, off + 4) : null
    if (masked) off += 4
    if (b.length < off + len) return null
    let payload = Buffer.from(b.subarray(off, off + len))
    if (masked) payload = Buffer.from(payload.map((x, i) => x ^ maskKey[i % 4]))
    this.buf = b.subarray(off + len)
    const f = { fin: (b[0] & 0x80) !== 0, rsv: (b[0] >> 4) & 7, opcode: b[0] & 0xf, masked, payload }
    if (f.opcode === OP.CLOSE && payload.length >= 2) {
      f.code = payload.readUInt16BE(0)
      f.reason = payload.subarray(2).toString('utf8')
    }
    return f
  }
}
