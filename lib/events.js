'use strict'
// Event delivery's one home on the JS side: the batches the native dispatcher sends, routed to the
// objects they belong to, in order. Also the listener rules of CONTRACT §2: one listener per event
// type, `on` replaces, listener exceptions reach Node as `uncaughtException` without stopping the
// events after them.

const { EventPump } = require('../binding.js')
const { parameterThrow } = require('./errors.js')

/** Event kinds, as `src/binding/dispatch.rs` numbers them. */
const Kind = Object.freeze({
  CONNECTED: 0,
  CONNECT_FAILED: 1,
  HEADERS: 2,
  OPEN: 3,
  TEXT: 4,
  BINARY: 5,
  ERROR: 6,
  CLOSE: 7,
  ENDED: 8,
  SERVER_CONNECT: 10,
  SERVER_MESSAGE: 11,
  SERVER_CLOSE: 12,
  SERVER_ERROR: 13,
  SERVER_TEXT: 14,
  SERVER_BINARY: 15,
})

/** What a native send returns when the message went out at once (0: queued, else an error code). */
const SENT = 1

/** The second operand of an event whose payload is in the batch's `objects`. */
const NO_SLICE = 0xffffffff

/** Objects with a live session or server, by target id. Holding them here keeps them from GC. */
const targets = new Map()
let nextTarget = 1
let active = 0

/**
 * Batches not yet fully delivered, oldest first. Delivery pauses (and resumes from `setImmediate`)
 * after an event that settles a `connect()`, so its callback or promise runs before the events that
 * follow it, and after a listener threw, so the exception reaches Node before the next event.
 */
const backlog = []
let position = 0
/** The exception a listener threw during the current event, rethrown once the event is delivered. */
let thrown = null
let paused = false

/**
 * Receives a batch from the native dispatcher: `[head, text, bytes, objects]` (see
 * `src/binding/dispatch.rs`): five numbers per event in `head`, small messages as slices of `text`
 * and `bytes`, everything else in `objects`; or one message as `(target, kind, payload)`.
 */
function dispatch(batch, kind, payload) {
  // A lone small message comes as `(target, kind, payload)`. With nothing queued before it, it goes
  // straight to its object; otherwise the batch around it is built here, cheaper than across Node-API.
  if (typeof batch === 'number') {
    if (backlog.length === 0 && !paused) return deliverOne(batch, kind, payload)
    batch = [Uint32Array.of(batch, kind, 0, NO_SLICE, 0), '', undefined, [payload]]
  }
  backlog.push(batch)
  if (backlog.length === 1 && !paused) deliver()
}

/**
 * Delivers a lone message. A message never pauses delivery (only the events that settle a
 * `connect()` do), and nothing follows it, so an exception its listener threw is rethrown at once.
 */
function deliverOne(id, kind, payload) {
  const target = targets.get(id)
  if (target === undefined) return
  target.handleEvent(kind, payload)
  if (thrown !== null) {
    const err = thrown
    thrown = null
    throw err
  }
}

function resume() {
  paused = false
  deliver()
}

/** The payload of the event at `i` of `batch`. */
function payloadOf(batch, i) {
  const head = batch[0]
  const kind = head[i + 1]
  const x = head[i + 2]
  const y = head[i + 3]
  if (y === NO_SLICE) return batch[3][x]
  switch (kind) {
    case Kind.TEXT:
      return batch[1].slice(x, y)
    case Kind.BINARY:
      return batch[2].slice(x, y)
    case Kind.SERVER_TEXT:
      return { clientConnection: batch[3][head[i + 4]], data: batch[1].slice(x, y) }
    case Kind.SERVER_BINARY:
      return { clientConnection: batch[3][head[i + 4]], data: batch[2].slice(x, y) }
  }
  return undefined
}

/**
 * Whether events for the object of the event at `i` follow it in what is queued: only then must
 * delivery pause for its connect callback. Without the check, opening thousands of connections at
 * once would cost one event-loop turn each.
 */
function moreFor(batch, i) {
  if (backlog.length > 1) return true
  const head = batch[0]
  if (batch.last === undefined) {
    batch.last = new Map()
    for (let j = 0; j < head.length; j += 5) batch.last.set(head[j], j)
  }
  return batch.last.get(head[i]) > i
}

function deliver() {
  while (backlog.length > 0) {
    const batch = backlog[0]
    const head = batch[0]
    let lastId = -1
    let target
    while (position < head.length) {
      const i = position
      position += 5
      // Events come in runs of one connection: look its object up once per run.
      if (head[i] !== lastId) {
        lastId = head[i]
        target = targets.get(lastId)
      }
      if (target === undefined) continue
      const pause = target.handleEvent(head[i + 1], payloadOf(batch, i)) === true && moreFor(batch, i)
      if (pause || thrown !== null) {
        if (position >= head.length) {
          backlog.shift()
          position = 0
        }
        paused = true
        setImmediate(resume)
        if (thrown !== null) {
          const err = thrown
          thrown = null
          throw err
        }
        return
      }
    }
    backlog.shift()
    position = 0
  }
}

