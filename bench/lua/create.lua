-- Machine creations: a PUT of a new machine, then a GET of it once the PUT was answered.
-- BENCH_PREFIX: ".../providers/Microsoft.HybridCompute/machines/", BENCH_QUERY: "?api-version=..",
-- BENCH_TOKEN: an ARM token, BENCH_RUN: a word that makes this run's names unique.
local prefix, query = os.getenv("BENCH_PREFIX"), os.getenv("BENCH_QUERY")
local headers = {["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN"),
                 ["Content-Type"] = "application/json"}
-- BENCH_PHASE (set by wrk.py) keeps the warm-up's names apart from the measured run's: a name
-- made twice would be a replace, not a creation.
local run = os.getenv("BENCH_RUN") .. "-" .. (os.getenv("BENCH_PHASE") or "run")
local body = '{"location":"westeurope","identity":{"type":"SystemAssigned"},"properties":{}}'
local serial, pending, put_answered = 0, {}, {}
created, failed = 0, 0

function request()
  local name = table.remove(pending)
  if name then
    return wrk.format("GET", prefix .. name .. query, headers)
  end
  serial = serial + 1
  return wrk.format("PUT", prefix .. run .. "-" .. serial .. query, headers, body)
end

function response(status, response_headers, response_body)
  local name = response_body and response_body:match('"name":"([^"]+)"')
  if status ~= 200 or not name then
    failed = failed + 1
  elseif put_answered[name] then
    put_answered[name] = nil
    created = created + 1
  else
    put_answered[name] = true
    table.insert(pending, name)
  end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local total_created, total_failed = 0, 0
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    total_failed = total_failed + thread:get("failed")
  end
  io.write(string.format("counter created %d\ncounter failed %d\n", total_created, total_failed))
end
