import type Redis from 'ioredis';
import { groupBySlotTag } from './keys';
import { Script } from './scripts';
import type { TrimmedRange } from './types';

/**
 * Finds entries that `XADD MAXLEN ~` trimmed before a group read them: the group's last-delivered-id lies
 * before the stream's first entry. Unread = entries removed from the head (entries-added - length; the bus
 * never XDELs) minus those the group had read (entries-read). In the same atomic step the group is moved to
 * just before the first entry with ENTRIESREAD = removed, so the gap is counted once even with several
 * members. Run right before a read ('>'): a trim racing with that read can still pass unseen (rare: the
 * group must be behind by a whole MAXLEN at that instant).
 * Needs Redis ≥ 7 (entries-added, ENTRIESREAD).
 */
const TRIM_CHECK = new Script(`
local function split(id) local d = string.find(id, '-', 1, true) return string.sub(id, 1, d - 1), string.sub(id, d + 1) end
local function less(a, b)
  local am, as = split(a) local bm, bs = split(b)
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local function map(flat) local t = {} for j = 1, #flat, 2 do t[flat[j]] = flat[j + 1] end return t end
local out = {}
for _, key in ipairs(KEYS) do
  local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)[1]
  if first then
    local fid = first[1]
    for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
      local t = map(g)
      if t['name'] == ARGV[1] and less(t['last-delivered-id'], fid) then
        local s = map(redis.call('XINFO', 'STREAM', key))
        local removed = s['entries-added'] - s['length']
        local read = t['entries-read']
        if type(read) ~= 'number' then read = 0 end
        if removed > read then
          local ms, seq = split(fid)
          local before
          if tonumber(seq) > 0 then before = ms .. '-' .. string.format('%d', tonumber(seq) - 1)
          else before = string.format('%.0f', tonumber(ms) - 1) .. '-18446744073709551615' end
          redis.call('XGROUP', 'SETID', key, ARGV[1], before, 'ENTRIESREAD', removed)
          table.insert(out, key) table.insert(out, removed - read) table.insert(out, t['last-delivered-id']) table.insert(out, fid)
        end
      end
    end
  end
end
return out`);

/**
 * Trimmed-unread ranges on `prefixedKeys` for `group` (keys returned with their prefix). One script call per hash
 * tag (per stream): a script's keys must share a Redis Cluster slot. The calls go out together on the connection,
 * so a read over N streams waits one round trip, not N.
 */
export async function checkTrimmed(redis: Redis, prefixedKeys: string[], group: string): Promise<TrimmedRange[]> {
  if (prefixedKeys.length === 0) return [];
  const flats = await Promise.all(groupBySlotTag(prefixedKeys).map((keys) => TRIM_CHECK.run(redis, keys, [group]) as Promise<(string | number)[]>));
  const out: TrimmedRange[] = [];
  for (const flat of flats) {
    for (let i = 0; i + 3 < flat.length; i += 4) out.push({ key: String(flat[i]), count: Number(flat[i + 1]), afterId: String(flat[i + 2]), beforeId: String(flat[i + 3]) });
  }
  return out;
}
