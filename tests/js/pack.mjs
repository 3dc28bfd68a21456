// Import a folder the way kubo (ipfs-unixfs-importer with kubo's options) or ipfs-car does,
// print {"root": CID, "blocks": [CID, ...]} (blocks in the order they were made), and
// optionally write the CAR. Usage: node pack.mjs '{"folder": ..., "mode": "kubo", ...}'
// The tests copy it beside its node_modules (ES modules ignore NODE_PATH).
import fs from 'node:fs'
import path from 'node:path'
import { CarWriter } from '@ipld/car/writer'
import * as UnixFS from '@ipld/unixfs'
import { withMaxChunkSize } from '@ipld/unixfs/file/chunker/fixed'
import { withWidth } from '@ipld/unixfs/file/layout/balanced'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { createDirectoryEncoderStream } from 'ipfs-car'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import * as raw from 'multiformats/codecs/raw'

const spec = JSON.parse(process.argv[2])

function walk (folder, prefix = '') {
  const out = []
  for (const name of fs.readdirSync(folder).filter((n) => !n.startsWith('.')).sort()) {
    const full = path.join(folder, name)
    const rel = prefix ? `${prefix}/${name}` : name
    if (fs.statSync(full).isDirectory()) {
      out.push({ rel, dir: true }, ...walk(full, rel))
    } else {
      out.push({ rel, bytes: fs.readFileSync(full) })
    }
  }
  return out
}

async function kubo (entries) {
  const blockstore = new MemoryBlockstore()
  const source = [{ path: 'root' }, ...entries.map((e) => e.dir
    ? { path: `root/${e.rel}` }
    : { path: `root/${e.rel}`, content: e.bytes })]
  let root
  for await (const entry of importer(source, blockstore, {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: spec.chunkSize ?? 262144 }),
    layout: balanced({ maxChildrenPerNode: spec.maxChildren ?? 174 }),
    shardSplitThresholdBytes: 262144,
    shardSplitStrategy: 'links-bytes'
  })) {
    if (entry.path === 'root') root = entry.cid
  }
  return { root, order: await reachable(blockstore, root) }
}

// The blocks of the DAG under `root`, children before parents (the importer also stores
// blocks that end up unlinked, such as the empty directory it starts from).
async function reachable (blockstore, root, order = [], seen = new Set()) {
  if (seen.has(root.toString())) return order
  seen.add(root.toString())
  const bytes = await toBytes(blockstore.get(root))
  if (root.code === dagPb.code) {
    for (const link of dagPb.decode(bytes).Links) await reachable(blockstore, link.Hash, order, seen)
  }
  order.push({ cid: root, bytes })
  return order
}

async function toBytes (value) {
  const got = await value
  if (got instanceof Uint8Array) return got
  const parts = []
  for await (const part of got) parts.push(part)
  return Buffer.concat(parts)
}

async function ipfsCar (entries) {
  const settings = UnixFS.configure({
    fileChunkEncoder: raw,
    smallFileEncoder: raw,
    chunker: withMaxChunkSize(spec.chunkSize ?? 1048576),
    fileLayout: withWidth(spec.maxChildren ?? 1024)
  })
  const files = entries.filter((e) => !e.dir).map((e) => ({
    name: e.rel,
    stream: () => new Blob([e.bytes]).stream()
  }))
  const order = []
  await createDirectoryEncoderStream(files, settings).pipeTo(new WritableStream({
    write (block) { order.push(block) }
  }))
  return { root: order[order.length - 1].cid, order }
}

const entries = walk(spec.folder)
const { root, order } = spec.mode === 'kubo' ? await kubo(entries) : await ipfsCar(entries)
if (spec.car) {
  const { writer, out } = CarWriter.create([root])
  const chunks = []
  const collect = (async () => { for await (const c of out) chunks.push(c) })()
  const seen = new Set()
  for (const block of order) {
    const key = block.cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    await writer.put({ cid: block.cid, bytes: block.bytes })
  }
  await writer.close()
  await collect
  fs.writeFileSync(spec.car, Buffer.concat(chunks))
}
console.log(JSON.stringify({ root: root.toString(), blocks: order.map((b) => b.cid.toString()) }))
