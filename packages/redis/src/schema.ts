// Key layout and the KV Lua scripts (graph scripts: graph-scripts.ts). Every key of one namespace
// or graph carries the name as its hash tag (`{name}`), so all of them live in one Cluster slot
// and one script may touch them together; every key a script touches is passed in KEYS. User
// keys and ids only ever appear after the tag, as data: the scripts are static text, and user
// strings reach them only as KEYS/ARGV.
//
//   <prefix>:namespaces                 zset (score 0) of namespace names that were written
//   <prefix>:graphs                     zset (score 0) of graph names that were written
//                                       (each registry in its own slot: see registry.ts)
//   <prefix>:kv:{ns}:i                  zset (score 0): every key of the namespace, lex order
//   <prefix>:kv:{ns}:x                  zset: keys that have an expiry, score = expiresAt (ms)
//   <prefix>:kv:{ns}:v:<key>            string "<version>:<expiresAt or empty>:<value>", PEXPIREAT
//   <prefix>:g:{graph}:nodes            zset (score 0) of node ids
//   <prefix>:g:{graph}:node             hash: id -> "<type or empty>\0<props>"
//   <prefix>:g:{graph}:ntype            zset (score 0) of "<type>\0<id>" for typed nodes
//   <prefix>:g:{graph}:etype            zset (score 0) of "<type>\0<from>\0<to>"
//   <prefix>:g:{graph}:eprop            hash: "<from>\0<type>\0<to>" -> props (every edge)
//   <prefix>:g:{graph}:loops            zset (score 0) of "<id>\0<type>" for self-loops
//   <prefix>:g:{graph}:out              zset (score 0) of "<from>\0<type>\0<to>\0<props>" (adjacency)
//   <prefix>:g:{graph}:in               zset (score 0) of "<to>\0<type>\0<from>\0<props>"
//
// Props are JSON object text marked for merging (see graph-scripts.ts): "{}" or
// "{\n<name JSON>\t:<value JSON>,\n…}". Adjacency members carry a copy, so a node's edges with
// their props are one ZRANGEBYLEX over "<id>\0".
// Keys, ids and types never contain U+0000 (core validates them), so "\0" separates fields and
// sorts before every other byte: "<a>\0<b>" members sort in (a, b) byte order.

import { ValidationError } from "@stowage/core";

