---
-- socket.smtp: sending mail (RFC 5321) and composing MIME messages
-- (RFC 2045-2049) as LTN12 sources.
--
-- `smtp.send{...}` delivers one message: greeting, EHLO, optional AUTH
-- (LOGIN or PLAIN, picked from the EHLO reply as LuaSocket picks), MAIL,
-- RCPT for each recipient, DATA with the message dot-stuffed through
-- `mime.stuff()`, QUIT. `smtp.message{...}` turns a table of headers and a
-- body (a string, an LTN12 source, or a table of parts for a multipart
-- body) into the source that `send` reads.
--
-- Behaviour follows LuaSocket's smtp module. Differences on purpose: an
-- envelope address (`from`, each `rcpt`) holding CR or LF is refused with
-- `nil, "invalid address"` before anything is sent; a header (of the
-- message or of any part) that `socket.headers.check` refuses, such as a
-- value holding CR or LF, makes the source from `message` fail at once with
-- `nil, "invalid value for header '<name>'"` (or `"invalid header name
-- '<name>'"`) before any byte of the message is sent, so `send` returns
-- that error and the server accepts no message; `message` does not
-- modify the caller's tables, writes headers in a fixed (sorted) order, and
-- is built from plain LTN12 sources instead of a coroutine, so part sources
-- may themselves yield (copas).
--
-- Beyond LuaSocket: `starttls = true` or `"required"` in `send`'s table
-- (and `session:starttls()`) upgrades the connection to TLS (RFC 3207)
-- through a TLS transport https also uses (LuaSec when installed, else
-- the built-in socket.tls; `tls = { transport = "builtin" }` chooses),
-- which verifies the server's certificate and name by default. Without
-- `starttls`, nothing changes: no STARTTLS is sent and no TLS is loaded.
-- @module socket.smtp

local socket = require("socket")
local tp = require("socket.tp")
local ltn12 = require("ltn12")
local headers = require("socket.headers")
local mime = require("mime")
local transports = require("socket.transport")

local error, ipairs, pairs, setmetatable, tostring, type = error, ipairs, pairs, setmetatable, tostring, type
local math_random = math.random
local os_date, os_getenv, os_time = os.date, os.getenv, os.time
local string_find, string_format, string_gmatch, string_lower, string_match, string_upper = string.find,
    string.format, string.gmatch, string.lower, string.match, string.upper
local table_concat, table_sort = table.concat, table.sort
local unpack = table.unpack or unpack

local smtp = {}
-- As upstream, loading the module also makes it reachable as socket.smtp.
socket.smtp = smtp

--- Seconds each blocking call may take.
smtp.TIMEOUT = 60
--- Server used when `send` is given none.
smtp.SERVER = "localhost"
--- Port used when `send` is given none.
smtp.PORT = 25
--- Name sent with EHLO when `send` is given no `domain` (under CGI, the
-- `SERVER_NAME` variable).
smtp.DOMAIN = os_getenv("SERVER_NAME") or "localhost"
--- Time zone written in the `Date` header when the message gives none
-- (`"-0000"`: unknown, RFC 5322 §3.3).
smtp.ZONE = "-0000"

---------------------------------------------------------------------------
-- The session object (low-level API)
---------------------------------------------------------------------------

local methods = {}
local metat = { __index = methods }

