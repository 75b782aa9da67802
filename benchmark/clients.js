'use strict'
// The three client libraries behind one small interface, so every workload drives them the same way:
//
//   open(url, { onMessage, onError, ca }) → Promise<{ send(data), close(): Promise }>
//
// `onMessage(data)` gets a string for a text message and the library's binary type otherwise
// (ohos-websocket and undici: ArrayBuffer; ws: Buffer, its default and fastest). Text arrives as a
// string from all three: ws hands over a Buffer, so its adapter calls `toString()`, the call every ws
// user makes for a text message. `ca` is a path to a PEM file to trust for wss; each library is given
// it in its usual form (ohos: `caPath`, ws: `ca`, undici: a dispatcher's `connect.ca`).

const fs = require('node:fs')

const noop = () => {}

/** This package. `send(data, noop)` is the callback form: no Promise per message. */
function ohos() {
  const { webSocket } = require('..')
  return function open(url, { onMessage, onError, ca }) {
    return new Promise((resolve, reject) => {
      const ws = webSocket.createWebSocket()
      let opened = false
      let closed = noop
      const whenClosed = new Promise((r) => (closed = r))
      const conn = {
        send: (data) => ws.send(data, noop),
        close() {
          ws.close(noop)
          return whenClosed
        },
      }
      ws.on('message', (err, data) => onMessage(data))
      ws.on('open', () => {
        opened = true
        resolve(conn)
      })
      ws.on('error', (e) => {
        const err = new Error(`ohos-websocket error ${JSON.stringify(e)}`)
        if (opened) onError(err)
        else reject(err)
      })
      ws.on('close', () => closed())
      const options = ca ? { caPath: ca } : undefined
      ws.connect(url, options, (err) => {
        if (err) reject(new Error(`ohos-websocket connect failed ${JSON.stringify(err)}`))
      })
    })
  }
}

/** `ws` with `bufferutil` (it loads it by itself when installed). */
function ws() {
  const WebSocket = require('ws')
  let caPem
  return function open(url, { onMessage, onError, ca }) {
    return new Promise((resolve, reject) => {
      const options = { perMessageDeflate: false }
      if (ca) options.ca = caPem ??= fs.readFileSync(ca)
      const socket = new WebSocket(url, options)
      let opened = false
      const whenClosed = new Promise((r) => socket.once('close', r))
      const conn = {
        send: (data) => socket.send(data),
        close() {
          socket.close()
          return whenClosed
        },
      }
      socket.on('message', (data, isBinary) => onMessage(isBinary ? data : data.toString()))
      socket.on('open', () => {
        opened = true
        resolve(conn)
      })
      socket.on('error', (e) => (opened ? onError(e) : reject(e)))
    })
  }
}

/** undici's WHATWG WebSocket, binaryType 'arraybuffer' (the default, 'blob', would be slower). */
function undici() {
  const { WebSocket, Agent } = require('undici')
  let dispatcher
  return function open(url, { onMessage, onError, ca }) {
    return new Promise((resolve, reject) => {
      const init = {}
      if (ca) init.dispatcher = dispatcher ??= new Agent({ connect: { ca: fs.readFileSync(ca) } })
      const socket = new WebSocket(url, init)
      socket.binaryType = 'arraybuffer'
      let opened = false
      const whenClosed = new Promise((r) => (socket.onclose = r))
      const conn = {
        send: (data) => socket.send(data),
        close() {
          socket.close()
          return whenClosed
        },
      }
      socket.onmessage = (event) => onMessage(event.data)
      socket.onopen = () => {
        opened = true
        resolve(conn)
      }
      socket.onerror = (event) => {
        const err = event.error ?? new Error(`undici WebSocket error: ${event.message ?? 'unknown'}`)
        if (opened) onError(err)
        else reject(err)
      }
    })
  }
}

const CLIENTS = { ohos, ws, undici }

/** The `open` function of a client library by name. */
function client(name) {
  const make = CLIENTS[name]
  if (!make) throw new Error(`unknown client ${name}`)
  return make()
}

module.exports = { client, CLIENT_NAMES: Object.keys(CLIENTS) }
