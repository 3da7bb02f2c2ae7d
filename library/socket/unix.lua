---@meta socket.unix
-- LuaLS annotations for `require("socket.unix")`: unix-domain stream and
-- datagram sockets. The manual is docs/unix.md.

---The module: callable (`unix()` makes a stream socket), with `stream`,
---`dgram` and the old aliases `tcp` and `udp`.
---@class socket.unix
---@overload fun(): socket.unixstream.master|nil, string?
local unix = {}

---Creates a stream socket (`unixstream{master}`).
---@return socket.unixstream.master|nil sock
---@return string? err
function unix.stream() end

---Creates a datagram socket (`unixdgram{unconnected}`).
---@return socket.unixdgram.unconnected|nil sock
---@return string? err
function unix.dgram() end

---Old name of `unix.stream`.
---@return socket.unixstream.master|nil sock
---@return string? err
function unix.tcp() end

---Old name of `unix.dgram`.
---@return socket.unixdgram.unconnected|nil sock
---@return string? err
function unix.udp() end

---------------------------------------------------------------------------
-- Stream sockets
---------------------------------------------------------------------------

---Methods every unix stream object has. Paths are bytes: a leading `"\0"`
---names a Linux abstract socket; 108 bytes or more is `"path too long"`.
---@class socket.unixstream
local stream = {}

---Closes the socket. Always `1`.
---@return 1
function stream:close() end

---True when input is waiting in this object's own buffer.
---@return boolean
function stream:dirty() end

---The descriptor, `-1` when closed.
---@return integer
function stream:getfd() end

---Replaces the descriptor without closing the old one.
---@param fd integer
function stream:setfd(fd) end

---The bound path (`""` when unnamed; abstract names keep their `"\0"`).
---@return string|nil path
---@return string? err
function stream:getsockname() end

---Sets `"keepalive"`, `"reuseaddr"` (booleans) or `"linger"`.
---@param name "keepalive"|"reuseaddr"|"linger"
---@param value boolean|socket.linger
---@return 1|nil ok
---@return string? err `"setsockopt failed"`
function stream:setoption(name, value) end

---Sets the block (`"b"`) or total (`"t"`) limit in seconds.
---@param value number?
---@param mode? socket.timeoutmode
---@return 1
function stream:settimeout(value, mode) end

---A fresh unix stream socket. It becomes a client or a server in place,
---so the annotations give it their methods too.
---@class socket.unixstream.master: socket.unixstream.client, socket.unixstream.server
local smaster = {}

---Binds to `path`. A failed bind closes the socket.
---@param path string
---@return 1|nil ok
---@return string? err `"address already in use"`, `"path too long"`, ...
function smaster:bind(path) end

---Same as `bind`.
---@param path string
---@return 1|nil ok
---@return string? err
function smaster:setsockname(path) end

---Starts listening; the object becomes `unixstream{server}`.
---@param backlog? integer default 32
---@return 1|nil ok
---@return string? err
function smaster:listen(backlog) end

---Connects to `path`; the object becomes `unixstream{client}`. A failed
---connect closes the socket.
---@param path string
---@return 1|nil ok
---@return string? err `"No such file or directory"`, `"connection refused"`, `"timeout"`, ...
function smaster:connect(path) end

---Same as `connect`.
---@param path string
---@return 1|nil ok
---@return string? err
function smaster:setpeername(path) end

---A connected unix stream socket: `send` and `receive` as for TCP.
---@class socket.unixstream.client: socket.unixstream
local sclient = {}

---Sends `data:sub(i, j)`; see `socket.tcp.client:send`.
---@param data string|number
---@param i? integer
---@param j? integer
---@return integer|nil last
---@return string? err
---@return integer? sent
---@return number elapsed
function sclient:send(data, i, j) end

---Receives by pattern; see `socket.tcp.client:receive`.
---@param pattern? socket.pattern
---@param prefix? string
---@param maxsize? integer
---@return string|nil data
---@return string? err
---@return string? partial
---@return number elapsed
function sclient:receive(pattern, prefix, maxsize) end

---What has arrived, up to `max` bytes; see `socket.tcp.client:receiveany`.
---@param max integer
---@return string|nil data
---@return string? err
function sclient:receiveany(max) end

---Shuts down one or both directions.
---@param mode? socket.shutdownmode
---@return 1
function sclient:shutdown(mode) end

---Bytes received, bytes sent, seconds since creation.
---@return number received
---@return number sent
---@return number age
function sclient:getstats() end

---Resets the counters.
---@param received? number
---@param sent? number
---@param age? number
---@return 1
function sclient:setstats(received, sent, age) end

---A listening unix stream socket.
---@class socket.unixstream.server: socket.unixstream
local sserver = {}

---Waits for a client.
---@return socket.unixstream.client|nil client
---@return string? err
function sserver:accept() end

---------------------------------------------------------------------------
-- Datagram sockets
---------------------------------------------------------------------------

---Methods every unix datagram object has.
---@class socket.unixdgram
local dgram = {}

---Closes the socket. Always `1`.
---@return 1
function dgram:close() end

---Always false.
---@return boolean
function dgram:dirty() end

---The descriptor, `-1` when closed.
---@return integer
function dgram:getfd() end

---Replaces the descriptor without closing the old one.
---@param fd integer
function dgram:setfd(fd) end

---The bound path, or `""`.
---@return string|nil path
---@return string? err
function dgram:getsockname() end

---Fixes the peer; the object becomes `unixdgram{connected}`.
---@param path string
---@return 1|nil ok
---@return string? err
function dgram:connect(path) end

---Same as `connect`.
---@param path string
---@return 1|nil ok
---@return string? err
function dgram:setpeername(path) end

---Receives one datagram, whole unless `size` is smaller.
---@param size? integer
---@return string|nil data
---@return string? err `"timeout"`, `"refused"` (closed socket), ...
function dgram:receive(size) end

---Sets `"reuseaddr"`.
---@param name "reuseaddr"
---@param value boolean
---@return 1|nil ok
---@return string? err
function dgram:setoption(name, value) end

---Sets the block (`"b"`) or total (`"t"`) limit in seconds.
---@param value number?
---@param mode? socket.timeoutmode
---@return 1
function dgram:settimeout(value, mode) end

---The limits as set, `-1` when unset.
---@return number block
---@return number total
function dgram:gettimeout() end

---A unix datagram socket with no fixed peer. `connect` turns it into a
---`unixdgram{connected}` in place, so it gets that class's methods too.
---@class socket.unixdgram.unconnected: socket.unixdgram.connected
local dunconnected = {}

---Binds to `path`. A failed bind closes the socket.
---@param path string
---@return 1|nil ok
---@return string? err
function dunconnected:bind(path) end

---Same as `bind`.
---@param path string
---@return 1|nil ok
---@return string? err
function dunconnected:setsockname(path) end

---Sends a datagram to the socket bound at `path`.
---@param datagram string|number
---@param path string
---@return integer|nil sent
---@return string? err `"No such file or directory"`, `"path too long"`, ...
function dunconnected:sendto(datagram, path) end

---Receives one datagram and the sender's path (`""` when unbound).
---@param size? integer
---@return string|nil data
---@return string path_or_err
function dunconnected:receivefrom(size) end

---A unix datagram socket with a fixed peer.
---@class socket.unixdgram.connected: socket.unixdgram
local dconnected = {}

---Sends a datagram to the peer.
---@param datagram string|number
---@return integer|nil sent
---@return string? err `"connection refused"` when the peer went away
function dconnected:send(datagram) end

return unix
