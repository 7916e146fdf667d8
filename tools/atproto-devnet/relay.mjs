// com.atproto.sync.listReposByCollection as a relay serves it (a PDS does not): the DIDs holding a collection, in DID
// order, paged with an opaque cursor. Collections come from the PDS's listRepos + describeRepo and from the creates
// seen on the firehose; like a relay, it never forgets a DID's collection, so a takendown or deactivated repository
// (whose describeRepo now fails) stays listed and the list is a superset.
export class Relay {
  constructor(pdsUrl) {
    this.pdsUrl = pdsUrl
    this.collections = new Map()
  }

  remember(did, collection) {
    let set = this.collections.get(did)
    if (!set) this.collections.set(did, (set = new Set()))
    set.add(collection)
  }

  async listReposByCollection(params) {
    const collection = params.get('collection')
    if (!collection) throw new XrpcError(400, 'InvalidRequest', 'Error: Params must have the property "collection"')
    const limitText = params.get('limit') ?? '500'
    const limit = Number(limitText)
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 2000) {
      throw new XrpcError(400, 'InvalidRequest', 'Error: limit must be an integer from 1 to 2000')
    }
    const cursor = params.get('cursor')
    const after = cursor ? decodeCursor(cursor) : ''

    await this.refresh()
    const dids = [...this.collections.entries()]
      .filter(([did, set]) => set.has(collection) && did > after)
      .map(([did]) => did)
      .sort()
    const page = dids.slice(0, limit)
    const result = { repos: page.map((did) => ({ did })) }
    if (dids.length > limit) result.cursor = Buffer.from(page[page.length - 1]).toString('base64url')
    return result
  }

  async refresh() {
    let cursor
    do {
      const url = new URL('/xrpc/com.atproto.sync.listRepos', this.pdsUrl)
      url.searchParams.set('limit', '1000')
      if (cursor) url.searchParams.set('cursor', cursor)
      const page = await getJson(url)
      // A few at a time: thousands of parallel requests would only queue up in the PDS.
      for (let i = 0; i < page.repos.length; i += 16) {
        await Promise.all(page.repos.slice(i, i + 16).map((repo) => this.describe(repo.did)))
      }
      cursor = page.repos.length > 0 ? page.cursor : undefined
    } while (cursor)
  }

  async describe(did) {
    const url = new URL('/xrpc/com.atproto.repo.describeRepo', this.pdsUrl)
    url.searchParams.set('repo', did)
    const res = await fetch(url)
    if (!res.ok) {
      // Takendown or deactivated: keep what was known.
      await res.body?.cancel()
      if (!this.collections.has(did)) this.collections.set(did, new Set())
      return
    }
    const { collections } = await res.json()
    for (const c of collections) this.remember(did, c)
  }
}

export class XrpcError extends Error {
  constructor(status, error, message) {
    super(message)
    this.status = status
    this.error = error
  }
}

function decodeCursor(cursor) {
  const did = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!did.startsWith('did:')) throw new XrpcError(400, 'InvalidRequest', 'Error: malformed cursor')
  return did
}

async function getJson(url) {
  const res = await fetch(url)
  if (!res.ok) throw new XrpcError(502, 'UpstreamFailure', `${url.pathname}: ${res.status} ${await res.text()}`)
  return res.json()
}
