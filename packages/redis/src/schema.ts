// Key layout and Lua scripts. Every key of one namespace or graph carries the name as its hash
// tag (`{name}`), so all of them live in one Cluster slot and one script may touch them together.
// User keys and ids only ever appear after the tag, as data: the scripts are static text, and
// user strings reach them only as KEYS/ARGV.
//
//   <prefix>:namespaces                 zset (score 0) of namespace names that were written
//   <prefix>:graphs                     zset (score 0) of graph names that were written
//   <prefix>:kv:{ns}:i                  zset (score 0): every key of the namespace, lex order
//   <prefix>:kv:{ns}:x                  zset: keys that have an expiry, score = expiresAt (ms)
//   <prefix>:kv:{ns}:v:<key>            string "<version>:<expiresAt or empty>:<value>", PEXPIREAT
//   <prefix>:g:{graph}:nodes            zset (score 0) of node ids
//   <prefix>:g:{graph}:node             hash: id -> "<type or empty>\0<props>"
//   <prefix>:g:{graph}:ntype            zset (score 0) of "<type>\0<id>" for typed nodes
//   <prefix>:g:{graph}:edges            zset (score 0) of "<from>\0<type>\0<to>"
//   <prefix>:g:{graph}:etype            zset (score 0) of "<type>\0<from>\0<to>"
//   <prefix>:g:{graph}:eprop            hash: "<from>\0<type>\0<to>" -> props (absent when {})
//   <prefix>:g:{graph}:loops            zset (score 0) of "<id>\0<type>" for self-loops
//   <prefix>:g:{graph}:o:<id>           zset (score 0) of "<type>\0<to>\0<props>"   (out-edges)
//   <prefix>:g:{graph}:i:<id>           zset (score 0) of "<type>\0<from>\0<props>" (in-edges)
//
// Props are JSON object text marked for merging (see GRAPH_HELPERS): "{}" or
// "{\n<name JSON>\t:<value JSON>,\n…}". Adjacency members carry a copy, so a node's edges with
// their props are one ZRANGEBYLEX.
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
}