--- Reads the greeting and sends EHLO.
-- @param domain name to introduce ourselves with (default `smtp.DOMAIN`)
-- @return the EHLO reply text (the server's extensions)
function methods:greet(domain)
    self.try(self.tp:check("2.."))
    self.try(self.tp:command("EHLO", domain or smtp.DOMAIN))
    local _, reply = self.try(self.tp:check("2.."))
    return reply
end

--- Whether the EHLO reply `ext` offers the extension `keyword` (a line
-- `250-KEYWORD` or `250 KEYWORD`, maybe with parameters; any case).
local function offers(ext, keyword)
    for line in string_gmatch(ext or "", "[^\n]+") do
        local word = string_match(line, "^%d%d%d[ -](%S+)")
        if word and string_upper(word) == keyword then return true end
    end
    return false
end

--- Upgrades the connection to TLS (RFC 3207), then sends EHLO again: the
-- server forgets everything it learnt before the upgrade, and may offer
-- other extensions (AUTH, typically) over TLS.
-- Sends STARTTLS and expects 220; refuses a server that sent anything
-- more before the handshake (those bytes would be taken as coming from
-- inside TLS); runs the TLS handshake through the transport https uses,
-- which verifies the certificate and host name unless told otherwise.
-- On any failure the session's `try` closes the connection and raises.
-- @param tlst optional table: `servername` (the name the certificate must
--   match and the SNI name; default the server `open` connected to),
--   `transport` (`"luasec"` or `"builtin"`; default LuaSec when installed,
--   else the built-in one) and the TLS parameters https takes (`verify`,
--   `cafile`, `capath`, `key`, `certificate`, `protocol`, and for LuaSec
--   `password`, `options`, ...)
-- @param domain name to send with EHLO (default `smtp.DOMAIN`)
-- @return the new EHLO reply text
function methods:starttls(tlst, domain)
    if tlst ~= nil and type(tlst) ~= "table" then
        error("bad argument #1 to 'starttls' (table expected, got " .. type(tlst) .. ")", 2)
    end
    tlst = tlst or {}
    -- Checked before STARTTLS is sent: after its 220 the server waits for
    -- a handshake, and there is no way back to plain SMTP.
    local transport, why = transports.choose(tlst.transport)
    if not transport and tlst.transport == "luasec" then why = "LuaSec not found: STARTTLS needs the 'ssl' module" end
    self.try(transport, why)
    self.try(self.tp:command("STARTTLS"))
    self.try(self.tp:check("^220"))
    local c = self.tp.c
    -- Bytes already waiting now were sent in clear after the 220 (a
    -- man in the middle injecting replies, RFC 3207 §5 / CVE-2011-0411):
    -- never let them pass for the server's answers over TLS.
    local waiting = c:dirty()
    if not waiting and c.getfd and socket.select({ c }, nil, 0)[1] then
        -- Readable: bytes, or the end of the connection. One byte tells
        -- which (the session is over either way).
        c:settimeout(0)
        local byte, err = c:receive(1)
        c:settimeout(self.timeout)
        if err == "closed" then self.try(nil, err) end
        waiting = byte ~= nil
    end
    if waiting then self.try(nil, "unexpected data after the STARTTLS reply") end
    local stream = self.try(transport.wrap(c, tlst.servername or self.host, tlst, self.timeout))
    -- From here on every command and reply goes through TLS.
    self.tp.c = stream
    self.try(self.tp:command("EHLO", domain or smtp.DOMAIN))
    local _, reply = self.try(self.tp:check("2.."))
    return reply
end

--- Sends `MAIL FROM:<from>` and checks the reply.
function methods:mail(from)
    self.try(self.tp:command("MAIL", "FROM:" .. from))
    return self.try(self.tp:check("2.."))
end

--- Sends `RCPT TO:<to>` and checks the reply.
function methods:rcpt(to)
    self.try(self.tp:command("RCPT", "TO:" .. to))
    return self.try(self.tp:check("2.."))
end

--- Sends DATA, then the message from `src` (the caller dot-stuffs it),
-- then the end-of-data line.
function methods:data(src, step)
    self.try(self.tp:command("DATA"))
    self.try(self.tp:check("3.."))
    self.try(self.tp:source(src, step))
    self.try(self.tp:send("\r\n.\r\n"))
    return self.try(self.tp:check("2.."))
end

--- Sends QUIT and checks the reply.
function methods:quit()
    self.try(self.tp:command("QUIT"))
    return self.try(self.tp:check("2.."))
end

--- Closes the connection.
function methods:close()
    return self.tp:close()
end

--- AUTH LOGIN: user name and password each sent in base64 after a 334.
function methods:login(user, password)
    self.try(self.tp:command("AUTH", "LOGIN"))
    self.try(self.tp:check("3.."))
    self.try(self.tp:send(mime.b64(user) .. "\r\n"))
    self.try(self.tp:check("3.."))
    self.try(self.tp:send(mime.b64(password) .. "\r\n"))
    return self.try(self.tp:check("2.."))
end

--- AUTH PLAIN (RFC 4616) with the credentials in the same line.
function methods:plain(user, password)
    local token = mime.b64("\0" .. user .. "\0" .. password)
    self.try(self.tp:command("AUTH", "PLAIN " .. token))
    return self.try(self.tp:check("2.."))
end

--- Authenticates when both `user` and `password` are given: LOGIN when the
-- EHLO reply `ext` offers it, else PLAIN, else fails with
-- "authentication not supported".
function methods:auth(user, password, ext)
    if not user or not password then return 1 end
    ext = ext or ""
    if string_find(ext, "AUTH[^\n]+LOGIN") then
        return self:login(user, password)
    elseif string_find(ext, "AUTH[^\n]+PLAIN") then
        return self:plain(user, password)
    end
    self.try(nil, "authentication not supported")
end

--- Sends one message: MAIL, RCPT for each recipient, DATA.
-- @param mailt table with `from`, `rcpt` (a string or a list), `source`
--   and optional `step`
function methods:send(mailt)
    self:mail(mailt.from)
    if type(mailt.rcpt) == "table" then
        for _, to in ipairs(mailt.rcpt) do
            self:rcpt(to)
        end
    else
        self:rcpt(mailt.rcpt)
    end
    self:data(ltn12.source.chain(mailt.source, mime.stuff()), mailt.step)
end

--- Connects to an SMTP server. Raises a `socket.try` exception on failure
-- (use inside `socket.protect`).
-- @param server host (default `smtp.SERVER`)
-- @param port port (default `smtp.PORT`)
-- @param create optional replacement for `socket.tcp`
-- @return the session object; its `try` closes the connection on failure
function smtp.open(server, port, create)
    local conn = socket.try(tp.connect(server or smtp.SERVER, port or smtp.PORT, smtp.TIMEOUT, create))
    -- `host` and `timeout` are what starttls needs: the name the server's
    -- certificate must match, and settimeout's value for the TLS stream.
    local session = setmetatable({ tp = conn, host = server or smtp.SERVER, timeout = smtp.TIMEOUT }, metat)
    session.try = socket.newtry(function()
        session:close()
    end)
    return session
end

---------------------------------------------------------------------------
-- Composing messages
---------------------------------------------------------------------------

-- A copy of `t` with every name in lower case.
local function lowered(t)
    local out = {}
    for name, value in pairs(t or out) do
        out[string_lower(name)] = value
    end
    return out
end

-- The header block: one "Name: value" line per header (sorted by name,
-- canonical spelling from socket.headers), then the empty line. Returns
-- nil and a message for a header socket.headers.check refuses.
local function header_block(h)
    local names = {}
    for name in pairs(h) do names[#names + 1] = name end
    table_sort(names)
    local lines = {}
    for i, name in ipairs(names) do
        local value = tostring(h[name])
        local ok, err = headers.check(name, value)
        if not ok then return nil, err end
        lines[i] = (headers.canonic[name] or name) .. ": " .. value .. "\r\n"
    end
    lines[#lines + 1] = "\r\n"
    return table_concat(lines)
end

-- A boundary no part is likely to contain: time, randomness and a counter.
local boundaries = 0
local function new_boundary()
    boundaries = boundaries + 1
    return string_format("=_luasocket_%s_%08x_%04d", os_date("!%Y%m%d%H%M%S", os_time()),
        math_random(0, 0x7fffffff), boundaries)
end

-- Forward declaration: a part's source (recursive for nested multiparts).
local part_source

local text_plain = 'text/plain; charset="iso-8859-1"'

-- A multipart body: headers (content-type gets the boundary), preamble,
-- each part after a delimiter line, the closing delimiter, epilogue. Every
-- part's headers are built (and checked) here, before anything is read:
-- returns nil and a message when one is refused.
local function multipart_source(h, body)
    local boundary = new_boundary()
    h["content-type"] = (h["content-type"] or "multipart/mixed") .. '; boundary="' .. boundary .. '"'
    local head, err = header_block(h)
    if not head then return nil, err end
    local sources = { ltn12.source.string(head) }
    if body.preamble then
        sources[#sources + 1] = ltn12.source.string(body.preamble .. "\r\n")
    end
    for _, part in ipairs(body) do
        sources[#sources + 1] = ltn12.source.string("\r\n--" .. boundary .. "\r\n")
        local src
        src, err = part_source(part)
        if not src then return nil, err end
        sources[#sources + 1] = src
    end
    sources[#sources + 1] = ltn12.source.string("\r\n--" .. boundary .. "--\r\n\r\n")
    if body.epilogue then
        sources[#sources + 1] = ltn12.source.string(body.epilogue .. "\r\n")
    end
    return ltn12.source.cat(unpack(sources))
end

-- The source of one message or part: its headers, then its body; or nil
-- and a message when a header is refused.
function part_source(mesgt, h)
    h = h or lowered(mesgt.headers)
    local body = mesgt.body
    if type(body) == "table" then
        return multipart_source(h, body)
    end
    h["content-type"] = h["content-type"] or text_plain
    local block, err = header_block(h)
    if not block then return nil, err end
    local head = ltn12.source.string(block)
    if type(body) == "function" then
        return ltn12.source.cat(head, body)
    end
    return ltn12.source.cat(head, ltn12.source.string(body and tostring(body) or ""))
end

--- Builds a message as an LTN12 source.
-- @param mesgt table with `headers` (name = value; names in any case) and
--   `body`: a string, an LTN12 source, or a list of parts (each again a
--   `{headers, body}` table) with optional `preamble` and `epilogue`
--   strings for a multipart body (content type `multipart/mixed` unless the
--   headers say otherwise). Optional `zone` for the Date header.
-- @return a source of the message text (lines ending in CRLF). When a
--   header of the message or of a part is refused by
--   `socket.headers.check` (a value holding CR, LF or another control byte
--   but tab; a name that is not a token), the source returns
--   `nil, "invalid value for header '<name>'"` (or
--   `nil, "invalid header name '<name>'"`) at its first call, before any
--   byte of the message.
function smtp.message(mesgt)
    local h = lowered(mesgt.headers)
    h["date"] = h["date"] or (os_date("!%a, %d %b %Y %H:%M:%S ") .. (mesgt.zone or smtp.ZONE))
    h["x-mailer"] = h["x-mailer"] or socket._VERSION
    -- Always 1.0, whatever the caller says (RFC 2045 §4).
    h["mime-version"] = "1.0"
    local src, err = part_source(mesgt, h)
    if not src then return ltn12.source.error(err) end
    return src
end

---------------------------------------------------------------------------
-- Sending (high-level API)
---------------------------------------------------------------------------

-- Is `address` safe to put in a MAIL or RCPT command line?
local valid_address = headers.oneline

--- Sends a message.
-- @param mailt table: `from` (`"<sender@example.com>"`), `rcpt` (one such
--   string or a list), `source` (an LTN12 source of the message, usually
--   from `smtp.message`), and optional `server`, `port`, `domain` (EHLO
--   name), `user` and `password` (AUTH), `step` (pump step), `create`
--   (replacement for `socket.tcp`), `starttls` (`true`: upgrade to TLS when
--   the server offers STARTTLS, else go on in clear; `"required"`: fail
--   with `"STARTTLS not offered"` when it does not) and `tls` (the table
--   `session:starttls` takes: `servername` and LuaSec parameters)
-- @return `1`, or `nil, message` (the server's reply text when it refused;
--   the source's error when the message fails, which for a header refused
--   by `smtp.message` is `"invalid value for header '<name>'"`: the message
--   source fails at its first call, after DATA, before any byte of the
--   message is sent, and the connection is closed without the final dot,
--   so the server accepts nothing)
smtp.send = socket.protect(function(mailt)
    socket.try(valid_address(mailt.from), "invalid address")
    if type(mailt.rcpt) == "table" then
        for _, to in ipairs(mailt.rcpt) do
            socket.try(valid_address(to), "invalid address")
        end
    else
        socket.try(valid_address(mailt.rcpt), "invalid address")
    end
    local starttls, tlst = mailt.starttls, mailt.tls
    if not (starttls == nil or starttls == false or starttls == true or starttls == "required") then
        error("bad field 'starttls' (true, false or \"required\" expected, got " .. tostring(starttls) .. ")", 0)
    end
    if tlst ~= nil and type(tlst) ~= "table" then
        error("bad field 'tls' (table expected, got " .. type(tlst) .. ")", 0)
    end
    local source = mailt.source
    local session = smtp.open(mailt.server, mailt.port, mailt.create)
    local ext = session:greet(mailt.domain)
    if starttls then
        if offers(ext, "STARTTLS") then
            ext = session:starttls(tlst, mailt.domain)
        elseif starttls == "required" then
            session.try(nil, "STARTTLS not offered")
        end
    end
    session:auth(mailt.user, mailt.password, ext)
    session:send({ from = mailt.from, rcpt = mailt.rcpt, source = source, step = mailt.step })
    session:quit()
    return session:close()
end)

return smtp
