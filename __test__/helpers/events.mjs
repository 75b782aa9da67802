// Watching a client: the events it emits, in order, and the results of its methods.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
/** The package under test, loaded as a user's `require('ohos-websocket')` would. */
export const ohos = require('../../index.js')
export const { webSocket } = ohos

/** Every client event type, and the ones whose listeners get `(undefined, payload)`. */
export const EVENT_TYPES = ['open', 'openInfo', 'headerReceive', 'message', 'dataEnd', 'error', 'close']
export const ASYNC_CALLBACK_EVENTS = new Set(['open', 'openInfo', 'message', 'close'])

/** The error objects of the contract, with the API reference's messages. */
export const MESSAGES = {
  201: 'Permission denied.',
  401: 'Parameter error.',
  2302001: 'Websocket url error.',
  2302002: 'Websocket certificate file does not exist.',
  2302003: 'Websocket connection already exists.',
  2302998: 'It is not allowed to access this domain.',
  2302999: 'Websocket other unknown error.',
}
export const businessError = (code) => ({ code, message: MESSAGES[code] })

export const OPEN_PAYLOAD = { status: 101, message: 'Switching Protocols' }
export const LINK_DOWN = 'The link is down'

/**
 * Registers a listener for each of `types` on `ws` and records what arrives.
 * Returns:
 *  - `events`: `[type, payload]` in arrival order (payload = 2nd argument for open/openInfo/
 *    message/close, 1st for the others);
 *  - `calls`: `{type, args}` with the full argument lists;
 *  - `types()`, `of(type)`, `count(type)`;
 *  - `mark(label, value)`: pushes a marker of the test's own (e.g. 'connect resolved') in order;
 *  - `until(type, {count, timeout})`: resolves with the payload of the `count`-th event of
 *    that type (at once if it already happened), rejects after `timeout` ms listing what came;
 *  - `listeners[type]`: the registered functions (for `off`).
 */
export function record(ws, types = EVENT_TYPES) {
  const events = []
  const calls = []
  const waiters = new Set()
  const rec = {
    events,
    calls,
    listeners: {},
    types: () => events.map((e) => e[0]),
    of: (type) => events.filter((e) => e[0] === type).map((e) => e[1]),
    count: (type) => events.filter((e) => e[0] === type).length,
    mark(label, value) {
      events.push([label, value])
      for (const w of waiters) w()
    },
    until(type, { count = 1, timeout = 5000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = rec.of(type)
          if (found.length >= count) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(found[count - 1])
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no '${type}' event (#${count}) within ${timeout} ms; got: ${describe(events)}`))
        }, timeout)
        waiters.add(check)
        check()
      })
    },
  }
  for (const type of types) {
    const listener = function (...args) {
      calls.push({ type, args })
      rec.mark(type, ASYNC_CALLBACK_EVENTS.has(type) ? args[1] : args[0])
    }
    rec.listeners[type] = listener
    ws.on(type, listener)
  }
  return rec
}

/** Short text of an event list, for failure messages. */
export function describe(events) {
  return (
    events
      .map(([type, payload]) => {
        let p
        if (payload instanceof ArrayBuffer) p = `ArrayBuffer(${payload.byteLength})`
        else if (typeof payload === 'string') p = JSON.stringify(payload.length > 40 ? payload.slice(0, 40) + '…' : payload)
        else p = JSON.stringify(payload)
        return p === undefined ? type : `${type} ${p}`
      })
      .join(', ') || '(nothing)'
  )
}

/**
 * Calls `method(...args, cb)` in callback form. Resolves with `{returned, args, sync}`: what the
 * call returned, the arguments the callback got, and whether it was called before the call
 * returned (the contract says "later").
 */
export function viaCallback(target, method, ...args) {
  return new Promise((resolve, reject) => {
    let returned
    let done = false
    let sync = true
    const timer = setTimeout(() => reject(new Error(`callback of ${method} not called within 5 s`)), 5000)
    try {
      returned = target[method](...args, (...cbArgs) => {
        clearTimeout(timer)
        if (done) return reject(new Error(`callback of ${method} called twice`))
        done = true
        const s = sync
        setImmediate(() => resolve({ returned, args: cbArgs, sync: s }))
      })
    } catch (e) {
      clearTimeout(timer)
      reject(new Error(`${method} threw synchronously: ${e && e.message}`))
    }
    sync = false
  })
}

/**
 * Calls `method(...args)` in promise form; resolves `{value}` or `{error}`. Fails (rejects) when
 * the call throws or returns something that is not a Promise.
 */
export async function viaPromise(target, method, ...args) {
  let p
  try {
    p = target[method](...args)
  } catch (e) {
    throw new Error(`${method} threw synchronously: ${e && e.message}`)
  }
  if (!(p instanceof Promise)) throw new Error(`${method} returned ${String(p)} instead of a Promise`)
  try {
    return { value: await p }
  } catch (error) {
    return { error }
  }
}

/** Asserts that `method(...args)` rejects with exactly the business error `code`, in promise and callback form. */
export async function assertRejects(t, target, method, args, code, label = `${method}(${args.map(show).join(', ')})`) {
  const p = await viaPromise(target, method, ...args)
  t.deepEqual(p.error, businessError(code), `${label} (promise form)`)
  t.is(p.value, undefined, `${label} must not resolve`)
}

export function show(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 30 ? v.slice(0, 30) + '…' : v)
  if (typeof v === 'function') return 'fn'
  if (v instanceof ArrayBuffer) return `ArrayBuffer(${v.byteLength})`
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.byteLength})`
  if (typeof v === 'bigint') return `${v}n`
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}

/**
 * A fresh client with every event recorded; `close()` is attempted at teardown so no session
 * outlives its test.
 */
export function newClient(t, types) {
  const ws = webSocket.createWebSocket()
  const rec = types === null ? null : record(ws, types)
  t.teardown(() => {
    try {
      const r = ws.close()
      if (r && typeof r.catch === 'function') r.catch(() => {})
    } catch {}
  })
  return { ws, rec }
}

/** A client connected to `url` (resolves once 'open' has arrived). */
export async function openClient(t, url, options) {
  const { ws, rec } = newClient(t)
  const r = options === undefined ? await ws.connect(url) : await ws.connect(url, options)
  t.is(r, true, 'connect resolves true')
  await rec.until('open')
  return { ws, rec }
}

/** Cuts `s` to at most `max` UTF-8 bytes without splitting a character. */
export function utf8Cut(s, max) {
  let out = ''
  let bytes = 0
  for (const ch of s) {
    const n = Buffer.byteLength(ch)
    if (bytes + n > max) break
    out += ch
    bytes += n
  }
  return out
}

export const toHex = (ab) => Buffer.from(ab).toString('hex')
