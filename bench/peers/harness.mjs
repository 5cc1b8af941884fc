// harness.mjs drives ts-mls through the scenarios of `cgkalab bench peers`
// and prints one JSON object per line on stdout; progress goes to stderr.
//
//   node --expose-gc harness.mjs --sizes 8,64 --runs 3 [--warm-max 512]
//
// Output lines (bench/peers/record.go parses them):
//   {"type":"meta","impl":"ts-mls","version":"1.6.4","runtime":"node v20...","suite":1}
//   {"type":"result","scenario":"build"|"built"|"warm","n":8,
//    "create_ns":[...],"create_cpu_ns":[...],"process_ns":[...],"process_cpu_ns":[...],
//    "commit_bytes":123,"welcome_bytes":456}
//   {"type":"done"}
//
// The scenarios are defined once, in bench/peers/scenario.go; this file
// follows the same steps with ts-mls's public API:
//   build: the creator (leaf 0) creates the group and commits Adds of the
//     n-1 others' KeyPackages by value, without a path (ts-mls sends no
//     path with Add-only commits); "create" is createGroup + createCommit +
//     encoding the Commit and Welcome, "process" is one joiner decoding the
//     Welcome and joining (joinGroup, tree passed out of band).
//   built: the creator then commits with a path (empty commit), so its
//     direct path holds the only parent keys. The last leaf creates an
//     empty full-path commit ("create": createCommit + encode) and leaf 0
//     processes it ("process": decode + processPublicMessage).
//   warm: every even leaf other than 0 commits with a path, in
//     bit-reversed order (strides n/2, n/4, ..., 2), which keys every parent
//     node; then the same measurement as built.
// Commits are PublicMessages, as cgkalab's default.

import {
  createCommit,
  createGroup,
  joinGroup,
  processPublicMessage,
  getCiphersuiteImpl,
  getCiphersuiteFromName,
  generateKeyPackage,
  encodeMlsMessage,
  decodeMlsMessage,
  emptyPskIndex,
} from "ts-mls"
import { readFileSync } from "node:fs"

const suiteName = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"

function parseArgs(argv) {
  const opts = { sizes: [8], runs: 3, warmMax: Infinity }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = argv[i + 1]
    if (a === "--sizes" && v !== undefined) {
      opts.sizes = v.split(",").map((s) => {
        const n = Number(s)
        if (!Number.isInteger(n) || n < 4 || (n & (n - 1)) !== 0) throw new Error(`--sizes: ${s} is not a power of two >= 4`)
        return n
      })
      i++
    } else if (a === "--runs" && v !== undefined) {
      opts.runs = Number(v)
      if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error(`--runs: ${v} is not a positive integer`)
      i++
    } else if (a === "--warm-max" && v !== undefined) {
      opts.warmMax = Number(v)
      if (!Number.isInteger(opts.warmMax) || opts.warmMax < 0) throw new Error(`--warm-max: ${v} is not a non-negative integer`)
      i++
    } else {
      throw new Error(`unknown argument ${a}`)
    }
  }
  return opts
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n")
}

const started = process.hrtime.bigint()

function progress(msg) {
  const secs = Number(process.hrtime.bigint() - started) / 1e9
  process.stderr.write(`bench peers: ts-mls [${secs.toFixed(1)}s] ${msg}\n`)
}

function collect() {
  if (typeof globalThis.gc === "function") globalThis.gc()
}

// timed runs f and returns its result with elapsed and process CPU time
// (all threads, including libuv's crypto pool) in nanoseconds.
async function timed(f) {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const value = await f()
  const wall = Number(process.hrtime.bigint() - t0)
  const cpu = process.cpuUsage(cpu0)
  return { value, wall, cpu: (cpu.user + cpu.system) * 1000 }
}

// The leaf contents cgkalab's KeyPackages carry: mls10, this suite, basic
// credentials, no extensions (mls.DefaultCapabilities), and the same
// lifetime. ts-mls's own defaults add every suite, x509 and GREASE values,
// which would lengthen every leaf node on the wire.
const capabilities = {
  versions: ["mls10"],
  ciphersuites: [suiteName],
  extensions: [],
  proposals: [],
  credentials: ["basic"],
}
const lifetime = { notBefore: 0n, notAfter: 1n << 62n }
const groupId = new TextEncoder().encode("cgkalab-bench")

