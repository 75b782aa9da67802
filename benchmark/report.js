'use strict'
// Turns the raw measurements into the summary: per row the median of each library's runs and the
// median of the per-run ratios ohos-websocket / ws, with pass or fail against the target; then the
// markdown table, results.md and the SVG chart.

const LIBS = ['ohos', 'ws', 'undici']
const LIB_TITLES = { ohos: 'ohos-websocket', ws: 'ws', undici: 'undici' }

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/**
 * `measurements[workloadId]` is an array of runs, each `{ [lib]: metrics | { error } }`.
 * Returns one summary row per table row.
 */
function summarise(workloads, measurements) {
  const rows = []
  for (const workload of workloads) {
    const runs = measurements[workload.id]
    if (!runs) continue
    for (const row of workload.rows) {
      const values = {}
      const errors = {}
      for (const lib of LIBS) {
        values[lib] = median(runs.map((run) => run[lib]?.[row.metric]))
        const failed = runs.map((run) => run[lib]?.error).filter(Boolean)
        if (failed.length) errors[lib] = failed[0]
      }
      const ratioOf = (lib) =>
        median(runs.map((run) => (run[lib]?.[row.metric] ?? NaN) / (run.ws?.[row.metric] ?? NaN)))
      const ratio = ratioOf('ohos')
      let pass = null
      if (row.target !== null && ratio !== null) {
        pass = row.better === 'higher' ? ratio >= row.target : ratio <= row.target
      } else if (row.target !== null) {
        pass = false
      }
      rows.push({ ...row, workload: workload.id, values, errors, ratio, undiciRatio: ratioOf('undici'), pass, runs: runs.length })
    }
  }
  return rows
}

function formatValue(value, unit) {
  if (value === null) return '—'
  if (unit === 'msgs/s' || unit === 'conns/s') {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`
    if (value >= 1e4) return `${Math.round(value / 1e3)}k`
    if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`
    return value.toFixed(0)
  }
  if (unit === 'MB/s' || unit === 'MB') return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1)
  return value >= 100 ? value.toFixed(0) : value.toFixed(1)
}

function formatRatio(ratio) {
  if (ratio === null) return '—'
  return ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)
}

function targetText(row) {
  if (row.target === null) return ''
  return `${row.better === 'higher' ? '≥' : '≤'} ${row.target}`
}

function resultText(row) {
  if (row.pass === null) return ''
  return row.pass ? 'pass' : '**FAIL**'
}

function cell(row, lib) {
  if (row.values[lib] === null && row.errors[lib]) return 'error'
  return formatValue(row.values[lib], row.unit)
}

function markdownTable(rows) {
  const lines = [
    '| workload | ohos-websocket | ws | undici | ratio ohos/ws | target | result |',
    '|---|---:|---:|---:|---:|---|---|',
  ]
  for (const row of rows) {
    lines.push(
      `| ${row.label} (${row.unit}) | ${cell(row, 'ohos')} | ${cell(row, 'ws')} | ${cell(row, 'undici')} | ${formatRatio(row.ratio)} | ${targetText(row)} | ${resultText(row)} |`,
    )
  }
  return lines.join('\n')
}

function errorNotes(rows) {
  const notes = []
  const seen = new Set()
  for (const row of rows) {
    for (const [lib, error] of Object.entries(row.errors)) {
      const key = `${row.workload}/${lib}`
      if (seen.has(key)) continue
      seen.add(key)
      notes.push(`- ${row.workload}, ${LIB_TITLES[lib]}: ${error}`)
    }
  }
  return notes
}

function machineLines(machine) {
  return [
    `- date: ${machine.date}`,
    `- machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}; ${machine.memory}`,
    `- load average (1, 5, 15 min): ${machine.loadStart} at the start, ${machine.loadEnd} at the end`,
    `- node ${machine.node}; ohos-websocket ${machine.commit} (binary ${machine.addon ?? 'unknown'}); ws ${machine.ws} (bufferutil ${machine.bufferutil}); undici ${machine.undici}`,
    `- client on CPU ${machine.clientCpu}, server on CPU ${machine.serverCpu} (taskset); ${machine.mode}; each figure the median of ${machine.runs} run(s), ratios the median of the per-run ratios`,
  ]
}

function markdownReport(rows, machine) {
  const failed = rows.filter((r) => r.pass === false).length
  const targets = rows.filter((r) => r.pass !== null).length
  const notes = errorNotes(rows)
  return [
    '# Benchmark results',
    '',
    ...machineLines(machine),
    '',
    markdownTable(rows),
    '',
    `${targets - failed} of ${targets} targets hold.`,
    ...(notes.length ? ['', 'Errors:', ...notes] : []),
    '',
    '![ratio to ws per workload](results.svg)',
    '',
  ].join('\n')
}

