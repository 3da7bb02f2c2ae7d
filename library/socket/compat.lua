---@meta socket.compat
-- LuaLS annotations for `require("socket.compat")`: LuaSocket 1.0's global
-- functions. Manual: docs/compat.md. The globals themselves are not
-- declared here (they would show up in every workspace); a 1.0 script can
-- call them through the table this module returns, or list them in
-- `diagnostics.globals`.

---The functions `require("socket.compat")` also installs as globals.
---@class socket.compat
local compat = {}

---Connects: a `tcp{client}` or `nil, message`.
---@param address string
---@param port number|string
---@return socket.tcp.client|nil client
---@return string? err
function compat.connect(address, port) end

---A listening server: a `tcp{server}` or `nil, message`.
---@param address string
---@param port number|string
---@param backlog? integer
---@return socket.tcp.server|nil server
---@return string? err
function compat.bind(address, port, backlog) end

---Makes a bound master listen: `nil` on success, else the message.
---@param sock socket.tcp.master
---@param backlog? integer
---@return string? err
function compat.listen(sock, backlog) end

---Waits for a client.
---@param server socket.tcp.server
---@return socket.tcp.client|nil client
---@return string? err
function compat.accept(server) end

---Sends each string in order: `nil` on success, else the message.
---@param sock socket.tcp.client
---@param ... string
---@return string? err
function compat.send(sock, ...) end

---One result per pattern (default `"*l"`; also 1.0's `"*lu"`, a line with
---its end kept), then the error (`nil` when all were satisfied).
---@param sock socket.tcp.client
---@param ... socket.pattern|"*lu"
---@return any ...
function compat.receive(sock, ...) end

---Sets a timeout: mode `"b"` (default) or `"r"`/`"t"`.
---@param sock socket.tcp
---@param value number?
---@param mode? socket.timeoutmode
function compat.timeout(sock, value, mode) end

---Closes the socket.
---@param sock socket.tcp
function compat.close(sock) end

return compat
