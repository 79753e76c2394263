-- wrk script: GET /api/items/{id} over random ids of the seeded store.
local n = tonumber(os.getenv("AASR_BENCH_ITEMS") or "100000")
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/items/" .. math.random(1, n))
end
