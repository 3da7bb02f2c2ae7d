---@meta socket.http
-- LuaLS annotations for `require("socket.http")`. Manual: docs/http.md.

---The table form of `http.request`.
---@class socket.http.request
---@field url string
---@field sink? ltn12.Sink response body (default: discarded)
---@field method? string default "GET"
---@field headers? table<string, string|number|false> request headers (false removes a default)
---@field source? ltn12.Source request body (chunked unless headers give content-length)
---@field step? ltn12.Step
---@field proxy? string proxy URL (default `http.PROXY`)
---@field redirect? boolean false: return 3xx responses as they are
---@field maxredirects? integer|false hops to follow (default 5; false: 1000)
---@field create? fun(): any a replacement for `socket.tcp`
---@field host? string
---@field port? number|string
---@field path? string
---@field scheme? string
---@field params? string
---@field query? string
---@field user? string
---@field password? string
---@field servername? string https: the name to verify and send (SNI)
---@field tls? "builtin"|"luasec" https: the TLS transport (default: LuaSec when installed, else the built-in socket.tls)
---@field verify? string|string[] https (LuaSec): default "peer"; "none" turns checks off
---@field cafile? string https (LuaSec)
---@field capath? string https (LuaSec)
---@field protocol? string https (LuaSec)
---@field options? string|string[] https (LuaSec)
---@field key? string https (LuaSec)
---@field certificate? string https (LuaSec)
---@field certificates? table https (LuaSec)
---@field ciphers? string https (LuaSec)
---@field ciphersuites? string https (LuaSec)
---@field depth? integer https (LuaSec)
---@field dhparam? function https (LuaSec)
---@field curve? string https (LuaSec)
---@field curveslist? string https (LuaSec)
---@field verifyext? string|string[] https (LuaSec)
---@field alpn? string|string[] https (LuaSec)
---@field dane? boolean https (LuaSec)
---@field keepalive? boolean true: reuse connections through `http.POOL`; false: never (default `http.KEEPALIVE`)
---@field pool? socket.http.pool the pool to take connections from and give them back to
---@field retry? boolean|fun(): ltn12.Source resend after a reused connection closed: true for any method, a function giving the body again for a request with a source, false never
---@field timeout? number|false seconds for the whole request, redirects included (default `http.REQUEST_TIMEOUT`)
---@field headerlist? boolean true: a fifth return value, the header lines in order

---A pool of kept-alive connections, from `http.pool`.
---@class socket.http.pool
local pool = {}

---Closes every idle connection now; the pool stays usable.
---@return 1
function pool:close() end

---The number of idle connections held.
---@return integer
function pool:count() end

---HTTP/1.1 client.
---@class socket.http
local http = {}

---Seconds each socket operation may take: 60.
---@type number
http.TIMEOUT = 60

---The default User-Agent: `"LuaSocket 3.1.0"`.
---@type string
http.USERAGENT = "LuaSocket 3.1.0"

---The default proxy URL, or nil.
---@type string?
http.PROXY = nil

---Longest status, header or chunk-size line accepted: 65536 bytes.
---@type integer
http.MAXLINE = 65536

---Largest header section accepted: 1048576 bytes.
---@type integer
http.MAXHEADERS = 1048576

---Whether requests that do not say `keepalive` reuse connections through `http.POOL`: false.
---@type boolean
http.KEEPALIVE = false

---The pool `keepalive = true` and `http.KEEPALIVE` use.
---@type socket.http.pool
http.POOL = nil

---Seconds a whole request may take when it gives no `timeout`; nil: no limit.
---@type number?
http.REQUEST_TIMEOUT = nil

---Makes a pool of kept-alive connections.
---@param options? {max_idle?: integer, idle_timeout?: number} idle connections per origin (default 10); seconds one may stay idle (default 30)
---@return socket.http.pool
function http.pool(options) end

---Known schemes: their default `port` and `create(reqt)` factory.
---@type table<string, {port: integer, create: fun(reqt: table): (fun(): any)?, string?}>
http.SCHEMES = {}

---Same table as `http.SCHEMES` (LuaSocket's name).
http.schemes = http.SCHEMES

---Performs a request.
---
---`request(url [, body])`: a GET, or with `body` a form POST; returns
---`body, code, headers, status`.
---
---`request{...}`: returns `1, code, headers, status`, the body going to
---`sink`.
---
---Failures return `nil, message` (`"connection refused"`, `"timeout"`,
---`"invalid scheme 'x'"`, `"oversized"`, `"certificate verify failed"`, ...).
---@param url string
---@param body? string
---@return string|nil body
---@return integer|string code_or_err
---@return table<string, string>? headers lower-case names
---@return string? status
---@overload fun(request: socket.http.request): 1|nil, integer|string, table<string, string>?, string?, {[1]: string, [2]: string}[]?
function http.request(url, body) end

---The request table `request(url, body)` uses; `target` is the table its
---sink fills.
---@param url string
---@param body? string
---@return socket.http.request|{target: string[]}
function http.genericform(url, body) end

---Connects; raises `socket.try` exceptions (use inside `socket.protect`).
---@param host string
---@param port number|string
---@param create? fun(): any
---@return socket.http.connection
function http.open(host, port, create) end

---A connection from `http.open`. Its methods raise `socket.try` exceptions.
---@class socket.http.connection
---@field c socket.tcp.client the socket
---@field try fun(...): ... closes the connection before raising
local conn = {}

---Sends `METHOD uri HTTP/1.1`.
---@param method? string default "GET"
---@param uri string
---@return integer
function conn:sendrequestline(method, uri) end

---Sends the header block and the empty line.
---@param headers table<string, string|number|false>
---@return 1
function conn:sendheaders(headers) end

---Sends a whole request head in one write.
---@param head string
---@return 1
function conn:sendhead(head) end

---Sends the body: as it is with a content-length header, chunked otherwise.
---@param headers table<string, any>
---@param source? ltn12.Source
---@param step? ltn12.Step
---@return 1
function conn:sendbody(headers, source, step) end

---Reads the status line: `code, line`; for HTTP/0.9, `nil` and the bytes read.
---@return integer? code
---@return string line
function conn:receivestatusline() end

---Reads the response headers (lower-case names).
---@return table<string, string>
function conn:receiveheaders() end

---Reads the body as `headers` frame it into `sink`.
---@param headers table<string, string>
---@param sink? ltn12.Sink
---@param step? ltn12.Step
---@return 1
function conn:receivebody(headers, sink, step) end

---Reads an HTTP/0.9 body: `status`, then everything to the end.
---@param status string
---@param sink? ltn12.Sink
---@param step? ltn12.Step
---@return 1
function conn:receive09body(status, sink, step) end

---Closes the connection.
---@return 1
function conn:close() end

return http
