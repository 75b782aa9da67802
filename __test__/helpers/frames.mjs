// RFC 6455 frames by hand, for the hostile peer: build any frame (also invalid ones) and parse
// what the client sends.
import { OP, acceptKey, closePayload, encodeFrame } from './wire.mjs'

// One frame builder for every peer: the scripted peer's (`wire.mjs`).
export { OP, acceptKey, closePayload }

/**
 * One frame. `fin` defaults to true; `rsv` is a 3-bit number (0b100 = RSV1); `mask` masks the
 * payload (servers must not); `length` overrides the announced payload length.
 */
export function frame(opcode, payload, { fin = true, rsv = 0, mask = false, length } = {}) {
  return encodeFrame(opcode, payload, { fin, rsv, mask, length })
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