function identity(i) {
  return new TextEncoder().encode(`member-${i}`)
}

async function keyPackages(impl, n) {
  const out = []
  for (let i = 0; i < n; i++) {
    out.push(await generateKeyPackage({ credentialType: "basic", identity: identity(i) }, capabilities, lifetime, [], impl))
  }
  return out
}

const commitOptions = { wireAsPublicMessage: true }

function encodedCommit(res) {
  return encodeMlsMessage(res.commit)
}

function encodedWelcome(welcome) {
  return encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome })
}

function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

// processCommit decodes an encoded PublicMessage Commit and processes it.
async function processCommit(state, bytes, impl) {
  const [msg] = decodeMlsMessage(bytes, 0)
  if (msg.wireformat !== "mls_public_message") throw new Error(`expected a PublicMessage, got ${msg.wireformat}`)
  const res = await processPublicMessage(state, msg.publicMessage, emptyPskIndex, impl)
  return res.newState
}

function checkSame(a, b, what) {
  if (!equalBytes(a.keySchedule.epochAuthenticator, b.keySchedule.epochAuthenticator)) {
    throw new Error(`${what}: epoch authenticators differ`)
  }
}

// build measures group creation with one Add-all commit and one join, and
// returns the creator's and the last leaf's states at epoch 1.
async function build(impl, kps, runs) {
  const n = kps.length
  const adds = kps.slice(1).map((kp) => ({ proposalType: "add", add: { keyPackage: kp.publicPackage } }))
  const create = []
  let res, commitBytes, welcomeBytes
  collect()
  for (let r = 0; r < runs; r++) {
    const t = await timed(async () => {
      const g = await createGroup(groupId, kps[0].publicPackage, kps[0].privatePackage, [], impl)
      const c = await createCommit({ state: g, cipherSuite: impl }, { ...commitOptions, extraProposals: adds })
      return { c, cb: encodedCommit(c), wb: encodedWelcome(c.welcome) }
    })
    create.push(t)
    res = t.value.c
    commitBytes = t.value.cb
    welcomeBytes = t.value.wb
  }
  const creator = res.newState
  const last = kps[n - 1]
  const join = []
  let joined
  collect()
  for (let r = 0; r < runs; r++) {
    const t = await timed(async () => {
      const [msg] = decodeMlsMessage(welcomeBytes, 0)
      if (msg.wireformat !== "mls_welcome") throw new Error(`expected a Welcome, got ${msg.wireformat}`)
      return joinGroup(msg.welcome, last.publicPackage, last.privatePackage, emptyPskIndex, impl, creator.ratchetTree)
    })
    join.push(t)
    joined = t.value
  }
  checkSame(creator, joined, "join")
  if (joined.privatePath.leafIndex !== n - 1) throw new Error(`joiner sits at leaf ${joined.privatePath.leafIndex}, want ${n - 1}`)
  return {
    record: result("build", n, create, join, commitBytes.length, welcomeBytes.length),
    receiver: creator,
    sender: joined,
  }
}

function result(scenario, n, create, proc, commitBytes, welcomeBytes) {
  return {
    type: "result",
    scenario,
    n,
    create_ns: create.map((t) => t.wall),
    create_cpu_ns: create.map((t) => Math.round(t.cpu)),
    process_ns: proc.map((t) => t.wall),
    process_cpu_ns: proc.map((t) => Math.round(t.cpu)),
    commit_bytes: commitBytes,
    welcome_bytes: welcomeBytes,
  }
}

// commitAs makes the member at leaf i commit with a full path, from the
// public state and epoch secrets every member shares (those of base) and
// leaf i's own private keys: the shortcut that spares holding n states.
// Every commit made so is processed for real by both measured members.
async function commitAs(base, kp, i, impl) {
  const puppet = {
    ...base,
    privatePath: { leafIndex: i, privateKeys: { [2 * i]: kp.privatePackage.hpkePrivateKey } },
    signaturePrivateKey: kp.privatePackage.signaturePrivateKey,
  }
  const c = await createCommit({ state: puppet, cipherSuite: impl }, commitOptions)
  return encodedCommit(c)
}

