-- Managed-identity token acquisitions the way the SDKs make them: a GET without proof (401 names
-- a key file), the file read, the same GET with "Authorization: Basic <contents>" (200).
-- BENCH_PATH: the token path with its query.
local path = os.getenv("BENCH_PATH")
local proofs = {}
acquired, challenged, failed = 0, 0, 0

function request()
  local proof = table.remove(proofs)
  if proof then
    return wrk.format("GET", path, {["Metadata"] = "true", ["Authorization"] = "Basic " .. proof})
  end
  return wrk.format("GET", path, {["Metadata"] = "true"})
end

function response(status, headers, body)
  if status == 200 then
    acquired = acquired + 1
  elseif status == 401 then
    local realm = headers["www-authenticate"] or headers["WWW-Authenticate"] or ""
    local file = io.open(realm:match("realm=(.+)") or "", "r")
    if file then
      table.insert(proofs, file:read("*a"))
      file:close()
      challenged = challenged + 1
    else
      failed = failed + 1
    end
  else
    failed = failed + 1
  end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local sums = {acquired = 0, challenged = 0, failed = 0}
  for _, thread in ipairs(threads) do
    for name in pairs(sums) do sums[name] = sums[name] + thread:get(name) end
  end
  for name, value in pairs(sums) do io.write(string.format("counter %s %d\n", name, value)) end
end
