-----------------------------------------------------------------------------
-- socket.tls: TLS 1.2 and 1.3 over LuaSocket's TCP sockets, built in Rust on
-- rustls. The interface follows LuaSec's `ssl` module (newcontext, wrap,
-- dohandshake, receive, send, ...), so LuaSec code works with
-- `local ssl = require("socket.tls")`. See docs/tls.md.
--
-- This file checks LuaSec's parameter table (an unknown or unsupported
-- parameter raises an error instead of being ignored) and moves the
-- descriptor out of the wrapped socket; the native half does the rest.
-----------------------------------------------------------------------------
local native = require("luasocket_rs").socket_tls()

local type, pairs, ipairs, error, tostring, tonumber = type, pairs, ipairs, error, tostring, tonumber

local _M = {
    _VERSION = "socket.tls 1.0 (rustls)",
}

-- LuaSec's `options` that rustls always honours: accepted, and nothing to do.
local HONOURED_OPTIONS = {
    all = true, no_sslv2 = true, no_sslv3 = true, no_tlsv1 = true, no_tlsv1_1 = true,
    no_compression = true, single_dh_use = true, single_ecdh_use = true,
    no_renegotiation = true,
}

-- LuaSec parameters socket.tls does not support, with the reason given.
local UNSUPPORTED = {
    ciphers = "rustls chooses among its own safe cipher suites",
    ciphersuites = "rustls chooses among its own safe cipher suites",
    curve = "rustls chooses the key exchange group",
    curves_list = "rustls chooses the key exchange group",
    dhparam = "rustls has no finite-field Diffie-Hellman",
    password = "encrypted private keys are not supported",
    depth = "rustls has no chain depth setting",
    verifyext = "OpenSSL verification extensions are not supported",
    dane = "DANE is not supported",
}

local PROTOCOLS = { any = "any", sslv23 = "any", tlsv1_2 = "tlsv1_2", tlsv1_3 = "tlsv1_3" }

local function fail(msg)
    error("socket.tls: " .. msg, 3)
end

-- A string or a list of strings, as a list.
local function list(name, v)
    if type(v) == "string" then return { v } end
    if type(v) ~= "table" then fail("parameter '" .. name .. "' must be a string or a list of strings") end
    for _, s in ipairs(v) do
        if type(s) ~= "string" then fail("parameter '" .. name .. "' must be a string or a list of strings") end
    end
    return v
end

--- Builds a context from LuaSec-style parameters.
-- @param params table: mode ("client" default, or "server"), protocol
--   ("any" default, "tlsv1_2", "tlsv1_3"), verify ("peer" default for
--   clients, "none"; servers: {"peer", "fail_if_no_peer_cert"}), cafile,
--   capath, certificate, key (PEM files), alpn (string or list),
--   servername, options (LuaSec's, only those rustls honours anyway).
-- @return context, or nil and a message when a file does not load.
function _M.newcontext(params)
    if type(params) ~= "table" then fail("parameters must be a table") end
    local t = { alpn = {} }
    for k, v in pairs(params) do
        if k == "mode" then
            if v ~= "client" and v ~= "server" then fail("invalid mode '" .. tostring(v) .. "'") end
            t.mode = v
        elseif k == "protocol" then
            t.protocol = PROTOCOLS[v]
            if not t.protocol then
                fail("unsupported protocol '" .. tostring(v) .. "' (any, tlsv1_2 or tlsv1_3)")
            end
        elseif k == "verify" then
            local peer, required, none = false, false, false
            for _, w in ipairs(list("verify", v)) do
                if w == "peer" then peer = true
                elseif w == "none" then none = true
                elseif w == "fail_if_no_peer_cert" then required = true
                elseif w ~= "client_once" then fail("unsupported verify value '" .. w .. "'")
                end
            end
            if none and (peer or required) then fail("verify 'none' with other values") end
            t.verify = required and "required" or (peer and "peer") or (none and "none") or nil
        elseif k == "options" then
            for _, o in ipairs(list("options", v)) do
                if not HONOURED_OPTIONS[o] then fail("unsupported option '" .. o .. "'") end
            end
        elseif k == "alpn" then
            if type(v) == "function" then fail("an alpn callback is not supported") end
            t.alpn = list("alpn", v)
        elseif k == "cafile" or k == "capath" or k == "certificate" or k == "key" or k == "servername" then
            if type(v) ~= "string" then fail("parameter '" .. k .. "' must be a string") end
            t[k] = v
        elseif UNSUPPORTED[k] then
            fail("unsupported parameter '" .. k .. "' (" .. UNSUPPORTED[k] .. ")")
        else
            fail("unknown parameter '" .. tostring(k) .. "'")
        end
    end
    return native.newcontext(t)
end

--- Whether `v` is a context made by newcontext.
function _M.iscontext(v)
    return native.iscontext(v)
end

--- Wraps a connected TCP socket: the new object owns its descriptor (the
-- socket is detached with setfd(-1)) and starts with its timeouts.
-- @param sock an object with getfd/setfd (tcp{client}, or LuaSocket-like)
-- @param cfg a context, or parameters for newcontext
-- @return tls{client} or tls{server}, or nil and a message
function _M.wrap(sock, cfg)
    local ctx = cfg
    if not native.iscontext(cfg) then
        local err
        ctx, err = _M.newcontext(cfg)
        if not ctx then return nil, err end
    end
    local getfd = (type(sock) == "table" or type(sock) == "userdata") and sock.getfd
    if type(getfd) ~= "function" or type(sock.setfd) ~= "function" then
        error("bad argument #1 to 'wrap' (socket expected)", 2)
    end
    local fd = getfd(sock)
    if type(fd) ~= "number" or fd < 0 then return nil, "closed" end
    local block, total = -1, -1
    if type(sock.gettimeout) == "function" then
        block, total = sock:gettimeout()
    end
    local conn = native.wrap(ctx, fd, tonumber(block) or -1, tonumber(total) or -1)
    sock:setfd(-1)
    return conn
end

return _M
