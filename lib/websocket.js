'use strict'
// The client `WebSocket` object of `@ohos.net.webSocket` (CONTRACT §2–§6).

const { isArrayBuffer } = require('node:util').types
const { NativeClient } = require('../binding.js')
const { splitArguments, settle, settleNow, parameterError } = require('./conventions.js')
const { connectArguments, sendArguments, closeArguments, networkAllowed } = require('./arguments.js')
const { Kind, EventTypes, Listeners, defineAliases, pump, newTarget, activate, deactivate } = require('./events.js')
const { scheduleFlush, sendsNow, SENT } = require('./events.js')

/** Event names and their listener arity: 2 → `(undefined, payload)`, 1 → `(payload)`. */
const CLIENT_EVENTS = new EventTypes({
  open: 2,
  openInfo: 2,
  message: 2,
  close: 2,
  error: 1,
  headerReceive: 1,
  dataEnd: 1,
})
const On = CLIENT_EVENTS.slot

/** A WebSocket client. Create one with `webSocket.createWebSocket()`. */
class WebSocket {
  #id = newTarget()
  #native = new NativeClient(pump, this.#id)
  #listeners = new Listeners(CLIENT_EVENTS)
  /** Settles each pending `connect()` in order, when its attempt starts or fails. */
  #connecting = []
  /** Sessions started and not yet ended (a new one may start before the old one's last event). */
  #sessions = 0
  /** JS has seen 'open' for the current session. */
  #opened = false
  /** close() came before JS saw 'open': the session's 'headerReceive', 'open' and 'openInfo' are dropped. */
  #closedBeforeOpen = false

  /** Connects to `url` (`ws://` or `wss://`); the outcome is reported by 'open' or 'error'. */
  connect(...args) {
    const { callback, rest } = splitArguments(args)
    let parsed
    try {
      parsed = connectArguments(rest)
    } catch {
      // A ParameterError, or an option object whose getter or proxy trap threw: never a throw.
      return parameterError(callback)
    }
    return settle(callback, (done) => {
      const code = this.#native.connect(parsed.url, parsed.options, networkAllowed())
      if (code !== 0) return done(code)
      this.#connecting.push(done)
      this.#sessions += 1
      this.#opened = false
      this.#closedBeforeOpen = false
      activate(this.#id, this)
    })
  }

  /** Sends a string as one text message or an ArrayBuffer as one binary message. */
  send(data, callback) {
    // The common shapes, `send(data)` and `send(data, cb)`, without allocating the argument list.
    const argc = arguments.length
    if (argc <= 2 && (callback === undefined || typeof callback === 'function')) {
      let code
      if (typeof data === 'string') code = this.#native.sendText(data, sendsNow())
      else if (isArrayBuffer(data)) code = this.#native.sendBinary(data, sendsNow())
      if (code !== undefined) return this.#sent(callback, code)
    }
    return this.#sendChecked(Array.prototype.slice.call(arguments))
  }

  #sendChecked(args) {
    const { callback, rest } = splitArguments(args)
    let data
    try {
      data = sendArguments(rest)
    } catch {
      // A ParameterError, or an option object whose getter or proxy trap threw: never a throw.
      return parameterError(callback)
    }
    const now = sendsNow()
    const code = typeof data === 'string' ? this.#native.sendText(data, now) : this.#native.sendBinary(data, now)
    return this.#sent(callback, code)
  }

  #sent(callback, code) {
    if (code === SENT) return settleNow(callback, 0)
    if (code === 0) scheduleFlush()
    return settleNow(callback, code)
  }

  /** Starts the close handshake; 'close' follows when it completes. */
  close(...args) {
    const { callback, rest } = splitArguments(args)
    let options
    try {
      options = closeArguments(rest)
    } catch {
      // A ParameterError, or an option object whose getter or proxy trap threw: never a throw.
      return parameterError(callback)
    }
    const code = this.#native.close(options.code, options.reason)
    // The native side may have opened already, with 'open' still on its way: from the caller's
    // point of view the close came first, so that 'open' must not be reported.
    if (code === 0 && !this.#opened) this.#closedBeforeOpen = true
    return settleNow(callback, code)
  }

  /** Registers the listener of an event type, replacing the previous one. */
  on(...args) {
    this.#listeners.on(args)
  }

  /** Removes the listener of an event type (only if it is `callback`, when given). */
  off(...args) {
    this.#listeners.off(args)
  }

  /**
   * @internal Called by the event router with this object's events, in order. Returns `true` when
   * delivery should pause until pending callbacks and promise reactions have run.
   */
  handleEvent(kind, payload) {
    const listeners = this.#listeners
    switch (kind) {
      case Kind.TEXT:
      case Kind.BINARY:
        // Without a 'message' listener a message is dropped, and so is its 'dataEnd'; so are the
        // messages of a session closed before its 'open'.
        if (listeners.has(On.message) && !this.#closedBeforeOpen) {
          listeners.emit(On.message, payload)
          listeners.emit(On.dataEnd, undefined)
        }
        break
      case Kind.CONNECTED:
        this.#connecting.shift()?.(0)
        // Pause delivery so that connect's callback or promise runs before the events after it.
        return true
      case Kind.CONNECT_FAILED:
        this.#connecting.shift()?.(payload)
        return true
      case Kind.HEADERS:
        if (!this.#closedBeforeOpen) listeners.emit(On.headerReceive, payload)
        break
      case Kind.OPEN:
        if (this.#closedBeforeOpen) break
        this.#opened = true
        listeners.emit(On.open, { status: payload.status, message: payload.message })
        listeners.emit(On.openInfo, payload)
        break
      case Kind.ERROR:
        listeners.emit(On.error, payload)
        break
      case Kind.CLOSE:
        listeners.emit(On.close, payload)
        break
      case Kind.ENDED:
        this.#sessions -= 1
        deactivate(this.#id, this.#sessions > 0)
        break
    }
  }
}

// The static-ArkTS names: `onOpen(cb)` is `on('open', cb)`, `offOpen(cb?)` is `off('open', cb)`.
const ALIASES = {
  Open: 'open',
  Message: 'message',
  WebSocketClose: 'close',
  WebSocketError: 'error',
  DataEnd: 'dataEnd',
  HeaderReceive: 'headerReceive',
  OpenInfo: 'openInfo',
}
defineAliases(WebSocket.prototype, ALIASES)

/** Creates a WebSocket client object. */
function createWebSocket() {
  return new WebSocket()
}

module.exports = { WebSocket, createWebSocket }
