// Where an open ws:// connection does its socket I/O: by default on the JS thread's own event loop
// (as `ws` does: a message costs one wake-up), with OHOS_WEBSOCKET_IO=pool on the addon's runtime
// threads. Told apart by what a peer sees while the JS thread is busy: only runtime threads read on.
import test from 'ava'

import { INDEX_URL, runNode } from './helpers/child.mjs'
import { startWsServer } from './helpers/servers.mjs'

const MESSAGES = 384 // of 64 KiB: 24 MiB, more than the kernel buffers of both ends hold
const SCRIPT = `
import ohos from ${JSON.stringify(INDEX_URL)}
const ws = ohos.webSocket.createWebSocket()
let received = 0
ws.on('message', () => {
  if (++received === ${MESSAGES}) { console.log('received all'); ws.close() }
})
ws.on('open', () => {
  // Busy: no turn of the event loop for a while.
  const until = Date.now() + 2500
  while (Date.now() < until);
})
await ws.connect(process.argv.at(-1))
`

/** Sends 24 MiB as soon as the client is connected; resolves with what is still unsent 1.5 s later. */
async function peerWhileClientIsBusy(t, env) {
  let unsent
  const server = await startWsServer(t, {
    echo: false,
    onConnection: ({ ws }) => {
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      for (let i = 0; i < MESSAGES; i++) ws.send(chunk)
      unsent = new Promise((resolve) => setTimeout(() => resolve(ws.bufferedAmount), 1500))
    },
  })
  const r = await runNode(t, SCRIPT, { args: [server.url()], env, timeout: 20000 })
  t.false(r.timedOut, `the script ended (${r.stderr})`)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'received all', 'every message arrived once the JS thread was free')
  return unsent
}

test('by default a ws:// connection is read on the JS thread: a busy JS thread leaves the peer waiting', async (t) => {
  const unsent = await peerWhileClientIsBusy(t, {})
  t.true(unsent > 8 * 1024 * 1024, `the peer could not send while JS was busy (${unsent} bytes unsent)`)
})

test('with OHOS_WEBSOCKET_IO=pool a ws:// connection is read on the runtime threads while JS is busy', async (t) => {
  const unsent = await peerWhileClientIsBusy(t, { OHOS_WEBSOCKET_IO: 'pool' })
  t.is(unsent, 0, 'the peer sent everything while JS was busy')
})
