---
-- socket.transport.builtin: the TLS transport built into this rock
-- (`socket.tls`, on rustls), behind the interface
-- socket/transport/luasec.lua describes. Internal: programs use
-- socket.http and socket.smtp (`tls = "builtin"`), or socket.tls itself.
--
-- It verifies by default as the LuaSec transport does (`verify = "peer"`,
-- the system's trust store unless `cafile`/`capath` name others, the host
-- name checked against the certificate), and refuses LuaSec parameters it
-- cannot honour instead of ignoring them.
-- @module socket.transport.builtin

local ipairs, pcall, require, tostring, type = ipairs, pcall, require, tostring, type

local builtin = {}

--- The request-table keys this transport reads (socket.tls's parameters).
builtin.PARAMS = { "protocol", "verify", "cafile", "capath", "key", "certificate", "alpn" }

-- LuaSec parameters a request may carry that this transport has no
-- equivalent for: naming one is an error, never silently dropped.
local UNSUPPORTED = { "options", "password", "certificates", "ciphers", "ciphersuites", "depth", "dhparam",
    "curve", "curveslist", "verifyext", "dane" }

local function load_tls()
    local found, tls = pcall(require, "socket.tls")
    if not found or type(tls) ~= "table" or not tls.wrap then
        return nil, "the built-in TLS transport (socket.tls) is not available"
    end
    return tls
end

--- Whether socket.tls can be loaded (it is part of this rock).
function builtin.available()
    local tls, err = load_tls()
    if not tls then return nil, err end
    return true
end

--- Turns connected `tcp{client}` `sock` into a verified TLS stream; the
-- arguments and returns are those of socket.transport.luasec's `wrap`.
function builtin.wrap(sock, servername, params, timeout, mode)
    local tls, err = load_tls()
    if not tls then
        sock:close()
        return nil, err
    end
    for _, name in ipairs(UNSUPPORTED) do
        -- `password` is also a URL's password (socket.http's request
        -- table): only a key's when a key is given.
        if params[name] ~= nil and (name ~= "password" or params.key) then
            sock:close()
            return nil, "the built-in TLS transport does not support '" .. name .. "' (use tls = \"luasec\")"
        end
    end
    local tparams = { mode = "client", servername = servername, verify = "peer" }
    for _, name in ipairs(builtin.PARAMS) do
        if params[name] ~= nil then tparams[name] = params[name] end
    end
    -- socket.tls raises on a bad parameter; a request returns it.
    local wrapped, conn
    wrapped, conn, err = pcall(tls.wrap, sock, tparams)
    if not wrapped then conn, err = nil, tostring(conn) end
    if not conn then
        sock:close()
        return nil, err
    end
    conn:settimeout(timeout, mode)
    local ok
    ok, err = conn:dohandshake()
    if not ok then
        conn:close()
        return nil, err
    end
    return conn
end

return builtin
