---
-- socket.transport.luasec: the TLS transport socket.http uses for
-- `https://`, built on LuaSec (the `ssl` module). Internal: programs use
-- socket.http, not this module.
--
-- A TLS transport is a module with this interface, so that another one (a
-- built-in rustls transport, say) can sit beside this one and socket.http
-- can pick one per request:
--
-- - `PARAMS`: the request-table keys the transport reads (socket.http
--   carries them over redirects).
-- - `available()`: `true`, or `nil, message` when the transport cannot work
--   here (for this one: LuaSec is not installed).
-- - `wrap(sock, servername, params, timeout, mode)`: runs the TLS client
--   handshake over `sock`, a connected `tcp{client}` with nothing buffered
--   (socket.http has already opened any proxy tunnel on it), and verifies
--   the peer as `params` (the request table) asks. Returns a stream that
--   has the `tcp{client}` methods socket.http uses (`send`,
--   `receive(pattern, prefix, maxsize)`, `settimeout`, `close`, `getfd`,
--   `dirty`, and `getpeername`/`getsockname` as they were before the
--   handshake) plus `getpeercertificate`; or `nil, message`, with `sock` and
--   everything made from it closed. `servername` goes into SNI (unless it
--   is an IP address) and is the name the certificate must match;
--   `timeout` and `mode` are `settimeout`'s, applied before the handshake.
--
-- What this transport does beyond LuaSec: it VERIFIES by default (LuaSec's
-- `ssl.https` verifies nothing): `verify = "peer"`, the system's CA bundle
-- when the request names none, and the host name checked against the
-- certificate (RFC 6125: subjectAltName DNS names or IP addresses, else the
-- common name; a wildcard stands for one whole left-most label). SSLv2,
-- SSLv3, TLS 1.0 (and TLS 1.1 when LuaSec knows the option) are off. Its
-- `receive` honours `maxsize` for lines, which LuaSec's lacks.
-- @module socket.transport.luasec

local socket = require("socket")

local ipairs, pcall, require, select, setmetatable, type = ipairs, pcall, require, select, setmetatable, type
local concat = table.concat
local unpack = table.unpack or unpack
local function pack(...) return { n = select("#", ...), ... } end
local find, gsub, lower, match, sub = string.find, string.gsub, string.lower, string.match, string.sub
local io_open, os_getenv = io.open, os.getenv

local luasec = {}

--- LuaSec parameters a request table may carry; they reach `ssl.wrap`.
luasec.PARAMS = {
    "protocol", "options", "verify", "cafile", "capath", "key", "certificate", "password",
    "certificates", "ciphers", "ciphersuites", "depth", "dhparam", "curve", "curveslist",
    "verifyext", "alpn", "dane",
}

-- LuaSec, or nil and the message socket.http returns without it.
local function load_ssl()
    local found, ssl = pcall(require, "ssl")
    if not found or type(ssl) ~= "table" or not ssl.wrap then
        return nil, "LuaSec not found: https needs the 'ssl' module"
    end
    return ssl
end

--- Whether LuaSec can be loaded.
-- @return `true`, or `nil, "LuaSec not found: https needs the 'ssl' module"`
function luasec.available()
    local ssl, err = load_ssl()
    if not ssl then return nil, err end
    return true
end

---------------------------------------------------------------------------
-- Trusted certificates
---------------------------------------------------------------------------

local function file_exists(path)
    local f = path and io_open(path, "r")
    if f then f:close() end
    return f ~= nil and f ~= false
end

-- The system's trusted certificates, as OpenSSL would find them.
local function default_cafile()
    local env = os_getenv("SSL_CERT_FILE")
    if env and env ~= "" then return env end
    for _, path in ipairs {
        "/etc/ssl/certs/ca-certificates.crt", -- Debian, Ubuntu, Alpine
        "/etc/pki/tls/certs/ca-bundle.crt", -- Fedora, RHEL
        "/etc/ssl/ca-bundle.pem", -- openSUSE
        "/etc/ssl/cert.pem", -- BSDs, macOS
    } do
        if file_exists(path) then return path end
    end
end

local function default_capath()
    local env = os_getenv("SSL_CERT_DIR")
    if env and env ~= "" then return env end
    if file_exists("/etc/ssl/certs/.") then return "/etc/ssl/certs" end
end

-- Whether `verify` (a string or a list of LuaSec flags) asks for the
-- peer's certificate to be checked.
local function verifies_peer(verify)
    if type(verify) == "string" then return verify == "peer" end
    if type(verify) == "table" then
        for _, v in ipairs(verify) do
            if v == "peer" then return true end
        end
    end
    return false
end

