// The graph Lua scripts (key layout: schema.ts). User strings reach them only as ARGV.

import { type LuaScript, withHelpers } from "./schema.ts";

// Graph scripts get the graph's eight keys in KEYS (GraphKeys.all: they carry the graph's hash tag,
// so they pick the slot) and touch no other key: the adjacency of every node of a graph is in two
// sorted sets per graph ("out", "in"), so a cascading delete, which only learns which nodes it
// touches while it runs, still touches declared keys only. Correct on Redis Cluster by
// construction.
//
// Props are stored as JSON object text with markers: "{}", or "{" + entries joined by "," + "}"
// where an entry is "\n<name as JSON string>\t:<value as compact JSON>". JSON text never holds a
// raw newline or tab inside a string and compact JSON has none between tokens, so the markers
// only ever delimit top-level entries: a script merges props key by key without parsing JSON
// (no number is re-encoded), and readers get JSON text (whitespace is valid JSON) as it is.
// A node record is "<type or empty>\0<props>".

const GRAPH_HELPERS = `
local NODES, NODE, ETYPE, LOOPS, NTYPE, EPROP, OUT, IN = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local function edge_id(from, ty, to) return from .. '\\0' .. ty .. '\\0' .. to end
-- Adjacency members: "<id>\\0<type>\\0<other end>\\0<props>" (OUT: id = from; IN: id = to).
local function adj(id, ty, other, props) return id .. '\\0' .. ty .. '\\0' .. other .. '\\0' .. props end
-- The members of node 'id' in OUT or IN, in (type, other end) order.
local function adjacency(key, id) return redis.call('ZRANGEBYLEX', key, '[' .. id .. '\\0', '(' .. id .. '\\1') end
-- An adjacency member of node 'id' -> type, other end, props.
local function split_adj(id, member)
  local a = #id + 2
  local b = string.find(member, '\\0', a, true)
  local c = string.find(member, '\\0', b + 1, true)
  return string.sub(member, a, b - 1), string.sub(member, b + 1, c - 1), string.sub(member, c + 1)
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
  props = props or redis.call('HGET', EPROP, edge_id(from, ty, to))
  if not props or redis.call('ZREM', OUT, adj(from, ty, to, props)) == 0 then return 0 end
  redis.call('ZREM', IN, adj(to, ty, from, props))
  redis.call('HDEL', EPROP, edge_id(from, ty, to))
  redis.call('ZREM', ETYPE, edge_id(ty, from, to))
  if from == to then redis.call('ZREM', LOOPS, from .. '\\0' .. ty) end
  return 1
end
`;

function graphScript(name: string, body: string): LuaScript {
  return withHelpers(name, `${GRAPH_HELPERS}\n${body.trim()}`);
}

/**
 * ARGV: mode ("merge"|"replace"), then per node: id, type mode ("keep"|"null"|"set"),
 * type, marked props. Returns 1 when the graph had no node before.
 */