// step has leaf i commit with a path and both measured members take it
// on: leaf 0 (the receiver) commits from its own state, any other leaf
// through commitAs.
async function step(g, kps, i, impl) {
  if (i === 0) {
    const c = await createCommit({ state: g.receiver, cipherSuite: impl }, commitOptions)
    g.receiver = c.newState
    g.sender = await processCommit(g.sender, encodedCommit(c), impl)
  } else {
    const bytes = await commitAs(g.receiver, kps[i], i, impl)
    g.receiver = await processCommit(g.receiver, bytes, impl)
    g.sender = await processCommit(g.sender, bytes, impl)
  }
  checkSame(g.receiver, g.sender, `commit by leaf ${i}`)
}

// measure has the last leaf create runs full-path commits from the same
// state, and leaf 0 process the last one runs times from its state.
async function measure(scenario, n, g, impl, runs) {
  const create = []
  let made
  collect()
  for (let r = 0; r < runs; r++) {
    const t = await timed(async () => {
      const c = await createCommit({ state: g.sender, cipherSuite: impl }, commitOptions)
      return { c, bytes: encodedCommit(c) }
    })
    create.push(t)
    made = t.value
  }
  const proc = []
  collect()
  for (let r = 0; r < runs; r++) {
    const t = await timed(() => processCommit(g.receiver, made.bytes, impl))
    proc.push(t)
    checkSame(made.c.newState, t.value, `${scenario} processing`)
  }
  return result(scenario, n, create, proc, made.bytes.length, 0)
}

// warmOrder lists the even leaves other than 0 in bit-reversed order:
// each stride's commits find the coarser levels keyed already, so the
// whole warm-up encrypts to about (n/2)·log2(n) nodes rather than n²/4.
function warmOrder(n) {
  const order = []
  for (let stride = n / 2; stride >= 2; stride /= 2) {
    for (let i = stride; i < n; i += 2 * stride) order.push(i)
  }
  return order
}

function countBlankParents(tree) {
  let blank = 0
  for (let x = 1; x < tree.length; x += 2) if (tree[x] === undefined) blank++
  return blank
}

async function runSize(impl, n, runs, warmMax) {
  progress(`n=${n}: generating ${n} KeyPackages`)
  const kps = await keyPackages(impl, n)
  progress(`n=${n}: build, ${runs} runs`)
  const b = await build(impl, kps, runs)
  emit(b.record)
  const g = { receiver: b.receiver, sender: b.sender }
  progress(`n=${n}: built: the creator commits with a path`)
  await step(g, kps, 0, impl)
  progress(`n=${n}: built, ${runs} runs`)
  emit(await measure("built", n, g, impl, runs))
  if (n > warmMax) {
    progress(`n=${n}: warm skipped (--warm-max ${warmMax})`)
    return
  }
  const order = warmOrder(n)
  progress(`n=${n}: warming: ${order.length} commits`)
  let done = 0
  for (const i of order) {
    await step(g, kps, i, impl)
    if (++done % 64 === 0) progress(`n=${n}: warming: ${done}/${order.length}`)
  }
  const blank = countBlankParents(g.sender.ratchetTree)
  if (blank !== 0) throw new Error(`warm tree at n=${n} has ${blank} blank parent nodes`)
  progress(`n=${n}: warm, ${runs} runs`)
  emit(await measure("warm", n, g, impl, runs))
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const pkg = JSON.parse(readFileSync(new URL("./node_modules/ts-mls/package.json", import.meta.url), "utf8"))
  emit({ type: "meta", impl: "ts-mls", version: pkg.version, runtime: `node ${process.version}`, suite: 1 })
  const impl = await getCiphersuiteImpl(getCiphersuiteFromName(suiteName))
  for (const n of opts.sizes) await runSize(impl, n, opts.runs, opts.warmMax)
  emit({ type: "done" })
}

main().catch((err) => {
  process.stderr.write(`harness: ${err?.stack ?? err}\n`)
  process.exit(1)
})
