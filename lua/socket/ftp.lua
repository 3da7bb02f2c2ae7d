---
-- socket.ftp: FTP client (RFC 959, with RFC 2428's EPSV and EPRT).
--
-- High-level: `ftp.get` and `ftp.put` take either a URL
-- (`ftp://user:password@host:port/path;type=i`) or a table naming the host,
-- the path or argument, and an LTN12 sink or source; `ftp.command` sends
-- other commands. Low-level: `ftp.open` returns a session object with one
-- method per step (greet, login, type, pasv/epsv or port/eprt, send or
-- receive, quit, close), for programs that need another sequence, such as
-- an active-mode transfer.
--
-- Behaviour follows LuaSocket's ftp module. Differences on purpose: when the
-- server refuses EPSV with a 5xx reply, `get`/`put` fall back to PASV;
-- `port` works on every Lua version (LuaSocket's uses `math.mod`, which only
-- Lua 5.1 has) and `eprt` picks the family from the control connection when
-- none is given; user and password from a URL are percent-decoded; a URL
-- with a bad `;type=` gives `nil, "invalid type '...'"` instead of a Lua
-- error; a listening socket for active mode is closed once the server has
-- connected to it.
-- @module socket.ftp

local socket = require("socket")
local url = require("socket.url")
local tp = require("socket.tp")
local ltn12 = require("ltn12")

local ipairs, pairs, setmetatable, tonumber, tostring, type = ipairs, pairs, setmetatable, tonumber, tostring, type
local math_floor = math.floor
local string_format, string_gsub = string.format, string.gsub
local table_concat = table.concat

local ftp = {}
-- As upstream, loading the module also makes it reachable as socket.ftp.
socket.ftp = ftp

--- Seconds each blocking call may take, on the control and data connections.
ftp.TIMEOUT = 60
--- User name sent when none is given.
ftp.USER = "ftp"
--- Password sent when none is given (anonymous FTP asks for an e-mail address).
ftp.PASSWORD = "anonymous@anonymous.org"

-- The control port when none is given.
local PORT = 21

---------------------------------------------------------------------------
-- The session object (low-level API)
---------------------------------------------------------------------------

local methods = {}
local metat = { __index = methods }

--- Connects to an FTP server. Raises a `socket.try` exception on failure
-- (use inside `socket.protect`).
-- @param server host
-- @param port control port (default 21)
-- @param create optional replacement for `socket.tcp` (control connection)
-- @return the session object; its `try` closes every connection on failure
function ftp.open(server, port, create)
    local conn = socket.try(tp.connect(server, port or PORT, ftp.TIMEOUT, create))
    local session = setmetatable({ tp = conn }, metat)
    session.try = socket.newtry(function()
        session:close()
    end)
    return session
end

--- Active mode: waits for the server to connect to the port announced with
-- `port` or `eprt`.
function methods:portconnect()
    self.try(self.server:settimeout(ftp.TIMEOUT))
    self.data = self.try(self.server:accept())
    self.try(self.data:settimeout(ftp.TIMEOUT))
    -- The port served its one connection.
    self.server:close()
    self.server = nil
end

--- Passive mode: connects to the address the server announced with PASV
-- or EPSV.
function methods:pasvconnect()
    self.data = self.try(socket.tcp())
    self.try(self.data:settimeout(ftp.TIMEOUT))
    self.try(self.data:connect(self.pasvt.address, self.pasvt.port))
end

--- USER, then PASS when the server asks for it (331).
-- @param user default `ftp.USER`
-- @param password default `ftp.PASSWORD`
-- @return `1`
function methods:login(user, password)
    self.try(self.tp:command("user", user or ftp.USER))
    local code = self.try(self.tp:check({ "2..", 331 }))
    if code == 331 then
        self.try(self.tp:command("pass", password or ftp.PASSWORD))
        self.try(self.tp:check("2.."))
    end
    return 1
end

-- Forgets a listening socket left from an earlier PORT/EPRT.
local function drop_server(self)
    if self.server then
        self.server:close()
        self.server = nil
    end
end

-- Reads the address out of a 227 reply: "227 Entering Passive Mode
-- (h1,h2,h3,h4,p1,p2)".
local function pasv_address(reply)
    local a, b, c, d, p1, p2 = reply:match("(%d+)%D(%d+)%D(%d+)%D(%d+)%D(%d+)%D(%d+)")
    if not a then return nil end
    local n = { tonumber(a), tonumber(b), tonumber(c), tonumber(d), tonumber(p1), tonumber(p2) }
    for i = 1, 6 do
        if n[i] > 255 then return nil end
    end
    return string_format("%d.%d.%d.%d", n[1], n[2], n[3], n[4]), n[5] * 256 + n[6]
end

--- Enters passive mode with PASV.
-- @return the data address and port the server announced
function methods:pasv()
    self.try(self.tp:command("pasv"))
    local _, reply = self.try(self.tp:check("2.."))
    local address, port = pasv_address(reply)
    self.try(address, reply)
    self.pasvt = { address = address, port = port }
    drop_server(self)
    return address, port
end

-- Takes the port out of a 229 reply, "(|||port|)" (any delimiter), and
-- records the control connection's peer as the data address.
local function use_epsv_reply(self, reply)
    local _, _, _, port = reply:match("%((.)(.-)%1(.-)%1(.-)%1%)")
    local n = tonumber(port)
    self.try(n and n > 0 and n < 65536, "invalid epsv response")
    -- The port as the reply wrote it (a string), as LuaSocket returns it.
    self.pasvt = { address = (self.tp:getpeername()), port = port }
    drop_server(self)
    return self.pasvt.address, self.pasvt.port
end

--- Enters passive mode with EPSV (RFC 2428): the data connection goes to
-- the control connection's peer, on the port the server announced.
-- @return the data address and port
function methods:epsv()
    self.try(self.tp:command("epsv"))
    local _, reply = self.try(self.tp:check("229"))
    return use_epsv_reply(self, reply)
end

-- Opens a listening socket on the control connection's local address.
local function listen(self)
    local address = self.try(self.tp:getsockname())
    self.server = self.try(socket.bind(address, 0))
    self.try(self.server:settimeout(ftp.TIMEOUT))
    local ip, port = self.try(self.server:getsockname())
    return ip, port
end

--- Enters active mode with PORT: the server connects to us.
-- @param address IPv4 address to announce (default: a new listening socket
--   on the control connection's local address)
-- @param port port to announce (with `address`)
-- @return `1`
function methods:port(address, port)
    self.pasvt = nil
    if not address then
        address, port = listen(self)
    end
    local low = port % 256
    local high = math_floor(port / 256)
    local arg = string_format("%s,%d,%d", string_gsub(address, "%.", ","), high, low)
    self.try(self.tp:command("port", arg))
    self.try(self.tp:check("2.."))
    return 1
end

--- Enters active mode with EPRT (RFC 2428), which also works over IPv6.
-- @param family `1` (IPv4) or `2` (IPv6); default: that of the control
--   connection
-- @param address address to announce (default: a new listening socket)
-- @param port port to announce (with `address`)
-- @return `1`
function methods:eprt(family, address, port)
    self.pasvt = nil
    if not address then
        address, port = listen(self)
    end
    if not family then
        local _, _, kind = self.tp:getsockname()
        family = (kind == "inet6") and 2 or 1
    end
    local arg = string_format("|%s|%s|%d|", tostring(family), address, port)
    self.try(self.tp:command("eprt", arg))
    self.try(self.tp:check("2.."))
    return 1
end

-- The command argument: `t.argument`, else `t.path` without its leading
-- slash, percent-decoded; nil when empty.
local function transfer_argument(t)
    local argument = t.argument or url.unescape((string_gsub(t.path or "", "^[/\\]", "")))
    if argument == "" then return nil end
    return argument
end

-- Opens a transfer: the data connection's passive side, the command
-- (`t.command`, else `default`) and its first reply (1xx or 2xx), returned.
local function start_transfer(self, t, default)
    self.try(self.pasvt or self.server, "need port or pasv first")
    if self.pasvt then self:pasvconnect() end
    self.try(self.tp:command(t.command or default, transfer_argument(t)))
    return self.try(self.tp:check({ "1..", "2.." }))
end

--- Uploads: sends the command (default STOR) and pumps `sendt.source` into
-- the data connection. Call `pasv`/`epsv` or `port`/`eprt` first.
-- @param sendt table with `source`, `argument` or `path`, optional
--   `command` and `step`
-- @return the number of bytes sent
function methods:send(sendt)
    local code = start_transfer(self, sendt, "stor")
    if not self.pasvt then self:portconnect() end
    local sink = socket.sink("close-when-done", self.data)
    self.try(ltn12.pump.all(sendt.source, sink, sendt.step or ltn12.pump.step))
    -- A 1xx said the transfer started; its outcome comes after it.
    if code < 200 then self.try(self.tp:check("2..")) end
    self.data:close()
    local _, sent = self.data:getstats()
    self.data = nil
    return sent
end

--- Downloads: sends the command (default RETR) and pumps the data
-- connection into `recvt.sink`. Call `pasv`/`epsv` or `port`/`eprt` first.
-- When the server answers with 2xx at once (no data), the reply text is
-- handed to the sink.
-- @param recvt table with `sink`, `argument` or `path`, optional `command`
--   and `step`
-- @return `1`
function methods:receive(recvt)
    local code, reply = start_transfer(self, recvt, "retr")
    if code >= 200 and code <= 299 then
        if self.data then
            self.data:close()
            self.data = nil
        end
        recvt.sink(reply)
        return 1
    end
    if not self.pasvt then self:portconnect() end
    local source = socket.source("until-closed", self.data)
    self.try(ltn12.pump.all(source, recvt.sink, recvt.step or ltn12.pump.step))
    if code < 200 then self.try(self.tp:check("2..")) end
    self.data:close()
    self.data = nil
    return 1
end

--- CWD: changes the working directory. @return `1`
function methods:cwd(dir)
    self.try(self.tp:command("cwd", dir))
    self.try(self.tp:check(250))
    return 1
end

--- TYPE: `"a"` (ASCII) or `"i"` (binary). @return `1`
function methods:type(kind)
    self.try(self.tp:command("type", kind))
    self.try(self.tp:check(200))
    return 1
end

--- Reads the server's greeting (a 1xx is followed by the real one).
-- @return `1`
function methods:greet()
    local code = self.try(self.tp:check({ "1..", "2.." }))
    if code < 200 then self.try(self.tp:check("2..")) end
    return 1
end

--- QUIT. @return `1`
function methods:quit()
    self.try(self.tp:command("quit"))
    self.try(self.tp:check("2.."))
    return 1
end

--- Closes the data connection, a listening socket and the control
-- connection. @return `1`
function methods:close()
    if self.data then self.data:close() end
    if self.server then self.server:close() end
    return self.tp:close()
end

---------------------------------------------------------------------------
-- High-level API
---------------------------------------------------------------------------

-- Fields a URL gives: percent-decoded user and password, and the transfer
-- type from ";type=a" or ";type=i". The port stays the string the URL
-- holds, as in LuaSocket.
local function url_fields(t)
    if t.user then t.user = url.unescape(t.user) end
    if t.password then t.password = url.unescape(t.password) end
    if t.params then
        t.type = t.params:match("^type=(.)$")
    end
    return t
end

-- A table form with a `url` field: the URL's parts, overridden by the
-- table's own fields.
local function override(t)
    if not t.url then return t end
    local u = url_fields(socket.try(url.parse(t.url)))
    for name, value in pairs(t) do
        u[name] = value
    end
    return u
end

local default = {
    path = "/",
    scheme = "ftp",
}

--- Parses an FTP URL into the table `get`/`put` take. Raises a
-- `socket.try` exception for a bad URL.
function ftp.genericform(u)
    local t = socket.try(url.parse(u, default))
    socket.try(t.scheme == "ftp", "wrong scheme '" .. tostring(t.scheme) .. "'")
    socket.try(t.host, "missing hostname")
    local params = t.params
    url_fields(t)
    if params then
        socket.try(t.type == "a" or t.type == "i", "invalid type '" .. (t.type or params) .. "'")
    end
    return t
end

-- EPSV, or PASV when the server does not know EPSV (5xx).
local function passive(f)
    f.try(f.tp:command("epsv"))
    local code, reply = f.try(f.tp:check(function(code, reply)
        return code, reply
    end))
    if code == 229 then
        return use_epsv_reply(f, reply)
    end
    f.try(code >= 500 and code <= 599, reply)
    return f:pasv()
end

-- Logs in and sets the type: the steps get, put and command share.
local function session_for(t)
    socket.try(t.host, "missing hostname")
    local f = ftp.open(t.host, t.port, t.create)
    f:greet()
    f:login(t.user, t.password)
    return f
end

local function tput(putt)
    putt = override(putt)
    local f = session_for(putt)
    if putt.type then f:type(putt.type) end
    passive(f)
    local sent = f:send(putt)
    f:quit()
    f:close()
    return sent
end

local function tget(gett)
    gett = override(gett)
    local f = session_for(gett)
    if gett.type then f:type(gett.type) end
    passive(f)
    f:receive(gett)
    f:quit()
    return f:close()
end

--- Uploads.
-- `ftp.put(url, content)`: stores the string `content` at the URL.
-- `ftp.put{host, source, argument or path, [user, password, command
-- ("stor"), port, type, step, create, url]}`: stores what the LTN12
-- `source` produces.
-- @return the number of bytes sent, or `nil, message`
ftp.put = socket.protect(function(putt, body)
    if type(putt) == "string" then
        local t = ftp.genericform(putt)
        t.source = ltn12.source.string(body)
        return tput(t)
    end
    return tput(putt)
end)

--- Downloads.
-- `ftp.get(url)`: returns the file's content as a string.
-- `ftp.get{host, sink, argument or path, [user, password, command
-- ("retr"), port, type, step, create, url]}`: pumps the file into the LTN12
-- `sink` and returns `1`.
-- @return the content or `1`, or `nil, message`
ftp.get = socket.protect(function(gett)
    if type(gett) == "string" then
        local t = ftp.genericform(gett)
        local chunks = {}
        t.sink = ltn12.sink.table(chunks)
        tget(t)
        return table_concat(chunks)
    end
    return tget(gett)
end)

--- Logs in and sends commands that need no data connection.
-- @param cmdt table with `host`, `command` (a string, or a list of
--   commands), optional `argument` (a string, or a list matching the
--   commands), `check` (a reply-code pattern, or a list), `user`,
--   `password`, `port`, `create`, `url`
-- @return `1`, or `nil, message`
ftp.command = socket.protect(function(cmdt)
    cmdt = override(cmdt)
    socket.try(cmdt.host, "missing hostname")
    socket.try(cmdt.command, "missing command")
    local f = session_for(cmdt)
    if type(cmdt.command) == "table" then
        local arguments = cmdt.argument or {}
        local checks = cmdt.check or {}
        for i, cmd in ipairs(cmdt.command) do
            f.try(f.tp:command(cmd, arguments[i]))
            if checks[i] then f.try(f.tp:check(checks[i])) end
        end
    else
        f.try(f.tp:command(cmdt.command, cmdt.argument))
        if cmdt.check then f.try(f.tp:check(cmdt.check)) end
    end
    f:quit()
    return f:close()
end)

return ftp