export const DEFAULT_PREFIX = "stowage";
/** Options prefix: no braces (they would change the hash tag) and nothing a glob treats specially. */
const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== "string" || !PREFIX_PATTERN.test(prefix)) {
    throw new ValidationError(
      "INVALID_OPTION",
      `prefix must be 1-128 letters, digits, '_', '.', ':' or '-', starting with a letter or digit (no braces), got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}

export interface KvKeys {
  readonly index: string;
  readonly expiry: string;
  /** Prefix of entry keys; the user key follows it. */
  readonly entry: string;
  /** Byte length of `entry`: scripts take the user key from the entry key past these bytes. */
  readonly entryBytes: number;
}

export interface GraphKeys {
  readonly nodes: string;
  readonly node: string;
  readonly nodeTypes: string;
  readonly edgeTypes: string;
  readonly edgeProps: string;
  readonly loops: string;
  /** Adjacency of every node of the graph: out-edges by "<from>\0", in-edges by "<to>\0". */
  readonly out: string;
  readonly in: string;
  /** The graph's eight keys in the order every graph script expects them in KEYS. */
  readonly all: readonly string[];
}

export class Layout {
  readonly prefix: string;
  readonly namespaces: string;
  readonly graphs: string;

  constructor(prefix: string) {
    this.prefix = checkPrefix(prefix);
    this.namespaces = `${prefix}:namespaces`;
    this.graphs = `${prefix}:graphs`;
  }

  kv(ns: string): KvKeys {
    const base = `${this.prefix}:kv:{${ns}}:`;
    const entry = `${base}v:`;
    return {
      index: `${base}i`,
      expiry: `${base}x`,
      entry,
      entryBytes: Buffer.byteLength(entry, "utf8"),
    };
  }

  graph(name: string): GraphKeys {
    const base = `${this.prefix}:g:{${name}}:`;
    const keys = {
      nodes: `${base}nodes`,
      node: `${base}node`,
      nodeTypes: `${base}ntype`,
      edgeTypes: `${base}etype`,
      edgeProps: `${base}eprop`,
      loops: `${base}loops`,
      out: `${base}out`,
      in: `${base}in`,
    };
    const all = [
      keys.nodes,
      keys.node,
      keys.edgeTypes,
      keys.loops,
      keys.nodeTypes,
      keys.edgeProps,
      keys.out,
      keys.in,
    ];
    return { ...keys, all };
  }
}

// ---- lexicographic bounds (ZRANGEBYLEX / ZLEXCOUNT) ----

/** The smallest byte string greater than every string starting with `prefix` (UTF-8 never has 0xFF). */
export function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, "utf8");
  const end = Buffer.from(bytes);
  end[end.length - 1] = (end[end.length - 1] as number) + 1;
  return end;
}

export function inclusive(value: string): string {
  return `[${value}`;
}

export function exclusive(value: string | Buffer): string | Buffer {
  return typeof value === "string" ? `(${value}` : Buffer.concat([Buffer.from("("), value]);
}

// ---- Lua ----

export interface LuaScript {
  readonly name: string;
  readonly lua: string;
}

function script(name: string, body: string): LuaScript {
  return { name, lua: `-- stowage ${name}\n${body.trim()}\n` };
}

/** Shared Lua helpers: Redis' TIME in ms, "<version>:<expiresAt>:" entry headers, HSET of ARGV pairs. */
const HELPERS = `
local function server_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Live version of an entry string at 'now' (0 when absent or expired).
local function live_version(entry, now)
  if not entry then return 0 end
  local v, e = string.match(entry, '^(%d+):(%d*):')
  if e ~= '' and tonumber(e) <= now then return 0 end
  return tonumber(v)
end
local CHUNK = 500
-- One command on 'key' with the flat 'items' (per = values per item), CHUNK items at a time.
local function chunked(command, key, items, per)
  local step = CHUNK * per
  for first = 1, #items, step do
    redis.call(command, key, unpack(items, first, math.min(first + step - 1, #items)))
  end
end
local function split(member)
  local at = string.find(member, '\\0', 1, true)
  return string.sub(member, 1, at - 1), string.sub(member, at + 1)
end
`;

export function withHelpers(name: string, body: string): LuaScript {
  return script(name, `${HELPERS}\n${body.trim()}`);
}

/**
 * KEYS: index, expiry, then the entry key of each write (distinct keys: core refuses repeats).
 * ARGV: now, the byte length of the entry keys' prefix (the user key is the rest of the entry
 * key), "c" when the batch has conditions ("" when not), then per write: its condition when the
 * batch has them ("" none, "0" absent, "<n>" version n), and "<expiresAt or empty>:<value>" (the
 * stored text without its version). Two strings per write without conditions, like a plain MSET.
 * Returns {1, {versions}, 1 when the namespace was empty before} or {0, {conflicting positions
 * (0-based)}}; writes nothing on conflict.
 *
 * An entry string that exists is in the index already, and in the expiry index only when its
 * header has an expiry (they are written and removed together), so overwriting entries costs
 * MGET + MSET: index entries are added only for keys without an entry string, expiry index
 * entries removed only where the old entry had one or is gone (Redis may have expired it).
 */
export const KV_SET = withHelpers(
  "kv-set",
  `
local now, skip, conditional = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == 'c'
-- Write i's arguments start at ARGV[4 + (i - 1) * per]; its stored text (without version) is the last.
local per = conditional and 2 or 1
local n = #KEYS - 2
local versions, conflicts, fresh, had_expiry = {}, {}, {}, {}
local was_empty = redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0
for first = 1, n, CHUNK do
  local last = math.min(first + CHUNK - 1, n)
  local entries = redis.call('MGET', unpack(KEYS, 2 + first, 2 + last))
  for i = first, last do
    local entry, version = entries[i - first + 1], 0
    if entry then
      local v, e = string.match(entry, '^(%d+):(%d*):')
      if e ~= '' then
        had_expiry[i] = true
        if tonumber(e) > now then version = tonumber(v) end
      else
        version = tonumber(v)
      end
    else
      fresh[i] = true
    end
    if conditional then
      local cond = ARGV[4 + (i - 1) * 2]
      if cond ~= '' and tonumber(cond) ~= version then conflicts[#conflicts + 1] = i - 1 end
    end
    versions[i] = version + 1
  end
end
if #conflicts > 0 then return {0, conflicts} end
-- Multi-key commands, a chunk at a time: far fewer calls than one command per key.
local sets, index, expiring, plain = {}, {}, {}, {}
for i = 1, n do
  local rest = ARGV[3 + i * per]
  local text = string.format('%d', versions[i]) .. ':' .. rest
  local key = nil
  if fresh[i] then
    key = string.sub(KEYS[2 + i], skip + 1)
    index[#index + 1] = 0
    index[#index + 1] = key
  end
  if string.byte(rest, 1) == 58 then
    -- No expiry (":<value>"): one MSET for all of them.
    sets[#sets + 1] = KEYS[2 + i]
    sets[#sets + 1] = text
    if fresh[i] or had_expiry[i] then plain[#plain + 1] = key or string.sub(KEYS[2 + i], skip + 1) end
  else
    local expires = string.match(rest, '^(%d+):')
    redis.call('SET', KEYS[2 + i], text, 'PXAT', expires)
    expiring[#expiring + 1] = expires
    expiring[#expiring + 1] = key or string.sub(KEYS[2 + i], skip + 1)
  end
end
for first = 1, #sets, 2 * CHUNK do redis.call('MSET', unpack(sets, first, math.min(first + 2 * CHUNK - 1, #sets))) end
chunked('ZADD', KEYS[1], index, 2)
if #plain > 0 and redis.call('EXISTS', KEYS[2]) == 1 then chunked('ZREM', KEYS[2], plain, 1) end
chunked('ZADD', KEYS[2], expiring, 2)
return {1, versions, was_empty}
`,
);

/**
 * KV_SET for one write (set, update): the same KEYS, ARGV and reply, with no helpers to set up
 * and only the commands this write needs. An entry string that exists is in the index already
 * (they are written and removed together; Redis drops an expired entry before list/count drop its
 * index entry), and in the expiry index exactly when it has an expiry: overwriting an entry
 * without expiry by one without expiry is GET + SET.
 */
export const KV_SET_ONE = script(
  "kv-set-one",
  `
local entry = redis.call('GET', KEYS[3])
local version, had_expiry = 0, true
if entry then
  local v, e = string.match(entry, '^(%d+):(%d*):')
  had_expiry = e ~= ''
  if not had_expiry or tonumber(e) > tonumber(ARGV[1]) then version = tonumber(v) end
end
local cond, key, expires = ARGV[3], ARGV[2], ARGV[4]
if cond ~= '' and tonumber(cond) ~= version then return {0, {0}} end
version = version + 1
local text = string.format('%d', version) .. ':' .. expires .. ':' .. ARGV[5]
if expires == '' then
  redis.call('SET', KEYS[3], text)
  if had_expiry then redis.call('ZREM', KEYS[2], key) end
else
  redis.call('SET', KEYS[3], text, 'PXAT', expires)
  redis.call('ZADD', KEYS[2], expires, key)
end
local was_empty = 0
if not entry and redis.call('ZADD', KEYS[1], 0, key) == 1 and redis.call('ZCARD', KEYS[1]) == 1 then
  was_empty = 1
end
return {1, {version}, was_empty}
`,
);

/**
 * KEYS: index, expiry, then the entry key of each delete. ARGV: now, the byte length of the entry
 * keys' prefix, "c" when the batch has conditions ("" when not), then (only then) per delete its
 * condition ("" none, "<n>" version n).
 * Returns {1, {1 when a live entry was removed, else 0}} or {0, {conflicting positions}}.
 * Reads with MGET and removes with UNLINK / ZREM over chunks of keys, not commands per key.
 */
export const KV_DELETE = withHelpers(
  "kv-delete",
  `
local now, skip, conditional = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == 'c'
local n = #KEYS - 2
local live, conflicts = {}, {}
for first = 1, n, CHUNK do
  local last = math.min(first + CHUNK - 1, n)
  local entries = redis.call('MGET', unpack(KEYS, 2 + first, 2 + last))
  for i = first, last do
    local version = live_version(entries[i - first + 1], now)
    if conditional then
      local cond = ARGV[3 + i]
      if cond ~= '' and tonumber(cond) ~= version then conflicts[#conflicts + 1] = i - 1 end
    end
    live[i] = version > 0 and 1 or 0
  end
end
if #conflicts > 0 then return {0, conflicts} end
local members = {}
for i = 1, n do members[i] = string.sub(KEYS[2 + i], skip + 1) end
for first = 1, n, CHUNK do
  redis.call('UNLINK', unpack(KEYS, 2 + first, 2 + math.min(first + CHUNK - 1, n)))
end
chunked('ZREM', KEYS[1], members, 1)
if redis.call('EXISTS', KEYS[2]) == 1 then chunked('ZREM', KEYS[2], members, 1) end
return {1, live}
`,
);

/**
 * KEYS: index, expiry. ARGV: min, max (ZRANGEBYLEX bounds), limit, now.
 * Live keys in byte order, joined by "\0" (keys never contain U+0000): one string is far cheaper
 * to send and to read than an array of keys. Index entries whose key Redis has already expired
 * are removed. No helpers: the common case (no key of the namespace expires) is two commands.
 */
export const KV_LIST = script(
  "kv-list",
  `
local limit, now = tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('EXISTS', KEYS[2]) == 0 then
  -- No key of the namespace has an expiry: the index is the answer.
  return table.concat(redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, limit), '\\0')
end
local time = redis.call('TIME')
local server = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local out = {}
local min = ARGV[1]
while #out < limit do
  local want = math.min(math.max(limit - #out, 64), 500)
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], min, ARGV[2], 'LIMIT', 0, want)
  if #batch == 0 then break end
  local scores = redis.call('ZMSCORE', KEYS[2], unpack(batch))
  for i, key in ipairs(batch) do
    local expires = scores[i]
    if not expires or tonumber(expires) > now then
      if #out < limit then out[#out + 1] = key end
    elseif tonumber(expires) < server then
      redis.call('ZREM', KEYS[1], key)
      redis.call('ZREM', KEYS[2], key)
    end
  end
  if #batch < want then break end
  min = '(' .. batch[#batch]
end
return table.concat(out, '\\0')
`,
);

/**
 * KEYS: index, expiry. ARGV: min, max, now, prefix. The number of live keys in the range: the
 * range's size minus its expired keys (only keys with an expiry are looked at one by one).
 */
export const KV_COUNT = withHelpers(
  "kv-count",
  `
local prefix = ARGV[4]
local count = redis.call('ZLEXCOUNT', KEYS[1], ARGV[1], ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'WITHSCORES')
if #expired == 0 then return count end
local server = server_ms()
for i = 1, #expired, 2 do
  local key = expired[i]
  if string.sub(key, 1, #prefix) == prefix then count = count - 1 end
  if tonumber(expired[i + 1]) < server then
    redis.call('ZREM', KEYS[1], key)
    redis.call('ZREM', KEYS[2], key)
  end
end
return count
`,
);

/**
 * KEYS: registry, index. ARGV: name. Forgets a registered namespace or graph whose index is empty.
 * Registration (see Registrations in connection.ts) follows every write that finds the index
 * empty, so "index not empty => registered" holds and a concurrent write is never forgotten.
 */
export const FORGET_IF_EMPTY = script(
  "forget-if-empty",
  `
if redis.call('EXISTS', KEYS[2]) == 0 then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`,
);

export const KV_SCRIPTS: readonly LuaScript[] = [
  KV_SET,
  KV_SET_ONE,
  KV_DELETE,
  KV_LIST,
  KV_COUNT,
  FORGET_IF_EMPTY,
];
