// Vector part: per collection, in one hash slot (`{name}`): `def` (dims, metric), `vec` (id →
// float32 little-endian bytes), `meta` (id → metadata JSON) and `ids` (a lex-ordered zset for
// listing). Exact search is one Lua script that scans the collection inside Redis, so it blocks
// the server for its duration: collections above MAX_SCAN vectors are refused (see README).
// Scores are computed in Lua with the same float64 arithmetic, in the same order, as core's
// `vectorScore`, and travel as "%.17g" text (exact). Every key a script touches is in KEYS.

import { createHash } from "node:crypto";
import {
  bytesToFloat32,
  float32ToBytes,
  ValidationError,
  type VectorCollectionSpec,
  type VectorDriver,
  type VectorHit,
  type VectorRecord,
} from "@stowage/core";
import type { Client, Connection } from "./connection.ts";

/** Largest collection the search script scans. */
export const MAX_SCAN = 20_000;

const LUA_COMMON = `
local function bytecmp(a, b)
  if a == b then return 0 end
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y and -1 or 1 end
  end
  return #a < #b and -1 or 1
end
`;

/** KEYS: def. ARGV: dims, metric. Creates the definition when absent; returns the stored one. */
const ENSURE = `
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], 'dims', ARGV[1], 'metric', ARGV[2]) end
return redis.call('HMGET', KEYS[1], 'dims', 'metric')
`;

/**
 * KEYS: def, vec, meta, ids. ARGV: dims, metric, then id, bytes, metadata per record.
 * Returns 1, or 2 when it (re)created the definition (another store dropped the collection:
 * the caller registers it), or the stored {dims, metric} when they differ (nothing written).
 */
const UPSERT = `
local d = redis.call('HMGET', KEYS[1], 'dims', 'metric')
local created = 0
if not d[1] then
  redis.call('HSET', KEYS[1], 'dims', ARGV[1], 'metric', ARGV[2])
  created = 1
elseif d[1] ~= ARGV[1] or d[2] ~= ARGV[2] then
  return d
end
local vecs, metas, ids = {}, {}, {}
for i = 3, #ARGV, 3 do
  vecs[#vecs + 1] = ARGV[i]
  vecs[#vecs + 1] = ARGV[i + 1]
  metas[#metas + 1] = ARGV[i]
  metas[#metas + 1] = ARGV[i + 2]
  ids[#ids + 1] = 0
  ids[#ids + 1] = ARGV[i]
end
for first = 1, #vecs, 1000 do
  local last = math.min(first + 999, #vecs)
  redis.call('HSET', KEYS[2], unpack(vecs, first, last))
  redis.call('HSET', KEYS[3], unpack(metas, first, last))
  redis.call('ZADD', KEYS[4], unpack(ids, first, last))
end
return 1 + created
`;

/** KEYS: vec, meta, ids. ARGV: ids. Returns how many existed. */
const DELETE = `
local n = 0
for i = 1, #ARGV do
  n = n + redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('ZREM', KEYS[3], ARGV[i])
end
return n
`;

/** KEYS: ids, vec, meta. ARGV: after ("" for the start), limit. Returns {id, bytes, meta}... */
const LIST = `
local min = ARGV[1] == '' and '-' or '(' .. ARGV[1]
local ids = redis.call('ZRANGEBYLEX', KEYS[1], min, '+', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
  out[#out + 1] = redis.call('HGET', KEYS[3], id) or '{}'
end
return out
`;

/**
 * KEYS: vec, meta. ARGV: metric, dims, k, query bytes, filter JSON ("" for none), include vectors
 * ("1"/"0"), max scan. Returns {id, score text, metadata, bytes or ""} per hit, nearest first.
 */
