-- A small HTTPS server on socket.tls: answers every GET with a short page.
--
-- usage: lua examples/https_server.lua cert.pem key.pem [port [max_requests]]
-- Serves one connection at a time on 127.0.0.1; stops after max_requests
-- (default: serve forever). Try it with
--   curl --cacert ca.pem https://localhost:PORT/hello
local socket = require("socket")
local tls = require("socket.tls")

local cert, key = arg[1], arg[2]
local port = tonumber(arg[3]) or 8443
local max_requests = tonumber(arg[4])
if not cert or not key then
    io.stderr:write("usage: https_server.lua cert.pem key.pem [port [max_requests]]\n")
    os.exit(2)
end

-- One context for every connection: the certificate is read once.
local ctx = assert(tls.newcontext({ mode = "server", certificate = cert, key = key, alpn = "http/1.1" }))

local server = assert(socket.bind("127.0.0.1", port))
local ip, bound = server:getsockname()
print(("https server on %s:%d"):format(ip, bound))
io.stdout:flush()

local function serve(conn)
    local ok, err = conn:dohandshake()
    if not ok then return print("handshake failed: " .. err) end
    local request = conn:receive("*l")
    if not request then return end
    repeat local line = conn:receive("*l") until not line or line == ""
    local path = request:match("^GET (%S+) HTTP/1%.[01]$")
    local status, body = "200 OK", "hello from " .. tostring(path) .. " over " .. conn:info("protocol") .. "\n"
    if not path then status, body = "400 Bad Request", "bad request\n" end
    conn:send("HTTP/1.1 " .. status .. "\r\nContent-Type: text/plain\r\nContent-Length: " .. #body
        .. "\r\nConnection: close\r\n\r\n" .. body)
end

local served = 0
while not max_requests or served < max_requests do
    local client = server:accept()
    if client then
        client:settimeout(10)
        local conn = assert(tls.wrap(client, ctx))
        serve(conn)
        conn:close()
        served = served + 1
    end
end
server:close()