// ---- SVG chart: per row with a target, ohos-websocket's (and undici's) advantage over ws on a log
// scale, where right of 1 is ahead of ws. Rows where lower is better are shown inverted (ws / ohos).

const escapeXml = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c])

function svgChart(rows, machine) {
  const charted = rows.filter((r) => r.target !== null)
  const left = 370
  const plotWidth = 520
  const right = 90
  const top = 84
  const rowHeight = 34
  const width = left + plotWidth + right
  const height = top + charted.length * rowHeight + 66
  const min = 0.1
  const max = 20
  const x = (v) => left + ((Math.log10(Math.min(max, Math.max(min, v))) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * plotWidth
  const advantage = (row, ratio) => (ratio === null ? null : row.better === 'lower' ? 1 / ratio : ratio)
  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`)
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`)
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">ohos-websocket vs ws: advantage per workload (log scale; right of 1 = ahead of ws)</text>`)
  out.push(`<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">${escapeXml(`${machine.date} · ${machine.nproc} CPUs, ${machine.cpu} · node ${machine.node} · load ${machine.loadStart} · ${machine.mode}`)}</text>`)
  out.push(`<text x="${width / 2}" y="56" text-anchor="middle" fill="#555">bar labels: ratio ohos-websocket / ws as in the table; rows marked (inverted), where lower is better, are drawn as ws / ohos</text>`)
  for (const tick of [0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 20]) {
    const tx = x(tick).toFixed(1)
    out.push(`<line x1="${tx}" y1="${top - 8}" x2="${tx}" y2="${top + charted.length * rowHeight}" stroke="${tick === 1 ? '#333' : '#ddd'}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`)
    out.push(`<text x="${tx}" y="${top + charted.length * rowHeight + 16}" text-anchor="middle" fill="#333">${tick}×</text>`)
  }
  out.push(`<text x="${x(1).toFixed(1)}" y="${top - 12}" text-anchor="middle" fill="#333">ws</text>`)
  charted.forEach((row, i) => {
    const y = top + i * rowHeight
    const label = row.better === 'lower' ? `${row.label} (inverted)` : row.label
    out.push(`<text x="${left - 8}" y="${y + 17}" text-anchor="end">${escapeXml(label)}</text>`)
    const ours = advantage(row, row.ratio)
    if (ours !== null) {
      const x0 = x(Math.min(1, ours))
      const x1 = x(Math.max(1, ours))
      const fill = row.pass ? '#2e8b57' : '#d9534f'
      out.push(`<rect x="${x0.toFixed(1)}" y="${y + 5}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="14" fill="${fill}"/>`)
      // Right of the bar (and of the target mark, when that is further right), or left of a bar below 1.
      const targetX = x(row.better === 'lower' ? 1 / row.target : row.target)
      const labelX = ours >= 1 ? Math.max(x(ours), targetX) + 5 : x(ours) - 5
      out.push(`<text x="${labelX.toFixed(1)}" y="${y + 16}" text-anchor="${ours >= 1 ? 'start' : 'end'}" font-weight="bold">${formatRatio(row.ratio)}</text>`)
    } else {
      out.push(`<text x="${x(1) + 4}" y="${y + 16}" fill="#d9534f">no result</text>`)
    }
    const theirs = advantage(row, row.undiciRatio)
    if (theirs !== null) {
      const x0 = x(Math.min(1, theirs))
      const x1 = x(Math.max(1, theirs))
      out.push(`<rect x="${x0.toFixed(1)}" y="${y + 21}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="6" fill="#aab"/>`)
    }
    const tx = x(row.better === 'lower' ? 1 / row.target : row.target).toFixed(1)
    out.push(`<line x1="${tx}" y1="${y + 2}" x2="${tx}" y2="${y + 30}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`)
  })
  const ly = top + charted.length * rowHeight + 34
  const lx = left - 120
  out.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="#2e8b57"/><text x="${lx + 16}" y="${ly + 10}">ohos-websocket / ws, target met</text>`)
  out.push(`<rect x="${lx + 240}" y="${ly}" width="12" height="12" fill="#d9534f"/><text x="${lx + 256}" y="${ly + 10}">target missed</text>`)
  out.push(`<rect x="${lx + 370}" y="${ly + 3}" width="12" height="6" fill="#aab"/><text x="${lx + 386}" y="${ly + 10}">undici / ws</text>`)
  out.push(`<line x1="${lx + 490}" y1="${ly - 1}" x2="${lx + 490}" y2="${ly + 13}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/><text x="${lx + 496}" y="${ly + 10}">target</text>`)
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

module.exports = { summarise, markdownTable, markdownReport, svgChart, LIBS }
