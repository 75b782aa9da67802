'use strict'
// Every process the benchmark starts: pinned to a core with taskset, tracked, and killed at the end
// whatever happens (normal exit, an exception, Ctrl-C).

const { spawn } = require('node:child_process')

const running = new Set()

/** Kills a child's whole process group (it leads one: see `startPinned`), e.g. perf and its node. */
function kill(child) {
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    try {
      child.kill('SIGKILL')
    } catch {}
  }
}

function killAll() {
  for (const child of running) kill(child)
  running.clear()
}

process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

/** An environment without proxy settings: every connection of the benchmark is to 127.0.0.1. */
function cleanEnv() {
  const env = { ...process.env }
  for (const name of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(name)) delete env[name]
  return env
}

/** Starts `command args` on core `cpu`; stdout is collected, stderr kept for error messages. */
function startPinned(cpu, command, args) {
  const child = spawn('taskset', ['-c', String(cpu), command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv(),
    // Its own process group, so that everything it starts can be killed with it.
    detached: true,
  })
  running.add(child)
  child.stdoutText = ''
  child.stderrText = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (child.stdoutText += d))
  child.stderr.setEncoding('utf8').on('data', (d) => (child.stderrText = (child.stderrText + d).slice(-4000)))
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child)
      resolve({ code, signal })
    })
    child.on('error', (err) => {
      running.delete(child)
      child.stderrText += String(err)
      resolve({ code: -1, signal: null })
    })
  })
  return child
}

/** Kills a child (and anything left in its process group) and waits for it to be gone. */
async function stop(child) {
  kill(child)
  await child.exited
}

/** Starts a server that prints its port on the first line of stdout; resolves with `{child, port}`. */
async function startServer(cpu, command, args, timeoutMs = 15000) {
  const child = startPinned(cpu, command, args)
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not print its port`)), timeoutMs)
    const check = () => {
      const line = /^(\d+)\s*$/m.exec(child.stdoutText)
      if (line) {
        clearTimeout(timer)
        resolve(Number(line[1]))
      }
    }
    child.stdout.on('data', check)
    child.exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${command} exited: ${child.stderrText.trim()}`))
    })
  })
  return { child, port }
}

/**
 * Runs `command args` on core `cpu` to completion (killed after `timeoutMs`) and returns the JSON object
 * on the last line of its stdout; throws with its error or stderr otherwise.
 */
async function runJson(cpu, command, args, timeoutMs) {
  const child = startPinned(cpu, command, args)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    kill(child)
  }, timeoutMs)
  const { code, signal } = await child.exited
  clearTimeout(timer)
  const lines = child.stdoutText.trim().split('\n')
  let result = null
  try {
    result = JSON.parse(lines[lines.length - 1])
  } catch {}
  if (timedOut) throw new Error(`timed out after ${timeoutMs / 1000} s`)
  if (result && result.error) throw new Error(result.error.split('\n')[0])
  if (code !== 0 || !result) {
    const why = child.stderrText.trim().split('\n').slice(-3).join(' / ')
    throw new Error(`exited with ${signal ?? code}${why ? `: ${why}` : ''}`)
  }
  return result
}

module.exports = { startPinned, startServer, runJson, stop, killAll }
