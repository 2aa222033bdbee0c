-- wrk script: GET one of many requests at random, so the database reads a different case
-- each time instead of one case from its cache.
-- Usage: IDS_FILE=ids.txt PREFIX=/open311/v2/requests/ wrk -s ids.lua http://host
-- (IDS_FILE: one service_request_id per line; each request is PREFIX .. id .. ".json")
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do
  if #line > 0 then ids[#ids + 1] = line end
end
local prefix = os.getenv("PREFIX") or "/open311/v2/requests/"

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  return wrk.format(nil, prefix .. ids[math.random(#ids)] .. ".json")
end
