// A Node process using the package ends by itself once its connections are over, and stays
// alive while one is open (what a user porting an ArkTS app expects from any Node socket).
import test from 'ava'

import { INDEX_URL, runNode } from './helpers/child.mjs'
import { closedPort, delay, HOST, startWsServer, waitUntil } from './helpers/servers.mjs'

const lines = (r) => r.stdout.trim().split('\n').filter(Boolean)

const PRELUDE = `
import ohos from ${JSON.stringify(INDEX_URL)}
const url = process.argv.at(-1)
const ws = ohos.webSocket.createWebSocket()
const log = (s) => console.log(s)
`

test('a script that connects, exchanges a message and closes exits by itself', async (t) => {
  const server = await startWsServer(t)
  const r = await runNode(
    t,
    `${PRELUDE}
ws.on('open', () => { log('open'); ws.send('ping') })
ws.on('message', (err, data) => { log('message ' + data); ws.close() })
ws.on('close', (err, c) => log('close ' + c.code))
await ws.connect(url)
`,
    { args: [server.url('/lifetime')], timeout: 8000 },
  )
  t.false(r.timedOut, `the process did not exit by itself (output: ${r.stdout})`)
  t.is(r.code, 0, r.stderr)
  t.deepEqual(lines(r), ['open', 'message ping', 'close 1000'])
})

test('a script whose connection the server closes exits by itself', async (t) => {
  const server = await startWsServer(t, { onConnection: (c) => setTimeout(() => c.close(4000, 'bye'), 50) })
  const r = await runNode(
    t,
    `${PRELUDE}
ws.on('open', () => log('open'))
ws.on('close', (err, c) => log('close ' + c.code + ' ' + c.reason))
await ws.connect(url)
`,
    { args: [server.url()], timeout: 8000 },
  )
  t.false(r.timedOut, `the process did not exit by itself (output: ${r.stdout})`)
  t.is(r.code, 0, r.stderr)
  t.deepEqual(lines(r), ['open', 'close 4000 bye'])
})

test('a script whose connection is lost abruptly exits by itself', async (t) => {
  const server = await startWsServer(t, { onConnection: (c) => setTimeout(() => c.terminate(), 50) })
  const r = await runNode(
    t,
    `${PRELUDE}
ws.on('error', (e) => log('error ' + e.data))
ws.on('close', (err, c) => log('close ' + c.code))
await ws.connect(url)
`,
    { args: [server.url()], timeout: 8000 },
  )
  t.false(r.timedOut, `the process did not exit by itself (output: ${r.stdout})`)
  t.is(r.code, 0, r.stderr)
  t.deepEqual(lines(r), ['error 0', 'close 1005'])
})

test('a script whose connection attempt fails exits by itself', async (t) => {
  const port = await closedPort()
  const r = await runNode(
    t,
    `${PRELUDE}
ws.on('error', (e) => log('error ' + e.code + ' ' + e.data))
log('connect ' + await ws.connect(url))
`,
    { args: [`ws://${HOST}:${port}/`], timeout: 8000 },
  )
  t.false(r.timedOut, `the process did not exit by itself (output: ${r.stdout})`)
  t.is(r.code, 0, r.stderr)
  t.deepEqual(lines(r), ['connect true', 'error 200 0'])
})

test('a script that only creates objects, or whose calls fail, exits at once', async (t) => {
  const r = await runNode(
    t,
    `${PRELUDE}
ohos.webSocket.createWebSocketServer()
ws.on('message', () => {})
await ws.close().catch((e) => log('close ' + e.code))
await ws.send('x').catch((e) => log('send ' + e.code))
await ws.connect('http://nope/').catch((e) => log('connect ' + e.code))
`,
    { args: ['unused'], timeout: 5000 },
  )
  t.false(r.timedOut)
  t.is(r.code, 0, r.stderr)
  t.deepEqual(lines(r), ['close 2302999', 'send 2302999', 'connect 2302001'])
})

test('a script with an open connection stays alive, and exits once the server closes it', async (t) => {
  const server = await startWsServer(t)
  const run = runNode(
    t,
    `${PRELUDE}
ws.on('open', () => log('open'))
ws.on('close', (err, c) => log('close ' + c.code))
await ws.connect(url)
`,
    { args: [server.url('/stay')], timeout: 10000 },
  )
  const conn = await server.connectionAt('/stay', 8000)
  await delay(1500)
  t.is(run.child.exitCode, null, 'still running 1.5 s after open, with nothing but the connection to keep it')
  const closedAt = Date.now()
  conn.close(1000, 'go')
  const r = await run
  t.false(r.timedOut, 'exits once the connection is over')
  t.is(r.code, 0, r.stderr)
  t.true(Date.now() - closedAt < 3000)
  t.deepEqual(lines(r), ['open', 'close 1000'])
})

test('an open connection whose WebSocket object is no longer referenced stays alive and delivers its events', async (t) => {
  const server = await startWsServer(t, {
    onConnection: (c) => setTimeout(() => c.send('still here'), 800),
  })
  const r = await runNode(
    t,
    `
import ohos from ${JSON.stringify(INDEX_URL)}
const url = process.argv.at(-1)
;(() => {
  const ws = ohos.webSocket.createWebSocket()
  ws.on('message', (err, data) => { console.log('message ' + data); ws.close() })
  ws.on('close', (err, c) => console.log('close ' + c.code))
  ws.connect(url)
})()
for (let i = 0; i < 10; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)) }
`,
    { args: [server.url('/gc')], nodeArgs: ['--expose-gc'], timeout: 8000 },
  )
  t.false(r.timedOut, `the process did not exit by itself (output: ${r.stdout})`)
  t.is(r.code, 0, r.stderr)
  t.deepEqual(lines(r), ['message still here', 'close 1000'])
})

test('the server sees the connection of a finished script closed cleanly, not dropped', async (t) => {
  const server = await startWsServer(t)
  const r = await runNode(
    t,
    `${PRELUDE}
ws.on('open', () => ws.close({ code: 4000, reason: 'done' }))
await ws.connect(url)
`,
    { args: [server.url('/clean')], timeout: 8000 },
  )
  t.false(r.timedOut)
  t.is(r.code, 0, r.stderr)
  const conn = await waitUntil(() => server.connections[0])
  t.deepEqual(await conn.closed, { code: 4000, reason: 'done' })
})
