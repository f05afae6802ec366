-- Each request spends the next refresh token from the file named by $TOKENS: a refresh token is single-use, so
-- the file must hold more tokens than the run will send (Benchmarks/run mints them). wrk runs one thread.
wrk.method = "POST"
local tokens, index = {}, 0
function init(args)
  for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
end
function request()
  index = index + 1
  local token = tokens[index] or "exhausted"
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end
