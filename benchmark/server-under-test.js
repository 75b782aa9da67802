'use strict'
// A WebSocket server under test for the server workloads: this package's WebSocketServer or ws's,
// on 127.0.0.1 with an OS-chosen port (printed on stdout). It echoes every message, and a text
// message `broadcast K SIZE` makes it send K text messages of SIZE bytes to every connected client.
// Usage: node server-under-test.js ohos|ws

const noop = () => {}

function parseBroadcast(text) {
  if (!text.startsWith('broadcast ')) return null
  const [, count, size] = text.split(' ')
  return { count: Number(count), message: 'x'.repeat(Number(size)) }
}

async function ohos() {
  const { webSocket } = require('..')
  const server = webSocket.createWebSocketServer()
  /** Open connections by "ip:port": the 'close' event's connection object need not be the same object. */
  const clients = new Map()
  const key = (c) => `${c.clientIP}:${c.clientPort}`
  server.on('connect', (connection) => clients.set(key(connection), connection))
  server.on('close', (connection) => clients.delete(key(connection)))
  server.on('error', (err) => console.error('server error', err))
  server.on('messageReceive', ({ clientConnection, data }) => {
    const broadcast = typeof data === 'string' && parseBroadcast(data)
    if (!broadcast) return server.send(data, clientConnection, noop)
    for (let i = 0; i < broadcast.count; i++) {
      for (const connection of clients.values()) server.send(broadcast.message, connection, noop)
    }
  })
  await server.start({
    serverIP: '127.0.0.1',
    serverPort: 0,
    maxConcurrentClientsNumber: 100000,
    maxConnectionsForOneClient: 100000,
  })
  return server.address().port
}

async function ws() {
  const { WebSocketServer } = require('ws')
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 4096 })
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return socket.send(data)
      // Text as a string, as this package delivers it.
      const text = data.toString()
      const broadcast = parseBroadcast(text)
      if (!broadcast) return socket.send(text)
      for (let i = 0; i < broadcast.count; i++) {
        for (const client of server.clients) client.send(broadcast.message)
      }
    })
  })
  await new Promise((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  return server.address().port
}

const SERVERS = { ohos, ws }

const make = SERVERS[process.argv[2]]
if (!make) {
  console.error(`unknown server ${process.argv[2]}`)
  process.exit(2)
}
make().then(
  (port) => process.stdout.write(`${port}\n`),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
