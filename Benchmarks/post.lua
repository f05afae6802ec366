-- POSTs the body given after `--`.
wrk.method = "POST"
function init(args) wrk.body = args[1] end
