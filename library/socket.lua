---@meta socket
-- LuaLS annotations for `require("socket")` (the same table as
-- `require("socket.core")`): the namespace, `socket.dns`, and the TCP and UDP
-- object classes. The manual is docs/socket.md, docs/tcp.md, docs/udp.md,
-- docs/select.md and docs/dns.md.

---The `socket` namespace: constructors, connect/bind shortcuts, `select`,
---time, `try`/`protect`, socket sources and sinks.
---@class socket
---@field http? socket.http set once `socket.http` is loaded
---@field url? socket.url set once `socket.url` is loaded
---@field smtp? socket.smtp set once `socket.smtp` is loaded
---@field ftp? socket.ftp set once `socket.ftp` is loaded
---@field tp? socket.tp set once `socket.tp` is loaded
---@field headers? socket.headers set once `socket.headers` is loaded
---@field compat? socket.compat set once `socket.compat` is loaded
local socket = {}

---The LuaSocket API version: `"LuaSocket 3.1.0"`.
socket._VERSION = "LuaSocket 3.1.0"

---This implementation and its version, `"luasocket-rust 0.1.0"` (C LuaSocket has no such field).
---@type string
socket._IMPLEMENTATION = "luasocket-rust 0.1.0"

---`true`: TCP and unix-stream `send`/`receive` return the call's elapsed seconds as an extra last value.
socket._DEBUG = true

---How many descriptors this process can hold: the soft `RLIMIT_NOFILE` when the library
---loaded (`ulimit -n`; 2^31 - 1 if unlimited). `select` itself has no ceiling here (poll);
---in C LuaSocket this is 1024, the most `select(2)` watches.
---@type number
socket._SETSIZE = 1024

---What `getfd()` returns for a closed or detached socket: `-1`.
---@type integer
socket._SOCKETINVALID = -1

---The largest datagram `receive()` returns without a size: 65535 (C LuaSocket: 8192, cut).
---@type integer
socket._DATAGRAMSIZE = 65535

---Chunk size of the socket sources: 2048.
---@type integer
socket.BLOCKSIZE = 2048

---------------------------------------------------------------------------
-- Shared types
---------------------------------------------------------------------------

---`"*l"`/`"l"`: a line (LF ends it, every CR dropped); `"*a"`/`"a"`: up to the
---end of the stream; a number: exactly that many bytes.
---@alias socket.pattern "*l"|"l"|"*a"|"a"|integer|string

---`"b"`: block limit (default); `"t"` or `"r"`: total limit.
---@alias socket.timeoutmode "b"|"t"|"r"

---`"inet"` (IPv4) or `"inet6"`.
---@alias socket.family "inet"|"inet6"

---@alias socket.shutdownmode "both"|"send"|"receive"

---@alias socket.tcpoption
---| "keepalive"            # boolean
---| "reuseaddr"            # boolean
---| "reuseport"            # boolean
---| "tcp-nodelay"          # boolean
---| "tcp-keepidle"         # number (seconds)
---| "tcp-keepcnt"          # number
---| "tcp-keepintvl"        # number (seconds)
---| "linger"               # {on = boolean, timeout = number}
---| "recv-buffer-size"     # number
---| "send-buffer-size"     # number
---| "bindtodevice"         # string, an interface name
---| "ipv6-v6only"          # boolean (set only)
---| "tcp-defer-accept"     # number (set only)
---| "tcp-fastopen"         # number (set only)
---| "tcp-fastopen-connect" # boolean (set only)
---| "error"                # get only: the pending error text or nil

---@alias socket.udpoption
---| "dontroute"            # boolean
---| "broadcast"            # boolean
---| "reuseaddr"            # boolean
---| "reuseport"            # boolean
---| "ip-multicast-if"      # IPv4 address, "*" for the default
---| "ip-multicast-ttl"     # number (set only)
---| "ip-multicast-loop"    # boolean
---| "ip-add-membership"    # {multiaddr = ip, interface = ip or "*"} (set only)
---| "ip-drop-membership"   # {multiaddr = ip, interface = ip or "*"} (set only)
---| "ipv6-unicast-hops"    # number
---| "ipv6-multicast-hops"  # number
---| "ipv6-multicast-loop"  # boolean
---| "ipv6-add-membership"  # {multiaddr = ip6, interface = index} (set only)
---| "ipv6-drop-membership" # {multiaddr = ip6, interface = index} (set only)
---| "ipv6-v6only"          # boolean
---| "recv-buffer-size"     # number
---| "send-buffer-size"     # number
---| "error"                # get only

