// Client-side workloads shared by load.spec.mjs (short versions) and scripts/stress.js (long
// versions), plus a helper that starts __test__/load/ws-server.mjs in its own process.
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const { webSocket } = (await import('node:module')).createRequire(import.meta.url)(path.join(ROOT, 'index.js'))

/** Open file descriptors of this process (Linux). */
export const openFds = () => readdirSync('/proc/self/fd').length

/**
 * Starts ws-server.mjs (`args`: ['echo'] or ['stream', count]) in a child process. Resolves with
 * `{port, url, pid, stop()}` once it listens. `stop()` ends it (SIGTERM, then SIGKILL) and resolves
 * when it has exited.
 */
export async function startServerProcess(args) {
  const child = spawn(process.execPath, [path.join(ROOT, '__test__/load/ws-server.mjs'), ...args.map(String)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const port = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = /PORT (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    exited.then(() => reject(new Error(`ws-server.mjs exited before listening: ${stderr}`)))
  })
  return {
    port,
    pid: child.pid,
    url: `ws://127.0.0.1:${port}/`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}

/** Resolves when `ws` emits `type` (one-shot over the one-listener-per-type API), rejects on 'error'. */
function once(ws, type, timeout, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no '${type}' within ${timeout} ms`)), timeout)
    ws.on(type, (err, payload) => {
      clearTimeout(timer)
      resolve(payload)
    })
    if (type !== 'error') {
      ws.on('error', (e) => {
        clearTimeout(timer)
        reject(new Error(`${what}: 'error' ${JSON.stringify(e)}`))
      })
    }
  })
}

/**
 * `connections` clients receive a stream server's texts "0".."perConnection-1" at once. Resolves
 * with `{ms, received: number[], outOfOrder: number[], closes: object[]}` per connection once every
 * stream has ended with its 'close'.
 */
export async function receiveStreams({ url, connections, perConnection, timeout = 60000 }) {
  const started = Date.now()
  const results = await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      const ws = webSocket.createWebSocket()
      let next = 0
      let outOfOrder = 0
      ws.on('message', (err, data) => {
        if (data === String(next)) next++
        else {
          outOfOrder++
          next = Number(data) + 1
        }
      })
      const closed = once(ws, 'close', timeout, `stream ${c}`)
      await ws.connect(url)
      const close = await closed
      return { received: next, outOfOrder, close }
    }),
  )
  return {
    ms: Date.now() - started,
    received: results.map((r) => r.received),
    outOfOrder: results.map((r) => r.outOfOrder),
    closes: results.map((r) => r.close),
  }
}

/**
 * `count` clients connect at once, each sends one text and waits for its echo, then all close.
 * `onAllOpen()` runs once every client is open. Resolves with `{openMs, echoMs, closeMs,
 * wrongEchoes, closes}`.
 */
export async function concurrentEcho({ url, count, timeout = 60000, onAllOpen }) {
  const clients = Array.from({ length: count }, () => webSocket.createWebSocket())
  const t0 = Date.now()
  await Promise.all(
    clients.map(async (ws, i) => {
      const opened = once(ws, 'open', timeout, `client ${i}`)
      await ws.connect(url)
      await opened
    }),
  )
  const t1 = Date.now()
  onAllOpen?.()
  let wrongEchoes = 0
  await Promise.all(
    clients.map(async (ws, i) => {
      const echoed = once(ws, 'message', timeout, `client ${i}`)
      await ws.send(`hello ${i}`)
      if ((await echoed) !== `hello ${i}`) wrongEchoes++
    }),
  )
  const t2 = Date.now()
  const closes = await Promise.all(
    clients.map(async (ws, i) => {
      const closed = once(ws, 'close', timeout, `client ${i}`)
      await ws.close()
      return closed
    }),
  )
  const t3 = Date.now()
  return { openMs: t1 - t0, echoMs: t2 - t1, closeMs: t3 - t2, wrongEchoes, closes }
}

/**
 * Connect/close cycles: `parallel` loops, `cycles` in all, each cycle = connect, 'open', close,
 * 'close'. Resolves with the number of cycles and the time taken.
 */
export async function connectCloseCycles({ url, cycles, parallel = 10, timeout = 10000 }) {
  const started = Date.now()
  let done = 0
  let next = 0
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < cycles) {
        next++
        const ws = webSocket.createWebSocket()
        const opened = once(ws, 'open', timeout, `cycle ${next}`)
        await ws.connect(url)
        await opened
        const closed = once(ws, 'close', timeout, `cycle ${next}`)
        await ws.close()
        await closed
        done++
      }
    }),
  )
  return { cycles: done, ms: Date.now() - started }
}
