---@meta socket.tls
-- LuaLS annotations for `require("socket.tls")`: TLS 1.2/1.3 over TCP
-- sockets, on rustls, with LuaSec's interface. The manual is docs/tls.md.

---@class socket.tls
local tls = {}

---`"socket.tls 1.0 (rustls)"`.
tls._VERSION = "socket.tls 1.0 (rustls)"

---@class socket.tls.params
---@field mode? "client"|"server"
---@field protocol? "any"|"sslv23"|"tlsv1_2"|"tlsv1_3"
---@field verify? "none"|"peer"|string[]
---@field cafile? string
---@field capath? string
---@field certificate? string
---@field key? string
---@field alpn? string|string[]
---@field servername? string
---@field options? string|string[]

---A context made by `tls.newcontext` (`tls{context}`).
---@class socket.tls.context

---Builds a context; raises for unknown or unsupported parameters.
---@param params socket.tls.params
---@return socket.tls.context|nil ctx
---@return string? err
function tls.newcontext(params) end

---Wraps a connected TCP socket (detached: its fd becomes -1).
---@param sock socket.tcp.client|table
---@param params socket.tls.params|socket.tls.context
---@return socket.tls.conn|nil conn
---@return string? err
function tls.wrap(sock, params) end

---Whether `v` is a context.
---@param v any
---@return boolean
function tls.iscontext(v) end

---A TLS connection: `tls{client}` or `tls{server}`.
---@class socket.tls.conn
local conn = {}

---Runs the handshake: `true`, or `false, msg` (`"wantread"`/`"wantwrite"`
---with a zero timeout).
---@return boolean ok
---@return string? err
function conn:dohandshake() end

---`tcp`'s receive over the decrypted bytes.
---@param pattern? "*l"|"*a"|"l"|"a"|integer
---@param prefix? string
---@param maxsize? integer
---@return string|nil data
---@return string? err
---@return string? partial
function conn:receive(pattern, prefix, maxsize) end

---Up to `max` decrypted bytes.
---@param max integer
---@return string|nil data
---@return string? err
function conn:receiveany(max) end

---@param data string
---@param i? integer
---@param j? integer
---@return integer|nil last
---@return string? err
---@return integer? last_sent
function conn:send(data, i, j) end

---@param value? number
---@param mode? "b"|"t"|"r"
---@return 1
function conn:settimeout(value, mode) end

---@return number block
---@return number total
function conn:gettimeout() end

---True while decrypted bytes are waiting.
---@return boolean
function conn:dirty() end

---@return integer fd
function conn:getfd() end

---@param fd integer
function conn:setfd(fd) end

---Sends close_notify and closes.
---@return 1
function conn:close() end

---@return string|nil ip
---@return integer|string port_or_err
---@return string? family
function conn:getpeername() end

---@return string|nil ip
---@return integer|string port_or_err
---@return string? family
function conn:getsockname() end

---@return number received
---@return number sent
function conn:getstats() end

---Sets a client's server name before the handshake.
---@param name string
---@return boolean
function conn:sni(name) end

---@return string|nil
function conn:getsniname() end

---@return string|nil
function conn:getalpn() end

---@param field? string
---@return table|string|integer|nil
function conn:info(field) end

---@param n? integer
---@return socket.tls.certificate|nil
function conn:getpeercertificate(n) end

---@return socket.tls.certificate[]|nil
function conn:getpeerchain() end

---A peer certificate (`tls{certificate}`). `subject`, `issuer`, `notbefore`,
---`notafter` and `serial` raise `socket.tls: malformed certificate` on one
---they cannot read (sent where nothing verified it); `digest` and `pem` always work.
---@class socket.tls.certificate
local cert = {}

---@return {oid: string, name: string, value: string}[]
function cert:subject() end

---@return {oid: string, name: string, value: string}[]
function cert:issuer() end

---@return string
function cert:notbefore() end

---@return string
function cert:notafter() end

---@param alg? "sha1"|"sha256"|"sha384"|"sha512"
---@return string
function cert:digest(alg) end

---@return string
function cert:serial() end

---@return string
function cert:pem() end

return tls
