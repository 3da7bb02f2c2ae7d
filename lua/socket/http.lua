---
-- socket.http: an HTTP/1.1 client, as LuaSocket's `socket.http`.
--
-- `request(url [, body])` returns `body, code, headers, status`;
-- `request{...}` returns `1, code, headers, status`; failures return
-- `nil, message`. Requests use `Connection: close`; bodies of unknown length
-- are sent chunked; redirects are followed for GET and HEAD.
--
-- Opt-in additions (none changes a request that does not ask for it):
-- kept-alive connections (`keepalive`, `pool = http.pool{...}`,
-- `http.KEEPALIVE`), a deadline for the whole request (`timeout`,
-- `http.REQUEST_TIMEOUT`) and every header line in order (`headerlist`).
--
-- Where this differs from LuaSocket on purpose:
-- - `https://` goes through LuaSec with the server's certificate and host
--   name VERIFIED by default (LuaSocket hands over to LuaSec's `ssl.https`,
--   which verifies nothing). LuaSec's parameters in the request table
--   (`verify`, `cafile`, `capath`, `protocol`, `options`, ...) change that.
--   Without LuaSec, `https://` returns `nil, message`. The TLS code is a
--   transport module of its own (socket.transport.luasec, which describes
--   the interface a second transport would implement); this module connects,
--   opens any proxy tunnel, and hands the socket over.
-- - Input is bounded: a status, header or chunk-size line longer than
--   `MAXLINE` bytes, or a header section over `MAXHEADERS` bytes, fails with
--   `nil, "oversized"` instead of growing memory without end.
-- - Header names, values, the method and the request target are checked:
--   one holding CR, LF or another control byte is refused, not sent.
-- - All 1xx interim responses are skipped (LuaSocket skips only 100); a
--   redirected HEAD stays a HEAD; the URL fragment is not sent; the user
--   name is unescaped like the password; an IPv6 host is bracketed in the
--   Host header; `maxredirects = false` stops after 1000 hops.
-- - An unknown scheme or a bad proxy URL returns `nil, message` instead of
--   raising a Lua error.
-- - Through a proxy, https:// uses a CONNECT tunnel (LuaSocket sends the
--   request to the proxy in the clear).
-- - The request head goes out in one write (LuaSocket: two), with
--   `tcp-nodelay` set when a body follows; bodies are read in blocks that
--   grow for fast peers and shrink for slow ones (LuaSocket: 2 KiB), and
--   the string form joins the body's pieces with a single allocation.
-- @module socket.http

local socket = require("socket")
local url = require("socket.url")
local ltn12 = require("ltn12")
local mime = require("mime")
local headers_module = require("socket.headers")
-- The native helper that reads a response head from one of our sockets.
local native = require("luasocket_rs").socket_http()

local pairs, ipairs, pcall, require, setmetatable, tonumber, tostring, type =
    pairs, ipairs, pcall, require, setmetatable, tonumber, tostring, type
local concat = table.concat
local byte, find, format, gsub, lower, match, sub = string.byte, string.find, string.format, string.gsub,
    string.lower, string.match, string.sub
local floor = math.floor

local http = {}
-- As upstream, loading the module also makes it reachable as socket.http.
socket.http = http

--- Seconds each socket operation may take (connect, each send, each receive).
http.TIMEOUT = 60
--- The User-Agent header sent by default.
http.USERAGENT = socket._VERSION
--- Default proxy URL (`"http://host:port"`), used when a request gives none.
http.PROXY = nil
--- Seconds a whole request may take (connect, send, every read, every
-- redirect hop), when the request gives no `timeout`; nil: no limit.
http.REQUEST_TIMEOUT = nil
--- Whether requests keep their connections in `http.POOL` for reuse when
-- they do not say (`keepalive = true/false`).
http.KEEPALIVE = false

--- Longest status, header or chunk-size line accepted, in bytes.
http.MAXLINE = 64 * 1024
--- Largest header section (or trailer section) accepted, in bytes.
http.MAXHEADERS = 1024 * 1024

