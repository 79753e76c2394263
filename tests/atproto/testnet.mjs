// A real local AT Protocol network (PLC + PDS + AppView + Ozone) from the
// reference implementation, @atproto/dev-env, for the Bluesky adapter tests.
//
// Usage: node testnet.mjs STATE_FILE   (environment: DB_POSTGRES_URL)
// Writes STATE_FILE as JSON once the network answers:
//   {"pds": "http://localhost:P", "bsky": "...", "plc": "...", "control": "http://127.0.0.1:C", "pid": N}
// The control endpoint (loopback only) makes indexing deterministic:
//   POST /process  -> awaits network.processAll(); answers 200 {"ok":true}
//   GET  /health   -> 200 with the state
//   POST /shutdown -> closes the network and exits
import { TestNetwork } from '@atproto/dev-env'
import http from 'node:http'
import net from 'node:net'
import fs from 'node:fs'

const stateFile = process.argv[2]
if (!stateFile) {
  console.error('usage: node testnet.mjs STATE_FILE')
  process.exit(2)
}
// dev-env asserts REDIS_HOST is set although nothing connects to it here.
process.env.REDIS_HOST ||= 'unused-by-tests'
const dbPostgresUrl = process.env.DB_POSTGRES_URL
if (!dbPostgresUrl) {
  console.error('DB_POSTGRES_URL is not set')
  process.exit(2)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const plcPort = await freePort()
const pdsPort = await freePort()
const bskyPort = await freePort()
const started = Date.now()
const network = await TestNetwork.create({
  dbPostgresUrl,
  // Schemas must match [A-Za-z_]: spell this run's pid in letters, so a rerun
  // never meets the tables of an earlier run.
  dbPostgresSchema: 'aasr_' + String(process.pid).replace(/[0-9]/g, (d) => 'abcdefghij'[d]),
  plc: { port: plcPort },
  pds: { port: pdsPort, hostname: 'localhost' },
  bsky: { port: bskyPort },
})

let busy = Promise.resolve()
const control = http.createServer((req, res) => {
  const reply = (status, obj) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(obj))
  }
  if (req.method === 'POST' && req.url === '/process') {
    // Serialize: two overlapping processAll() calls would race on the cursor.
    busy = busy.then(() => network.processAll()).then(
      () => reply(200, { ok: true }),
      (err) => reply(500, { error: 'ProcessFailed', message: String(err && err.message) }),
    )
    return
  }
  if (req.method === 'GET' && req.url === '/health') return reply(200, state)
  if (req.method === 'POST' && req.url === '/shutdown') {
    reply(200, { ok: true })
    shutdown(0)
    return
  }
  reply(404, { error: 'NotFound', message: `${req.method} ${req.url}` })
})
await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve))

const state = {
  pds: network.pds.url,
  bsky: network.bsky.url,
  plc: network.plc.url,
  control: `http://127.0.0.1:${control.address().port}`,
  pid: process.pid,
  startup_ms: Date.now() - started,
}
fs.writeFileSync(stateFile + '.tmp', JSON.stringify(state) + '\n')
fs.renameSync(stateFile + '.tmp', stateFile)
console.log('testnet ready', JSON.stringify(state))

let closing = false
async function shutdown(code) {
  if (closing) return
  closing = true
  try {
    control.close()
    await network.close()
  } catch (err) {
    console.error('close failed', err)
  }
  try { fs.unlinkSync(stateFile) } catch {}
  process.exit(code)
}
process.on('SIGTERM', () => shutdown(0))
process.on('SIGINT', () => shutdown(0))