export const GRAPH_UPSERT_NODES = graphScript(
  "graph-upsert-nodes",
  `
local was_empty = redis.call('EXISTS', NODES) == 0 and 1 or 0
local replace = ARGV[1] == 'replace'
local ids = {}
for at = 2, #ARGV, 4 do ids[#ids + 1] = ARGV[at] end
local olds = hmget(NODE, ids)
local records, added, untyped, typed = {}, {}, {}, {}
for i, id in ipairs(ids) do
  local at = 2 + (i - 1) * 4
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
 * ARGV: mode, then per edge: from, type, to, marked props. Missing endpoints become bare
 * nodes. Returns 1 when the graph had no node before.
 */
export const GRAPH_UPSERT_EDGES = graphScript(
  "graph-upsert-edges",
  `
local was_empty = redis.call('EXISTS', NODES) == 0 and 1 or 0
local replace = ARGV[1] == 'replace'
-- Unique edges in input order; repeated ones combine their props like separate calls would.
local fields, at_of, incoming, froms, types, tos = {}, {}, {}, {}, {}, {}
for at = 2, #ARGV, 4 do
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
-- The props of the edges that exist (false for new ones): every edge has its props in EPROP,
-- written and removed together with its endpoints, adjacency members and type index entry.
local olds = hmget(EPROP, fields)
local exists = olds
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
local by_type, loops, props = {}, {}, {}
for i, field in ipairs(fields) do
  local from, ty, to = froms[i], types[i], tos[i]
  local old = olds[i] or '{}'
  local new = replace and incoming[i] or merge_props(old, incoming[i])
  if not exists[i] then
    by_type[#by_type + 1] = 0
    by_type[#by_type + 1] = edge_id(ty, from, to)
    if from == to then
      loops[#loops + 1] = 0
      loops[#loops + 1] = from .. '\\0' .. ty
    end
  elseif new ~= old then
    out_gone[#out_gone + 1] = adj(from, ty, to, old)
    in_gone[#in_gone + 1] = adj(to, ty, from, old)
  end
  if not exists[i] or new ~= old then
    outs[#outs + 1] = 0
    outs[#outs + 1] = adj(from, ty, to, new)
    ins[#ins + 1] = 0
    ins[#ins + 1] = adj(to, ty, from, new)
    props[#props + 1] = field
    props[#props + 1] = new
  end
end
chunked('ZREM', OUT, out_gone, 1)
chunked('ZREM', IN, in_gone, 1)
chunked('ZADD', OUT, outs, 2)
chunked('ZADD', IN, ins, 2)
chunked('ZADD', ETYPE, by_type, 2)
chunked('ZADD', LOOPS, loops, 2)
chunked('HSET', EPROP, props, 2)
return was_empty
`,
);

/** ARGV: ids. Deletes the nodes and every incident edge. Returns how many nodes existed. */
export const GRAPH_DELETE_NODES = graphScript(
  "graph-delete-nodes",
  `
local removed = 0
for at = 1, #ARGV do
  local id = ARGV[at]
  local record = redis.call('HGET', NODE, id)
  if record then
    for _, m in ipairs(adjacency(OUT, id)) do
      local t, to, props = split_adj(id, m)
      remove_edge(id, t, to, props)
    end
    for _, m in ipairs(adjacency(IN, id)) do
      local t, from, props = split_adj(id, m)
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

/** ARGV: from, type, to per edge. Returns how many existed. */
export const GRAPH_DELETE_EDGES = graphScript(
  "graph-delete-edges",
  `
local removed = 0
for at = 1, #ARGV, 3 do
  removed = removed + remove_edge(ARGV[at], ARGV[at + 1], ARGV[at + 2])
end
return removed
`,
);

// Neighbour queries. ARGV: direction ("out"|"in"|"both"), limit (0: none), number of types
// (0: all), the types in byte order, then the ids.
const NEIGHBOR_ARGS = `
local direction, limit, ntypes = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
-- ZRANGEBYLEX bounds of node 'id' in OUT or IN: all its members, or one range per type.
local function ranges_of(id)
  local ranges = {}
  if ntypes == 0 then
    ranges[1] = {'[' .. id .. '\\0', '(' .. id .. '\\1'}
  else
    for t = 1, ntypes do
      local ty = ARGV[3 + t]
      ranges[t] = {'[' .. id .. '\\0' .. ty .. '\\0', '(' .. id .. '\\0' .. ty .. '\\1'}
    end
  end
  return ranges
end
local first_id = 4 + ntypes
`;

/**
 * Per id, its incident edges in the SPI's order, up to the limit: {number of out-edges, then the
 * adjacency members ("<id>\0<type>\0<other id>\0<props>")}. Out-edges come first. (Reads without a limit need no script: see neighbors in graph.ts.)
 */
export const GRAPH_NEIGHBORS = graphScript(
  "graph-neighbors",
  `
${NEIGHBOR_ARGS}
local result = {}
for at = first_id, #ARGV do
  local id = ARGV[at]
  local edges, count = {0}, 0
  local ranges = ranges_of(id)
  local function take(m, outgoing)
    if not outgoing and direction == 'both' then
      local _, other = split_adj(id, m)
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
  if direction ~= 'in' then collect(OUT, true) end
  edges[1] = count
  if direction ~= 'out' then collect(IN, false) end
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
  for _, range in ipairs(ranges_of(id)) do
    if direction ~= 'in' then n = n + redis.call('ZLEXCOUNT', OUT, range[1], range[2]) end
    if direction ~= 'out' then n = n + redis.call('ZLEXCOUNT', IN, range[1], range[2]) end
  end
  if direction == 'both' then
    if ntypes == 0 then
      n = n - redis.call('ZLEXCOUNT', LOOPS, '[' .. id .. '\\0', '(' .. id .. '\\1')
    else
      for t = 1, ntypes do
        if redis.call('ZSCORE', LOOPS, id .. '\\0' .. ARGV[3 + t]) then n = n - 1 end
      end
    end
  end
  result[#result + 1] = n
end
return result
`,
);

/**
 * ARGV: min, max, limit, by type ("1": range over ntype, members "<type>\0<id>").
 * Returns id, record, id, record, … in id order.
 */
export const GRAPH_LIST_NODES = graphScript(
  "graph-list-nodes",
  `
local by_type = ARGV[4] == '1'
local ids = redis.call('ZRANGEBYLEX', by_type and NTYPE or NODES, ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
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
 * ARGV: min, max, limit: a range of etype (members "<type>\0<from>\0<to>"). Returns from, type,
 * to, props per edge, in (type, from, to) order. (Edges of every type come from OUT directly.)
 */
export const GRAPH_LIST_EDGES_BY_TYPE = graphScript(
  "graph-list-edges-by-type",
  `
local members = redis.call('ZRANGEBYLEX', ETYPE, ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out, fields = {}, {}
for _, m in ipairs(members) do
  local ty, rest = split(m)
  local from, to = split(rest)
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

export const GRAPH_SCRIPTS: readonly LuaScript[] = [
  GRAPH_UPSERT_NODES,
  GRAPH_UPSERT_EDGES,
  GRAPH_DELETE_NODES,
  GRAPH_DELETE_EDGES,
  GRAPH_NEIGHBORS,
  GRAPH_DEGREE,
  GRAPH_LIST_NODES,
  GRAPH_LIST_EDGES_BY_TYPE,
];
