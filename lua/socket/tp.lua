---
-- socket.tp: the line-oriented command/reply engine shared by socket.smtp
-- and socket.ftp ("tp" for transfer protocol).
--
-- A server reply is one line `ddd text`, or several lines, the first
-- `ddd-text` and the last `ddd text` with the same code (RFC 959 §4.2,
-- RFC 5321 §4.2.1). `tp.connect` returns an object wrapping a `tcp{client}`
-- whose methods read such replies, send commands and move bulk data through
-- LTN12 sources and sinks.
--
-- Behaviour follows LuaSocket's tp module, with these differences on purpose:
-- reply lines are read with `receive`'s `maxsize` (a line over 64 KiB, or a
-- multi-line reply over 1 MiB, gives `nil, "oversized"` instead of growing
-- memory without bound); a multi-line reply may also end with a bare `ddd`
-- line; `command` refuses a command or argument holding CR or LF
-- (`nil, "invalid command"`, by `socket.headers.oneline`), so data taken
-- from a URL or an address cannot smuggle in a second command;
-- `getsockname` returns the local address (LuaSocket's returns the peer's).
-- @module socket.tp

local socket = require("socket")
local ltn12 = require("ltn12")
local headers = require("socket.headers")

local ipairs, setmetatable, tonumber, tostring, type = ipairs, setmetatable, tonumber, tostring, type
local string_upper = string.upper
local table_concat = table.concat

local tp = {}
-- As upstream, loading the module also makes it reachable as socket.tp.
socket.tp = tp

--- Seconds each blocking call may take (the `timeout` default of `connect`).
tp.TIMEOUT = 60

-- Longest reply line accepted, and longest multi-line reply.
local MAX_LINE = 64 * 1024
local MAX_REPLY = 1024 * 1024

-- The code and separator at the start of a reply line: "250", "-".
local function split_code(line)
    local code, sep = line:match("^(%d%d%d)(.?)")
    return code, sep
end

-- Reads one whole reply. Returns the code (a string of three digits) and the
-- reply text (its lines joined by "\n"), or nil and an error message.
local function read_reply(c)
    local line, err = c:receive("*l", nil, MAX_LINE)
    if not line then return nil, err end
    local code, sep = split_code(line)
    if not code then return nil, "invalid server reply" end
    if sep ~= "-" then return code, line end
    -- Multi-line: every line up to the one that starts with the same code
    -- followed by a space (lines in between may hold any text).
    local lines, size = { line }, #line
    while true do
        line, err = c:receive("*l", nil, MAX_LINE)
        if not line then return nil, err end
        size = size + #line + 1
        if size > MAX_REPLY then return nil, "oversized" end
        lines[#lines + 1] = line
        local current, more = split_code(line)
        if current == code and more ~= "-" then break end
    end
    return code, table_concat(lines, "\n")
end

-- Does `code` match the pattern (or number) `want`?
local function matches(code, want)
    -- string.find as LuaSocket calls it: a number pattern is coerced, and a
    -- nil or table one raises "bad argument #2 to 'find'" as it does there.
    return string.find(code, want) ~= nil
end

local methods = {}
local metat = { __index = methods }

--- Reads a reply and checks its code.
-- @param ok a Lua pattern (or number) the three-digit code must match, a
--   table of such patterns (any may match), or a function called as
--   `ok(code, reply)` whose results are returned
-- @return the code as a number and the reply text; or `nil, reply` when the
--   code does not match; or `nil, message` when no reply could be read
--   (`"closed"`, `"timeout"`, `"invalid server reply"`, `"oversized"`)
function methods:check(ok)
    local code, reply = read_reply(self.c)
    if not code then return nil, reply end
    if type(ok) == "function" then
        return ok(tonumber(code), reply)
    end
    if type(ok) == "table" then
        for _, want in ipairs(ok) do
            if matches(code, want) then return tonumber(code), reply end
        end
        return nil, reply
    end
    if matches(code, ok) then return tonumber(code), reply end
    return nil, reply
end

--- Sends a command line: `cmd` in upper case, then a space and `arg` when
-- given, then CRLF.
-- @return what the socket's `send` returns; `nil, "invalid command"` (and
--   nothing sent) when `cmd` or `arg` holds CR or LF
function methods:command(cmd, arg)
    cmd = string_upper(cmd)
    local line
    if arg then
        arg = tostring(arg)
        line = cmd .. " " .. arg
    else
        line = cmd
    end
    if not headers.oneline(line) then return nil, "invalid command" end
    return self.c:send(line .. "\r\n")
end

--- Receives once with `pat` (a `receive` pattern) and hands the result to
-- the sink: `snk(chunk, err)`.
-- @return what the sink returns
function methods:sink(snk, pat)
    local chunk, err = self.c:receive(pat)
    return snk(chunk, err)
end

--- Sends everything `source` produces over the connection.
-- @param source an LTN12 source
-- @param step pump step function (default `ltn12.pump.step`)
-- @return `1`, or `nil, message`
function methods:source(source, step)
    local snk = socket.sink("keep-open", self.c)
    local ok, err = ltn12.pump.all(source, snk, step or ltn12.pump.step)
    return ok, err
end

--- Sends raw data. Same returns as the socket's `send`.
function methods:send(data)
    return self.c:send(data)
end

--- Receives raw data (a `receive` pattern). Same returns as the socket's.
function methods:receive(pat)
    return self.c:receive(pat)
end

--- The control connection's descriptor (for `socket.select`).
function methods:getfd()
    return self.c:getfd()
end

--- True when buffered input is waiting on the control connection.
function methods:dirty()
    return self.c:dirty()
end

--- The underlying `tcp{client}`.
function methods:getcontrol()
    return self.c
end

--- The peer's address: `ip, port, family`.
function methods:getpeername()
    return self.c:getpeername()
end

--- The local address: `ip, port, family`.
function methods:getsockname()
    return self.c:getsockname()
end

--- Closes the connection.
-- @return `1`
function methods:close()
    self.c:close()
    return 1
end

--- Connects to a server.
-- @param host name or address
-- @param port number or service name
-- @param timeout seconds for each blocking call (default `tp.TIMEOUT`)
-- @param create function returning a new, unconnected TCP object
--   (default `socket.tcp`)
-- @return the tp object, or `nil, message`
function tp.connect(host, port, timeout, create)
    local c, err = (create or socket.tcp)()
    if not c then return nil, err end
    c:settimeout(timeout or tp.TIMEOUT)
    local ok
    ok, err = c:connect(host, port)
    if not ok then
        c:close()
        return nil, err
    end
    return setmetatable({ c = c }, metat)
end

return tp
