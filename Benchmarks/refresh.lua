-- Each request spends one refresh token from the file named by $TOKENS (a refresh token is single-use).
-- Threads interleave through the list (thread k takes k, k+2, k+4, …) so no token is used twice.
wrk.method = "POST"
local tokens, index = {}, 0
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
  index = offset or 0
end
function request()
  index = index + 2
  local token = tokens[index] or "exhausted"
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. token)
end