-- Body reads adapt their size to the peer (see `reader`): from BLOCK_MIN
-- (LuaSocket's fixed size) up to BLOCK_MAX, starting at BLOCK_START. A read
-- that fills in under FAST seconds doubles the next; one slower than SLOW
-- halves it.
local BLOCK_MIN, BLOCK_START, BLOCK_MAX = 2048, 16 * 1024, 1024 * 1024
local FAST, SLOW = 0.05, 0.5

-- Hops followed when the request says maxredirects = false.
local REDIRECT_CEILING = 1000

local try = socket.try

---------------------------------------------------------------------------
-- Reading the response head
---------------------------------------------------------------------------

local function getline(sock)
    return sock:receive("*l", nil, http.MAXLINE)
end

-- The first bytes that make a header line continue the previous one
-- (white space); looked up inline, as each header line asks.
local FOLD = { [32] = true, [9] = true, [11] = true, [12] = true, [13] = true }
-- The bytes %s matches (C locale), which end the white space before a value.
local SPACE = { [32] = true, [9] = true, [10] = true, [11] = true, [12] = true, [13] = true }

-- Header names as received -> in lower case: servers send the same few
-- names in every response. Bounded: emptied when full.
local lower_names, lower_count, LOWER_MAX = {}, 0, 256

-- Reads header lines up to the blank line into `headers` (names in lower
-- case; repeated names joined with ", "; folded lines appended to the
-- value). Returns the table, or nil and a message.
-- With `list`, each header line also goes there as a `{name, value}` pair,
-- in order, the name as received (for `headerlist = true`).
local function receiveheaders(sock, headers, list)
    local budget, maxline = http.MAXHEADERS, http.MAXLINE
    -- One native call does the same for a response head read from one of
    -- our tcp{client} objects; it returns false for anything else.
    if headers == nil then
        local got, err = native.receiveheaders(sock, list, maxline, budget)
        if got then return got end
        if got == nil then return nil, err end
    end
    headers = headers or {}
    local receive = sock.receive
    local line, err = receive(sock, "*l", nil, maxline)
    if err then return nil, err end
    -- Repeated names are gathered in lists and joined once at the end, so
    -- that many repeated lines cost linear time.
    local lists
    while line ~= "" do
        local colon = find(line, ":", 1, true)
        -- LuaSocket's text, its misspelling included: programs match it.
        if not colon then return nil, "malformed reponse headers" end
        local name = sub(line, 1, colon - 1)
        local value
        -- The value after the white space that follows the colon: the
        -- usual "name: value" (one space or none) without a pattern.
        if not SPACE[byte(line, colon + 1)] then
            value = sub(line, colon + 1)
        elseif not SPACE[byte(line, colon + 2)] then
            value = sub(line, colon + 2)
        else
            value = match(line, "^%s*(.*)", colon + 1)
        end
        budget = budget - #line
        line, err = receive(sock, "*l", nil, maxline)
        if err then return nil, err end
        if FOLD[byte(line, 1)] then
            local parts = { value }
            repeat
                budget = budget - #line
                if budget < 0 then return nil, "oversized" end
                parts[#parts + 1] = line
                line, err = receive(sock, "*l", nil, maxline)
                if err then return nil, err end
            until not FOLD[byte(line, 1)]
            value = concat(parts)
        end
        if budget < 0 then return nil, "oversized" end
        if list then list[#list + 1] = { name, value } end
        local lname = lower_names[name]
        if not lname then
            lname = lower(name)
            if lower_count >= LOWER_MAX then lower_names, lower_count = {}, 0 end
            lower_names[name], lower_count = lname, lower_count + 1
        end
        name = lname
        local old = headers[name]
        if old == nil then
            headers[name] = value
        else
            lists = lists or {}
            local joined = lists[name]
            if not joined then
                joined = { old }
                lists[name] = joined
            end
            joined[#joined + 1] = value
        end
    end
    if lists then
        for name, values in pairs(lists) do headers[name] = concat(values, ", ") end
    end
    return headers
end

-- Parses a chunk-size line ("1a2b", "1a2b;ext=val"). Returns the size or nil.
local function chunk_size(line)
    local digits = match(line, "^%s*(%x+)%s*;") or match(line, "^%s*(%x+)%s*$")
    if not digits or #digits > 13 then return nil end
    return tonumber(digits, 16)
end

---------------------------------------------------------------------------
-- Body sources and sinks
---------------------------------------------------------------------------

-- Reads body data from `sock`, at most `limit` bytes a call (returning what
-- receive returns). The size asked grows while reads fill quickly and
-- shrinks when they are slow: a fast peer gets large reads (few calls,
-- few pieces to join), a slow or trickling one small reads, so that data
-- reaches the sink promptly and no single receive (whose timeout counts
-- from the start of the call) has to wait long to fill.
local function reader(sock)
    local size = BLOCK_START
    local gettime = socket.gettime
    return function(limit)
        local n = size
        if limit < n then n = limit end
        local t0 = gettime()
        local chunk, err, partial = sock:receive(n)
        if n == size and chunk then
            local dt = gettime() - t0
            if dt < FAST then
                if size < BLOCK_MAX then size = size * 2 end
            elseif dt > SLOW and size > BLOCK_MIN then
                size = floor(size / 2)
            end
        end
        return chunk, err, partial
    end
end

-- Source of a chunked body read from `sock`; large chunks come out in
-- pieces. Trailers are read into `trailers` (a new table when nil) and the
-- source then ends.
local function chunked_source(sock, trailers)
    local read = reader(sock)
    local left, done = 0, false
    return function()
        if done then return nil end
        if left == 0 then
            local line, err = getline(sock)
            if err then return nil, err end
            local size = chunk_size(line)
            if not size then return nil, "invalid chunk size" end
            if size == 0 then
                done = true
                local ok
                ok, err = receiveheaders(sock, trailers)
                if not ok then return nil, err end
                return nil
            end
            left = size
        end
        local chunk, err = read(left)
        if not chunk then return nil, err end
        left = left - #chunk
        if left == 0 then
            -- the CRLF after the chunk data
            local _, crlf_err = getline(sock)
            if crlf_err then return nil, crlf_err end
        end
        return chunk
    end
end

-- Source of exactly `length` bytes.
local function length_source(sock, length)
    local read = reader(sock)
    return function()
        if length <= 0 then return nil end
        local chunk, err = read(length)
        if not chunk then return nil, err end
        length = length - #chunk
        return chunk
    end
end

-- Source of everything up to the end of the stream.
local function closed_source(sock)
    local read = reader(sock)
    local done = false
    return function()
        if done then return nil end
        local chunk, err, partial = read(BLOCK_MAX)
        if chunk then return chunk end
        if err == "closed" then
            done = true
            if partial and partial ~= "" then return partial end
            return nil
        end
        return nil, err
    end
end

-- Sink writing the HTTP chunked coding to `sock`; the end of the data
-- (nil chunk without an error) writes the last, empty, chunk.
local function chunked_sink(sock)
    return function(chunk, err)
        if not chunk then
            if err then return nil, err end
            return sock:send("0\r\n\r\n")
        end
        -- An empty chunk would read as the end of the body: skip it.
        if chunk == "" then return 1 end
        return sock:send(format("%X\r\n", #chunk) .. chunk .. "\r\n")
    end
end

local function selectable(sock, f)
    return setmetatable({
        getfd = function() return sock:getfd() end,
        dirty = function() return sock:dirty() end,
    }, {
        __call = function(_, ...) return f(...) end,
    })
end

--- `socket.source("http-chunked", sock [, headers])`: the chunked body
-- read from `sock`; trailers go into `headers`.
socket.sourcet["http-chunked"] = function(sock, headers)
    return selectable(sock, chunked_source(sock, type(headers) == "table" and headers or nil))
end

--- `socket.sink("http-chunked", sock)`: writes the chunked coding to `sock`.
socket.sinkt["http-chunked"] = function(sock)
    return selectable(sock, chunked_sink(sock))
end

---------------------------------------------------------------------------
-- HTTPS: a TCP connection, maybe a proxy tunnel, then a TLS transport
---------------------------------------------------------------------------

-- The TLS transports https can use (LuaSec, and the built-in one on
-- rustls), and the choice a request makes with `tls = "builtin"` or
-- `"luasec"` (default: LuaSec when installed, else the built-in one). Each
-- is a module with `PARAMS`, `available()` and `wrap(sock, servername,
-- params, timeout, mode)`; socket/transport/luasec.lua describes it.
local transports = require("socket.transport")

-- Asks the HTTP proxy `sock` is connected to for a tunnel to `target`
-- ("host:port"), as RFC 9110 §9.3.6 describes. Returns 1, or nil and a
-- message.
local function open_tunnel(sock, target, auth)
    local head = "CONNECT " .. target .. " HTTP/1.1\r\nHost: " .. target .. "\r\n"
    if auth then head = head .. "Proxy-Authorization: " .. auth .. "\r\n" end
    local ok, err = sock:send(head .. "\r\n")
    if not ok then return nil, err end
    local line
    line, err = getline(sock)
    if not line then return nil, err end
    local code = tonumber(match(line, "^HTTP/%d*%.%d* (%d%d%d)"))
    ok, err = receiveheaders(sock)
    if not ok then return nil, err end
    if not code or code < 200 or code > 299 then return nil, "proxy refused the tunnel: " .. line end
    -- The TLS handshake takes over the descriptor: nothing may be buffered.
    if sock:dirty() then return nil, "unexpected data from the proxy" end
    return 1
end

-- The connection object an https `create` returns: our TCP socket until
-- connect(), then the stream the TLS transport made of it.
local tls_methods = {}
local tls_meta = { __index = tls_methods }

function tls_methods:settimeout(value, mode)
    self.timeout, self.mode = value, mode
    return self.sock:settimeout(value, mode)
end

function tls_methods:setoption(...)
    if self.tls then return nil, "not supported" end
    return self.sock:setoption(...)
end

function tls_methods:connect(host, port)
    local sock = self.sock
    local ok, err = sock:connect(host, port)
    if not ok then return nil, err end
    sock:setoption("tcp-nodelay", true)
    if self.tunnel then
        ok, err = open_tunnel(sock, self.tunnel.target, self.tunnel.auth)
        if not ok then
            sock:close()
            return nil, err
        end
    end
    -- Under a whole-request deadline the handshake gets only what is left.
    local timeout = self.timeout
    if self.deadline then
        local left = self.deadline - socket.monotime()
        if left <= 0 then
            sock:close()
            return nil, "timeout"
        end
        if not timeout or timeout < 0 or left < timeout then timeout = left end
    end
    local stream
    stream, err = self.transport.wrap(sock, self.servername or host, self.reqt, timeout, self.mode)
    if not stream then return nil, err end
    -- A pooled connection outlives its first request: drop the reference.
    self.sock, self.tls, self.reqt = stream, true, nil
    return 1
end

function tls_methods:send(...)
    return self.sock:send(...)
end

function tls_methods:receive(pattern, prefix, maxsize)
    return self.sock:receive(pattern, prefix, maxsize)
end

function tls_methods:close()
    return self.sock:close()
end

function tls_methods:getfd()
    return self.sock:getfd()
end

function tls_methods:dirty()
    return self.sock:dirty()
end

--- The peer's certificate (from the TLS transport; LuaSec: an x509
-- object) once connected.
function tls_methods:getpeercertificate(...)
    if not self.tls then return nil end
    return self.sock:getpeercertificate(...)
end

-- Builds the https `create` function for request `reqt`: a connection
-- factory, or nil and a message when no TLS transport is available (no
-- LuaSec). With `tunnel` ({target = "host:port", auth = header value or
-- nil, servername = host}), connections go through an HTTP proxy's
-- CONNECT tunnel.
local function tls_create(reqt, tunnel)
    local transport, err = transports.choose(reqt.tls)
    if not transport then return nil, err end
    local servername = reqt.servername or (tunnel and tunnel.servername)
    return function()
        local sock, sock_err = socket.tcp()
        if not sock then return nil, sock_err end
        return setmetatable({
            sock = sock,
            transport = transport,
            reqt = reqt,
            servername = servername,
            tunnel = tunnel,
        }, tls_meta)
    end
end

---------------------------------------------------------------------------
-- Schemes
---------------------------------------------------------------------------

--- Known schemes: default port, and `create(reqt)` returning the function
-- that makes a connection object (or nil and a message).
local SCHEMES = {
    http = {
        port = 80,
        create = function() return socket.tcp end,
    },
    https = {
        port = 443,
        create = tls_create,
    },
}
http.SCHEMES = SCHEMES
-- LuaSocket's name for the same table.
http.schemes = SCHEMES

---------------------------------------------------------------------------
-- Low-level API: a connection and its steps, as LuaSocket's http.open
---------------------------------------------------------------------------

local conn_methods = {}
local conn_meta = { __index = conn_methods }

--- Connects to `host:port` with a socket from `create` (default
-- `socket.tcp`) and returns the connection object. Raises a `socket.try`
-- exception on failure: call it inside `socket.protect`.
function http.open(host, port, create)
    local c = try((create or socket.tcp)())
    local h = setmetatable({ c = c }, conn_meta)
    h.try = socket.newtry(function() h:close() end)
    h.try(c:settimeout(http.TIMEOUT))
    h.try(c:connect(host, port))
    return h
end

--- Sends `METHOD uri HTTP/1.1`.
function conn_methods:sendrequestline(method, uri)
    return self.try(self.c:send(format("%s %s HTTP/1.1\r\n", method or "GET", uri)))
end

-- Strings already found to be a valid header name (a token) or value: the
-- checks are pure functions of the string, and a program sends the same
-- few names and values again and again. Bounded: emptied when full.
local good_names, good_values, good_count = {}, {}, 0
local GOOD_MAX = 256

-- The header block for `tosend` (lower-case names), ending with the blank
-- line, after the strings already in `parts`. Names or values that would
-- break the request (socket.headers.check) go to `fail` (a `try`), which
-- raises.
local function header_block(fail, tosend, parts)
    parts = parts or {}
    local canonic = headers_module.canonic
    local check, token = headers_module.check, headers_module.token
    local n = #parts
    for name, value in pairs(tosend) do
        if value ~= false then
            if not (good_names[name] and (good_values[value] or type(value) == "number")) then
                fail(check(name, value))
                if good_count >= GOOD_MAX then good_names, good_values, good_count = {}, {}, 0 end
                -- A name valid only because `canonic` lists it is checked
                -- each time: that table can change.
                if token(name) then good_names[name] = true end
                if type(value) == "string" then good_values[value] = true end
                good_count = good_count + 1
            end
            parts[n + 1], parts[n + 2], parts[n + 3], parts[n + 4] = canonic[name] or name, ": ", value, "\r\n"
            n = n + 4
        end
    end
    parts[n + 1] = "\r\n"
    return concat(parts)
end

--- Sends the header block for `tosend` (a table of lower-case names).
function conn_methods:sendheaders(tosend)
    self.try(self.c:send(header_block(self.try, tosend)))
    return 1
end

-- Sends a whole request head (request line and headers) in one write.
function conn_methods:sendhead(head)
    self.try(self.c:send(head))
    return 1
end

-- Moves the body from `source` to `c` (chunked unless `headers` has a
-- content-length), through `step`. Returns what ltn12.pump.all returns,
-- plus true as a third value when it was the socket that failed.
local function pump_body(c, headers, source, step)
    source = source or ltn12.source.empty()
    local sink
    if headers["content-length"] then
        sink = function(chunk)
            if chunk and chunk ~= "" then return c:send(chunk) end
            return 1
        end
    else
        sink = chunked_sink(c)
    end
    local sock_failed = false
    local function watched(chunk, err)
        local ok, sink_err = sink(chunk, err)
        if not ok and chunk then sock_failed = true end
        return ok, sink_err
    end
    local ok, err = ltn12.pump.all(source, watched, step or ltn12.pump.step)
    return ok, err, not ok and sock_failed
end

--- Sends the body from `source` (chunked unless `headers` has a
-- content-length), through `step` (default `ltn12.pump.step`).
function conn_methods:sendbody(headers, source, step)
    local ok, err = pump_body(self.c, headers, source, step)
    if not ok then self.try(ok, err) end
    return ok
end

-- The rest of the status line after its first five bytes `head`.
local function statusline(h, head)
    if head ~= "HTTP/" then return nil, head end
    -- one native call for our own sockets (false for any other object)
    local code, line = native.statusline(h.c, head, http.MAXLINE)
    if code == false then
        line = h.try(h.c:receive("*l", head, http.MAXLINE))
        code = tonumber(match(line, "HTTP/%d*%.%d* (%d%d%d)"))
    end
    return h.try(code, line)
end

--- Reads the status line. Returns the code and the whole line; for a
-- response that does not start with "HTTP/" (HTTP/0.9), returns nil and
-- the bytes read so far (the start of the body).
function conn_methods:receivestatusline()
    return statusline(self, self.try(self.c:receive(5)))
end

--- Reads the response headers into a table (lower-case names).
function conn_methods:receiveheaders()
    return self.try(receiveheaders(self.c))
end

-- The source of a response body read from `c`, framed as `headers` say
-- (chunked, content-length, or up to the end of the stream); and whether
-- its end is known without the stream ending (so the connection can carry
-- another request after it).
local function body_source(c, headers)
    local te = headers["transfer-encoding"]
    local length = match(headers["content-length"] or "", "^%s*(%d+)%s*$")
    if te and te ~= "identity" then
        return chunked_source(c, nil), true
    elseif length then
        return length_source(c, tonumber(length)), true
    end
    return closed_source(c), false
end

-- The body's length when `headers` frame it by Content-Length and it fits
-- the first read of a body source (BLOCK_START): nil otherwise.
local function short_length(headers)
    local te = headers["transfer-encoding"]
    if te and te ~= "identity" then return nil end
    local length = headers["content-length"]
    if length == nil then return nil end
    length = tonumber(match(length, "^%s*(%d+)%s*$"))
    if length and length <= BLOCK_START then return length end
    return nil
end

-- Moves a body of `length` bytes (at most BLOCK_START) from `c` to `sink`
-- as ltn12.pump.all(length_source(c, length), sink) does: the same one
-- read, and the sink sees the same calls (the data, then nil; or nil and
-- the error), without the source, reader and pump closures a small
-- response would pay for. Returns what the pump returns, and whether the
-- body was read to its end.
local function pump_short(c, length, sink)
    if length > 0 then
        local chunk, err = c:receive(length)
        if not chunk then
            local _, sink_err = sink(nil, err)
            return nil, err or sink_err, false
        end
        local ok, sink_err = sink(chunk, nil)
        if not ok then
            if sink_err then return nil, sink_err, false end
            return 1, nil, false
        end
    end
    local _, sink_err = sink(nil, nil)
    if sink_err then return nil, sink_err, true end
    return 1, nil, true
end

--- Reads the body, framed as `headers` say (chunked, content-length, or up
-- to the end of the stream), into `sink` through `step`.
function conn_methods:receivebody(headers, sink, step)
    local length = not step and short_length(headers)
    if length then
        local ok, err = pump_short(self.c, length, sink or ltn12.sink.null())
        if ok then return ok end
        return self.try(ok, err)
    end
    local source = body_source(self.c, headers)
    return self.try(ltn12.pump.all(source, sink or ltn12.sink.null(), step or ltn12.pump.step))
end

--- Reads an HTTP/0.9 body: `status` (the bytes already read), then
-- everything up to the end of the stream.
function conn_methods:receive09body(status, sink, step)
    local source = ltn12.source.rewind(closed_source(self.c))
    source(status)
    return self.try(ltn12.pump.all(source, sink or ltn12.sink.null(), step or ltn12.pump.step))
end

function conn_methods:close()
    return self.c:close()
end

---------------------------------------------------------------------------
-- Kept-alive connections: pools (opt-in)
---------------------------------------------------------------------------

local monotime = socket.monotime
-- Lua 5.1 and LuaJIT run no __gc on tables; a userdata made by newproxy
-- (absent from 5.2 on) carries the pool's finalizer there.
local newproxy = rawget(_G, "newproxy")

local pool_methods = {}
local pool_meta = { __index = pool_methods }

-- The owner of connections made without a `create` hook.
local DIRECT = {}

-- Whether `c` is one of this library's own sockets (a tcp{...} object).
local function own_socket(c)
    if type(c) ~= "userdata" then return false end
    local meta = getmetatable(c)
    local index = type(meta) == "table" and meta.__index
    return type(index) == "table" and type(index.class) == "string" and sub(index.class, 1, 4) == "tcp{"
end

-- Closes every connection in `store` ({[owner] = {[key] = stack}}) and
-- empties it; with `own_only`, only this library's sockets, the others
-- being left to their own finalizers.
local function close_store(store, own_only)
    for owner, keys in pairs(store) do
        for _, stack in pairs(keys) do
            for i = 1, #stack do
                local c = stack[i].c
                if not own_only or own_socket(c) then pcall(c.close, c) end
            end
        end
        store[owner] = nil
    end
end

local function check_number(value, name, default)
    if value == nil then return default end
    if type(value) ~= "number" or value ~= value or value < 0 then
        error("bad argument #1 to 'pool' (" .. name .. " must be a number >= 0)", 3)
    end
    return value
end

--- A pool of kept-alive connections: `http.pool{max_idle = 10,
-- idle_timeout = 30}`. `max_idle` is the most idle connections kept per
-- origin (scheme, host, port, proxy and TLS parameters); `idle_timeout`
-- the seconds an idle connection may wait before it is not reused.
-- Requests use it with `pool = p`. Idle connections are closed by
-- `p:close()` or when the pool is garbage-collected.
function http.pool(opts)
    if opts == nil then opts = {} end
    if type(opts) ~= "table" then
        error("bad argument #1 to 'pool' (table expected, got " .. type(opts) .. ")", 2)
    end
    local store = {}
    local pool = {
        max_idle = floor(check_number(opts.max_idle, "max_idle", 10)),
        idle_timeout = check_number(opts.idle_timeout, "idle_timeout", 30),
        store = store,
    }
    if newproxy then
        local anchor = newproxy(true)
        -- The finalizer holds the store, not the pool: the pool stays
        -- collectable. It closes only our own sockets: when the state
        -- closes, Lua 5.1 and LuaJIT may already have unloaded a C library
        -- loaded after this pool (LuaSec's ssl.so, which https loads on
        -- first use), and calling its close would jump into unmapped code.
        -- Such objects close through their own finalizers, which run
        -- before their library is unloaded. (From 5.2 on, finalizers run
        -- in the reverse order of marking and the C libraries go last.)
        getmetatable(anchor).__gc = function() close_store(store, true) end
        pool.anchor = anchor
    end
    return setmetatable(pool, pool_meta)
end

--- Closes every idle connection of the pool; the pool stays usable.
function pool_methods:close()
    close_store(self.store)
    return 1
end

--- The number of idle connections the pool holds now.
function pool_methods:count()
    local n = 0
    for _, keys in pairs(self.store) do
        for _, stack in pairs(keys) do n = n + #stack end
    end
    return n
end

pool_meta.__gc = function(pool) close_store(pool.store) end

--- The pool `keepalive = true` and `http.KEEPALIVE` use.
http.POOL = http.pool()

-- Whether an idle connection can still carry a request: the server has
-- sent nothing since the last response (readable means closed, reset or
-- garbage; a TLS close_notify reads as readable too). Objects from a
-- `create` hook that select cannot take are assumed alive.
local function alive(c)
    local quiet = native.quiet(c)
    if quiet ~= nil then return quiet end
    local dirty = c.dirty
    if dirty and dirty(c) then return false end
    local selected, readable = pcall(socket.select, { c }, nil, 0)
    return not (selected and readable and readable[1])
end

-- An idle connection for `key` under `owner`, checked, and the connection
-- object it was last used through; or nil.
local function pool_take(pool, owner, key)
    local keys = pool.store[owner]
    local stack = keys and keys[key]
    if not stack then return nil end
    local now = monotime()
    while #stack > 0 do
        local entry = stack[#stack]
        stack[#stack] = nil
        if entry.expires > now and alive(entry.c) then return entry.c, entry.h end
        pcall(entry.c.close, entry.c)
    end
    return nil
end

-- Keeps connection `c` (used through connection object `h`) for `key`
-- under `owner`, or closes it when the pool is full. The most recently
-- used connection is taken first.
local function pool_put(pool, owner, key, c, h)
    local keys = pool.store[owner]
    if not keys then
        keys = {}
        pool.store[owner] = keys
    end
    local stack = keys[key]
    if not stack then
        stack = {}
        keys[key] = stack
    end
    local now = monotime()
    while stack[1] and (stack[1].expires <= now or #stack >= pool.max_idle) do
        local entry = table.remove(stack, 1)
        pcall(entry.c.close, entry.c)
    end
    if pool.max_idle < 1 or pool.idle_timeout <= 0 then
        c:close()
        return
    end
    stack[#stack + 1] = { c = c, h = h, expires = now + pool.idle_timeout }
end

-- A string standing for a table of TLS parameters (sorted keys).
local function serialize(value, depth)
    local kind = type(value)
    if kind == "string" then return format("%q", value) end
    if kind ~= "table" or depth > 4 then return kind .. ":" .. tostring(value) end
    local names = {}
    for k in pairs(value) do names[#names + 1] = k end
    table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
    local parts = {}
    for i, k in ipairs(names) do parts[i] = serialize(k, depth + 1) .. "=" .. serialize(value[k], depth + 1) end
    return "{" .. concat(parts, ",") .. "}"
end

-- Which connections can carry `nreqt`: the origin, the proxy, and for
-- https the server name and every TLS parameter the request gives.
local function pool_key(nreqt)
    if nreqt.scheme ~= "https" then return nreqt.origin .. "|" .. tostring(nreqt.proxyurl) end
    local parts = { nreqt.origin, tostring(nreqt.proxyurl), tostring(nreqt.servername), tostring(nreqt.tls) }
    for _, name in ipairs(transports.PARAMS) do
        local value = nreqt[name]
        if value ~= nil then parts[#parts + 1] = name .. "=" .. serialize(value, 0) end
    end
    return concat(parts, "|")
end

-- The Connection header a pooled request sends unless told otherwise.
local KEEP_ALIVE = "keep-alive, TE"

-- Whether `list` (a header value such as "keep-alive, TE") holds `token`.
local function has_token(list, token)
    if type(list) ~= "string" then return false end
    -- the usual case: the header is the one token ("keep-alive", "close")
    if list == token then return true end
    local lowered = lower(list)
    -- one item, the usual case: no iterator and no closure
    if not find(lowered, ",", 1, true) then return match(lowered, "^%s*(.-)%s*$") == token end
    for item in string.gmatch(lowered, "[^,]+") do
        if match(item, "^%s*(.-)%s*$") == token then return true end
    end
    return false
end

-- Whether the connection may carry another request after this exchange
-- (RFC 9112 §9.3): neither side said close, and an HTTP/1.0 response said
-- keep-alive.
local function persistent(nreqt, code, status, headers)
    if code == 101 then return false end
    local asked = nreqt.headers.connection
    if asked ~= KEEP_ALIVE and has_token(asked, "close") then return false end
    if has_token(headers.connection, "close") then return false end
    local major, minor = match(status, "^HTTP/(%d+)%.(%d+)")
    if major ~= "1" then return false end
    if minor == "0" then return has_token(headers.connection, "keep-alive") end
    return true
end

-- Methods retried once on a fresh connection when a reused one turns out
-- closed before any response byte (RFC 9110 §9.2.2).
local IDEMPOTENT = { GET = true, HEAD = true, PUT = true, DELETE = true, OPTIONS = true, TRACE = true }

-- Whether `reqt` may be sent again: `retry = false` never; a request with
-- a body only when `retry` is a function giving the body again; others
-- when idempotent or `retry = true`.
local function may_retry(reqt, nreqt)
    local retry = reqt.retry
    if retry == false then return false end
    if nreqt.source then return type(retry) == "function" end
    return retry == true or type(retry) == "function" or IDEMPOTENT[nreqt.method] == true
end

-- Redirect bodies up to this size are read and dropped so that the
-- connection can carry the next hop; a longer one closes it.
local DRAIN_MAX = 64 * 1024

---------------------------------------------------------------------------
-- Whole-request deadlines (opt-in)
---------------------------------------------------------------------------

-- A connection whose every operation first sets the socket's timeout to
-- what is left before `deadline` (when that is less than the per-operation
-- timeout), and fails with "timeout" once nothing is left.
local deadline_methods = {}
local deadline_meta = { __index = deadline_methods }

local function deadlined(c, deadline)
    return setmetatable({ c = c, deadline = deadline }, deadline_meta)
end

-- Sets the timeout for the next operation; false when the time is up.
local function arm(self)
    local left = self.deadline - monotime()
    if left <= 0 then return false end
    local t = self.timeout
    if t == nil or t < 0 or left < t then t = left end
    self.c:settimeout(t)
    return true
end

function deadline_methods:settimeout(value)
    self.timeout = tonumber(value)
    return self.c:settimeout(value)
end

function deadline_methods:connect(host, port)
    if not arm(self) then return nil, "timeout" end
    return self.c:connect(host, port)
end

function deadline_methods:send(data, i, j)
    if not arm(self) then return nil, "timeout", (i or 1) - 1 end
    return self.c:send(data, i, j)
end

function deadline_methods:receive(pattern, prefix, maxsize)
    if not arm(self) then return nil, "timeout", prefix or "" end
    return self.c:receive(pattern, prefix, maxsize)
end

function deadline_methods:setoption(...)
    if not self.c.setoption then return nil, "not supported" end
    return self.c:setoption(...)
end

function deadline_methods:close() return self.c:close() end
function deadline_methods:getfd() return self.c:getfd() end
function deadline_methods:dirty() return self.c:dirty() end

-- A connection object (as http.open returns) around socket `c`, its
-- operations bounded by `deadline` when there is one.
local function adopt(c, deadline)
    local h = setmetatable({ c = c, raw = c }, conn_meta)
    h.try = socket.newtry(function() h:close() end)
    if deadline then h.c = deadlined(c, deadline) end
    h.try(h.c:settimeout(http.TIMEOUT))
    -- Without a deadline, the timeout the socket keeps: a kept connection
    -- is used through the same object again while http.TIMEOUT is this.
    if not deadline then h.timeout = http.TIMEOUT end
    return h
end

-- A new connection for `nreqt`, as http.open makes, under `deadline`.
local function connect(nreqt, deadline)
    local c = try(nreqt.create())
    if deadline and getmetatable(c) == tls_meta then c.deadline = deadline end
    local h = adopt(c, deadline)
    h.try(h.c:connect(nreqt.host, nreqt.port))
    return h
end

---------------------------------------------------------------------------
-- High-level API
---------------------------------------------------------------------------

local function bracket(host)
    if find(host, ":", 1, true) then return "[" .. host .. "]" end
    return host
end

-- The request target: the path (origin form), or the whole URL when the
-- request goes through a proxy.
local function request_uri(nreqt, proxied)
    local path = nreqt.path
    if not path then try(nil, "invalid path 'nil'") end
    if not (proxied or nreqt.params or nreqt.query) then return path end
    local target = {
        path = path,
        params = nreqt.params,
        query = nreqt.query,
    }
    if proxied then
        -- The port even when it is the default one, as LuaSocket sends it
        -- ("GET http://host:80/path"); no user name or password.
        target.scheme, target.host, target.port = nreqt.scheme, nreqt.host, nreqt.port
    end
    return url.build(target)
end

local function basic_auth(user, password)
    return "Basic " .. (mime.b64(url.unescape(user) .. ":" .. url.unescape(password)))
end

local function request_headers(nreqt, proxy)
    local host = bracket(tostring(nreqt.host))
    local port = tostring(nreqt.port)
    if port ~= tostring(SCHEMES[nreqt.scheme].port) then host = host .. ":" .. port end
    local out = {
        ["user-agent"] = http.USERAGENT,
        ["host"] = host,
        -- A pooled request leaves the connection open: HTTP/1.1 keeps it
        -- by default, and keep-alive asks HTTP/1.0 servers and proxies too.
        ["connection"] = nreqt.keepalive_on and KEEP_ALIVE or "close, TE",
        ["te"] = "trailers",
    }
    if nreqt.user and nreqt.password then
        out["authorization"] = basic_auth(nreqt.user, nreqt.password)
    end
    if proxy and proxy.user and proxy.password then
        out["proxy-authorization"] = basic_auth(proxy.user, proxy.password)
    end
    local given = nreqt.headers
    if given then
        for name, value in pairs(given) do
            if type(name) == "string" then name = lower(name) end
            out[name] = value
        end
    end
    return out
end

local DEFAULTS = { path = "/", scheme = "http" }

-- The last head built for a request without headers, body or credentials
-- of its own, and everything it was built from (request_headers and
-- header_block read nothing else). Its `headers` table is shared by the
-- requests that reuse it; nothing changes such a table after this point.
local last_head = {}
-- (same_head compares them in this order)
local HEAD_NAMES = { "user-agent", "host", "connection", "te" }

local function same_head(nreqt, method, scheme)
    local m = last_head
    if m.head == nil or m.method ~= method or m.uri ~= nreqt.uri or m.host ~= nreqt.host
        or m.port ~= nreqt.port or m.scheme ~= scheme or m.default_port ~= SCHEMES[scheme].port
        or m.agent ~= http.USERAGENT or m.keep ~= nreqt.keepalive_on then
        return false
    end
    -- the names' spelling comes from socket.headers.canonic, which programs may change
    local canonic = headers_module.canonic
    return m[1] == canonic["user-agent"] and m[2] == canonic.host and m[3] == canonic.connection
        and m[4] == canonic.te
end

local function remember_head(nreqt, method, scheme)
    local canonic = headers_module.canonic
    local m = {
        head = nreqt.head, headers = nreqt.headers, method = method, uri = nreqt.uri, host = nreqt.host,
        port = nreqt.port, scheme = scheme, default_port = SCHEMES[scheme].port, agent = http.USERAGENT,
        keep = nreqt.keepalive_on,
    }
    for i = 1, #HEAD_NAMES do m[i] = canonic[HEAD_NAMES[i]] end
    last_head = m
end

-- Request tables keys a redirect carries to the next hop.
local CARRIED = { "source", "sink", "headers", "proxy", "maxredirects", "method", "step", "servername",
    "retry", "headerlist", "tls" }
do
    local carried = {}
    for _, name in ipairs(CARRIED) do carried[name] = true end
    for _, name in ipairs(transports.PARAMS) do
        if not carried[name] then
            carried[name] = true
            CARRIED[#CARRIED + 1] = name
        end
    end
end

-- Fills in a request from its URL and the defaults; raises (through `try`)
-- on anything that cannot be sent.
-- The parts of URL `u` over DEFAULTS, in a new table (or nil for an empty
-- URL). The last URL's parts are remembered: a program calling the same
-- endpoint again (a kept-alive connection's usual case) parses it once.
local last_url, last_parts
local function parse_url(u)
    if u ~= last_url then
        local parts = url.parse(u, DEFAULTS)
        if not parts then return nil end
        last_url, last_parts = u, parts
    end
    local copy = {}
    for k, v in pairs(last_parts) do copy[k] = v end
    return copy
end

local last_uri
local function adjust_request(reqt, pool)
    local nreqt = reqt.url and parse_url(reqt.url) or { path = DEFAULTS.path, scheme = DEFAULTS.scheme }
    for k, v in pairs(reqt) do nreqt[k] = v end
    nreqt.keepalive_on = pool ~= nil
    local scheme = nreqt.scheme
    local defs = SCHEMES[scheme]
    if not defs then try(nil, "invalid scheme '" .. tostring(scheme) .. "'") end
    if not (nreqt.port and nreqt.port ~= "") then nreqt.port = defs.port end
    if not (nreqt.method and nreqt.method ~= "") then nreqt.method = "GET" end
    if not (nreqt.host and nreqt.host ~= "") then
        try(nil, "invalid host '" .. tostring(nreqt.host) .. "'")
    end
    local method = nreqt.method
    if method ~= "GET" and not headers_module.token(method) then
        try(nil, "invalid method '" .. gsub(tostring(nreqt.method), "%c", "?") .. "'")
    end
    -- The URL this request stands for, as the base of a relative redirect.
    nreqt.base = reqt.url or url.build {
        scheme = scheme,
        host = nreqt.host,
        port = nreqt.port,
        path = nreqt.path,
        params = nreqt.params,
        query = nreqt.query,
    }
    local proxy = reqt.proxy or http.PROXY
    if pool then
        nreqt.origin = scheme .. "://" .. lower(tostring(nreqt.host)) .. ":" .. tostring(nreqt.port)
        nreqt.proxyurl = proxy
    end
    if proxy then
        proxy = url.parse(proxy)
        if not (proxy and SCHEMES[proxy.scheme] and proxy.host) then
            try(nil, "invalid proxy '" .. tostring(reqt.proxy or http.PROXY) .. "'")
        end
    end
    -- https through a proxy goes through a CONNECT tunnel (unless `create`
    -- is given: then the request goes as LuaSocket sends it, in the clear).
    local tunnel = proxy and scheme == "https" and not reqt.create
    if tunnel and proxy.scheme ~= "http" then try(nil, "https needs an http:// proxy") end
    local forward = proxy and not tunnel
    local uri = reqt.uri or request_uri(nreqt, forward)
    -- (the last good target is remembered: the same one is checked once)
    if uri ~= last_uri then
        if type(uri) ~= "string" or uri == "" or find(uri, "%c") then try(nil, "invalid url") end
        last_uri = uri
    end
    nreqt.uri = uri
    -- Without headers, body or credentials of its own, a request's head
    -- depends only on what `same_head` compares: the last such head is
    -- reused (a program calling one endpoint again and again). Not with a
    -- `create` of the caller's: it is handed the request and may edit it.
    local plain = nreqt.headers == nil and not nreqt.source and not (forward and proxy) and not reqt.create
        and not (nreqt.user and nreqt.password) and type(nreqt.host) == "string"
    if plain and same_head(nreqt, method, scheme) then
        nreqt.headers, nreqt.head = last_head.headers, last_head.head
    else
        nreqt.headers = request_headers(nreqt, forward and proxy)
        if nreqt.source and not nreqt.headers["content-length"] and not nreqt.headers["transfer-encoding"] then
            nreqt.headers["transfer-encoding"] = "chunked"
        end
        -- Built (and checked) before connecting: a bad request is never sent.
        nreqt.head = header_block(try, nreqt.headers, { method, " ", nreqt.uri, " HTTP/1.1\r\n" })
        if plain then remember_head(nreqt, method, scheme) end
    end
    local create = reqt.create
    if tunnel then
        local host = tostring(nreqt.host)
        if find(host, "%c") then try(nil, "invalid host '" .. gsub(host, "%c", "?") .. "'") end
        create = try(tls_create(nreqt, {
            target = bracket(host) .. ":" .. tostring(nreqt.port),
            auth = proxy.user and proxy.password and basic_auth(proxy.user, proxy.password),
            servername = host,
        }))
        nreqt.host, nreqt.port = proxy.host, proxy.port or 3128
    elseif proxy then
        nreqt.host, nreqt.port = proxy.host, proxy.port or 3128
        if not create then create = try(SCHEMES[proxy.scheme].create(proxy)) end
    elseif not create then
        create = try(defs.create(nreqt))
    end
    nreqt.create = create
    return nreqt
end

local REDIRECT_CODES = { [301] = true, [302] = true, [303] = true, [307] = true }

-- The absolute URL to follow, when response `code`/`headers` to `nreqt`
-- is a redirect this request may follow; nil otherwise.
local function redirect_target(nreqt, code, headers)
    local location = headers.location
    if not location then return nil end
    location = gsub(location, "%s", "")
    if location == "" then return nil end
    location = url.absolute(nreqt.base, location)
    local target = url.parse(location)
    local scheme = target and target.scheme
    if scheme and not SCHEMES[scheme] then return nil end
    -- never from https to anything else
    if nreqt.scheme == "https" and scheme ~= "https" then return nil end
    if nreqt.redirect == false or not REDIRECT_CODES[code] then return nil end
    if nreqt.method ~= "GET" and nreqt.method ~= "HEAD" then return nil end
    local max, done = nreqt.maxredirects, nreqt.nredirects or 0
    if max == false then max = REDIRECT_CEILING end
    if done >= (max or 5) then return nil end
    return location
end

local function has_body(method, code)
    if method == "HEAD" then return false end
    if code == 204 or code == 304 then return false end
    if code >= 100 and code < 200 then return false end
    return true
end

-- Marks an exchange to send again on a fresh connection.
local RETRY = {}

-- Sends the request on connection `h` and reads the status line, as the
-- steps of http.open do. With `retryable` (a reused connection), a failure
-- of the socket before any response byte returns RETRY instead of raising.
local function send_request(h, nreqt, retryable)
    if nreqt.source then
        -- The head and the body go in several writes, which must not wait
        -- for ACKs (Nagle). Without a body the head is one write, which
        -- Nagle never delays, so the option is not worth its system call.
        -- Objects from a `create` hook may lack setoption, or refuse.
        local c = h.c
        if c.setoption then pcall(c.setoption, c, "tcp-nodelay", true) end
    end
    if not retryable then
        h:sendhead(nreqt.head)
        if nreqt.source then h:sendbody(nreqt.headers, nreqt.source, nreqt.step) end
        return h:receivestatusline()
    end
    local c = h.c
    local ok, err = c:send(nreqt.head)
    if not ok then
        if err == "timeout" then h.try(nil, err) end
        return RETRY
    end
    if nreqt.source then
        local sock_failed
        ok, err, sock_failed = pump_body(c, nreqt.headers, nreqt.source, nreqt.step)
        if not ok then
            if sock_failed and err ~= "timeout" then return RETRY end
            h.try(nil, err)
        end
    end
    local head, partial
    head, err, partial = c:receive(5)
    if not head then
        if err ~= "timeout" and (partial == nil or partial == "") then return RETRY end
        h.try(nil, err)
    end
    return statusline(h, head)
end

-- Reads and drops a redirect's body so that its connection can be kept;
-- false when that is not possible (unknown length, too long, an error).
local function drain(h, nreqt, code, headers)
    if not has_body(nreqt.method, code) then return true end
    local source, framed = body_source(h.c, headers)
    if not framed then return false end
    local left = DRAIN_MAX
    while true do
        local chunk, err = source()
        if err then return false end
        if not chunk then return true end
        left = left - #chunk
        if left < 0 then return false end
    end
end

-- One exchange. Returns 1, code, headers, status (and, with headerlist,
-- the header lines); or, for a redirect to follow, nil, the absolute
-- location, the raw Location header and the adjusted request. `state`
-- holds the request's pool and deadline (both nil unless asked for).
local function exchange(reqt, state)
    local pool, deadline = state.pool, state.deadline
    if deadline and monotime() >= deadline then try(nil, "timeout") end
    local nreqt = adjust_request(reqt, pool)
    local h, owner, key, code, status
    if pool then
        owner, key = reqt.create or DIRECT, pool_key(nreqt)
        local c, kept = pool_take(pool, owner, key)
        if c then
            if kept and not deadline and kept.timeout == http.TIMEOUT then
                h = kept
            else
                h = adopt(c, deadline)
            end
            code, status = send_request(h, nreqt, may_retry(reqt, nreqt))
            if code == RETRY then
                h:close()
                h = nil
                if nreqt.source then nreqt.source = reqt.retry() end
            end
        end
    end
    if not h then
        if pool or deadline then
            h = connect(nreqt, deadline)
        else
            h = http.open(nreqt.host, nreqt.port, nreqt.create)
        end
        code, status = send_request(h, nreqt, false)
    end
    if not code then
        -- HTTP/0.9: no status line, no headers, the body up to the end
        h:receive09body(status, nreqt.sink, nreqt.step)
        h:close()
        return 1, 200
    end
    -- interim responses (100 Continue, 103 Early Hints...) are skipped
    while code >= 100 and code < 200 and code ~= 101 do
        h:receiveheaders()
        code, status = h:receivestatusline()
        if not code then h.try(nil, "malformed status line") end
    end
    local list = nreqt.headerlist and {} or nil
    local headers = h.try(receiveheaders(h.c, nil, list))
    -- A body already sent cannot be sent again: no redirect then.
    local location = not nreqt.source and redirect_target(nreqt, code, headers)
    if location then
        if pool and persistent(nreqt, code, status, headers) and drain(h, nreqt, code, headers) then
            pool_put(pool, owner, key, h.raw, h)
        else
            h:close()
        end
        return nil, location, headers.location, nreqt
    end
    local ended = true
    if has_body(nreqt.method, code) then
        local length = pool and not nreqt.step and short_length(headers)
        if length then
            local ok, err
            ok, err, ended = pump_short(h.c, length, nreqt.sink or ltn12.sink.null())
            h.try(ok, err)
        elseif pool then
            local source, framed = body_source(h.c, headers)
            -- The connection is kept only when the body was read to its end.
            ended = false
            local function watched()
                local chunk, err = source()
                if chunk == nil and err == nil then ended = framed end
                return chunk, err
            end
            h.try(ltn12.pump.all(watched, nreqt.sink or ltn12.sink.null(), nreqt.step or ltn12.pump.step))
        else
            h:receivebody(headers, nreqt.sink, nreqt.step)
        end
    end
    if pool and ended and persistent(nreqt, code, status, headers) then
        pool_put(pool, owner, key, h.raw, h)
    else
        h:close()
    end
    if list then return 1, code, headers, status, list end
    return 1, code, headers, status
end

-- The pool a request uses: `pool`, or with `keepalive` (default
-- http.KEEPALIVE) the module's http.POOL; nil when reuse is off.
local function request_pool(reqt)
    if reqt.keepalive == false then return nil end
    local pool = reqt.pool
    if pool == nil or pool == false then
        local keep = reqt.keepalive
        if keep == nil then keep = http.KEEPALIVE end
        if not keep then return nil end
        pool = http.POOL
    end
    if getmetatable(pool) ~= pool_meta then try(nil, "invalid pool") end
    return pool
end

local function trequest(reqt, deadline)
    local state = { pool = request_pool(reqt), deadline = deadline }
    local last_location
    while true do
        local result, code, headers, status, list = exchange(reqt, state)
        if result then
            -- After redirects, Location tells where the answer came from.
            if last_location then
                headers = headers or {}
                headers.location = headers.location or last_location
            end
            if list then return result, code, headers, status, list end
            return result, code, headers, status
        end
        local location, nreqt = code, status
        last_location = headers
        local nextreqt = { url = location, nredirects = (nreqt.nredirects or 0) + 1 }
        for _, name in ipairs(CARRIED) do nextreqt[name] = reqt[name] end
        -- a new scheme needs its own connection factory
        if url.parse(location).scheme == nreqt.scheme then nextreqt.create = reqt.create end
        reqt = nextreqt
    end
end

--- The request table `request(url [, body])` builds: a GET, or with `body`
-- a POST of `application/x-www-form-urlencoded` data. Its `target` field
-- is the table the sink fills.
function http.genericform(u, b)
    local t = {}
    local reqt = {
        url = u,
        sink = ltn12.sink.table(t),
        target = t,
    }
    if b then
        reqt.source = ltn12.source.string(b)
        reqt.headers = {
            ["content-length"] = #b,
            ["content-type"] = "application/x-www-form-urlencoded",
        }
        reqt.method = "POST"
    end
    return reqt
end

-- Joins the pieces of a body into one string. table.concat grows a buffer
-- and then copies it into the string, so a large body is copied twice
-- through fresh memory; a chain `a1 .. a2 .. ... .. an` is one concatenation
-- that allocates the result once. Functions doing that for n arguments are
-- compiled on first use (n up to JOIN_MAX; beyond, table.concat).
local JOIN_MAX = 100
local joiners = {}
local compile = loadstring or load -- 5.1: load takes no string
local unpack = table.unpack or unpack

local function join(pieces)
    local n = #pieces
    if n <= 1 then return pieces[1] or "" end
    if n > JOIN_MAX or not compile then return concat(pieces) end
    local f = joiners[n]
    if not f then
        local names = {}
        for i = 1, n do names[i] = "a" .. i end
        f = compile("local " .. concat(names, ", ") .. " = ...\nreturn " .. concat(names, " .. "))
        if not f then return concat(pieces) end
        joiners[n] = f
    end
    return f(unpack(pieces, 1, n))
end

local function srequest(u, b, deadline)
    local reqt = http.genericform(u, b)
    local _, code, headers, status = trequest(reqt, deadline)
    return join(reqt.target), code, headers, status
end

--- Performs an HTTP request.
--
-- `request(url [, body])`: GET `url` (POST `body` when given); returns
-- `body, code, headers, status`.
--
-- `request{url = ..., sink =, method =, headers =, source =, step =,
-- proxy =, redirect =, maxredirects =, create =, ...}` (plus, for https,
-- LuaSec's `verify`, `cafile`, `capath`, `protocol`, `options`, ...):
-- returns `1, code, headers, status`, the body going to `sink`.
--
-- Failures return `nil, message`.
local request = socket.protect(function(reqt, body, deadline)
    if type(reqt) == "string" then
        return srequest(reqt, body, deadline)
    end
    return trequest(reqt, deadline)
end)

-- Whatever failed once the deadline has passed, the request timed out.
local function expired(deadline, ok, ...)
    if ok == nil and monotime() >= deadline then return nil, "timeout" end
    return ok, ...
end

http.request = function(reqt, body)
    local limit = http.REQUEST_TIMEOUT
    if type(reqt) == "table" and reqt.timeout ~= nil then limit = reqt.timeout end
    if limit == nil or limit == false then return request(reqt, body) end
    if type(limit) ~= "number" or limit ~= limit then return nil, "invalid timeout '" .. tostring(limit) .. "'" end
    local deadline = monotime() + limit
    return expired(deadline, request(reqt, body, deadline))
end

return http
