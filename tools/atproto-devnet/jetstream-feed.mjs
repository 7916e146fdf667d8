// A Jetstream v1 feed made from the PDS's own com.atproto.sync.subscribeRepos firehose: each #commit op becomes a v1
// commit event, #account and #identity become account and identity events (the wire in
// /work/shared/jetstream/PROTOCOL.md §2.5). Every event is kept in memory, so `cursor` replays as a Jetstream does.
import { WebSocket, WebSocketServer } from 'ws'
import { cborDecodeMulti, ipldToJson } from '@atproto/common'
import { readCar, cborToLex } from '@atproto/repo'

export class JetstreamFeed {
  constructor(pdsUrl, onCommitCreate) {
    this.firehoseUrl = pdsUrl.replace(/^http/, 'ws') + '/xrpc/com.atproto.sync.subscribeRepos'
    this.onCommitCreate = onCommitCreate
    this.events = []
    this.subscribers = new Set()
    this.lastSeq = 0
    this.lastTimeUs = 0
    this.work = Promise.resolve()
    this.closed = false
    this.wss = new WebSocketServer({ noServer: true })
  }

  start() {
    if (this.closed) return
    // From the last sequence number seen, so a reconnect misses nothing (0: from the PDS's first event).
    this.socket = new WebSocket(`${this.firehoseUrl}?cursor=${this.lastSeq}`)
    this.socket.on('message', (data) => {
      // Frames are decoded one after another: the CAR reading is async and the order of events must hold.
      this.work = this.work.then(() => this.onFrame(data)).catch((err) => console.error('firehose frame:', err))
    })
    this.socket.on('error', (err) => console.error('firehose:', err.message))
    this.socket.on('close', () => { if (!this.closed) setTimeout(() => this.start(), 200) })
  }

  close() {
    this.closed = true
    this.socket?.terminate()
    for (const sub of this.subscribers) sub.socket.terminate()
    this.wss.close()
  }

  // Handles an HTTP upgrade to /subscribe; answers 400 before the upgrade for bad options, as Jetstream does.
  handleUpgrade(req, socket, head, url) {
    let filter
    try {
      filter = parseOptions(url.searchParams)
    } catch (err) {
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${err.message}`)
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const sub = { socket: ws, filter }
      // JavaScript runs this to the end before any new event is emitted, so replay and live meet with no gap.
      if (filter.cursor !== undefined && filter.cursor <= nowUs()) {
        for (const event of this.events) if (event.timeUs >= filter.cursor) this.send(sub, event)
      }
      this.subscribers.add(sub)
      ws.on('close', () => this.subscribers.delete(sub))
      ws.on('error', () => this.subscribers.delete(sub))
    })
  }

  async onFrame(data) {
    const [header, body] = cborDecodeMulti(new Uint8Array(data))
    if (header.op !== 1) {
      console.error('firehose error frame:', JSON.stringify(ipldToJson(body)))
      return
    }
    if (typeof body.seq === 'number') this.lastSeq = body.seq
    if (header.t === '#commit') await this.onCommit(body)
    else if (header.t === '#account') {
      const account = { active: body.active, did: body.did, seq: body.seq }
      if (body.status) account.status = body.status
      account.time = body.time
      this.emit(body.did, 'account', account)
    } else if (header.t === '#identity') {
      const identity = { did: body.did }
      if (body.handle) identity.handle = body.handle
      identity.seq = body.seq
      identity.time = body.time
      this.emit(body.did, 'identity', identity)
    }
  }

  async onCommit(body) {
    // A relay drops tooBig commits and Jetstream never sees them (PROTOCOL.md §2.3).
    if (body.tooBig) return
    const { blocks } = await readCar(body.blocks)
    for (const op of body.ops) {
      const slash = op.path.indexOf('/')
      const collection = op.path.slice(0, slash)
      const rkey = op.path.slice(slash + 1)
      const commit = { rev: body.rev, operation: op.action, collection, rkey }
      if (op.action !== 'delete') {
        const bytes = op.cid && blocks.get(op.cid)
        if (!bytes) {
          console.error(`firehose: no block for ${body.repo} ${op.path} ${op.cid}`)
          continue
        }
        commit.record = sortKeys(ipldToJson(cborToLex(bytes)))
        commit.cid = op.cid.toString()
        if (op.action === 'create') this.onCommitCreate(body.repo, collection)
      }
      this.emit(body.repo, 'commit', commit)
    }
  }

  emit(did, kind, payload) {
    // Jetstream's own monotonic clock: strictly increasing µs, unique per event.
    const timeUs = Math.max(nowUs(), this.lastTimeUs + 1)
    this.lastTimeUs = timeUs
    const event = { did, timeUs, kind, collection: kind === 'commit' ? payload.collection : '' }
    event.json = goJson({ did, time_us: timeUs, kind, [kind]: payload })
    this.events.push(event)
    for (const sub of this.subscribers) this.send(sub, event)
  }

  send(sub, event) {
    if (wants(sub.filter, event)) sub.socket.send(event.json)
  }
}

const nowUs = () => Date.now() * 1000

function parseOptions(params) {
  const collections = params.getAll('wantedCollections')
  const dids = params.getAll('wantedDids')
  const filter = { exact: new Set(), prefixes: [], dids: new Set(dids) }
  for (const c of collections) {
    if (c.endsWith('.*')) filter.prefixes.push(c.slice(0, -1))
    else if (/^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+){2,}$/.test(c)) filter.exact.add(c)
    else throw new Error(`invalid subscriber options: invalid collection: ${c}`)
  }
  for (const d of dids) if (!/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/.test(d)) throw new Error('invalid subscriber options')
  const cursor = params.get('cursor')
  if (cursor !== null) {
    if (!/^-?\d+$/.test(cursor)) throw new Error(`invalid cursor: ${cursor}`)
    filter.cursor = Number(cursor)
  }
  return filter
}

function wants(filter, event) {
  if (filter.dids.size > 0 && !filter.dids.has(event.did)) return false
  // Account and identity events have no collection and pass the collection filter (PROTOCOL.md §2.3).
  if (event.collection === '' || (filter.exact.size === 0 && filter.prefixes.length === 0)) return true
  return filter.exact.has(event.collection) || filter.prefixes.some((p) => event.collection.startsWith(p))
}

// Jetstream's records come from Go's json.Marshal of a map: keys sorted, and &, <, > escaped as \u0026 and so on.
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const sorted = {}
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key])
  return sorted
}

function goJson(value) {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}
