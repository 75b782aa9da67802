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
})

/** Objects with a live session or server, by target id. Holding them here keeps them from GC. */
const targets = new Map()
let nextTarget = 1
let active = 0

function dispatch(batch) {
  for (let i = 0; i < batch.length; i += 3) {
    const target = targets.get(batch[i])
    if (target !== undefined) target.handleEvent(batch[i + 1], batch[i + 2])
  }
}

const pump = new EventPump(dispatch)

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

/** Calls a listener with `this === undefined`; an exception goes to Node, later events still flow. */
function invoke(listener, a, b, argc) {
  try {
    if (argc === 1) listener(a)
    else listener(a, b)
  } catch (err) {
    process.nextTick(rethrow, err)
  }
}

function rethrow(err) {
  throw err
}

/**
 * The listener table of one object: at most one listener per known event type.
 * `types` maps each event name to its listener arity (1: `(payload)`, 2: `(undefined, payload)`).
 */
class Listeners {
  constructor(types) {
    this.types = types
    this.table = Object.create(null)
  }

  on(args) {
    if (args.length !== 2 || typeof args[0] !== 'string' || typeof args[1] !== 'function') throw parameterThrow()
    if (args[0] in this.types) this.table[args[0]] = args[1]
  }

  off(args) {
    let n = args.length
    // off(type, undefined) is off(type): an explicit undefined counts as absent.
    if (n === 2 && args[1] === undefined) n = 1
    if (n < 1 || n > 2 || typeof args[0] !== 'string' || (n === 2 && typeof args[1] !== 'function')) {
      throw parameterThrow()
    }
    const type = args[0]
    if (!(type in this.types)) return
    if (n === 1 || this.table[type] === args[1]) delete this.table[type]
  }

  /** True when a listener for `type` is registered. */
  has(type) {
    return this.table[type] !== undefined
  }

  /** Calls the listener of `type` with two arguments of its own. */
  emitPair(type, a, b) {
    const listener = this.table[type]
    if (listener !== undefined) invoke(listener, a, b, 2)
  }

  emit(type, payload) {
    const listener = this.table[type]
    if (listener !== undefined) invoke(listener, this.types[type] === 1 ? payload : undefined, payload, this.types[type])
  }
}

module.exports = { Kind, Listeners, pump, newTarget, activate, deactivate }