const QUERY = `${LUA_COMMON}
local metric, dims, k = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local fmt = '<' .. string.rep('f', dims)
if redis.call('HLEN', KEYS[1]) > tonumber(ARGV[7]) then
  return redis.error_reply('ERR stowage: collection over ' .. ARGV[7] .. ' vectors: too large for the search script')
end
local q = {struct.unpack(fmt, ARGV[4])}
local filter = ARGV[5] ~= '' and cjson.decode(ARGV[5]) or nil
local function same(stored, v)
  if v == cjson.null then return stored == cjson.null end
  return type(stored) == type(v) and stored == v
end
local function matches(meta)
  for _, c in ipairs(filter) do
    local s = meta[c.field]
    if c.op == 'eq' then
      if s == nil or not same(s, c.value) then return false end
    elseif c.op == 'in' then
      local any = false
      if s ~= nil then for _, v in ipairs(c.values) do if same(s, v) then any = true break end end end
      if not any then return false end
    else
      local b, cmp = c.value, nil
      if type(b) == 'number' then
        if type(s) ~= 'number' then return false end
        cmp = s < b and -1 or (s > b and 1 or 0)
      else
        if type(s) ~= 'string' then return false end
        cmp = bytecmp(s, b)
      end
      if (c.op == 'gt' and cmp <= 0) or (c.op == 'gte' and cmp < 0) or (c.op == 'lt' and cmp >= 0) or (c.op == 'lte' and cmp > 0) then return false end
    end
  end
  return true
end
local asc = metric == 'l2'
-- true when (s1, id1) comes before (s2, id2)
local function before(s1, id1, s2, id2)
  if s1 ~= s2 then if asc then return s1 < s2 else return s1 > s2 end end
  return bytecmp(id1, id2) < 0
end
local top = {}
local all = redis.call('HGETALL', KEYS[1])
local metas = nil
if filter then
  local ids = {}
  for i = 1, #all, 2 do ids[#ids + 1] = all[i] end
  metas = {}
  for first = 1, #ids, 1000 do
    local part = redis.call('HMGET', KEYS[2], unpack(ids, first, math.min(first + 999, #ids)))
    for j = 1, #part do metas[ids[first + j - 1]] = part[j] end
  end
end
for i = 1, #all, 2 do
  local id = all[i]
  local keep = true
  if filter then keep = matches(cjson.decode(metas[id] or '{}')) end
  if keep then
    local v = {struct.unpack(fmt, all[i + 1])}
    local score
    if metric == 'l2' then
      local s = 0
      for j = 1, dims do local d = q[j] - v[j]; s = s + d * d end
      score = math.sqrt(s)
    else
      local dot, na, nb = 0, 0, 0
      for j = 1, dims do
        local x, y = q[j], v[j]
        dot = dot + x * y; na = na + x * x; nb = nb + y * y
      end
      if metric == 'dot' then score = dot else score = dot / (math.sqrt(na) * math.sqrt(nb)) end
    end
    local n = #top
    if n < k or before(score, id, top[n][1], top[n][2]) then
      local pos = n + 1
      while pos > 1 and before(score, id, top[pos - 1][1], top[pos - 1][2]) do
        top[pos] = top[pos - 1]
        pos = pos - 1
      end
      top[pos] = {score, id, all[i + 1]}
      if #top > k then top[#top] = nil end
    end
  end
end
local out = {}
for _, t in ipairs(top) do
  out[#out + 1] = t[2]
  out[#out + 1] = string.format('%.17g', t[1])
  out[#out + 1] = redis.call('HGET', KEYS[2], t[2]) or '{}'
  out[#out + 1] = ARGV[6] == '1' and t[3] or ''
end
return out
`;

