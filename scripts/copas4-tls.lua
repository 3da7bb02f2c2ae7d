-- Runs copas 4.x over TLS and prints what each step saw, one "name<TAB>value"
-- line per step; scripts/copas4-tls runs it twice, with our socket and
-- socket.tls put where copas expects LuaSec's `ssl`, and with C LuaSocket and
-- LuaSec, and compares the two outputs.
--
-- usage: lua scripts/copas4-tls.lua DIR PORT
--   DIR   holds server certificates made by scripts/copas4-tls: ca.pem,
--         cert.pem (for 127.0.0.1, from that CA), key.pem, other-ca.pem
--   PORT  an `openssl s_server -WWW` serving DIR/index.txt with cert.pem
local socket = require("socket")
local ours = socket._IMPLEMENTATION ~= nil
if ours then
    -- copas requires "ssl" when it first needs TLS: it gets socket.tls
    package.preload.ssl = function() return require("socket.tls") end
end
local copas = require("copas")
local chttp = require("copas.http")
local ltn12 = require("ltn12")
local dir, port = arg[1], assert(tonumber(arg[2]), "usage: copas4-tls.lua DIR PORT")
local seen = {}

local function client_params(cafile)
    -- LuaSec's wrap checks the chain only; ours checks the name too
    return { mode = "client", protocol = "any", verify = "peer", cafile = cafile,
        servername = ours and "127.0.0.1" or nil }
end

-- 1. a copas TLS server (copas.handler with server parameters): echoes lines
local srv = assert(socket.bind("127.0.0.1", 0))
local _, sport = srv:getsockname()
copas.addserver(srv, copas.handler(function(skt)
    while true do
        local line, err = skt:receive("*l")
        if not line then
            seen.server_end = err
            return
        end
        skt:send("echo:" .. line .. "\n")
    end
end, { mode = "server", protocol = "any", certificate = dir .. "/cert.pem", key = dir .. "/key.pem" }))

copas.addthread(function()
    -- 2. a copas client to it: copas.wrap, then the handshake inside connect
    local c = copas.wrap(socket.tcp(), { wrap = client_params(dir .. "/ca.pem") })
    assert(c:connect("127.0.0.1", sport))
    for i = 1, 3 do
        assert(c:send(("line %d %s\n"):format(i, ("x"):rep(i * 5000))))
        local line = c:receive("*l")
        seen["echo" .. i] = line and #line .. " bytes, " .. line:sub(1, 12)
    end
    -- a receive that runs out of time under copas' own timeout
    c:settimeout(0.2)
    local r, e, partial = c:receive(10)
    seen.timeout = ("%s %s %s"):format(tostring(r), tostring(e), tostring(partial and #partial))
    c:close()
    -- 3. copas.http over https, verifying the server against the CA
    local t = {}
    local _, code = chttp.request({ url = "https://127.0.0.1:" .. port .. "/index.txt",
        sink = ltn12.sink.table(t), sslparams = { wrap = client_params(dir .. "/ca.pem") } })
    seen.https = tostring(code) .. " " .. table.concat(t):gsub("\n", "")
    -- 4. the same against another CA: the handshake must fail (copas raises)
    local ok, err = pcall(chttp.request, { url = "https://127.0.0.1:" .. port .. "/index.txt",
        sslparams = { wrap = client_params(dir .. "/other-ca.pem") } })
    seen.wrong_ca = tostring(ok) .. " " .. tostring(err):match("TLS/SSL handshake failed: [^:]*")
    copas.removeserver(srv)
end)

copas.loop()
print("impl", ours and socket._IMPLEMENTATION or "C LuaSocket")
print("ssl", package.searchpath(ours and "socket.tls" or "ssl", package.path))
print("copas", copas._VERSION)
for _, k in ipairs({ "echo1", "echo2", "echo3", "timeout", "server_end", "https", "wrong_ca" }) do
    print(k, tostring(seen[k]))
end
