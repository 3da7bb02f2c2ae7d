-- POSTs with socket.http, two ways: a form (`request(url, body)`, sent with
-- Content-Length), then a file streamed from an ltn12 source (sent chunked,
-- since its length is not given). Prints each response.
--
-- usage: lua examples/http_post.lua URL [FILE]
--   e.g. with the spec's fixture server, whose /echo shows what it got:
--        python3 spec/fixtures/http_server.py /tmp /tmp/http.port &
--        lua examples/http_post.lua http://127.0.0.1:$(cat /tmp/http.port)/echo README.md
local http = require("socket.http")
local ltn12 = require("ltn12")
local url = require("socket.url")

local target, file = arg[1], arg[2]
if not target then
    io.stderr:write("usage: lua examples/http_post.lua URL [FILE]\n")
    os.exit(2)
end
http.TIMEOUT = 10

-- 1. a form: the string form of request
local form = "name=" .. url.escape("Ada Lovelace") .. "&lang=" .. url.escape("Lua & Rust")
local body, code, _, status = http.request(target, form)
if not body then
    io.stderr:write("form POST failed: ", tostring(code), "\n")
    os.exit(1)
end
print("form POST: " .. status)
print(body)

-- 2. a file, streamed: the table form with a source and a sink
if file then
    local out = {}
    local ok, fcode, _, fstatus = http.request {
        url = target,
        method = "POST",
        headers = { ["content-type"] = "application/octet-stream" },
        source = ltn12.source.file(assert(io.open(file, "rb"))),
        sink = ltn12.sink.table(out),
    }
    if not ok then
        io.stderr:write("file POST failed: ", tostring(fcode), "\n")
        os.exit(1)
    end
    print("file POST: " .. fstatus)
    print(table.concat(out))
end