interface Keys {
  readonly def: string;
  readonly vec: string;
  readonly meta: string;
  readonly ids: string;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

export function createRedisVectors(conn: Connection, prefix: string): VectorDriver {
  const registry = `${prefix}:vcollections`;
  const keys = (name: string): Keys => {
    const base = `${prefix}:v:{${name}}:`;
    return { def: `${base}def`, vec: `${base}vec`, meta: `${base}meta`, ids: `${base}ids` };
  };
  const shas = new Map<string, string>();
  /** EVALSHA with Buffer replies (vectors are binary), EVAL when the server lacks the script. */
  const evalBuffer = (
    lua: string,
    k: readonly string[],
    args: readonly (string | Buffer | number)[],
  ): Promise<unknown> =>
    conn.run(async (client: Client) => {
      let sha = shas.get(lua);
      if (!sha) shas.set(lua, (sha = sha1(lua)));
      const all = (k as unknown[]).concat(args) as string[];
      try {
        return await client.callBuffer("EVALSHA", sha, k.length, ...all);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
        return client.callBuffer("EVAL", lua, k.length, ...all);
      }
    });

  const ensure = async (spec: VectorCollectionSpec): Promise<VectorCollectionSpec> => {
    const k = keys(spec.name);
    // Separate commands: the registry and the collection live in different slots on a cluster.
    const stored = await conn.run((c) => c.eval(ENSURE, 1, k.def, String(spec.dims), spec.metric));
    await conn.run((c) => c.zadd(registry, 0, spec.name));
    const [dims, metric] = stored as [string, string];
    return {
      name: spec.name,
      dims: Number(dims),
      metric: metric as VectorCollectionSpec["metric"],
    };
  };

  const records = (flat: Buffer[]): VectorRecord[] => {
    const out: VectorRecord[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      out.push({
        id: (flat[i] as Buffer).toString("utf8"),
        vector: bytesToFloat32(flat[i + 1] as Buffer),
        metadata: (flat[i + 2] as Buffer).toString("utf8"),
      });
    }
    return out;
  };

  return {
    ensure,
    async collections() {
      const names = (await conn.run((c) => c.zrange(registry, "0", "-1"))) as string[];
      if (names.length === 0) return [];
      // One command per collection (each in its own slot on a cluster), sent together.
      const defs = await Promise.all(
        names.map((name) => conn.run((c) => c.hmget(keys(name).def, "dims", "metric"))),
      );
      const out: VectorCollectionSpec[] = [];
      names.forEach((name, i) => {
        const [dims, metric] = defs[i] as [string | null, string | null];
        if (dims !== null && metric !== null)
          out.push({ name, dims: Number(dims), metric: metric as VectorCollectionSpec["metric"] });
      });
      return out;
    },
    async drop(name) {
      const k = keys(name);
      const existed = await conn.run((c) => c.del(k.def, k.vec, k.meta, k.ids));
      // The registry is another key (another slot on a cluster): no script covers both. A store
      // that recreated the collection meanwhile (its upsert after our DEL) may have registered it
      // before our ZREM: look again, and register it again when it exists.
      await conn.run((c) => c.zrem(registry, name));
      if ((await conn.run((c) => c.exists(k.def))) === 1)
        await conn.run((c) => c.zadd(registry, 0, name));
      return Number(existed) > 0;
    },
    async upsert(spec, batch) {
      const k = keys(spec.name);
      const args: (string | Buffer | number)[] = [spec.dims, spec.metric];
      for (const r of batch) args.push(r.id, Buffer.from(float32ToBytes(r.vector)), r.metadata);
      const reply = await evalBuffer(UPSERT, [k.def, k.vec, k.meta, k.ids], args);
      if (Array.isArray(reply)) {
        // Dropped by another store and recreated with another definition: the error opening it
        // with the wrong dims or metric gives; nothing was written.
        const [dims, metric] = (reply as Buffer[]).map((b) => b.toString());
        throw new ValidationError(
          "INVALID_OPTION",
          `vector collection "${spec.name}" has dims ${dims} and metric ${metric}; it was opened with dims ${spec.dims} and metric ${spec.metric}`,
        );
      }
      // Dropped by another store since this one opened it: the script created it again with this
      // store's definition (as the PostgreSQL driver does); register it (see drop()).
      if (Number(reply) === 2) await conn.run((c) => c.zadd(registry, 0, spec.name));
    },
    async get(spec, ids) {
      const k = keys(spec.name);
      const [vecs, metas] = (await conn.pipeline((p) => {
        p.hmgetBuffer(k.vec, ...ids);
        p.hmget(k.meta, ...ids);
      })) as [(Buffer | null)[], (string | null)[]];
      return ids.map((id, i) => {
        const v = vecs[i];
        return v ? { id, vector: bytesToFloat32(v), metadata: metas[i] ?? "{}" } : undefined;
      });
    },
    async delete(spec, ids) {
      const k = keys(spec.name);
      return Number(await evalBuffer(DELETE, [k.vec, k.meta, k.ids], ids));
    },
    async count(spec) {
      return conn.run((c) => c.hlen(keys(spec.name).vec));
    },
    async clear(spec) {
      const k = keys(spec.name);
      await conn.run((c) => c.del(k.vec, k.meta, k.ids));
    },
    async list(spec, q) {
      const k = keys(spec.name);
      return records(
        (await evalBuffer(LIST, [k.ids, k.vec, k.meta], [q.after ?? "", q.limit])) as Buffer[],
      );
    },
    async query(spec, search) {
      const k = keys(spec.name);
      const flat = (await evalBuffer(
        QUERY,
        [k.vec, k.meta],
        [
          spec.metric,
          spec.dims,
          search.k,
          Buffer.from(float32ToBytes(search.vector)),
          search.filter.length === 0 ? "" : JSON.stringify(search.filter),
          search.includeVectors ? "1" : "0",
          MAX_SCAN,
        ],
      )) as Buffer[];
      const hits: VectorHit[] = [];
      for (let i = 0; i < flat.length; i += 4) {
        const hit = {
          id: (flat[i] as Buffer).toString("utf8"),
          score: Number((flat[i + 1] as Buffer).toString()),
          metadata: (flat[i + 2] as Buffer).toString("utf8"),
        };
        hits.push(
          search.includeVectors ? { ...hit, vector: bytesToFloat32(flat[i + 3] as Buffer) } : hit,
        );
      }
      return hits;
    },
  };
}
