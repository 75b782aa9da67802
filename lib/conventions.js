'use strict'
// The calling conventions of `connect`, `send` and `close` (CONTRACT §2): a function in the callback
// position gets `cb(undefined, true)` or `cb(err, undefined)` later; otherwise a Promise of `true`.
// They never throw.

const { businessError, PARAMETER_ERROR } = require('./errors.js')

/**
 * Splits a call's arguments into the callback (a function in last position) and the rest, with
 * trailing explicit `undefined`s dropped: they count as absent.
 */
function splitArguments(args) {
  let callback
  let end = args.length
  if (end > 0 && typeof args[end - 1] === 'function') {
    callback = args[end - 1]
    end -= 1
  }
  while (end > 0 && args[end - 1] === undefined) end -= 1
  return { callback, rest: end === args.length ? args : Array.prototype.slice.call(args, 0, end) }
}

/**
 * Runs `start(done)`, where `done(code)` settles the call (`0` for success), and delivers the result
 * the way the caller asked for it.
 */
function settle(callback, start) {
  if (callback) {
    start((code) => {
      if (code === 0) process.nextTick(callback, undefined, true)
      else process.nextTick(callback, businessError(code), undefined)
    })
    return undefined
  }
  return new Promise((resolve, reject) => {
    start((code) => (code === 0 ? resolve(true) : reject(businessError(code))))
  })
}

/** Settles at once with `code` (the hot path of `send`: no closure per call). */
function settleNow(callback, code) {
  if (callback) {
    if (code === 0) process.nextTick(callback, undefined, true)
    else process.nextTick(callback, businessError(code), undefined)
    return undefined
  }
  return code === 0 ? Promise.resolve(true) : Promise.reject(businessError(code))
}

/** A parameter error, settled the caller's way. */
function parameterError(callback) {
  return settleNow(callback, PARAMETER_ERROR)
}

module.exports = { splitArguments, settle, settleNow, parameterError }
