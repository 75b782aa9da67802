// Connect/close cycles in a process of their own, measuring what they leave behind:
//
//   node --expose-gc --max-semi-space-size=1 __test__/load/cycles.mjs <url> <warm-up cycles> <cycles>
//
// (--max-semi-space-size=1 pins V8's young generation, whose growth would otherwise show in RSS.)
// After the warm-up and again after the cycles: a full GC, a short settle, then RSS and the count of
// open file descriptors. Prints "RESULT <json>" and then exits by itself (a session or task left
// behind would keep it alive: the parent watches for that).
import { connectCloseCycles, openFds } from './clients.mjs'

// The last three arguments (also when run through `node -e "await import(...)" -- <args>`).
const [url, warmup, cycles] = process.argv.slice(-3)

async function measure() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.()
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const { rss, heapTotal } = process.memoryUsage()
  return { rss, heapTotal, fds: openFds() }
}

const fdsAtStart = openFds()
await connectCloseCycles({ url, cycles: Number(warmup) })
const before = await measure()
const run = await connectCloseCycles({ url, cycles: Number(cycles) })
const after = await measure()
console.log(`RESULT ${JSON.stringify({ fdsAtStart, before, after, ...run })}`)
