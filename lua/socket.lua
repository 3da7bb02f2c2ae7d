---
-- LuaSocket's public `socket` table: the native `socket.core` table,
-- extended with the parts written in Lua.
-- @module socket

local socket = require("socket.core")

local error, getmetatable, pcall, select, setmetatable, tostring, type, ipairs =
    error, getmetatable, pcall, select, setmetatable, tostring, type, ipairs
local math_min = math.min

socket.BLOCKSIZE = 2048

---------------------------------------------------------------------------
-- Connecting and binding
---------------------------------------------------------------------------

--- Connects over IPv4 only. Same arguments and returns as `socket.connect`.
function socket.connect4(address, port, laddress, lport)
    return socket.connect(address, port, laddress, lport, "inet")
end

--- Connects over IPv6 only. Same arguments and returns as `socket.connect`.
function socket.connect6(address, port, laddress, lport)
    return socket.connect(address, port, laddress, lport, "inet6")
end

--- Creates a listening TCP server: resolves `host` (`"*"` means every IPv4
-- interface), sets `reuseaddr`, binds and listens.
-- @param host address or name
-- @param port number or service name
-- @param backlog listen queue length (default 32)
-- @return a `tcp{server}`, or `nil, message`
function socket.bind(host, port, backlog)
    if host == "*" then host = "0.0.0.0" end
    local candidates, err = socket.dns.getaddrinfo(host)
    if not candidates then return nil, err end
    err = "no info on address"
    for _, candidate in ipairs(candidates) do
        local sock
        if candidate.family == "inet6" then
            sock, err = socket.tcp6()
        else
            sock, err = socket.tcp4()
        end
        if not sock then return nil, err end
        sock:setoption("reuseaddr", true)
        local ok
        ok, err = sock:bind(candidate.addr, port)
        if ok then
            ok, err = sock:listen(backlog)
            if ok then return sock end
        end
        sock:close()
    end
    return nil, err
end

---------------------------------------------------------------------------
-- Exceptions: try, newtry, protect
---------------------------------------------------------------------------

-- Errors raised by a `try` carry this metatable, so `protect` can tell
-- them from every other error.
local try_error = {
    __tostring = function(self) return tostring(self[1]) end,
}

--- Makes a `try` function: `try(ret1, ret2, ...)` returns all its arguments
-- when `ret1` is truthy; otherwise it calls `finalizer()` (if any) and raises
-- an exception carrying `ret2`, which `protect` turns back into `nil, ret2`.
-- @param finalizer optional function called before raising
function socket.newtry(finalizer)
    return function(...)
        if (...) then return ... end
        if finalizer then finalizer() end
        error(setmetatable({ (select(2, ...)) }, try_error), 0)
    end
end

local function unwrap(ok, ...)
    if ok then return ... end
    local err = (...)
    if type(err) == "table" and getmetatable(err) == try_error then
        return nil, err[1]
    end
    error(err, 0)
end

--- Wraps `func` so that exceptions raised by `try` come back as
-- `nil, message`; any other error propagates unchanged. Works across
-- coroutine yields wherever `pcall` does (Lua 5.2+ and LuaJIT).
function socket.protect(func)
    return function(...)
        return unwrap(pcall(func, ...))
    end
end

--- The default `try`: no finalizer.
socket.try = socket.newtry()

---------------------------------------------------------------------------
-- choose, sources and sinks
---------------------------------------------------------------------------

--- Returns `f(name, opt1, opt2)` that calls `t[name](opt1, opt2)`. A
-- non-string first argument selects `t.default` and shifts the arguments.
-- An unknown name raises "unknown key (<name>)".
function socket.choose(t)
    return function(name, opt1, opt2)
        if type(name) ~= "string" then
            name, opt1, opt2 = "default", name, opt1
        end
        local f = t[name or "nil"]
        if not f then error("unknown key (" .. tostring(name) .. ")", 3) end
        return f(opt1, opt2)
    end
end

-- A callable table that select() accepts: it forwards getfd/dirty to sock.
local function selectable(sock, call)
    return setmetatable({
        getfd = function() return sock:getfd() end,
        dirty = function() return sock:dirty() end,
    }, { __call = call })
end

local sinkt = {}
local sourcet = {}
socket.sinkt = sinkt
socket.sourcet = sourcet

--- Sink that sends every chunk and closes the socket at the end.
sinkt["close-when-done"] = function(sock)
    return selectable(sock, function(_, chunk)
        if chunk then return sock:send(chunk) end
        sock:close()
        return 1
    end)
end

--- Sink that sends every chunk and leaves the socket open.
sinkt["keep-open"] = function(sock)
    return selectable(sock, function(_, chunk)
        if chunk then return sock:send(chunk) end
        return 1
    end)
end

sinkt["default"] = sinkt["keep-open"]

--- Source of exactly `length` bytes, in blocks of `socket.BLOCKSIZE`.
sourcet["by-length"] = function(sock, length)
    return selectable(sock, function()
        if length <= 0 then return nil end
        local chunk, err = sock:receive(math_min(socket.BLOCKSIZE, length))
        if err then return nil, err end
        length = length - #chunk
        return chunk
    end)
end

--- Source of everything until the peer closes; the socket is closed then.
sourcet["until-closed"] = function(sock)
    local finished = false
    return selectable(sock, function()
        if finished then return nil end
        local chunk, err, partial = sock:receive(socket.BLOCKSIZE)
        if not err then return chunk end
        if err == "closed" then
            sock:close()
            finished = true
            return partial
        end
        return nil, err
    end)
end

sourcet["default"] = sourcet["until-closed"]

--- `socket.sink(mode, sock)`: a sink from `sinkt`.
socket.sink = socket.choose(sinkt)
--- `socket.source(mode, sock [, length])`: a source from `sourcet`.
socket.source = socket.choose(sourcet)

return socket
