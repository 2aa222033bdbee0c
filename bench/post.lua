-- wrk script: durable Open311 POSTs (form-urlencoded), each a new case.
-- Usage: API_KEY=cdk_... wrk -s post.lua http://host/open311/v2/requests.json
local key = os.getenv("API_KEY") or ""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "api_key=" .. key ..
  "&service_code=1999-L01&lat=25.0377&long=121.5436&attribute%5Blamps_out%5D=2" ..
  "&description=%E8%B7%AF%E7%87%88%E4%B8%8D%E4%BA%AE"