export interface GraphKeys {
  readonly nodes: string;
  readonly node: string;
  readonly nodeTypes: string;
  readonly edges: string;
  readonly edgeTypes: string;
  readonly edgeProps: string;
  readonly loops: string;
  /** Prefix of the per-node adjacency keys; scripts append "o:<id>" and "i:<id>". */
  readonly base: string;
  /** The seven fixed keys in the order every graph script expects them. */
  readonly fixed: readonly string[];
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
    return { index: `${base}i`, expiry: `${base}x`, entry: `${base}v:` };
  }

  graph(name: string): GraphKeys {
    const base = `${this.prefix}:g:{${name}}:`;
    const keys = {
      nodes: `${base}nodes`,
      node: `${base}node`,
      nodeTypes: `${base}ntype`,
      edges: `${base}edges`,
      edgeTypes: `${base}etype`,
      edgeProps: `${base}eprop`,
      loops: `${base}loops`,
      base,
    };
    const fixed = [
      keys.nodes,
      keys.node,
      keys.edges,
      keys.edgeTypes,
      keys.loops,
      keys.nodeTypes,
      keys.edgeProps,
    ];
    return { ...keys, fixed };
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

function withHelpers(name: string, body: string): LuaScript {
  return script(name, `${HELPERS}\n${body.trim()}`);
}

/**
 * KEYS: index, expiry, then the entry key of each write.
 * ARGV: now, then per write: key, condition ("" none, "0" absent, "<n>" version n), expiresAt ("" none), value.
 * Returns {1, {versions}, 1 when the namespace was empty before} or {0, {conflicting positions
 * (0-based)}}; writes nothing on conflict.
 */
export const KV_SET = withHelpers(
  "kv-set",
  `
local now = tonumber(ARGV[1])
local n = #KEYS - 2
local versions, conflicts = {}, {}
local was_empty = redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0
for first = 1, n, CHUNK do
  local last = math.min(first + CHUNK - 1, n)
  local entries = redis.call('MGET', unpack(KEYS, 2 + first, 2 + last))
  for i = first, last do
    local cond = ARGV[3 + (i - 1) * 4]
    local version = live_version(entries[i - first + 1], now)
    if cond ~= '' and tonumber(cond) ~= version then conflicts[#conflicts + 1] = i - 1 end
    versions[i] = version + 1
  end
end
if #conflicts > 0 then return {0, conflicts} end
-- Multi-key commands, a chunk at a time: far fewer calls than one command per key.
local sets, index, expiring, plain = {}, {}, {}, {}
for i = 1, n do
  local at = 2 + (i - 1) * 4
  local key, expires = ARGV[at], ARGV[at + 2]
  sets[#sets + 1] = KEYS[2 + i]
  sets[#sets + 1] = string.format('%d', versions[i]) .. ':' .. expires .. ':' .. ARGV[at + 3]
  index[#index + 1] = 0
  index[#index + 1] = key
  if expires == '' then
    plain[#plain + 1] = key
  else
    expiring[#expiring + 1] = expires
    expiring[#expiring + 1] = key
  end
end
for first = 1, #sets, 2 * CHUNK do redis.call('MSET', unpack(sets, first, math.min(first + 2 * CHUNK - 1, #sets))) end
-- After MSET (which clears expiry), the expiries of this batch.
if #expiring > 0 then
  for i = 1, n do
    local expires = ARGV[2 + (i - 1) * 4 + 2]
    if expires ~= '' then redis.call('PEXPIREAT', KEYS[2 + i], expires) end
  end
end
chunked('ZADD', KEYS[1], index, 2)
if redis.call('EXISTS', KEYS[2]) == 1 then chunked('ZREM', KEYS[2], plain, 1) end
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
 * KEYS: index, expiry, then the entry key of each delete. ARGV: now, then per delete: key, condition.
 * Returns {1, {1 when a live entry was removed, else 0}} or {0, {conflicting positions}}.
 */
export const KV_DELETE = withHelpers(
  "kv-delete",
  `
local now = tonumber(ARGV[1])
local n = #KEYS - 2
local live, conflicts = {}, {}
for i = 1, n do
  local cond = ARGV[3 + (i - 1) * 2]
  local version = live_version(redis.call('GET', KEYS[2 + i]), now)
  if cond ~= '' and tonumber(cond) ~= version then conflicts[#conflicts + 1] = i - 1 end
  live[i] = version > 0 and 1 or 0
end
if #conflicts > 0 then return {0, conflicts} end
for i = 1, n do
  local key = ARGV[2 + (i - 1) * 2]
  redis.call('DEL', KEYS[2 + i])
  redis.call('ZREM', KEYS[1], key)
  redis.call('ZREM', KEYS[2], key)
end
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

// Graph scripts get the graph's seven fixed keys (they carry the hash tag, so they pick the slot)
// and derive the per-node adjacency keys ("o:<id>", "i:<id>") from ARGV[1], the graph's tagged key
// prefix: a cascading delete only learns which nodes it touches while it runs. Every derived key
// has the same hash tag.
//
// Props are stored as JSON object text with markers: "{}", or "{" + entries joined by "," + "}"
// where an entry is "\n<name as JSON string>\t:<value as compact JSON>". JSON text never holds a
// raw newline or tab inside a string and compact JSON has none between tokens, so the markers
// only ever delimit top-level entries: a script merges props key by key without parsing JSON
// (no number is re-encoded), and readers get JSON text (whitespace is valid JSON) as it is.
// A node record is "<type or empty>\0<props>".

const GRAPH_HELPERS = `
local base = ARGV[1]
local NODES, NODE, EDGES, ETYPE, LOOPS, NTYPE, EPROP = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local function out_key(id) return base .. 'o:' .. id end
local function in_key(id) return base .. 'i:' .. id end
local function edge_id(from, ty, to) return from .. '\\0' .. ty .. '\\0' .. to end
-- "<a>\\0<b>\\0<c>" -> a, b, c (adjacency members: type, other end, props).
local function split3(member)
  local a = string.find(member, '\\0', 1, true)
  local b = string.find(member, '\\0', a + 1, true)
  return string.sub(member, 1, a - 1), string.sub(member, a + 1, b - 1), string.sub(member, b + 1)
end
-- Marked props merged top-level key by key: 'new' wins, new names come last.
local function merge_props(old, new)
  if old == '{}' or old == new then return new end
  if new == '{}' then return old end
  local names, values = {}, {}
  for name, value in string.gmatch(old, '\\n([^\\t]*)\\t:([^\\n]*)[,}]') do
    names[#names + 1] = name
    values[name] = value
  end
  for name, value in string.gmatch(new, '\\n([^\\t]*)\\t:([^\\n]*)[,}]') do
    if values[name] == nil then names[#names + 1] = name end
    values[name] = value
  end
  local parts = {}
  for i, name in ipairs(names) do parts[i] = '\\n' .. name .. '\\t:' .. values[name] end
  return '{' .. table.concat(parts, ',') .. '}'
end
-- HMGET in chunks: the values of 'fields' (a list) in 'hash', false where absent.
local function hmget(hash, fields)
  local out = {}
  for first = 1, #fields, CHUNK do
    local got = redis.call('HMGET', hash, unpack(fields, first, math.min(first + CHUNK - 1, #fields)))
    for i = 1, #got do out[first + i - 1] = got[i] end
  end
  return out
end
-- Returns 1 when the edge existed. 'props' (as in the adjacency members) is looked up when nil.
local function remove_edge(from, ty, to, props)
  props = props or redis.call('HGET', EPROP, edge_id(from, ty, to)) or '{}'
  if redis.call('ZREM', out_key(from), ty .. '\\0' .. to .. '\\0' .. props) == 0 then return 0 end
  redis.call('ZREM', in_key(to), ty .. '\\0' .. from .. '\\0' .. props)
  redis.call('HDEL', EPROP, edge_id(from, ty, to))
  redis.call('ZREM', EDGES, edge_id(from, ty, to))
  redis.call('ZREM', ETYPE, edge_id(ty, from, to))
  if from == to then redis.call('ZREM', LOOPS, from .. '\\0' .. ty) end
  return 1
end
`;

function graphScript(name: string, body: string): LuaScript {
  return script(name, `${HELPERS}\n${GRAPH_HELPERS}\n${body.trim()}`);
}

/**
 * ARGV: base, mode ("merge"|"replace"), then per node: id, type mode ("keep"|"null"|"set"),
 * type, marked props. Returns 1 when the graph had no node before.
 */
export const GRAPH_UPSERT_NODES = graphScript(
  "graph-upsert-nodes",
  `
local was_empty = redis.call('EXISTS', NODES) == 0 and 1 or 0
local replace = ARGV[2] == 'replace'
local ids = {}
for at = 3, #ARGV, 4 do ids[#ids + 1] = ARGV[at] end
local olds = hmget(NODE, ids)
local records, added, untyped, typed = {}, {}, {}, {}
for i, id in ipairs(ids) do
  local at = 3 + (i - 1) * 4
  local tmode, ty, props = ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local old = olds[i]
  local old_type, old_props = nil, '{}'
  if old then old_type, old_props = split(old) end
  local new_type
  if tmode == 'set' then new_type = ty
  elseif tmode == 'null' or replace or not old then new_type = ''
  else new_type = old_type end
  if old and not replace then props = merge_props(old_props, props) end
  records[#records + 1] = id
  records[#records + 1] = new_type .. '\\0' .. props
  if not old then
    added[#added + 1] = 0
    added[#added + 1] = id
  end
  if old_type ~= new_type then
    if old_type and old_type ~= '' then untyped[#untyped + 1] = old_type .. '\\0' .. id end
    if new_type ~= '' then
      typed[#typed + 1] = 0
      typed[#typed + 1] = new_type .. '\\0' .. id
    end
  end
end
chunked('HSET', NODE, records, 2)
chunked('ZADD', NODES, added, 2)
chunked('ZREM', NTYPE, untyped, 1)
chunked('ZADD', NTYPE, typed, 2)
return was_empty
`,
);

/**
 * ARGV: base, mode, then per edge: from, type, to, marked props. Missing endpoints become bare
 * nodes. Returns 1 when the graph had no node before.
 */
export const GRAPH_UPSERT_EDGES = graphScript(
  "graph-upsert-edges",
  `
local was_empty = redis.call('EXISTS', NODES) == 0 and 1 or 0
local replace = ARGV[2] == 'replace'
-- Unique edges in input order; repeated ones combine their props like separate calls would.
local fields, at_of, incoming, froms, types, tos = {}, {}, {}, {}, {}, {}
for at = 3, #ARGV, 4 do
  local from, ty, to, props = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local field = edge_id(from, ty, to)
  local k = at_of[field]
  if not k then
    k = #fields + 1
    fields[k], at_of[field], incoming[k] = field, k, props
    froms[k], types[k], tos[k] = from, ty, to
  else
    incoming[k] = replace and props or merge_props(incoming[k], props)
  end
end
-- Which edges exist (with their endpoints, adjacency members and index entries: all are written
-- and removed together), and their props.
local exists = {}
for first = 1, #fields, CHUNK do
  local got = redis.call('ZMSCORE', EDGES, unpack(fields, first, math.min(first + CHUNK - 1, #fields)))
  for i = 1, #got do exists[first + i - 1] = got[i] end
end
local olds = hmget(EPROP, fields)
-- Bare records for endpoints of new edges that do not exist yet.
local ends, seen = {}, {}
for i = 1, #fields do
  if not exists[i] then
    local from, to = froms[i], tos[i]
    if not seen[from] then seen[from] = true; ends[#ends + 1] = from end
    if not seen[to] then seen[to] = true; ends[#ends + 1] = to end
  end
end
local found = {}
for first = 1, #ends, CHUNK do
  local got = redis.call('ZMSCORE', NODES, unpack(ends, first, math.min(first + CHUNK - 1, #ends)))
  for i = 1, #got do found[first + i - 1] = got[i] end
end
local bare, added = {}, {}
for i, id in ipairs(ends) do
  if not found[i] then
    bare[#bare + 1] = id
    bare[#bare + 1] = '\\0{}'
    added[#added + 1] = 0
    added[#added + 1] = id
  end
end
chunked('HSET', NODE, bare, 2)
chunked('ZADD', NODES, added, 2)
-- Props merged over the stored ones (or replacing them). Adjacency members carry them, so a
-- change of props replaces the members; an existing edge whose props stay the same is not
-- written at all.
local outs, ins, out_gone, in_gone = {}, {}, {}, {}
local indexed, by_type, loops, props, emptied = {}, {}, {}, {}, {}
-- Appends to the list of 'key' in 'groups' (one multi-key command per node later).
local function push(groups, key, a, b)
  local list = groups[key]
  if not list then list = {}; groups[key] = list end
  list[#list + 1] = a
  if b then list[#list + 1] = b end
end
for i, field in ipairs(fields) do
  local from, ty, to = froms[i], types[i], tos[i]
  local old = exists[i] and olds[i] or '{}'
  local new = replace and incoming[i] or merge_props(old, incoming[i])
  if not exists[i] then
    indexed[#indexed + 1] = 0
    indexed[#indexed + 1] = field
    by_type[#by_type + 1] = 0
    by_type[#by_type + 1] = edge_id(ty, from, to)
    if from == to then
      loops[#loops + 1] = 0
      loops[#loops + 1] = from .. '\\0' .. ty
    end
  elseif new ~= old then
    push(out_gone, from, ty .. '\\0' .. to .. '\\0' .. old)
    push(in_gone, to, ty .. '\\0' .. from .. '\\0' .. old)
  end
  if not exists[i] or new ~= old then
    push(outs, from, 0, ty .. '\\0' .. to .. '\\0' .. new)
    push(ins, to, 0, ty .. '\\0' .. from .. '\\0' .. new)
    if new ~= '{}' then
      props[#props + 1] = field
      props[#props + 1] = new
    elseif olds[i] then
      emptied[#emptied + 1] = field
    end
  end
end
for from, members in pairs(out_gone) do chunked('ZREM', out_key(from), members, 1) end
for to, members in pairs(in_gone) do chunked('ZREM', in_key(to), members, 1) end
for from, members in pairs(outs) do chunked('ZADD', out_key(from), members, 2) end
for to, members in pairs(ins) do chunked('ZADD', in_key(to), members, 2) end
chunked('ZADD', EDGES, indexed, 2)
chunked('ZADD', ETYPE, by_type, 2)
chunked('ZADD', LOOPS, loops, 2)
chunked('HSET', EPROP, props, 2)
chunked('HDEL', EPROP, emptied, 1)
return was_empty
`,
);

/** ARGV: base, ids. Deletes the nodes and every incident edge. Returns how many nodes existed. */
export const GRAPH_DELETE_NODES = graphScript(
  "graph-delete-nodes",
  `
local removed = 0
for at = 2, #ARGV do
  local id = ARGV[at]
  local record = redis.call('HGET', NODE, id)
  if record then
    for _, m in ipairs(redis.call('ZRANGE', out_key(id), 0, -1)) do
      local t, to, props = split3(m)
      remove_edge(id, t, to, props)
    end
    for _, m in ipairs(redis.call('ZRANGE', in_key(id), 0, -1)) do
      local t, from, props = split3(m)
      remove_edge(from, t, id, props)
    end
    local ty = split(record)
    redis.call('HDEL', NODE, id)
    redis.call('ZREM', NODES, id)
    if ty ~= '' then redis.call('ZREM', NTYPE, ty .. '\\0' .. id) end
    removed = removed + 1
  end
end
return removed
`,
);

/** ARGV: base, then from, type, to per edge. Returns how many existed. */
export const GRAPH_DELETE_EDGES = graphScript(
  "graph-delete-edges",
  `
local removed = 0
for at = 2, #ARGV, 3 do
  removed = removed + remove_edge(ARGV[at], ARGV[at + 1], ARGV[at + 2])
end
return removed
`,
);

// Neighbour queries. ARGV: base, direction ("out"|"in"|"both"), limit (0: none), number of
// types (0: all), the types in byte order, then the ids.
const NEIGHBOR_ARGS = `
local direction, limit, ntypes = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local ranges = {}
if ntypes == 0 then
  ranges[1] = {'-', '+'}
else
  for t = 1, ntypes do
    local ty = ARGV[4 + t]
    ranges[t] = {'[' .. ty .. '\\0', '(' .. ty .. '\\1'}
  end
end
local first_id = 5 + ntypes
`;

/**
 * Per id, its incident edges in the SPI's order, up to the limit: {number of out-edges, then the
 * adjacency members ("<type>\0<other id>\0<props>")}. Out-edges come first; the id itself is the
 * other end. (Reads without a limit need no script: see neighbors in graph.ts.)
 */
export const GRAPH_NEIGHBORS = graphScript(
  "graph-neighbors",
  `
${NEIGHBOR_ARGS}
local result = {}
for at = first_id, #ARGV do
  local id = ARGV[at]
  local edges, count = {0}, 0
  local function take(m, outgoing)
    if not outgoing and direction == 'both' then
      local _, other = split3(m)
      if other == id then return end
    end
    count = count + 1
    edges[#edges + 1] = m
  end
  local function collect(key, outgoing)
    for _, range in ipairs(ranges) do
      if limit == 0 then
        for _, m in ipairs(redis.call('ZRANGEBYLEX', key, range[1], range[2])) do take(m, outgoing) end
      else
        -- Page through the range: skipped self-loops may leave a page short of the limit.
        local offset = 0
        while count < limit do
          local want = limit - count
          local members = redis.call('ZRANGEBYLEX', key, range[1], range[2], 'LIMIT', offset, want)
          for _, m in ipairs(members) do
            if count < limit then take(m, outgoing) end
          end
          if #members < want then break end
          offset = offset + want
        end
      end
    end
  end
  if direction ~= 'in' then collect(out_key(id), true) end
  edges[1] = count
  if direction ~= 'out' then collect(in_key(id), false) end
  result[#result + 1] = edges
end
return result
`,
);

/** Per id, the number of edges GRAPH_NEIGHBORS would list without limit. */
export const GRAPH_DEGREE = graphScript(
  "graph-degree",
  `
${NEIGHBOR_ARGS}
local result = {}
for at = first_id, #ARGV do
  local id = ARGV[at]
  local n = 0
  for _, range in ipairs(ranges) do
    if direction ~= 'in' then n = n + redis.call('ZLEXCOUNT', out_key(id), range[1], range[2]) end
    if direction ~= 'out' then n = n + redis.call('ZLEXCOUNT', in_key(id), range[1], range[2]) end
  end
  if direction == 'both' then
    if ntypes == 0 then
      n = n - redis.call('ZLEXCOUNT', LOOPS, '[' .. id .. '\\0', '(' .. id .. '\\1')
    else
      for t = 1, ntypes do
        if redis.call('ZSCORE', LOOPS, id .. '\\0' .. ARGV[4 + t]) then n = n - 1 end
      end
    end
  end
  result[#result + 1] = n
end
return result
`,
);

/**
 * ARGV: base, min, max, limit, by type ("1": range over ntype, members "<type>\0<id>").
 * Returns id, record, id, record, … in id order.
 */
export const GRAPH_LIST_NODES = graphScript(
  "graph-list-nodes",
  `
local by_type = ARGV[5] == '1'
local ids = redis.call('ZRANGEBYLEX', by_type and NTYPE or NODES, ARGV[2], ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
if by_type then
  for i, m in ipairs(ids) do
    local _, id = split(m)
    ids[i] = id
  end
end
local records = hmget(NODE, ids)
local out = {}
for i, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = records[i] or '\\0{}'
end
return out
`,
);

/**
 * ARGV: base, min, max, limit, by type ("1": range over etype, members "<type>\0<from>\0<to>").
 * Returns from, type, to, props per edge, in (from, type, to) order.
 */
export const GRAPH_LIST_EDGES = graphScript(
  "graph-list-edges",
  `
local by_type = ARGV[5] == '1'
local members = redis.call('ZRANGEBYLEX', by_type and ETYPE or EDGES, ARGV[2], ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
local out, fields = {}, {}
for _, m in ipairs(members) do
  local a, rest = split(m)
  local b, c = split(rest)
  local from, ty, to
  if by_type then from, ty, to = b, a, c else from, ty, to = a, b, c end
  out[#out + 1] = from
  out[#out + 1] = ty
  out[#out + 1] = to
  out[#out + 1] = '{}'
  fields[#fields + 1] = edge_id(from, ty, to)
end
local props = hmget(EPROP, fields)
for i = 1, #fields do
  if props[i] then out[i * 4] = props[i] end
end
return out
`,
);

/**
 * ARGV: base, batch size. Removes up to that many nodes with their adjacency and out-edges;
 * when none are left, the graph's remaining keys. Returns how many nodes are left.
 */
export const GRAPH_CLEAR = graphScript(
  "graph-clear",
  `
for _, id in ipairs(redis.call('ZRANGE', NODES, 0, tonumber(ARGV[2]) - 1)) do
  for _, m in ipairs(redis.call('ZRANGE', out_key(id), 0, -1)) do
    local t, to = split3(m)
    redis.call('HDEL', EPROP, edge_id(id, t, to))
    redis.call('ZREM', EDGES, edge_id(id, t, to))
    redis.call('ZREM', ETYPE, edge_id(t, id, to))
  end
  local record = redis.call('HGET', NODE, id)
  if record then
    local ty = split(record)
    if ty ~= '' then redis.call('ZREM', NTYPE, ty .. '\\0' .. id) end
  end
  redis.call('HDEL', NODE, id)
  redis.call('UNLINK', out_key(id), in_key(id))
  redis.call('ZREM', NODES, id)
end
local left = redis.call('ZCARD', NODES)
if left == 0 then redis.call('UNLINK', NODE, EDGES, ETYPE, LOOPS, NTYPE, EPROP) end
return left
`,
);

export const ALL_SCRIPTS: readonly LuaScript[] = [
  KV_SET,
  KV_SET_ONE,
  KV_DELETE,
  KV_LIST,
  KV_COUNT,
  FORGET_IF_EMPTY,
  GRAPH_UPSERT_NODES,
  GRAPH_UPSERT_EDGES,
  GRAPH_DELETE_NODES,
  GRAPH_DELETE_EDGES,
  GRAPH_NEIGHBORS,
  GRAPH_DEGREE,
  GRAPH_LIST_NODES,
  GRAPH_LIST_EDGES,
  GRAPH_CLEAR,
];