const pump = new EventPump(dispatch)

/** The current JS turn has sent: its further sends queue until `flushSends`, after it. */
let turnSent = false
/** Sends are queued for `flushSends`. */
let queued = false

function flushSends() {
  turnSent = false
  if (queued) {
    queued = false
    pump.flushSends()
  }
}

function endOfTurn() {
  if (!turnSent) {
    turnSent = true
    queueMicrotask(flushSends)
  }
}

/**
 * Whether a send may go out at once: only the first of a JS turn (a round trip's answer costs no
 * extra wake-up); the others queue, and their connections are woken once, after the turn, so a
 * burst of sends goes out in one write.
 */
function sendsNow() {
  const first = !turnSent
  endOfTurn()
  return first
}

/** A send was queued: wake its connection after the current turn. */
function scheduleFlush() {
  queued = true
  endOfTurn()
}

/** A fresh id for an object's events. */
function newTarget() {
  return nextTarget++
}

/** Routes `id`'s events to `object.handleEvent(kind, payload)` and keeps the process alive. */
function activate(id, object) {
  targets.set(id, object)
  if (active++ === 0) pump.keepAlive(true)
}

/** The session or server `id` ended: once all of an object's have, the process may exit. */
function deactivate(id, stillActive) {
  if (!stillActive) targets.delete(id)
  if (--active === 0) pump.keepAlive(false)
}

/**
 * Calls a listener with `this === undefined`. An exception is kept and rethrown by `deliver` once the
 * current event is done, so it reaches Node as `uncaughtException` and later events still flow.
 */
function invoke(listener, a, b, argc) {
  try {
    if (argc === 1) listener(a)
    else listener(a, b)
  } catch (err) {
    if (thrown === null) thrown = err
    else process.nextTick(rethrow, err)
  }
}

function rethrow(err) {
  throw err
}

/**
 * Event types of one kind of object: `arities` maps each name to its listener arity (2: called as
 * `(undefined, payload)`, 1: `(payload)`). Each type gets a slot number; `slot` names them, so the
 * hot path indexes an array instead of looking names up.
 */
class EventTypes {
  constructor(arities) {
    this.names = Object.keys(arities)
    this.arities = this.names.map((name) => arities[name])
    this.slot = Object.freeze(Object.fromEntries(this.names.map((name, i) => [name, i])))
  }

  /** The slot of a known event name, or -1. */
  slotOf(name) {
    return Object.hasOwn(this.slot, name) ? this.slot[name] : -1
  }
}

/** The listener table of one object: at most one listener per event type. */
class Listeners {
  constructor(types) {
    this.types = types
    this.table = new Array(types.names.length).fill(undefined)
  }

  on(args) {
    if (args.length !== 2 || typeof args[0] !== 'string' || typeof args[1] !== 'function') throw parameterThrow()
    const slot = this.types.slotOf(args[0])
    if (slot >= 0) this.table[slot] = args[1]
  }

  off(args) {
    let n = args.length
    // off(type, undefined) is off(type): an explicit undefined counts as absent.
    if (n === 2 && args[1] === undefined) n = 1
    if (n < 1 || n > 2 || typeof args[0] !== 'string' || (n === 2 && typeof args[1] !== 'function')) {
      throw parameterThrow()
    }
    const slot = this.types.slotOf(args[0])
    if (slot < 0) return
    if (n === 1 || this.table[slot] === args[1]) this.table[slot] = undefined
  }

  /** True when a listener is registered in `slot`. */
  has(slot) {
    return this.table[slot] !== undefined
  }

  /** Calls the listener in `slot` with two arguments of its own. */
  emitPair(slot, a, b) {
    const listener = this.table[slot]
    if (listener !== undefined) invoke(listener, a, b, 2)
  }

  /** Calls the listener in `slot` with `payload`, in its arity. */
  emit(slot, payload) {
    const listener = this.table[slot]
    if (listener !== undefined) {
      const arity = this.types.arities[slot]
      invoke(listener, arity === 1 ? payload : undefined, payload, arity)
    }
  }
}

/**
 * Defines the static-ArkTS listener methods on `prototype`: for each `suffix → type`, `on<Suffix>(cb)`
 * is `on(type, cb)` and `off<Suffix>(cb?)` is `off(type, cb)`.
 */
function defineAliases(prototype, aliases) {
  for (const [suffix, type] of Object.entries(aliases)) {
    const methods = {
      [`on${suffix}`](...args) {
        this.on(type, ...args)
      },
      [`off${suffix}`](...args) {
        this.off(type, ...args)
      },
    }
    for (const name of Object.keys(methods)) {
      Object.defineProperty(prototype, name, { value: methods[name], writable: true, configurable: true })
    }
  }
}

module.exports = { Kind, EventTypes, Listeners, defineAliases, pump, newTarget, activate, deactivate }
// Sending: when a send may go out at once, and the flush after a JS turn for those that queued.
module.exports.sendsNow = sendsNow
module.exports.SENT = SENT
module.exports.scheduleFlush = scheduleFlush
