---@meta socket.tp
-- LuaLS annotations for `require("socket.tp")`. Manual: docs/tp.md.

---The command/reply engine under SMTP and FTP.
---@class socket.tp
local tp = {}

---Seconds each socket operation may take by default: 60.
---@type number
tp.TIMEOUT = 60

---Connects: the connection object, or `nil, message`.
---@param host string
---@param port number|string
---@param timeout? number default `tp.TIMEOUT`
---@param create? fun(): any a replacement for `socket.tcp`
---@return socket.tp.connection|nil conn
---@return string? err
function tp.connect(host, port, timeout, create) end

---A connection from `tp.connect`.
---@class socket.tp.connection
---@field c socket.tcp.client
local conn = {}

---Reads a reply and checks its code against a pattern, a list of patterns,
---or a function `ok(code, reply)`. `code, reply`; `nil, reply` on a
---mismatch; `nil, message` when no reply could be read.
---@param ok string|integer|(string|integer)[]|fun(code: integer, reply: string): ...
---@return integer|nil code
---@return string reply_or_err
function conn:check(ok) end

---Sends `CMD arg` and CRLF; `nil, "invalid command"` for CR or LF in them.
---@param cmd string
---@param arg? string|number
---@return integer|nil last
---@return string? err
function conn:command(cmd, arg) end

---Receives once with `pattern` and passes the result to `snk`.
---@param snk ltn12.Sink
---@param pattern? socket.pattern
---@return any
function conn:sink(snk, pattern) end

---Sends everything `source` produces: `1` or `nil, message`.
---@param source ltn12.Source
---@param step? ltn12.Step
---@return 1|nil ok
---@return string? err
function conn:source(source, step) end

---Sends raw data (the socket's `send`).
---@param data string
---@return integer|nil last
---@return string? err
function conn:send(data) end

---Receives raw data (the socket's `receive`).
---@param pattern? socket.pattern
---@return string|nil data
---@return string? err
---@return string? partial
function conn:receive(pattern) end

---The underlying `tcp{client}`.
---@return socket.tcp.client
function conn:getcontrol() end

---The control connection's descriptor.
---@return integer
function conn:getfd() end

---True when input is buffered.
---@return boolean
function conn:dirty() end

---The peer's address.
---@return string|nil ip
---@return integer|string port_or_err
---@return socket.family? family
function conn:getpeername() end

---The local address.
---@return string|nil ip
---@return integer|string port_or_err
---@return socket.family? family
function conn:getsockname() end

---Closes the connection.
---@return 1
function conn:close() end

return tp
