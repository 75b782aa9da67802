'use strict'
// The `WebSocketServer` of `@ohos.net.webSocket` (CONTRACT §8).

const { NativeServer } = require('../binding.js')
const { settleNow, parameterError, splitArguments } = require('./conventions.js')
const { Kind, EventTypes, Listeners, defineAliases, pump, scheduleFlush, newTarget, activate, deactivate } = require('./events.js')
const { isArrayBuffer } = require('node:util').types
const { UNKNOWN_ERROR, businessError } = require('./errors.js')

/** Server event names and their listener arity ('close' gets `(connection, {code, closeReason})`). */
const SERVER_EVENTS = new EventTypes({ connect: 1, messageReceive: 1, close: 2, error: 1 })
const On = SERVER_EVENTS.slot

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
const isString = (v) => typeof v === 'string'
const isNumber = (v) => typeof v === 'number' && !Number.isNaN(v)
const optional = (v, is) => v === undefined || is(v)
const isLimit = (v) => isNumber(v) && v > 0

/** Runs a check that reads user objects: a getter or proxy trap that throws is a parameter error. */
function guarded(check) {
  try {
    return check()
  } catch {
    return undefined
  }
}

/** `{ip, port}` of a `WebSocketConnection` argument, read once; `undefined` when it is not one. */
function peerOf(c) {
  if (!isObject(c)) return undefined
  const ip = c.clientIP
  const port = c.clientPort
  return isString(ip) && isNumber(port) ? { ip, port } : undefined
}

/** The arguments of `close(connection, options?)`, or `undefined` for a parameter error. */
function closeArguments(connection, options) {
  const peer = peerOf(connection)
  if (peer === undefined || !isObject(options)) return undefined
  const code = options.code
  const reason = options.reason
  if (!optional(code, isNumber) || !optional(reason, isString)) return undefined
  return { peer, code, reason }
}

/** Checks `start`'s config; returns the native config or `undefined` for a parameter error. */
function serverConfig(config) {
  if (!isObject(config)) return undefined
  const port = config.serverPort
  if (!isNumber(port) || !Number.isInteger(port) || port < 0) return undefined
  if (!optional(config.serverIP, isString) || !optional(config.protocol, isString)) return undefined
  if (!optional(config.maxConcurrentClientsNumber, isLimit) || !optional(config.maxConnectionsForOneClient, isLimit)) {
    return undefined
  }
  const cert = config.serverCert
  if (!optional(cert, isObject)) return undefined
  if (cert && !(isString(cert.certPath) && isString(cert.keyPath))) return undefined
  const limit = (v) => (v === undefined ? undefined : Math.min(Math.floor(v), 0xffffffff) || 1)
  return {
    serverIp: config.serverIP,
    serverPort: Math.min(port, 0xffffffff),
    maxConcurrentClientsNumber: limit(config.maxConcurrentClientsNumber),
    maxConnectionsForOneClient: limit(config.maxConnectionsForOneClient),
    certPath: cert && cert.certPath,
    keyPath: cert && cert.keyPath,
    protocol: config.protocol,
  }
}

/** A WebSocket server. Create one with `webSocket.createWebSocketServer()`. */
class WebSocketServer {
  #id = newTarget()
  #native = new NativeServer(pump, this.#id)
  #listeners = new Listeners(SERVER_EVENTS)
  #runs = 0

  /** Starts listening; resolves `true` once the port is bound. */
  start(...args) {
    const { callback, rest } = splitArguments(args)
    const config = rest.length === 1 ? guarded(() => serverConfig(rest[0])) : undefined
    if (config === undefined) return parameterError(callback)
    const code = this.#native.start(config)
    if (code === 0) {
      this.#runs += 1
      activate(this.#id, this)
    }
    return settleNow(callback, code)
  }

  /** Stops accepting and closes every client with 1001. */
  stop(...args) {
    const { callback, rest } = splitArguments(args)
    if (rest.length !== 0) return parameterError(callback)
    return settleNow(callback, this.#native.stop())
  }

  /** The open connections: `{clientIP, clientPort}[]`. */
  listAllConnections(...args) {
    const { callback, rest } = splitArguments(args)
    if (rest.length !== 0) return parameterError(callback)
    const connections = this.#native.connections()
    if (callback) {
      if (connections === null) process.nextTick(callback, businessError(UNKNOWN_ERROR), undefined)
      else process.nextTick(callback, undefined, connections)
      return undefined
    }
    return connections === null ? Promise.reject(businessError(UNKNOWN_ERROR)) : Promise.resolve(connections)
  }

  /** Sends a string or an ArrayBuffer to one client. */
  send(...args) {
    const { callback, rest } = splitArguments(args)
    const [data, connection] = rest
    const peer = rest.length === 2 && (isString(data) || isArrayBuffer(data)) ? guarded(() => peerOf(connection)) : undefined
    if (peer === undefined) return parameterError(callback)
    const native = this.#native
    const code = isString(data) ? native.sendText(peer.ip, peer.port, data) : native.sendBinary(peer.ip, peer.port, data)
    if (code === 0) scheduleFlush()
    return settleNow(callback, code)
  }

  /** Starts the close handshake with one client. */
  close(...args) {
    const { callback, rest } = splitArguments(args)
    const [connection, options = {}] = rest
    const checked = rest.length <= 2 ? guarded(() => closeArguments(connection, options)) : undefined
    if (checked === undefined) return parameterError(callback)
    const { peer, code: closeCode, reason } = checked
    const code = this.#native.close(peer.ip, peer.port, closeCode, reason)
    return settleNow(callback, code)
  }

  /**
   * Extension: the address the server listens on, `{port}` (useful with `serverPort: 0`), or `null`
   * when it is not running.
   */
  address() {
    const port = this.#native.port()
    return port === null ? null : { port }
  }

  /** Registers the listener of an event type, replacing the previous one. */
  on(...args) {
    this.#listeners.on(args)
  }

  /** Removes the listener of an event type (only if it is `callback`, when given). */
  off(...args) {
    this.#listeners.off(args)
  }

  /** @internal Called by the event router with this server's events, in order. */
  handleEvent(kind, payload) {
    const listeners = this.#listeners
    switch (kind) {
      case Kind.SERVER_CONNECT:
        listeners.emit(On.connect, payload)
        break
      case Kind.SERVER_MESSAGE:
      case Kind.SERVER_TEXT:
      case Kind.SERVER_BINARY:
        listeners.emit(On.messageReceive, payload)
        break
      case Kind.SERVER_CLOSE:
        listeners.emitPair(On.close, payload[0], payload[1])
        break
      case Kind.SERVER_ERROR:
        listeners.emit(On.error, payload)
        break
      case Kind.ENDED:
        this.#runs -= 1
        deactivate(this.#id, this.#runs > 0)
        break
    }
  }
}

// The static-ArkTS names.
const ALIASES = {
  Connect: 'connect',
  MessageReceive: 'messageReceive',
  WebSocketServerClose: 'close',
  WebSocketServerError: 'error',
}
defineAliases(WebSocketServer.prototype, ALIASES)

/** Creates a WebSocket server object. */
function createWebSocketServer() {
  return new WebSocketServer()
}

module.exports = { WebSocketServer, createWebSocketServer }
