-- GETs a URL with socket.http and prints the status, the headers and the
-- body (HTTPS goes through LuaSec when it is installed, verifying the
-- server's certificate against the system's CAs, or the given CA file).
--
-- usage: lua examples/http_get.lua URL [CAFILE]
--   e.g. python3 -m http.server 8000 --bind 127.0.0.1 &
--        lua examples/http_get.lua http://127.0.0.1:8000/
local http = require("socket.http")
local ltn12 = require("ltn12")

local url, cafile = arg[1], arg[2]
if not url then
    io.stderr:write("usage: lua examples/http_get.lua URL [CAFILE]\n")
    os.exit(2)
end

http.TIMEOUT = 10
local body = {}
local ok, code, headers, status = http.request {
    url = url,
    sink = ltn12.sink.table(body),
    cafile = cafile, -- only used for https://
}
if not ok then
    io.stderr:write("request failed: ", tostring(code), "\n")
    os.exit(1)
end

print(status)
local names = {}
for name in pairs(headers) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do print(name .. ": " .. headers[name]) end
print()
io.write(table.concat(body))
os.exit(code < 400 and 0 or 1)
