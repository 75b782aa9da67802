// Node scripts run as child processes: for what must be seen from outside a process (exit,
// uncaughtException, globalThis) or needs its own environment.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** `file://` URL of the package entry, for `import` inside child scripts. */
export const INDEX_URL = pathToFileURL(path.join(ROOT, 'index.js')).href

/**
 * Runs `command args` (cwd = repo root). Resolves with `{code, signal, stdout, stderr, timedOut, ms}`
 * once the process has exited and its output is fully read; it is killed after `timeout` ms
 * (timedOut = true) and at teardown. `onStdout(chunk, child)` sees the output as it comes.
 */
export function runProcess(t, command, args, { env = {}, timeout = 10000, onStdout } = {}) {
  const started = Date.now()
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let timedOut = false
  child.stdout.on('data', (d) => {
    stdout += d
    onStdout?.(String(d), child)
  })
  child.stderr.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, timeout)
  const done = new Promise((resolve) => {
    // 'close' comes after 'exit' once the pipes are drained: all the output has been read.
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started })
    })
  })
  t?.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  return Object.assign(done, { child })
}

/**
 * Runs `source` as an ES module in a new Node process (cwd = repo root, so `ohos-websocket`
 * resolves to this package by self-reference); see `runProcess` for the result.
 */
export function runNode(t, source, { args = [], nodeArgs = [], env = {}, timeout = 10000, onStdout } = {}) {
  return runProcess(t, process.execPath, [...nodeArgs, '--input-type=module', '-e', source, '--', ...args], {
    env,
    timeout,
    onStdout,
  })
}
