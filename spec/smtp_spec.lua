-- socket.smtp against a real SMTP server: aiosmtpd (Debian python3-aiosmtpd)
-- started from spec/fixtures/smtp_server.py on a loopback port. The server
-- records what it received (envelope, message bytes after it undid the
-- dot-stuffing, AUTH mechanism and credentials, and the MIME parts as
-- Python's email package decodes them); the specs assert on that record.
-- Bad input comes from spec/fixtures/script_server.py.
local socket = require("socket")
local ltn12 = require("ltn12")
local mime = require("mime")
local smtp = require("socket.smtp")
local net = require("support.net")
local servers = require("fixtures.servers")

local received = servers.received

-- Drains a source into a string; returns nil, err if it fails.
local function drain(src)
    local t = {}
    local ok, err = ltn12.pump.all(src, (ltn12.sink.table(t)))
    if not ok then return nil, err end
    return table.concat(t)
end

-- Every byte value, several times over: binary attachment content.
local binary = {}
for i = 0, 4095 do binary[#binary + 1] = string.char((i * 7 + math.floor(i / 256)) % 256) end
binary = table.concat(binary)

describe("socket.smtp", function()
    it("is reachable as socket.smtp and has LuaSocket's fields", function()
        assert.are.equal(smtp, socket.smtp)
        assert.are.equal(60, smtp.TIMEOUT)
        assert.are.equal("localhost", smtp.SERVER)
        assert.are.equal(25, smtp.PORT)
        assert.are.equal(os.getenv("SERVER_NAME") or "localhost", smtp.DOMAIN)
        assert.are.equal("-0000", smtp.ZONE)
    end)

    describe(".message()", function()
        it("writes the default headers, then the empty line, then the body", function()
            local text = assert(drain(smtp.message({
                headers = { Subject = "hello", ["X-Custom-Thing"] = "1", to = "Bob <bob@example.com>" },
                body = "line one\r\nline two\r\n",
            })))
            local head, body = text:match("^(.-\r\n)\r\n(.*)$")
            assert.are.equal("line one\r\nline two\r\n", body)
            assert.are.equal('Content-Type: text/plain; charset="iso-8859-1"\r\n', head:match("Content%-Type:[^\n]*\n"))
            assert.are.equal("MIME-Version: 1.0\r\n", head:match("MIME%-Version:[^\n]*\n"))
            assert.are.equal("X-Mailer: " .. socket._VERSION .. "\r\n", head:match("X%-Mailer:[^\n]*\n"))
            assert.are.equal("Subject: hello\r\n", head:match("Subject:[^\n]*\n"))
            assert.are.equal("To: Bob <bob@example.com>\r\n", head:match("To:[^\n]*\n"))
            assert.truthy(head:match("x%-custom%-thing: 1\r\n"))
            assert.truthy(head:match("Date: %a%a%a, %d%d %a%a%a %d%d%d%d %d%d:%d%d:%d%d %-0000\r\n"))
        end)

        it("keeps the caller's Date, X-Mailer and Content-Type, but not MIME-Version", function()
            local text = assert(drain(smtp.message({
                headers = { date = "Mon, 01 Jan 2024 00:00:00 +0000", ["x-mailer"] = "me",
                    ["content-type"] = "text/html", ["mime-version"] = "2.0" },
                body = "<p>hi</p>",
            })))
            assert.truthy(text:find("Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n", 1, true))
            assert.truthy(text:find("X-Mailer: me\r\n", 1, true))
            assert.truthy(text:find("Content-Type: text/html\r\n", 1, true))
            assert.truthy(text:find("MIME-Version: 1.0\r\n", 1, true))
            assert.falsy(text:find("2.0", 1, true))
        end)

        it("uses the message's zone in the Date header", function()
            local text = assert(drain(smtp.message({ zone = "+0200", body = "" })))
            assert.truthy(text:match("Date: [^\r]* %+0200\r\n"))
        end)

        it("does not change the caller's tables", function()
            local h = { subject = "x" }
            local part = { headers = { ["content-type"] = "text/plain" }, body = "a" }
            local m = { headers = h, body = { part } }
            drain(smtp.message(m))
            assert.are.same({ subject = "x" }, h)
            assert.are.equal(h, m.headers)
            assert.are.same({ ["content-type"] = "text/plain" }, part.headers)
        end)

        it("reads a body given as a source", function()
            local text = assert(drain(smtp.message({ body = ltn12.source.string(("z"):rep(5000)) })))
            assert.are.equal(("z"):rep(5000), text:match("\r\n\r\n(.*)$"))
        end)

        it("returns nil and the error of a failing body source", function()
            local src = smtp.message({ body = ltn12.source.error("disk on fire") })
            assert.are.same({ nil, "disk on fire" }, { drain(src) })
        end)

        it("fails at once with nil, 'invalid value for header ...' for CR, LF or NUL in a value", function()
            for _, value in ipairs({ "hi\r\nBcc: evil@example.com", "hi\nthere", "hi\r", "a\0b" }) do
                local src = smtp.message({ headers = { ["X-Name"] = value }, body = "body" })
                assert.are.same({ nil, "invalid value for header 'x-name'" }, { src() })
                assert.are.same({ nil, "invalid value for header 'subject'" },
                    { drain(smtp.message({ headers = { subject = value }, body = "body" })) })
            end
        end)

        it("checks the headers of every part, and gives nothing of the message", function()
            local src = smtp.message({
                headers = { subject = "fine" },
                body = {
                    { body = "first" },
                    { body = { { headers = { ["content-id"] = "<a>\r\nX-Injected: 1" }, body = "deep" } } },
                },
            })
            local chunk, err = src()
            assert.is_nil(chunk)
            assert.are.equal("invalid value for header 'content-id'", err)
        end)

        it("fails with nil, 'invalid header name ...' for a name that is not a token", function()
            local src = smtp.message({ headers = { ["X-Name\r\nBcc"] = "evil@example.com" }, body = "" })
            assert.are.same({ nil, "invalid header name 'x-name??bcc'" }, { src() })
            src = smtp.message({ headers = { ["bad name"] = "v" }, body = "" })
            assert.are.same({ nil, "invalid header name 'bad name'" }, { src() })
        end)

        it("keeps a tab and 8-bit bytes in a value, and writes numbers and booleans as text", function()
            local text = assert(drain(smtp.message({
                headers = { ["x-tab"] = "a\tb", ["x-8bit"] = "caf\195\169", ["x-num"] = 7, ["x-bool"] = true },
                body = "",
            })))
            assert.truthy(text:find("x-tab: a\tb\r\n", 1, true))
            assert.truthy(text:find("x-8bit: caf\195\169\r\n", 1, true))
            assert.truthy(text:find("x-num: 7\r\n", 1, true))
            assert.truthy(text:find("x-bool: true\r\n", 1, true))
        end)

        it("writes a multipart body: boundary, preamble, parts, closing delimiter, epilogue", function()
            local text = assert(drain(smtp.message({
                body = {
                    preamble = "This is a MIME message.",
                    { body = "first" },
                    { headers = { ["content-type"] = "text/x-second" }, body = "second" },
                    epilogue = "That was all.",
                },
            })))
            local boundary = text:match('Content%-Type: multipart/mixed; boundary="([^"]+)"\r\n')
            assert.truthy(boundary)
            local b = boundary:gsub("%p", "%%%0")
            local body = text:match("\r\n\r\n(.*)$")
            assert.truthy(body:match("^This is a MIME message%.\r\n\r\n%-%-" .. b .. "\r\n"))
            assert.truthy(body:match("\r\n%-%-" .. b .. "%-%-\r\n\r\nThat was all%.\r\n$"))
            local _, delimiters = body:gsub("\r\n%-%-" .. b .. "\r\n", "")
            assert.are.equal(2, delimiters)
            assert.truthy(body:find("Content-Type: text/x-second\r\n\r\nsecond", 1, true))
        end)

        it("gives every multipart body its own boundary", function()
            local a = assert(drain(smtp.message({ body = { { body = "x" } } })))
            local b = assert(drain(smtp.message({ body = { { body = "x" } } })))
            assert.are_not.equal(a:match('boundary="([^"]+)"'), b:match('boundary="([^"]+)"'))
        end)
    end)

    describe(".send() to aiosmtpd", function()
        local srv, out

        setup(function()
            out = os.tmpname()
            srv = servers.start("smtp_server.py", "--out " .. servers.quote(out))
        end)
        teardown(function()
            if srv then srv.stop() end
            os.remove(out)
        end)
        before_each(function()
            servers.write_file(out, "")
        end)

        local function send(t)
            t.server = t.server or "127.0.0.1"
            t.port = t.port or srv.port
            return smtp.send(t)
        end

        it("delivers a message: envelope, EHLO domain and the exact bytes", function()
            local text = "From: <ann@example.com>\r\nSubject: plain\r\n\r\nHello,\r\nworld.\r\n"
            assert.are.equal(1, send({
                from = "<ann@example.com>",
                rcpt = { "<bob@example.com>", "<cy@example.com>" },
                domain = "client.example",
                source = ltn12.source.string(text),
            }))
            local got = received(out)
            assert.are.equal(1, #got)
            assert.are.equal("ann@example.com", got[1].from)
            assert.are.same({ "bob@example.com", "cy@example.com" }, got[1].rcpt)
            assert.are.equal("client.example", got[1].helo)
            -- The end-of-data line's CRLF ends the last line.
            assert.are.equal(text .. "\r\n", got[1].data)
            assert.is_nil(got[1].auth)
        end)

        it("takes one recipient as a string, and says smtp.DOMAIN in EHLO by default", function()
            assert.are.equal(1, send({ from = "<a@x>", rcpt = "<b@x>", source = ltn12.source.string("x") }))
            local got = received(out)
            assert.are.same({ "b@x" }, got[1].rcpt)
            assert.are.equal(smtp.DOMAIN, got[1].helo)
        end)

        it("dot-stuffs the message, and the server gets the original lines back", function()
            local text = ".leading dot\r\n..two dots\r\n.\r\nmiddle\r\n. \r\n.\r\nend"
            assert.are.equal(1, send({ from = "<a@x>", rcpt = "<b@x>", source = ltn12.source.string(text) }))
            assert.are.equal(text .. "\r\n", received(out)[1].data)
        end)

        it("sends a message built by smtp.message, in small chunks too", function()
            local body = ("0123456789 dots follow\r\n.\r\n"):rep(300)
            local src = smtp.message({ headers = { subject = "chunks" }, body = body })
            -- Re-chunk the message into 7-byte pieces: stuffing must not
            -- depend on where chunks end.
            local whole = assert(drain(src))
            local pos = 1
            local function pieces()
                if pos > #whole then return nil end
                local piece = whole:sub(pos, pos + 6)
                pos = pos + 7
                return piece
            end
            assert.are.equal(1, send({ from = "<a@x>", rcpt = "<b@x>", source = pieces }))
            local got = received(out)[1]
            assert.are.equal(whole .. "\r\n", got.data)
            -- The parser sees the body up to the end-of-data line.
            assert.are.equal(body .. "\r\n", got.parts[1].payload)
        end)

        it("sends attachments from sources, base64-encoded and wrapped, decoded equal", function()
            local dir = servers.tmpdir()
            finally(function() os.execute("rm -rf " .. servers.quote(dir)) end)
            local path = dir .. "/blob.bin"
            servers.write_file(path, binary)
            local ok, err = send({
                from = "<a@x>",
                rcpt = "<b@x>",
                source = smtp.message({
                    headers = { subject = "files", from = "<a@x>", to = "<b@x>" },
                    body = {
                        preamble = "If you can read this, your mailer is not MIME-aware.",
                        { headers = { ["content-type"] = 'text/plain; charset="utf-8"' },
                          body = "See the attachments.\r\n" },
                        {
                            headers = {
                                ["content-type"] = 'application/octet-stream; name="blob.bin"',
                                ["content-disposition"] = 'attachment; filename="blob.bin"',
                                ["content-transfer-encoding"] = "BASE64",
                            },
                            body = ltn12.source.chain(
                                ltn12.source.file(assert(io.open(path, "rb"))),
                                ltn12.filter.chain(mime.encode("base64"), mime.wrap())
                            ),
                        },
                        {
                            headers = {
                                ["content-type"] = "text/plain",
                                ["content-disposition"] = 'attachment; filename="notes.txt"',
                                ["content-transfer-encoding"] = "quoted-printable",
                            },
                            body = ltn12.source.chain(
                                ltn12.source.string("caf\233 = coffee\r\n.\r\n" .. ("long "):rep(40) .. "\r\n"),
                                ltn12.filter.chain(mime.normalize(), mime.encode("quoted-printable"),
                                    mime.wrap("quoted-printable"))
                            ),
                        },
                        epilogue = "The end.",
                    },
                }),
            })
            assert.are.same({ 1, nil }, { ok, err })
            local parts = received(out)[1].parts
            assert.are.equal(4, #parts)
            assert.are.equal("multipart/mixed", parts[1].type)
            assert.are.equal("If you can read this, your mailer is not MIME-aware.\r\n", parts[1].preamble)
            assert.truthy(parts[1].epilogue:find("The end.", 1, true))
            assert.are.equal("See the attachments.\r\n", parts[2].payload)
            assert.are.equal("application/octet-stream", parts[3].type)
            assert.are.equal("blob.bin", parts[3].filename)
            assert.are.equal(#binary, #parts[3].payload)
            assert.are.equal(binary, parts[3].payload)
            assert.are.equal("notes.txt", parts[4].filename)
            assert.are.equal("caf\233 = coffee\r\n.\r\n" .. ("long "):rep(40) .. "\r\n", parts[4].payload)
        end)

        it("sends nested multipart bodies", function()
            assert.are.equal(1, send({
                from = "<a@x>",
                rcpt = "<b@x>",
                source = smtp.message({
                    headers = { subject = "nested" },
                    body = {
                        {
                            headers = { ["content-type"] = "multipart/alternative" },
                            body = {
                                { body = "plain version" },
                                { headers = { ["content-type"] = "text/html" }, body = "<b>html version</b>" },
                            },
                        },
                        { headers = { ["content-type"] = "image/x-test",
                                      ["content-transfer-encoding"] = "base64" },
                          body = (mime.b64("\0\1\2\255")) },
                    },
                }),
            }))
            local parts = received(out)[1].parts
            local types = {}
            for i, p in ipairs(parts) do types[i] = p.type end
            assert.are.same({ "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "image/x-test" },
                types)
            assert.are.equal("plain version", parts[3].payload)
            assert.are.equal("<b>html version</b>", parts[4].payload)
            assert.are.equal("\0\1\2\255", parts[5].payload)
        end)

        it("uses smtp.SERVER and smtp.PORT when none are given", function()
            local server, port = smtp.SERVER, smtp.PORT
            finally(function() smtp.SERVER, smtp.PORT = server, port end)
            smtp.SERVER, smtp.PORT = "127.0.0.1", srv.port
            local ok, err = smtp.send({ from = "<a@x>", rcpt = "<b@x>", source = ltn12.source.string("defaults") })
            assert.are.same({ 1, nil }, { ok, err })
            assert.are.equal("defaults\r\n", received(out)[1].data)
        end)

        it("uses `create` and `step`", function()
            local made, steps = 0, 0
            assert.are.equal(1, send({
                from = "<a@x>",
                rcpt = "<b@x>",
                source = ltn12.source.string("custom"),
                create = function()
                    made = made + 1
                    return socket.tcp()
                end,
                step = function(src, snk)
                    steps = steps + 1
                    return ltn12.pump.step(src, snk)
                end,
            }))
            assert.are.equal(1, made)
            assert.is_true(steps >= 1)
        end)

        it("refuses CR or LF in an address with nil, 'invalid address' and sends nothing", function()
            local cases = {
                { from = "<a@x>\r\nRCPT TO:<evil@x>", rcpt = "<b@x>" },
                { from = "<a@x>", rcpt = "<b@x>\nDATA" },
                { from = "<a@x>", rcpt = { "<b@x>", "<c@x>\rQUIT" } },
            }
            for _, case in ipairs(cases) do
                case.source = ltn12.source.string("injected")
                assert.are.same({ nil, "invalid address" }, { send(case) })
            end
            assert.are.same({}, received(out))
        end)

        it("refuses a header holding CR or LF with nil, 'invalid value ...'; the server accepts nothing", function()
            local connections = 0
            local function create()
                connections = connections + 1
                return socket.tcp()
            end
            for _, value in ipairs({ "hi\r\nBcc: <evil@x>", "hi\n\r\n.\r\nMAIL FROM:<evil@x>", "hi\r" }) do
                local ok, err = send({ from = "<a@x>", rcpt = "<b@x>", create = create,
                    source = smtp.message({ headers = { ["x-name"] = value, subject = "s" }, body = "body\r\n" }) })
                assert.is_nil(ok)
                assert.are.equal("invalid value for header 'x-name'", err)
            end
            -- A bad header in a part is found before anything is sent, too.
            local parts = { { body = "a" }, { headers = { ["x-part"] = "p\nq" }, body = "b" } }
            local ok, err = send({ from = "<a@x>", rcpt = "<b@x>", create = create,
                source = smtp.message({ body = parts }) })
            assert.are.same({ nil, "invalid value for header 'x-part'" }, { ok, err })
            -- As in LuaSocket, the source is read after DATA: each refused
            -- message connected, but the server kept none of them.
            assert.are.equal(4, connections)
            assert.are.same({}, received(out))
            -- The same message with a clean header goes through.
            assert.are.equal(1, send({ from = "<a@x>", rcpt = "<b@x>", create = create,
                source = smtp.message({ headers = { ["x-name"] = "hi", subject = "s" }, body = "body\r\n" }) }))
            assert.are.equal(5, connections)
            local got = received(out)
            assert.are.equal(1, #got)
            assert.truthy(got[1].data:find("\r\nx-name: hi\r\n", 1, true))
        end)

        it("returns nil and the error of a source that fails at once; the server accepts nothing", function()
            local connections = 0
            local ok, err = send({ from = "<a@x>", rcpt = "<b@x>", source = ltn12.source.error("no message"),
                create = function()
                    connections = connections + 1
                    return socket.tcp()
                end })
            assert.are.same({ nil, "no message" }, { ok, err })
            assert.are.equal(1, connections)
            assert.are.same({}, received(out))
        end)

        it("asks for AUTH only when given a user and a password: here none is offered", function()
            local ok, err = send({ from = "<a@x>", rcpt = "<b@x>", user = "u", password = "p",
                source = ltn12.source.string("x") })
            assert.are.same({ nil, "authentication not supported" }, { ok, err })
            assert.are.same({}, received(out))
        end)

        it("returns nil, 'connection refused' when nothing listens", function()
            local s, port = net.local_server()
            s:close()
            assert.are.same({ nil, "connection refused" },
                { send({ from = "<a@x>", rcpt = "<b@x>", port = port, source = ltn12.source.string("x") }) })
        end)

        it("examples/send_mail.lua sends a message with an attachment", function()
            local dir = servers.tmpdir()
            finally(function() os.execute("rm -rf " .. servers.quote(dir)) end)
            local path = dir .. "/data.bin"
            servers.write_file(path, binary)
            local cmd = "'" .. net.interpreter() .. "' examples/send_mail.lua 127.0.0.1 " .. srv.port
                .. " ann@example.com bob@example.com " .. servers.quote(path) .. " 2>&1"
            local p = assert(io.popen(cmd))
            local output = p:read("*a")
            p:close()
            assert.are.equal("sent\n", output)
            local got = received(out)[1]
            assert.are.equal("ann@example.com", got.from)
            assert.are.same({ "bob@example.com" }, got.rcpt)
            assert.are.equal("data.bin", got.parts[3].filename)
            assert.are.equal(binary, got.parts[3].payload)
        end)

        it("returns nil and the source's error when the message fails midway", function()
            local ok, err = send({ from = "<a@x>", rcpt = "<b@x>",
                source = ltn12.source.cat(ltn12.source.string("start"), ltn12.source.error("read failed")) })
            assert.are.same({ nil, "read failed" }, { ok, err })
        end)
    end)

    describe(".send() with AUTH", function()
        local function with_server(args, f)
            local out = os.tmpname()
            local srv = servers.start("smtp_server.py", "--out " .. servers.quote(out) .. " " .. args)
            local ok, err = pcall(f, srv, out)
            srv.stop()
            os.remove(out)
            if not ok then error(err, 0) end
        end

        local function send(srv, user, password)
            return smtp.send({ from = "<a@x>", rcpt = "<b@x>", server = "127.0.0.1", port = srv.port,
                user = user, password = password, source = ltn12.source.string("secret mail") })
        end

        it("uses LOGIN when the server offers it (as LuaSocket picks)", function()
            with_server("--user alice --password 'p4ss word'", function(srv, out)
                assert.are.same({ 1, nil }, { send(srv, "alice", "p4ss word") })
                local got = received(out)
                assert.are.same({ "LOGIN", "alice", "p4ss word" }, got[1].auth)
                assert.are.equal("secret mail\r\n", got[1].data)
            end)
        end)

        it("uses PLAIN when the server offers only PLAIN", function()
            with_server("--user alice --password pw --exclude LOGIN", function(srv, out)
                assert.are.same({ 1, nil }, { send(srv, "alice", "pw") })
                assert.are.same({ "PLAIN", "alice", "pw" }, received(out)[1].auth)
            end)
        end)

        it("returns nil and the server's reply for a wrong password (LOGIN and PLAIN)", function()
            with_server("--user alice --password pw", function(srv, out)
                local ok, err = send(srv, "alice", "wrong")
                assert.is_nil(ok)
                assert.truthy(err:match("^535 "))
                assert.are.same({}, received(out))
            end)
            with_server("--user alice --password pw --exclude LOGIN", function(srv, out)
                local ok, err = send(srv, "alice", "wrong")
                assert.is_nil(ok)
                assert.truthy(err:match("^535 "))
                assert.are.same({}, received(out))
            end)
        end)

        it("returns nil and the server's reply when AUTH is required but not given", function()
            with_server("--user alice --password pw", function(srv, out)
                local ok, err = send(srv, nil, nil)
                assert.is_nil(ok)
                assert.truthy(err:match("^530 "))
                assert.are.same({}, received(out))
            end)
        end)
    end)

    describe("low-level session", function()
        it("open, greet, auth, send, quit, close", function()
            local out = os.tmpname()
            local srv = servers.start("smtp_server.py", "--out " .. servers.quote(out))
            local run = socket.protect(function()
                local s = smtp.open("127.0.0.1", srv.port)
                local ext = s:greet("low.example")
                assert.truthy(ext:match("^250"))
                assert.are.equal(1, s:auth(nil, nil, ext))
                s:send({ from = "<a@x>", rcpt = { "<b@x>" }, source = ltn12.source.string("low level") })
                s:quit()
                return s:close()
            end)
            local done, ok, err = pcall(run)
            srv.stop()
            local got = received(out)
            os.remove(out)
            if not done then error(ok, 0) end
            assert.are.same({ 1, nil }, { ok, err })
            assert.are.equal("low.example", got[1].helo)
            assert.are.equal("low level\r\n", got[1].data)
        end)
    end)

    describe("bad servers", function()
        local function against(steps, mailt)
            local srv = servers.script(steps)
            mailt.server = "127.0.0.1"
            mailt.port = srv.port
            mailt.from = mailt.from or "<a@x>"
            mailt.rcpt = mailt.rcpt or "<b@x>"
            mailt.source = mailt.source or ltn12.source.string("body")
            local ok, r = pcall(net.timed, smtp.send, mailt)
            local lines = srv.received()
            srv.stop()
            if not ok then error(r, 0) end
            return r, lines
        end

        it("returns nil, 'closed' when the server closes mid-reply", function()
            local r = against({
                { "send", "220 hi\r\n" }, { "recv" }, { "send", "250-first\r\n250-sec" }, { "close" },
            }, {})
            assert.are.same({ nil, "closed" }, { r[1], r[2] })
        end)

        it("returns nil, 'invalid server reply' for a malformed greeting", function()
            local r = against({ { "send", "Welcome to nowhere\r\n" }, { "sleep", 1 } }, {})
            assert.are.same({ nil, "invalid server reply" }, { r[1], r[2] })
        end)

        it("returns nil, 'oversized' for an endless reply line, quickly", function()
            local r = against({ { "send", "220 " }, { "flood", 20 * 1024 * 1024 } }, {})
            assert.are.same({ nil, "oversized" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 5)
        end)

        it("returns nil and the reply when the server refuses the sender", function()
            local r, lines = against({
                { "send", "220 hi\r\n" }, { "recv" }, { "send", "250 ok\r\n" },
                { "recv" }, { "send", "550 5.7.1 sender rejected\r\n" }, { "recv" },
            }, {})
            assert.are.same({ nil, "550 5.7.1 sender rejected" }, { r[1], r[2] })
            assert.truthy(lines:find("MAIL FROM:<a@x>\r\n", 1, true))
            -- Closed without sending anything else.
            assert.falsy(lines:find("RCPT", 1, true))
        end)

        it("returns nil, 'timeout' after smtp.TIMEOUT when the server never greets", function()
            local timeout = smtp.TIMEOUT
            finally(function() smtp.TIMEOUT = timeout end)
            smtp.TIMEOUT = 0.3
            local r = against({ { "sleep", 5 } }, {})
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 3)
        end)

        it("returns nil and the reply when DATA is refused after the message", function()
            local r, lines = against({
                { "send", "220 hi\r\n" }, { "recv" }, { "send", "250 ok\r\n" },
                { "recv" }, { "send", "250 ok\r\n" }, { "recv" }, { "send", "250 ok\r\n" },
                { "recv" }, { "send", "354 go\r\n" }, { "recv_until", ".\r\n" },
                { "send", "554 5.6.0 no thanks\r\n" }, { "recv" },
            }, { source = ltn12.source.string("line\r\n.hidden\r\n") })
            assert.are.same({ nil, "554 5.6.0 no thanks" }, { r[1], r[2] })
            assert.truthy(lines:find("DATA\r\nline\r\n..hidden\r\n\r\n.\r\n", 1, true))
        end)
    end)
end)
