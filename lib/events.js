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

function dispatch(batch) {
  backlog.push(batch)
  if (backlog.length === 1 && !paused) deliver()
}

function resume() {
  paused = false
  deliver()
}

function deliver() {
  while (backlog.length > 0) {
    const batch = backlog[0]
    while (position < batch.length) {
      const i = position
      position += 3
      const target = targets.get(batch[i])
      const pause = target !== undefined && target.handleEvent(batch[i + 1], batch[i + 2]) === true
      if (pause || thrown !== null) {
        if (position >= batch.length) {
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

let flushScheduled = false

function flushSends() {
  flushScheduled = false
  pump.flushSends()
}

/**
 * Sends only queue; the connections are woken once, after the current JS turn, so a burst of sends
 * goes out in one write.
 */
function scheduleFlush() {
  if (!flushScheduled) {
    flushScheduled = true
    queueMicrotask(flushSends)
  }
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

module.exports = { Kind, Listeners, pump, scheduleFlush, newTarget, activate, deactivate }