-- The ssl.wrap parameters for request `reqt`: our defaults, then the LuaSec
-- parameters the request gives.
local function wrap_params(ssl, reqt)
    local options = { "all", "no_sslv2", "no_sslv3", "no_tlsv1" }
    if ssl.config and ssl.config.options and ssl.config.options.no_tlsv1_1 then
        options[#options + 1] = "no_tlsv1_1"
    end
    local params = { mode = "client", protocol = "any", options = options, verify = "peer" }
    for _, name in ipairs(luasec.PARAMS) do
        if reqt[name] ~= nil then params[name] = reqt[name] end
    end
    -- `password` is also the URL's password: only a key's when there is one.
    if not (reqt.key or reqt.certificates) then params.password = nil end
    params.mode = "client"
    if verifies_peer(params.verify) and not params.cafile and not params.capath then
        params.cafile, params.capath = default_cafile(), default_capath()
    end
    return params
end

---------------------------------------------------------------------------
-- Host name verification (RFC 6125)
---------------------------------------------------------------------------

-- An IP address literal in its canonical text form, or nil for a name.
local function ip_literal(host)
    if not (match(host, "^%d+%.%d+%.%d+%.%d+$") or find(host, ":", 1, true)) then return nil end
    local info = socket.dns.getaddrinfo(host)
    return info and info[1] and info[1].addr or nil
end

-- Whether certificate name `pattern` (maybe "*.example.com") covers `host`.
local function name_matches(pattern, host)
    pattern = gsub(lower(pattern), "%.$", "")
    if pattern == host then return true end
    -- A wildcard stands for exactly one whole left-most label, and must be
    -- followed by at least two labels.
    local rest = match(pattern, "^%*(%..+%..+)$")
    if not rest then return false end
    local dot = find(host, ".", 1, true)
    return dot ~= nil and dot > 1 and sub(host, dot) == rest
end

-- Checks the peer certificate of TLS connection `conn` against `host`
-- (RFC 6125: subjectAltName names, or the common name when there are none).
local function check_host(conn, host)
    local cert = conn:getpeercertificate()
    if not cert then return nil, "no peer certificate" end
    local wanted = lower(gsub(host, "%.$", ""))
    local ip = ip_literal(wanted)
    local ext = cert:extensions() or {}
    local san = ext["2.5.29.17"]
    if ip then
        for _, value in ipairs(san and san.iPAddress or {}) do
            if ip_literal(value) == ip then return 1 end
        end
    else
        local names = san and san.dNSName
        if names and names[1] then
            for _, name in ipairs(names) do
                if name_matches(name, wanted) then return 1 end
            end
        else
            for _, entry in ipairs(cert:subject() or {}) do
                if entry.name == "commonName" and name_matches(entry.value, wanted) then return 1 end
            end
        end
    end
    return nil, "certificate does not match host name '" .. host .. "'"
end

---------------------------------------------------------------------------
-- The stream wrap returns
---------------------------------------------------------------------------

local stream_methods = {}
local stream_meta = { __index = stream_methods }

function stream_methods:send(...)
    return self.conn:send(...)
end

-- LuaSec's receive has no `maxsize`: a bounded line is read a byte at a
-- time (socket.http reads only the response head and chunk-size lines this
-- way); other patterns go to LuaSec as they are.
function stream_methods:receive(pattern, prefix, maxsize)
    local conn = self.conn
    if not maxsize or not (pattern == nil or pattern == "*l" or pattern == "l") then
        return conn:receive(pattern, prefix)
    end
    local parts, n = { prefix }, #(prefix or "")
    while true do
        local c, err = conn:receive(1)
        if not c then return nil, err, concat(parts) end
        if c == "\n" then return concat(parts) end
        if c ~= "\r" then
            if n >= maxsize then return nil, "oversized", concat(parts) end
            n = n + 1
            parts[#parts + 1] = c
        end
    end
end

function stream_methods:settimeout(value, mode)
    return self.conn:settimeout(value, mode)
end

function stream_methods:close()
    return self.conn:close()
end

function stream_methods:getfd()
    return self.conn:getfd()
end

function stream_methods:dirty()
    return self.conn:dirty()
end

-- LuaSec's objects have no getpeername/getsockname, and the TCP object
-- no longer owns the descriptor: the addresses are read before the
-- handshake (socket.tp's getpeername and getsockname call these).
function stream_methods:getpeername()
    return unpack(self.peer, 1, self.peer.n)
end

function stream_methods:getsockname()
    return unpack(self.local_addr, 1, self.local_addr.n)
end

function stream_methods:getpeercertificate(...)
    return self.conn:getpeercertificate(...)
end

--- Turns connected `tcp{client}` `sock` into a verified TLS stream.
-- @param sock a connected `tcp{client}` with nothing buffered (LuaSec takes
--   over its descriptor)
-- @param servername the name for SNI (not sent for an IP address) and for
--   the host name check
-- @param params the request table: LuaSec's parameters (`PARAMS`) over
--   this transport's defaults (`verify = "peer"`, the system's CA bundle)
-- @param timeout, mode as `settimeout` takes them, set before the handshake
-- @return the stream; or `nil, message` (LuaSec's, such as
--   `"certificate verify failed"`, or
--   `"certificate does not match host name '<name>'"`), `sock` closed
function luasec.wrap(sock, servername, params, timeout, mode)
    local ssl, err = load_ssl()
    if not ssl then
        sock:close()
        return nil, err
    end
    params = wrap_params(ssl, params)
    local peer, local_addr = pack(sock:getpeername()), pack(sock:getsockname())
    local conn
    conn, err = ssl.wrap(sock, params)
    if not conn then
        sock:close()
        return nil, err
    end
    if not ip_literal(servername) then conn:sni(servername) end
    conn:settimeout(timeout, mode)
    local ok
    ok, err = conn:dohandshake()
    if ok and verifies_peer(params.verify) then ok, err = check_host(conn, servername) end
    if not ok then
        conn:close()
        return nil, err
    end
    return setmetatable({ conn = conn, peer = peer, local_addr = local_addr }, stream_meta)
end

return luasec
