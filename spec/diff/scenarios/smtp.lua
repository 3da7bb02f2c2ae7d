-- socket.smtp: message (string, source and multipart bodies, nested parts,
-- headers, dot-stuffing) and send against spec/diff/peers/smtp_peer.py,
-- which records every line it read; AUTH LOGIN and PLAIN; refusals,
-- a refused connection, a timeout.
--
-- Normalised in what is compared: the Date header's time (its zone is
-- kept), MIME boundaries (numbered in order of appearance: both libraries
-- make them from the clock and math.random), LuaSocket's version in
-- X-Mailer (3.0.0 in Debian's package, 3.1.0 in ours: CONTRACT §2), the
-- peer's port, and the order of the lines of each header block (both write
-- headers in pairs() order, which varies from run to run).
local peer = require("diff.peers.peer")
local ltn12 = require("ltn12")

-- The message text `lines` (a list of lines without CRLF) normalised.
local function normalise_message(lines, ports)
    local text = table.concat(lines, "\n")
    local n = 0
    for b in text:gmatch('boundary="([^"]+)"') do
        n = n + 1
        local plain = b:gsub("%p", "%%%0")
        text = text:gsub(plain, "BOUNDARY" .. n)
    end
    text = text:gsub("\nDate: %a%a%a, %d%d %a%a%a %d%d%d%d %d%d:%d%d:%d%d ", "\nDate: <now> ")
    text = text:gsub("^Date: %a%a%a, %d%d %a%a%a %d%d%d%d %d%d:%d%d:%d%d ", "Date: <now> ")
    local out, block, in_head = {}, {}, true
    local function flush()
        table.sort(block, function(a, b) return a:lower() < b:lower() end)
        for _, l in ipairs(block) do out[#out + 1] = l end
        block = {}
    end
    for line in (text .. "\n"):gmatch("([^\n]*)\n") do
        if in_head then
            if line == "" then
                flush()
                out[#out + 1] = ""
                in_head = false
            else
                block[#block + 1] = line
            end
        else
            out[#out + 1] = line
            if line:match("^%-%-BOUNDARY%d+$") then in_head = true end
        end
    end
    flush()
    return peer.norm(out, ports)
end

-- The server's transcript (every line it read, by connection) with the
-- message data normalised.
local function transcript(h)
    local out, data, in_data = {}, nil, false
    local records = h.records()
    for i = (h.seen or 0) + 1, #records do
        local r = records[i]
        local line = r.l
        if in_data then
            if line == ".\r\n" then
                local msg = normalise_message(data, { h.port })
                out[#out + 1] = msg
                out[#out + 1] = "."
                in_data = false
            else
                data[#data + 1] = (line:gsub("\r\n$", ""))
            end
        else
            out[#out + 1] = r.c .. ": " .. peer.norm(line:gsub("\r\n$", ""), { h.port })
            if line:upper() == "DATA\r\n" then
                in_data, data = true, {}
            end
        end
    end
    if in_data then out[#out + 1] = normalise_message(data, { h.port }) end
    h.seen = #records
    return out
end

-- The message a source produces, pulled to its end.
local function pull(src)
    local chunks = {}
    local ok, err = ltn12.pump.all(src, (ltn12.sink.table(chunks)))
    local text = table.concat(chunks)
    local lines = {}
    for line in (text .. "\r\n"):gmatch("(.-)\r\n") do lines[#lines + 1] = line end
    if lines[#lines] == "" then lines[#lines] = nil end
    return ok, err, normalise_message(lines, {})
end

local function basic_message(smtp, body)
    return smtp.message {
        headers = { from = "Ann <ann@example.test>", to = "bob@example.test", subject = "hello" },
        body = body or "Hi Bob,\r\nthe first line\r\n.a line with a dot\r\n.\r\nbye\r\n",
    }
end

return {
    {
        name = "module",
        run = function(t, socket)
            local smtp = require("socket.smtp")
            t:rec("constants", smtp.TIMEOUT, smtp.SERVER, smtp.PORT, smtp.ZONE)
            t:rec("DOMAIN", smtp.DOMAIN == (os.getenv("SERVER_NAME") or "localhost"))
            t:rec("socket.smtp", socket.smtp == smtp)
            t:rec("functions", type(smtp.send), type(smtp.message), type(smtp.open))
        end,
    },
    {
        name = "message",
        run = function(t)
            local smtp = require("socket.smtp")
            t:call("string body", pull, basic_message(smtp))
            t:call("no headers", pull, smtp.message { body = "just a body" })
            t:call("no body", pull, smtp.message { headers = { subject = "empty" } })
            t:call("headers in any case", pull, smtp.message {
                headers = { SUBJECT = "upper", ["Content-Type"] = "text/html", ["X-Custom-Header"] = "x" },
                body = "<p>hi</p>",
            })
            t:call("zone", pull, smtp.message { zone = "+0200", body = "z" })
            t:call("date and x-mailer given", pull, smtp.message {
                headers = { date = "Mon, 1 Jan 2024 00:00:00 +0000", ["x-mailer"] = "mine", ["mime-version"] = "2.0" },
                body = "d",
            })
            t:call("source body", pull, smtp.message {
                headers = { subject = "from a source" },
                body = ltn12.source.string("line one\r\nline two\r\n"),
            })
            t:call("source body failing", pull, smtp.message {
                body = ltn12.source.cat(ltn12.source.string("part"), ltn12.source.error("source broke")),
            })
            t:call("multipart", pull, smtp.message {
                headers = { subject = "parts" },
                body = {
                    preamble = "This is a MIME message.",
                    { body = "first part\r\n" },
                    { headers = { ["content-type"] = "text/html" }, body = "<b>second</b>" },
                    epilogue = "the end",
                },
            })
            t:call("multipart with its own type", pull, smtp.message {
                headers = { ["content-type"] = "multipart/alternative" },
                body = { { body = "a" }, { body = "b" } },
            })
            t:call("nested multipart", pull, smtp.message {
                body = {
                    { body = "outer" },
                    { body = { { body = "inner one" }, { body = "inner two" }, preamble = "inner" } },
                },
            })
            t:call("empty multipart", pull, smtp.message { body = {} })
            local mime = require("mime")
            t:call("base64 attachment", pull, smtp.message {
                body = {
                    { body = "see attached" },
                    {
                        headers = {
                            ["content-type"] = 'application/octet-stream; name="x.bin"',
                            ["content-disposition"] = 'attachment; filename="x.bin"',
                            ["content-transfer-encoding"] = "BASE64",
                        },
                        body = ltn12.source.chain(ltn12.source.string(string.rep("\0\1\2\255", 40)),
                            ltn12.filter.chain(mime.encode("base64"), mime.wrap())),
                    },
                },
            })
        end,
    },
    {
        name = "send",
        run = function(t)
            local smtp = require("socket.smtp")
            local h = peer.start(t, "smtp_peer.py")
            smtp.TIMEOUT = 5
            t:defer(function() smtp.TIMEOUT = 60 end)
            t:call("one recipient", smtp.send, {
                server = "127.0.0.1", port = h.port, from = "<ann@example.test>", rcpt = "<bob@example.test>",
                source = basic_message(smtp), domain = "client.test",
            })
            t:call("two recipients, default domain", smtp.send, {
                server = "127.0.0.1", port = h.port, from = "<ann@example.test>",
                rcpt = { "<bob@example.test>", "<cy@example.test>" },
                source = smtp.message { body = "to two" },
            })
            t:call("multipart", smtp.send, {
                server = "127.0.0.1", port = h.port, from = "<ann@example.test>", rcpt = "<bob@example.test>",
                domain = "client.test",
                source = smtp.message { body = { preamble = "pre", { body = "one" }, { body = ".two\r\n..x" } } },
            })
            t:call("a raw source", smtp.send, {
                server = "127.0.0.1", port = h.port, from = "<ann@example.test>", rcpt = "<bob@example.test>",
                domain = "client.test",
                source = ltn12.source.string("Subject: raw\r\n\r\n.leading dot\r\nno final newline"),
            })
            t:call("step given", smtp.send, {
                server = "127.0.0.1", port = h.port, from = "<ann@example.test>", rcpt = "<bob@example.test>",
                domain = "client.test", step = ltn12.pump.step,
                source = ltn12.source.string("x\r\n"),
            })
            local pieces = { "Subject: dots\r\n\r\na\r", "\n.b\r\n.", "c\r\n..d\r\n.", "\r\nend" }
            local i = 0
            t:call("dot-stuffing across chunks", smtp.send, {
                server = "127.0.0.1", port = h.port, from = "<ann@example.test>", rcpt = "<bob@example.test>",
                domain = "client.test",
                source = function()
                    i = i + 1
                    return pieces[i]
                end,
            })
            t:rec("server got", transcript(h))
        end,
    },
    {
        name = "refusals",
        run = function(t)
            local smtp = require("socket.smtp")
            local h = peer.start(t, "smtp_peer.py")
            smtp.TIMEOUT = 5
            t:defer(function() smtp.TIMEOUT = 60 end)
            local function send(label, fields)
                fields.server, fields.port, fields.domain = "127.0.0.1", h.port, "client.test"
                fields.source = fields.source or smtp.message { body = "b" }
                return t:call(label, smtp.send, fields)
            end
            send("sender refused", { from = "<bad@example.test>", rcpt = "<bob@example.test>" })
            send("recipient refused", { from = "<ann@example.test>", rcpt = "<reject@example.test>" })
            send("second recipient refused", {
                from = "<ann@example.test>", rcpt = { "<bob@example.test>", "<reject@example.test>" },
            })
            send("user without auth offered", { from = "<a@x>", rcpt = "<b@x>", user = "ann", password = "s3cret" })
            send("a source that fails", {
                from = "<a@x>", rcpt = "<b@x>", source = ltn12.source.error("source broke"),
            })
            t:rec("server got", transcript(h))
            send("CR LF in from", { from = "<a@x>\r\nRCPT TO:<evil@x>", rcpt = "<b@x>" })
            send("CR LF in rcpt", { from = "<a@x>", rcpt = { "<b@x>\r\nDATA" } })
            t:rec("server got after CR LF", transcript(h))
        end,
    },
    {
        name = "auth",
        run = function(t)
            local smtp = require("socket.smtp")
            local function send(h, label, user, password)
                return t:call(label, smtp.send, {
                    server = "127.0.0.1", port = h.port, domain = "client.test",
                    from = "<ann@example.test>", rcpt = "<bob@example.test>",
                    user = user, password = password, source = smtp.message { body = "secret" },
                })
            end
            local login = peer.start(t, "smtp_peer.py", "--auth 'LOGIN PLAIN'")
            send(login, "LOGIN", "ann", "s3cret")
            send(login, "LOGIN, wrong password", "ann", "nope")
            send(login, "no credentials", nil, nil)
            send(login, "user alone", "ann", nil)
            t:rec("LOGIN: server got", transcript(login))
            local plain = peer.start(t, "smtp_peer.py", "--auth PLAIN")
            send(plain, "PLAIN", "ann", "s3cret")
            send(plain, "PLAIN, wrong password", "ann", "nope")
            t:rec("PLAIN: server got", transcript(plain))
            local other = peer.start(t, "smtp_peer.py", "--auth CRAM-MD5")
            send(other, "only CRAM-MD5 offered", "ann", "s3cret")
            t:rec("CRAM-MD5: server got", transcript(other))
        end,
    },
    {
        -- starttls is ours (issue 19): C LuaSocket ignores the field. When
        -- the server does not offer STARTTLS, `true` must give the same
        -- bytes as C (opportunistic: on in clear); "required" refuses.
        name = "starttls not offered",
        run = function(t)
            local smtp = require("socket.smtp")
            local h = peer.start(t, "smtp_peer.py", "--auth 'LOGIN PLAIN'")
            smtp.TIMEOUT = 5
            t:defer(function() smtp.TIMEOUT = 60 end)
            local function send(label, starttls)
                return t:call(label, smtp.send, {
                    server = "127.0.0.1", port = h.port, domain = "client.test",
                    from = "<ann@example.test>", rcpt = "<bob@example.test>", user = "ann", password = "s3cret",
                    starttls = starttls, source = smtp.message { body = "secret" },
                })
            end
            send("starttls true", true)
            t:rec("true: server got", transcript(h))
            send("starttls required", "required")
            t:rec("required: server got", transcript(h))
        end,
    },
    {
        name = "errors",
        run = function(t, socket)
            local smtp = require("socket.smtp")
            smtp.TIMEOUT = 5
            t:defer(function() smtp.TIMEOUT = 60 end)
            local s = assert(socket.bind("127.0.0.1", 0))
            local _, dead = s:getsockname()
            s:close()
            t:call("connection refused", smtp.send, {
                server = "127.0.0.1", port = dead, from = "<a@x>", rcpt = "<b@x>", source = smtp.message { body = "" },
            })
            local busy = peer.start(t, "smtp_peer.py", "--greeting '554 5.3.2 busy, go away'")
            t:call("greeting refused", smtp.send, {
                server = "127.0.0.1", port = busy.port, from = "<a@x>", rcpt = "<b@x>",
                source = smtp.message { body = "" },
            })
            local hang = peer.start(t, "smtp_peer.py", "--hang-data")
            smtp.TIMEOUT = 0.3
            t:call("no answer after the data", smtp.send, {
                server = "127.0.0.1", port = hang.port, from = "<a@x>", rcpt = "<b@x>", domain = "client.test",
                source = smtp.message { body = "waiting" },
            })
            smtp.TIMEOUT = 5
            t:rec("hang: server got", transcript(hang))
            local opened = socket.protect(function()
                local session = smtp.open("127.0.0.1", hang.port)
                t:rec("open", type(session), type(session.try))
                t:call("greet", function() return session:greet("low.test") end)
                t:call("mail", function() return session:mail("<a@x>") end)
                t:call("rcpt", function() return session:rcpt("<b@x>") end)
                t:call("quit", function() return session:quit() end)
                return session:close()
            end)
            t:call("step by step", opened)
        end,
    },
}
