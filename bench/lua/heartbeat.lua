-- Heartbeats of enrolled machines, round robin.
-- BENCH_MACHINES: "vmId,token;vmId,token;..."
local machines = {}
for entry in string.gmatch(os.getenv("BENCH_MACHINES"), "[^;]+") do
  local vm, token = entry:match("([^,]+),(.+)")
  table.insert(machines, {"/his/v1/machines/" .. vm .. "/heartbeat", "Bearer " .. token})
end
local next_one = 0
local body = '{"agentVersion":"0.1.0","osName":"linux","osType":"linux","fingerprint":"bench"}'

function request()
  next_one = next_one % #machines + 1
  local machine = machines[next_one]
  return wrk.format("POST", machine[1], {["Authorization"] = machine[2],
                                          ["Content-Type"] = "application/json"}, body)
end
