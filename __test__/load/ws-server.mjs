// A `ws` server in its own process, the trusted peer of the load tests and scripts/stress.js:
//
//   node __test__/load/ws-server.mjs echo                 echo every message back
//   node __test__/load/ws-server.mjs stream <count> [size] send each new client the texts "0".."count-1"
//                                                         (padded with spaces to `size` bytes when given),
//                                                         as fast as its socket takes them, then close
//                                                         with 1000 "done"
//
// Listens on 127.0.0.1, port 0; prints "PORT <n>"; exits when its stdin closes (the parent is gone)
// or on SIGTERM.
import { WebSocketServer } from 'ws'

const [mode = 'echo', countArg = '0', sizeArg = '0'] = process.argv.slice(2)
const count = Number(countArg)
const size = Number(sizeArg)
const message = (n) => (size > 0 ? String(n).padEnd(size) : String(n))

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 8192, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 })
wss.on('listening', () => console.log(`PORT ${wss.address().port}`))
wss.on('connection', (ws) => {
  ws.on('error', () => {})
  if (mode === 'echo') {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
    return
  }
  let n = 0
  const pump = () => {
    if (ws.readyState !== ws.OPEN) return
    while (n < count && ws.bufferedAmount < 512 * 1024) ws.send(message(n++))
    if (n < count) setImmediate(pump)
    else ws.close(1000, 'done')
  }
  pump()
})

process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