---The value of the `linger` option.
---@class socket.linger
---@field on boolean
---@field timeout number seconds

---The value of the multicast membership options.
---@class socket.membership
---@field multiaddr string the group address
---@field interface string|integer an IPv4 address or `"*"`; for IPv6 an interface index

---Anything `socket.select` accepts: an object with `getfd` and `dirty` methods.
---@class socket.selectable
---@field getfd fun(self): integer
---@field dirty? fun(self): boolean

---A socket source or sink: callable, and selectable.
---@class socket.stream_source: socket.selectable
---@overload fun(): string?, string?

---@class socket.stream_sink: socket.selectable
---@overload fun(chunk: string?, err: string?): number?, string?

---------------------------------------------------------------------------
-- Constructors and shortcuts
---------------------------------------------------------------------------

---Creates a TCP socket (`tcp{master}`) with no descriptor yet: `bind` or
---`connect` create one of the family of their address.
---@return socket.tcp.master|nil sock
---@return string? err
function socket.tcp() end

---Creates an IPv4 TCP socket (`tcp{master}`).
---@return socket.tcp.master|nil sock
---@return string? err
function socket.tcp4() end

---Creates an IPv6 TCP socket (`tcp{master}`, `ipv6-v6only` set).
---@return socket.tcp.master|nil sock
---@return string? err
function socket.tcp6() end

---Creates a UDP socket (`udp{unconnected}`); its family comes from the
---first `setsockname`, `setpeername` or `sendto`.
---@return socket.udp.unconnected|nil sock
---@return string? err
function socket.udp() end

---Creates an IPv4 UDP socket (`udp{unconnected}`).
---@return socket.udp.unconnected|nil sock
---@return string? err
function socket.udp4() end

---Creates an IPv6 UDP socket (`udp{unconnected}`, `ipv6-v6only` set).
---@return socket.udp.unconnected|nil sock
---@return string? err
function socket.udp6() end

---Creates a TCP socket and connects it. One deadline covers the whole call;
---several addresses are raced (RFC 8305).
---
---Errors: `"connection refused"`, `"timeout"`, resolver messages such as
---`"host or service not provided, or not known"`. A bad `family` raises
---`invalid option '<family>'`.
---@param address string host name or address
---@param port number|string
---@param laddress? string local address to bind first
---@param lport? number|string local port (default 0)
---@param family? socket.family the family of `laddress` (no effect without one, as in LuaSocket)
---@return socket.tcp.client|nil client
---@return string? err
function socket.connect(address, port, laddress, lport, family) end

---`socket.connect` with family `"inet"`: an IPv4 `laddress`, when given, and then IPv4 only.
---@param address string
---@param port number|string
---@param laddress? string
---@param lport? number|string
---@return socket.tcp.client|nil client
---@return string? err
function socket.connect4(address, port, laddress, lport) end

---`socket.connect` with family `"inet6"`: an IPv6 `laddress`, when given, and then IPv6 only.
---@param address string
---@param port number|string
---@param laddress? string
---@param lport? number|string
---@return socket.tcp.client|nil client
---@return string? err
function socket.connect6(address, port, laddress, lport) end

---Creates a listening TCP server: sets `reuseaddr`, binds (`"*"` is every
---IPv4 interface; port 0 picks a free port) and listens.
---@param address string
---@param port number|string
---@param backlog? integer default 32
---@return socket.tcp.server|nil server
---@return string? err `"address already in use"`, `"permission denied"`, a resolver message
function socket.bind(address, port, backlog) end

---Waits until a socket of `recvt` is readable or one of `sendt` writable.
---Results list the ready entries as `[i] = sock` and `[sock] = i`; on
---timeout `{}, {}, "timeout"`. Entries are any objects with `getfd`/`dirty`. Raises
---`select failed` when the wait fails or an entry's descriptor is not open.
---@param recvt? table entries with `getfd`/`dirty` (others are ignored)
---@param sendt? table
---@param timeout? number seconds; nil or negative: no limit
---@return table readable
---@return table writable
---@return "timeout"|nil err
function socket.select(recvt, sendt, timeout) end

