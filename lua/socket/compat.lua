---
-- LuaSocket 1.0 compatibility: `require("socket.compat")` installs the
-- global functions LuaSocket 1.x scripts call, so such a script runs after
-- that one added line.
--
-- The functions (all globals, as in LuaSocket 1.x):
--
-- * `connect(address, port)` → client, or `nil, message`
-- * `bind(address, port [, backlog])` → server, or `nil, message`
-- * `listen(server, backlog)` → `nil` on success, or a message
-- * `accept(server)` → client, or `nil, message`
-- * `send(sock, string1, ...)` → `nil` on success, or a message (then the
--   strings after the failed one are not sent)
-- * `receive(sock [, pattern1, ...])` → one result per pattern (default
--   `"*l"`), then the error: `nil` when every pattern was satisfied. After a
--   failure the remaining results are `nil`. Patterns are those of
--   `receive`, plus 1.x's `"*lu"` (a line with its end of line kept).
-- * `timeout(sock, value [, mode])`: mode `"b"` (default) or `"r"`/`"t"`.
-- * `close(sock)`
--
-- The module returns the table of these functions; it also returns them
-- from `socket.compat` so a program may use them without globals.
-- @module socket.compat

local socket = require("socket")

local select, type = select, type

local compat = {}

--- Connects to `address`, `port`.
function compat.connect(address, port)
    return socket.connect(address, port)
end

--- Creates a server bound to `address`, `port`, listening with `backlog`.
function compat.bind(address, port, backlog)
    return socket.bind(address, port, backlog)
end

--- Sets the listen queue length of a bound server.
function compat.listen(server, backlog)
    local ok, err = server:listen(backlog)
    if ok then return nil end
    return err
end

--- Waits for a client on `server`.
function compat.accept(server)
    return server:accept()
end

--- Sends each string in order; `nil` on success, else the error message.
function compat.send(sock, ...)
    for i = 1, select("#", ...) do
        local data = select(i, ...)
        local ok, err = sock:send(data)
        if not ok then return err end
    end
    return nil
end

-- "*lu" (1.x): a line with its end of line kept, read up to the LF.
local function receive_one(sock, pattern)
    if pattern == "*lu" then
        local out = {}
        while true do
            local c, err = sock:receive(1)
            if not c then return nil, err end
            out[#out + 1] = c
            if c == "\n" then return table.concat(out) end
        end
    end
    return sock:receive(pattern)
end

--- Receives one result per pattern, then the error (`nil` if none).
function compat.receive(sock, ...)
    local n = select("#", ...)
    local patterns = { ... }
    if n == 0 then patterns, n = { "*l" }, 1 end
    local results = {}
    local err
    for i = 1, n do
        if err then
            results[i] = nil
        else
            local value, e = receive_one(sock, patterns[i])
            results[i] = value
            err = e
        end
    end
    results[n + 1] = err
    return (table.unpack or unpack)(results, 1, n + 1)
end

--- Sets a timeout on `sock`; mode "b" (block) or "r"/"t" (total).
function compat.timeout(sock, value, mode)
    if mode ~= nil and type(mode) ~= "string" then mode = nil end
    sock:settimeout(value, mode)
end

--- Closes `sock`.
function compat.close(sock)
    sock:close()
end

for name, f in pairs(compat) do
    _G[name] = f
end

socket.compat = compat
return compat
