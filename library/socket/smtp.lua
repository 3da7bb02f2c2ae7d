---@meta socket.smtp
-- LuaLS annotations for `require("socket.smtp")`. Manual: docs/smtp.md.

---What `smtp.send` takes.
---@class socket.smtp.mail
---@field from string envelope sender, `"<ann@example.com>"`
---@field rcpt string|string[] envelope recipients
---@field source ltn12.Source the message text (see `smtp.message`)
---@field server? string default `smtp.SERVER`
---@field port? number default `smtp.PORT`
---@field domain? string EHLO name (default `smtp.DOMAIN`)
---@field user? string AUTH user
---@field password? string AUTH password
---@field step? ltn12.Step
---@field create? fun(): any a replacement for `socket.tcp`
---@field starttls? boolean|"required" upgrade with STARTTLS: `true` when offered (else in clear), `"required"` or fail
---@field tls? socket.smtp.tls parameters of the STARTTLS upgrade

---The TLS parameters of a STARTTLS upgrade: the server name to check and
---LuaSec's `ssl.wrap` parameters, under the names https takes them. The
---certificate and host name are verified unless `verify = "none"`.
---@class socket.smtp.tls
---@field transport? "builtin"|"luasec" the TLS transport (default: LuaSec when installed, else socket.tls)
---@field servername? string name the certificate must match, and SNI (default: the server)
---@field verify? string|string[] default `"peer"`
---@field cafile? string default: the system's CA bundle
---@field capath? string
---@field protocol? string
---@field options? string|string[]
---@field key? string client key file
---@field certificate? string client certificate file
---@field password? string|fun(): string the client key's password (not AUTH's)
---@field certificates? table
---@field ciphers? string
---@field ciphersuites? string
---@field depth? integer
---@field dhparam? fun(): string
---@field curve? string
---@field curveslist? string
---@field verifyext? string|string[]
---@field alpn? string|string[]
---@field dane? boolean

---What `smtp.message` takes: headers and a body (a string, a source, or a
---list of parts with optional preamble and epilogue).
---@class socket.smtp.message
---@field headers? table<string, string>
---@field body? string|ltn12.Source|socket.smtp.message[]|{preamble?: string, epilogue?: string}
---@field zone? string time zone of the Date header
---@field preamble? string
---@field epilogue? string

---Sending mail and composing MIME messages.
---@class socket.smtp
local smtp = {}

---Seconds each socket operation may take: 60.
---@type number
smtp.TIMEOUT = 60

---Server when `send` is given none: `"localhost"`.
---@type string
smtp.SERVER = "localhost"

---Port when `send` is given none: 25.
---@type integer
smtp.PORT = 25

---EHLO name: `$SERVER_NAME` or `"localhost"`.
---@type string
smtp.DOMAIN = "localhost"

---Time zone of the Date header: `"-0000"` (unknown).
---@type string
smtp.ZONE = "-0000"

---Delivers a message: EHLO, STARTTLS and EHLO again if `starttls` asks,
---AUTH if `user` and `password`, MAIL, RCPT, DATA (dot-stuffed), QUIT.
---`1`, or `nil, message` (the server's reply when it refused;
---`"invalid address"` for CR or LF in an address; `"STARTTLS not
---offered"`, `"certificate verify failed"`, `"certificate does not match
---host name '<name>'"` for the upgrade; the source's error, such as
---`"invalid value for header 'x-name'"` from `smtp.message`, when the
---message fails).
---@param mail socket.smtp.mail
---@return 1|nil ok
---@return string? err
function smtp.send(mail) end

---The message as an LTN12 source (Date, X-Mailer and MIME-Version added).
---A header `socket.headers.check` refuses (CR, LF or another control byte
---but tab in a value; a name that is not a token) makes the source return
---`nil, "invalid value for header '<name>'"` (or `"invalid header name
---'<name>'"`) at its first call.
---@param message socket.smtp.message
---@return ltn12.Source
function smtp.message(message) end

---Connects; raises `socket.try` exceptions (use inside `socket.protect`).
---@param server? string
---@param port? number
---@param create? fun(): any
---@return socket.smtp.session
function smtp.open(server, port, create) end

---An SMTP session from `smtp.open`. Its methods raise `socket.try` exceptions.
---@class socket.smtp.session
---@field tp socket.tp.connection
---@field try fun(...): ...
local session = {}

---Reads the greeting and sends EHLO; returns the EHLO reply.
---@param domain? string
---@return string
function session:greet(domain) end

---Upgrades to TLS (STARTTLS, 220, handshake verifying the certificate
---and host name), then sends EHLO again; returns the new EHLO reply.
---@param tls? socket.smtp.tls
---@param domain? string EHLO name (default `smtp.DOMAIN`)
---@return string
function session:starttls(tls, domain) end

---LOGIN or PLAIN as `extensions` offers (nothing without credentials).
---@param user? string
---@param password? string
---@param extensions? string the `greet` reply
---@return any
function session:auth(user, password, extensions) end

---AUTH LOGIN.
---@param user string
---@param password string
---@return integer code
---@return string reply
function session:login(user, password) end

---AUTH PLAIN.
---@param user string
---@param password string
---@return integer code
---@return string reply
function session:plain(user, password) end

---MAIL FROM.
---@param from string
---@return integer code
---@return string reply
function session:mail(from) end

---RCPT TO.
---@param to string
---@return integer code
---@return string reply
function session:rcpt(to) end

---DATA, the message (not dot-stuffed here), the end-of-data line.
---@param source ltn12.Source
---@param step? ltn12.Step
---@return integer code
---@return string reply
function session:data(source, step) end

---MAIL, RCPT for each recipient, DATA dot-stuffed.
---@param mail socket.smtp.mail
function session:send(mail) end

---QUIT.
---@return integer code
---@return string reply
function session:quit() end

---Closes the connection.
---@return 1
function session:close() end

return smtp
