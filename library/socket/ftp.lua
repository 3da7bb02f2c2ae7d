---@meta socket.ftp
-- LuaLS annotations for `require("socket.ftp")`. Manual: docs/ftp.md.

---What `get`, `put` and the session's `send`/`receive` take.
---@class socket.ftp.request
---@field host? string required unless `url` gives it
---@field url? string its parts fill the fields not given
---@field sink? ltn12.Sink for get / receive
---@field source? ltn12.Source for put / send
---@field path? string
---@field argument? string the name sent with the command (instead of path)
---@field command? string default "retr" (get) or "stor" (put)
---@field user? string
---@field password? string
---@field port? number
---@field type? "a"|"i"
---@field step? ltn12.Step
---@field create? fun(): any

---What `ftp.command` takes.
---@class socket.ftp.command
---@field host? string
---@field url? string
---@field command string|string[]
---@field argument? string|string[]
---@field check? string|integer|(string|integer)[] reply-code patterns
---@field user? string
---@field password? string
---@field port? number
---@field create? fun(): any

---FTP client.
---@class socket.ftp
local ftp = {}

---Seconds each socket operation may take: 60.
---@type number
ftp.TIMEOUT = 60

---User name when none is given: `"ftp"`.
---@type string
ftp.USER = "ftp"

---Password when none is given: `"anonymous@anonymous.org"`.
---@type string
ftp.PASSWORD = "anonymous@anonymous.org"

---Downloads: `get(url)` returns the content; `get{...}` pumps into `sink`
---and returns `1`. Failures: `nil, message`.
---@param url string
---@return string|nil content
---@return string? err
---@overload fun(request: socket.ftp.request): 1|nil, string?
function ftp.get(url) end

---Uploads: `put(url, content)` or `put{...}` from `source`. Returns the
---bytes sent, or `nil, message`.
---@param url string
---@param content string
---@return integer|nil sent
---@return string? err
---@overload fun(request: socket.ftp.request): integer|nil, string?
function ftp.put(url, content) end

---Logs in and sends commands that need no data connection: `1` or `nil, message`.
---@param request socket.ftp.command
---@return 1|nil ok
---@return string? err
function ftp.command(request) end

---Parses an FTP URL into a request table; raises `socket.try` exceptions.
---@param url string
---@return socket.ftp.request
function ftp.genericform(url) end

---Connects to the control port; raises `socket.try` exceptions.
---@param server string
---@param port? number default 21
---@param create? fun(): any
---@return socket.ftp.session
function ftp.open(server, port, create) end

---An FTP session from `ftp.open`. Its methods raise `socket.try` exceptions.
---@class socket.ftp.session
---@field tp socket.tp.connection
---@field try fun(...): ...
local session = {}

---Reads the greeting.
---@return 1
function session:greet() end

---USER, and PASS when asked.
---@param user? string
---@param password? string
---@return 1
function session:login(user, password) end

---TYPE `"a"` or `"i"`.
---@param kind "a"|"i"
---@return 1
function session:type(kind) end

---CWD.
---@param dir string
---@return 1
function session:cwd(dir) end

---Passive mode with PASV: the announced address and port.
---@return string address
---@return integer port
function session:pasv() end

---Passive mode with EPSV: the data address and port.
---@return string address
---@return integer port
function session:epsv() end

---Active mode with PORT (default: a new listening socket).
---@param address? string
---@param port? number
---@return 1
function session:port(address, port) end

---Active mode with EPRT (`family` 1: IPv4, 2: IPv6).
---@param family? 1|2
---@param address? string
---@param port? number
---@return 1
function session:eprt(family, address, port) end

---Connects the data connection in passive mode.
function session:pasvconnect() end

---Accepts the server's data connection in active mode.
function session:portconnect() end

---RETR (or `request.command`) into `request.sink`.
---@param request socket.ftp.request
---@return 1
function session:receive(request) end

---STOR (or `request.command`) from `request.source`; the bytes sent.
---@param request socket.ftp.request
---@return integer
function session:send(request) end

---QUIT.
---@return 1
function session:quit() end

---Closes every connection.
---@return 1
function session:close() end

return ftp