---A new, empty poller: a persistent set of objects to wait on (docs/poller.md).
---@param backend? "epoll"|"poll" default `"epoll"` (poll(2) when epoll cannot be had)
---@return socket.poller|nil poller
---@return string? err
function socket.poller(backend) end

---Waits `seconds` (fractions allowed); zero or negative returns at once.
---@param seconds number
function socket.sleep(seconds) end

---Wall-clock seconds since the Unix epoch, sub-microsecond resolution.
---@return number
function socket.gettime() end

---(This library's addition) Seconds on the monotonic clock, as a float: an
---arbitrary origin, never stepped with the wall clock; for intervals.
---@return number
function socket.monotime() end

---Returns its arguments after the first `d`.
---@param d integer
---@param ... any
---@return any ...
function socket.skip(d, ...) end

---Returns all its arguments when `ret1` is truthy; otherwise raises an
---exception carrying `ret2` that `socket.protect` turns into `nil, ret2`.
---@generic T
---@param ret1 T
---@param ... any
---@return T
---@return any ...
function socket.try(ret1, ...) end

---Returns a `try` function that calls `finalizer()` before raising.
---@param finalizer? function
---@return fun(ret1: any, ...: any): ...
function socket.newtry(finalizer) end

---Wraps `func` so that `try` exceptions come back as `nil, message`; other
---errors propagate unchanged. Works across coroutine yields.
---@param func function
---@return function
function socket.protect(func) end

---Returns `f(name, opt1, opt2)` calling `t[name](opt1, opt2)`; a non-string
---`name` selects `t.default`. An unknown name raises `unknown key (<name>)`.
---@param t table<string, function>
---@return fun(name: any, opt1?: any, opt2?: any): ...
function socket.choose(t) end

---An LTN12 source reading from a connected socket. Modes: `"by-length"`
---(exactly `length` bytes), `"until-closed"`/`"default"` (to the end of the
---stream; closes the socket), `"http-chunked"` (with `socket.http` loaded).
---@param mode "by-length"|"until-closed"|"default"|"http-chunked"|string
---@param sock socket.tcp.client|socket.unixstream.client
---@param length? integer|table for "by-length": the byte count
---@return socket.stream_source
function socket.source(mode, sock, length) end

---An LTN12 sink writing to a connected socket. Modes: `"keep-open"`/
---`"default"`, `"close-when-done"`, `"http-chunked"` (with `socket.http`).
---@param mode "keep-open"|"close-when-done"|"default"|"http-chunked"|string
---@param sock socket.tcp.client|socket.unixstream.client
---@return socket.stream_sink
function socket.sink(mode, sock) end

---The source factories behind `socket.source`; writable.
---@type table<string, fun(sock: socket.tcp.client, length?: any): socket.stream_source>
socket.sourcet = {}

---Source of exactly `length` bytes, in chunks of `socket.BLOCKSIZE`.
---@param sock socket.tcp.client
---@param length integer
---@return socket.stream_source
socket.sourcet["by-length"] = function(sock, length) end

---Source of everything until the peer closes; closes the socket then.
---@param sock socket.tcp.client
---@return socket.stream_source
socket.sourcet["until-closed"] = function(sock) end

---Same as `"until-closed"`.
socket.sourcet["default"] = socket.sourcet["until-closed"]

---(Once `socket.http` is loaded.) An HTTP chunked body; trailers go into `headers`.
---@param sock socket.tcp.client
---@param headers? table
---@return socket.stream_source
socket.sourcet["http-chunked"] = function(sock, headers) end

---The sink factories behind `socket.sink`; writable.
---@type table<string, fun(sock: socket.tcp.client): socket.stream_sink>
socket.sinkt = {}

---Sends every chunk; closes the socket at the end.
---@param sock socket.tcp.client
---@return socket.stream_sink
socket.sinkt["close-when-done"] = function(sock) end

---Sends every chunk; leaves the socket open.
---@param sock socket.tcp.client
---@return socket.stream_sink
socket.sinkt["keep-open"] = function(sock) end

---Same as `"keep-open"`.
socket.sinkt["default"] = socket.sinkt["keep-open"]

---(Once `socket.http` is loaded.) Writes the HTTP chunked coding; the last chunk at the end.
---@param sock socket.tcp.client
---@return socket.stream_sink
socket.sinkt["http-chunked"] = function(sock) end

---------------------------------------------------------------------------
-- socket.dns
---------------------------------------------------------------------------

---What `toip` and `tohostname` return second.
---@class socket.dns.info
---@field name string the canonical name
---@field alias string[] always empty here
---@field ip string[] every address, IPv4 first

---One entry of `getaddrinfo`'s list.
---@class socket.dns.addrinfo
---@field family socket.family
---@field addr string

---Name resolution through the system's resolver (no timeout).
---@class socket.dns
local dns = {}
socket.dns = dns

---Resolves a name (or normalises an address). IPv4 preferred.
---@param name string
---@return string|nil ip
---@return socket.dns.info|string info_or_err `"host not found"` on failure
function dns.toip(name) end

---The name of an address (or the canonical name of a name).
---@param address string
---@return string|nil name
---@return socket.dns.info|string info_or_err `"host not found"` on failure
function dns.tohostname(address) end

---This machine's host name.
---@return string|nil name
---@return string? err
function dns.gethostname() end

---Every address of `host`.
---@param host string
---@return socket.dns.addrinfo[]|nil list
---@return string? err e.g. `"host or service not provided, or not known"`
function dns.getaddrinfo(host) end

---Names for the addresses of `host`, and the name of `service`. Both nil
---raises `host and serv cannot be both nil`.
---@param host? string
---@param service? string|integer
---@return string[]|nil names
---@return string? service_or_err
function dns.getnameinfo(host, service) end

---------------------------------------------------------------------------
-- TCP objects
---------------------------------------------------------------------------

---Methods every TCP object has, whatever its class.
---@class socket.tcp
local tcp = {}

---Closes the socket. Always `1`; closing twice is harmless.
---@return 1
function tcp:close() end

---True when input is waiting in this object's own buffer.
---@return boolean
function tcp:dirty() end

---The descriptor, `-1` when closed, detached or not created yet. While a
---name lookup is pending, a descriptor that turns readable and writable
---when its answer is in.
---@return integer
function tcp:getfd() end

---Replaces the descriptor without closing the old one (`-1` detaches).
---@param fd integer
function tcp:setfd(fd) end

---`"inet4"` or `"inet6"`.
---@return "inet4"|"inet6"
function tcp:getfamily() end

---The local address.
---@return string|nil ip
---@return integer|string port_or_err
---@return socket.family? family
function tcp:getsockname() end

---The peer's address (`nil, "Transport endpoint is not connected"` when none).
---@return string|nil ip
---@return integer|string port_or_err
---@return socket.family? family
function tcp:getpeername() end

---Sets the block (`"b"`, default) or total (`"t"`) limit in seconds; nil or
---negative removes it. Both are measured from the start of each call, the
---smaller applies. An unknown mode raises `invalid timeout mode`.
---@param value number?
---@param mode? socket.timeoutmode
---@return 1
function tcp:settimeout(value, mode) end

---The limits as set, `-1` when unset.
---@return number block
---@return number total
function tcp:gettimeout() end

---Sets an option. Unknown names raise ``unsupported option `name'``.
---@param name socket.tcpoption
---@param value boolean|number|string|socket.linger
---@return 1|nil ok
---@return string? err `"setsockopt failed"`
function tcp:setoption(name, value) end

---Reads an option (`"error"`: the pending error text or nil).
---@param name socket.tcpoption
---@return any value
---@return string? err `"getsockopt failed"`
function tcp:getoption(name) end

---A fresh TCP socket: bind, then listen or connect. The object becomes a
---`tcp{client}` or a `tcp{server}` in place, so the annotations give it
---their methods too (each says which class it needs); what `connect`,
---`accept` and `bind` return is typed precisely.
---@class socket.tcp.master: socket.tcp.client, socket.tcp.server
local master = {}

---Binds to a local address (`"*"`: every interface) and port (0: any).
---A name that needs a name server is looked up off the calling thread when
---the timeout is finite: `nil, "timeout"` until its answer is in (`getfd`
---turns ready then), and the next call with the same name goes on.
---@param address string
---@param port number|string
---@return 1|nil ok
---@return string? err `"address already in use"`, `"permission denied"`, `"timeout"`, ...
function master:bind(address, port) end

---Same as `bind`.
---@param address string
---@param port number|string
---@return 1|nil ok
---@return string? err
function master:setsockname(address, port) end

---Starts listening; the object becomes a `tcp{server}`.
---@param backlog? integer default 32
---@return 1|nil ok
---@return string? err
function master:listen(backlog) end

---Connects; the object becomes a `tcp{client}` (even on failure). With a
---zero timeout: `nil, "timeout"` first, then `1` once writable, then
---`nil, "already connected"`. A name that needs a name server (not numeric,
---`"localhost"` or in /etc/hosts) is looked up off the calling thread when
---the timeout is finite: `nil, "timeout"` until its answer is in, while
---`getfd` gives a descriptor that turns readable and writable then; call
---again with the same name to go on (docs/dns.md).
---@param address string
---@param port number|string
---@return 1|nil ok
---@return string? err `"connection refused"`, `"timeout"`, a resolver message
function master:connect(address, port) end

---Same as `connect`.
---@param address string
---@param port number|string
---@return 1|nil ok
---@return string? err
function master:setpeername(address, port) end

---A connected TCP socket.
---@class socket.tcp.client: socket.tcp
local client = {}

---(`tcp{client}`) Sends `data:sub(i, j)`. Returns the index of the last byte sent; on
---failure `nil, err, last_sent_index`. The last value is the call's elapsed
---seconds (`socket._DEBUG`).
---@param data string|number
---@param i? integer
---@param j? integer
---@return integer|nil last
---@return string? err `"closed"`, `"timeout"`, ...
---@return integer? sent on failure, the index of the last byte sent
---@return number elapsed
function client:send(data, i, j) end

---(`tcp{client}`) Receives by pattern: `"*l"` (default; a line, every CR dropped), `"*a"`
---(to the end of the stream), or a byte count. `prefix` is prepended and
---counts toward a count; `maxsize` caps the call (`nil, "oversized", partial`).
---On failure `nil, err, partial`. The last value is the elapsed seconds.
---An unknown pattern raises `invalid receive pattern`.
---@param pattern? socket.pattern
---@param prefix? string
---@param maxsize? integer
---@return string|nil data
---@return string? err `"closed"`, `"timeout"`, `"oversized"`, ...
---@return string? partial
---@return number elapsed
function client:receive(pattern, prefix, maxsize) end

---(`tcp{client}`, this library's addition) Returns what has arrived, up to
---`max` bytes: buffered bytes at once with no system call, or else what one
---read brings within the timeout (the rest stays buffered). `nil, "timeout"`
---when nothing arrived in time, `nil, "closed"` at the end of the stream.
---`max` must be a positive integer (else raises `invalid max`).
---@param max integer
---@return string|nil data 1 to `max` bytes
---@return string? err `"timeout"`, `"closed"`, ...
function client:receiveany(max) end

---(`tcp{client}`) Shuts down one or both directions.
---@param mode? socket.shutdownmode default "both"
---@return 1
function client:shutdown(mode) end

---(`tcp{client}`) Bytes received, bytes sent, and seconds since creation.
---@return number received
---@return number sent
---@return number age
function client:getstats() end

---(`tcp{client}`) Resets the counters (those not given keep their value).
---@param received? number
---@param sent? number
---@param age? number
---@return 1
function client:setstats(received, sent, age) end

---A listening TCP socket.
---@class socket.tcp.server: socket.tcp
local server = {}

---(`tcp{server}`) Waits for a connection; the new `tcp{client}` has no timeout set.
---@return socket.tcp.client|nil client
---@return string? err `"timeout"`, `"closed"`, ...
function server:accept() end

---------------------------------------------------------------------------
-- UDP objects
---------------------------------------------------------------------------

---Methods every UDP object has.
---A persistent set of objects to wait on, from `socket.poller()`. Members are
---our sockets (read directly; buffered input counts as readable at once) or
---any object with `getfd` (and optionally `dirty`). The poller keeps its
---members alive until they are removed, closed, or the poller is closed.
---@class socket.poller
---@operator len: integer
local poller = {}

---Adds `obj` waiting for `events`; adding a member again changes its events.
---@param obj socket.selectable|userdata
---@param events "r"|"w"|"rw"
---@return true|nil ok
---@return string? err `"closed"` (closed object or poller), or the system's text
function poller:add(obj, events) end

---Changes the events of a member.
---@param obj socket.selectable|userdata
---@param events "r"|"w"|"rw"
---@return true|nil ok
---@return string? err `"not in poller"`, `"closed"`
function poller:modify(obj, events) end

---Removes a member (it is not closed).
---@param obj socket.selectable|userdata
---@return true|nil ok
---@return string? err `"not in poller"` (closed members leave by themselves)
function poller:remove(obj) end

---Waits until members are ready: `ready` lists them, `events[i]` is `"r"`,
---`"w"` or `"rw"` for `ready[i]`. Members with buffered input (or `dirty()`)
---are readable at once.
---@param timeout? number seconds; nil or negative: no limit; 0: look only
---@return table|nil ready
---@return string[]|string events or `"timeout"`, `"closed"`
function poller:wait(timeout) end

---The number of members (also `#poller`).
---@return integer
function poller:count() end

---`"epoll"`, `"poll"`, or `"closed"` once closed.
---@return "epoll"|"poll"|"closed"
function poller:backend() end

---Releases the epoll descriptor and every member; closing twice is harmless.
---@return true
function poller:close() end

---@class socket.udp
local udp = {}

---Closes the socket. Always `1`.
---@return 1
function udp:close() end

---Always false: datagrams are never buffered by the object.
---@return boolean
function udp:dirty() end

---The descriptor, `-1` when closed or not created yet. While a name lookup
---is pending, a descriptor that turns readable and writable when its
---answer is in.
---@return integer
function udp:getfd() end

---Replaces the descriptor without closing the old one.
---@param fd integer
function udp:setfd(fd) end

---`"inet4"` or `"inet6"`.
---@return "inet4"|"inet6"
function udp:getfamily() end

---The local address.
---@return string|nil ip
---@return integer|string port_or_err
---@return socket.family? family
function udp:getsockname() end

---Receives one datagram, whole unless `size` is smaller (the rest is lost).
---@param size? integer
---@return string|nil data
---@return string? err `"timeout"`, `"connection refused"`, `"refused"` (closed socket)
function udp:receive(size) end

---Connects to one peer (the object becomes `udp{connected}`), or with
---`"*"` dissolves the association (`udp{unconnected}` again). A name that
---needs a name server is looked up off the calling thread when the timeout
---is finite: `nil, "timeout"` (the class unchanged) until its answer is in.
---@param address string
---@param port? number|string
---@return 1|nil ok
---@return string? err
function udp:setpeername(address, port) end

---Sets the block or total limit (see `tcp:settimeout`).
---@param value number?
---@param mode? socket.timeoutmode
---@return 1
function udp:settimeout(value, mode) end

---The limits as set, `-1` when unset.
---@return number block
---@return number total
function udp:gettimeout() end

---Sets an option. Unknown names raise ``unsupported option `name'``.
---@param name socket.udpoption
---@param value boolean|number|string|socket.membership
---@return 1|nil ok
---@return string? err `"setsockopt failed"`
function udp:setoption(name, value) end

---Reads an option.
---@param name socket.udpoption
---@return any value
---@return string? err `"getsockopt failed"`
function udp:getoption(name) end

---A UDP socket with no fixed peer. `setpeername` turns it into a
---`udp{connected}` in place, so the annotations give it that class's
---methods too (each says which class it needs).
---@class socket.udp.unconnected: socket.udp.connected
local unconnected = {}

---Binds to a local address (`"*"`: every interface) and port
---(`udp{unconnected}` only).
---@param address string
---@param port number|string
---@return 1|nil ok
---@return string? err
function unconnected:setsockname(address, port) end

---Sends a datagram to a numeric address (`udp{unconnected}` only), or to a
---name that needs a name server (not `"localhost"` or one in /etc/hosts,
---which give the resolver's text as in LuaSocket): with a finite timeout it
---is looked up off the calling thread, `nil, "timeout"` until the answer is in.
---@param datagram string|number
---@param ip string numeric address, or a name a name server answers
---@param port number|string
---@return integer|nil sent bytes sent
---@return string? err
function unconnected:sendto(datagram, ip, port) end

---Receives one datagram and its sender (`udp{unconnected}` only).
---@param size? integer
---@return string|nil data
---@return string ip_or_err
---@return integer? port
function unconnected:receivefrom(size) end

---A UDP socket with a fixed peer.
---@class socket.udp.connected: socket.udp
local connected = {}

---Sends a datagram to the peer (`udp{connected}` only).
---@param datagram string|number
---@return integer|nil sent
---@return string? err `"connection refused"`, `"Message too long"`, ...
function connected:send(datagram) end

---The peer's address (`udp{connected}` only).
---@return string|nil ip
---@return integer|string port_or_err
---@return socket.family? family
function connected:getpeername() end

return socket
