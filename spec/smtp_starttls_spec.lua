-- socket.smtp over STARTTLS (RFC 3207), against aiosmtpd (Debian
-- python3-aiosmtpd, spec/fixtures/smtp_server.py) offering STARTTLS with a
-- certificate from a test CA this spec makes with openssl
-- (fixtures/httpd.certs), and against spec/fixtures/script_server.py for
-- the servers that misbehave. The TLS side is LuaSec, which Debian builds
-- for every Lua version (LuaJIT loads the 5.1 one): no pending here.
local socket = require("socket")
local ltn12 = require("ltn12")
local smtp = require("socket.smtp")
local servers = require("fixtures.servers")
local httpd = require("fixtures.httpd")
local net = require("support.net")

local received = servers.received

-- The lines the script server `srv` read from the client, once it has
-- recorded `n` of them (at most 5 s), plus any that come in the next
-- 0.2 s: the client has closed the connection by then, so any line it
-- sent is already on its way.
local function lines_of(srv, n)
    local deadline = socket.gettime() + 5
    repeat
        local _, count = srv.received():gsub("\n", "")
        if count >= n then break end
        socket.sleep(0.02)
    until socket.gettime() > deadline
    socket.sleep(0.2)
    return srv.received()
end

local EHLO_PLAIN = "250-fixture.test\r\n250-AUTH LOGIN PLAIN\r\n250 HELP\r\n"
local EHLO_TLS = "250-fixture.test\r\n250-STARTTLS\r\n250 HELP\r\n"

describe("socket.smtp STARTTLS", function()
    local dir, certs, tls_srv, tls_out, plain_srv, plain_out

    setup(function()
        dir = httpd.tmpdir()
        certs = httpd.certs(dir)
        tls_out, plain_out = dir .. "/tls.out", dir .. "/plain.out"
        servers.write_file(tls_out, "")
        servers.write_file(plain_out, "")
        -- AUTH only over TLS, and no mail at all in clear.
        tls_srv = servers.start("smtp_server.py", "--out " .. servers.quote(tls_out)
            .. " --user ann --password 's3cr3t pw' --require-starttls --tls-cert "
            .. servers.quote(certs.good.cert) .. " --tls-key " .. servers.quote(certs.good.key))
        plain_srv = servers.start("smtp_server.py", "--out " .. servers.quote(plain_out)
            .. " --user ann --password 's3cr3t pw'")
    end)
    teardown(function()
        if tls_srv then tls_srv.stop() end
        if plain_srv then plain_srv.stop() end
        httpd.rmdir(dir)
    end)
    before_each(function()
        servers.write_file(tls_out, "")
        servers.write_file(plain_out, "")
    end)

    -- A mail to the STARTTLS server; `t` adds or overrides fields.
    local function mail(srv, t)
        local m = {
            server = "127.0.0.1",
            port = srv.port,
            from = "<ann@example.com>",
            rcpt = "<bob@example.com>",
            domain = "client.example",
            user = "ann",
            password = "s3cr3t pw",
            source = ltn12.source.string("Subject: hi\r\n\r\nover TLS\r\n"),
        }
        for k, v in pairs(t) do m[k] = v end
        return m
    end

    describe(".send{starttls = ...} to aiosmtpd with STARTTLS", function()
        it("upgrades, says EHLO again, authenticates over TLS and delivers the message intact", function()
            -- Dots to stuff, every byte value but CR and LF, and more than
            -- one TLS record of data.
            local parts = {}
            for i = 0, 255 do
                if i ~= 10 and i ~= 13 then parts[#parts + 1] = string.char(i) end
            end
            local bytes = table.concat(parts)
            local body = (".dot first\r\n" .. bytes .. "\r\n..\r\n.\r\n"):rep(200)
            local text = "Subject: secret\r\n\r\n" .. body
            for _, mode in ipairs({ true, "required" }) do
                servers.write_file(tls_out, "")
                assert.are.same({ 1 }, { smtp.send(mail(tls_srv, {
                    starttls = mode,
                    tls = { cafile = certs.ca },
                    source = ltn12.source.string(text),
                })) })
                local got = received(tls_out)
                assert.are.equal(1, #got)
                assert.truthy(tostring(got[1].tls):match("^TLSv1%.[23]$"))
                -- The session began again inside TLS: the EHLO name and the
                -- credentials the server holds came over TLS.
                assert.are.equal("client.example", got[1].helo)
                assert.are.same({ "LOGIN", "ann", "s3cr3t pw" }, got[1].auth)
                assert.are.equal("ann@example.com", got[1].from)
                assert.are.same({ "bob@example.com" }, got[1].rcpt)
                assert.are.equal(text .. "\r\n", got[1].data)
            end
        end)

        it("upgrades through the built-in transport (tls.transport = 'builtin'), and without LuaSec", function()
            servers.write_file(tls_out, "")
            assert.are.same({ 1 }, { smtp.send(mail(tls_srv, { starttls = "required",
                tls = { cafile = certs.ca, transport = "builtin" } })) })
            local r, err = smtp.send(mail(tls_srv, { starttls = "required", tls = { transport = "builtin" } }))
            assert.is_nil(r)
            assert.truthy(err:find("^certificate verify failed: "), err)
            local loaded, preload = package.loaded.ssl, package.preload.ssl
            package.loaded.ssl = nil
            package.preload.ssl = function() error("no LuaSec here") end
            local sent = { smtp.send(mail(tls_srv, { starttls = "required", tls = { cafile = certs.ca } })) }
            package.loaded.ssl, package.preload.ssl = loaded, preload
            assert.are.same({ 1 }, sent)
            local got = received(tls_out)
            assert.are.equal(2, #got)
            for _, m in ipairs(got) do
                assert.truthy(tostring(m.tls):match("^TLSv1%.[23]$"))
                assert.are.same({ "LOGIN", "ann", "s3cr3t pw" }, m.auth)
            end
        end)

        it("verifies the host name it connected to: localhost is in the certificate", function()
            assert.are.equal(1, smtp.send(mail(tls_srv, { server = "localhost", starttls = "required",
                tls = { cafile = certs.ca } })))
            assert.are.equal(1, #received(tls_out))
        end)

        it("fails with 'certificate verify failed' when the CA is not trusted, and sends nothing more", function()
            for _, mode in ipairs({ true, "required" }) do
                assert.are.same({ nil, "certificate verify failed" },
                    { smtp.send(mail(tls_srv, { starttls = mode })) })
            end
            assert.are.same({}, received(tls_out))
        end)

        it("fails when the certificate does not name the server (tls.servername)", function()
            assert.are.same({ nil, "certificate does not match host name 'mail.example'" },
                { smtp.send(mail(tls_srv, { starttls = true,
                    tls = { cafile = certs.ca, servername = "mail.example" } })) })
            assert.are.same({}, received(tls_out))
            -- A name the certificate covers (*.wild.test) passes.
            assert.are.equal(1, smtp.send(mail(tls_srv, { starttls = true,
                tls = { cafile = certs.ca, servername = "smtp.wild.test" } })))
        end)

        it("takes LuaSec's parameters in `tls`: verify = 'none' accepts any certificate", function()
            assert.are.equal(1, smtp.send(mail(tls_srv, { starttls = true, tls = { verify = "none" } })))
            assert.truthy(tostring(received(tls_out)[1].tls):match("^TLSv1%.[23]$"))
            assert.are.same({ nil, "certificate verify failed" },
                { smtp.send(mail(tls_srv, { starttls = true, tls = { verify = "peer" } })) })
        end)

        it("without starttls, talks in clear as before: this server then refuses AUTH and MAIL", function()
            -- AUTH is not even offered before the upgrade.
            assert.are.same({ nil, "authentication not supported" }, { smtp.send(mail(tls_srv, {})) })
            assert.are.same({ nil, "530 Must issue a STARTTLS command first" },
                { smtp.send(mail(tls_srv, { user = false, password = false })) })
            assert.are.same({}, received(tls_out))
        end)

        it("without starttls, never loads LuaSec (a child process sends a mail and looks)", function()
            local script = table.concat({
                "local smtp = require('socket.smtp')",
                "local ok, err = smtp.send({ server = '127.0.0.1', port = " .. plain_srv.port .. ",",
                "    user = 'ann', password = 's3cr3t pw',",
                "    from = '<a@x>', rcpt = '<b@x>', source = smtp.message({ body = 'x' }) })",
                "io.write(tostring(ok), ' ', tostring(err), ' ', tostring(package.loaded.ssl))",
            }, "\n")
            local p = assert(io.popen("'" .. net.interpreter() .. "' -e " .. servers.quote(script) .. " 2>&1"))
            local output = p:read("*a")
            p:close()
            assert.are.equal("1 nil nil", output)
            assert.are.equal(1, #received(plain_out))
        end)

        it("raises on a bad starttls or tls field, before connecting", function()
            assert.has_error(function() smtp.send(mail(tls_srv, { starttls = "yes" })) end,
                "bad field 'starttls' (true, false or \"required\" expected, got yes)")
            assert.has_error(function() smtp.send(mail(tls_srv, { starttls = true, tls = "/etc/ca.pem" })) end,
                "bad field 'tls' (table expected, got string)")
        end)
    end)

    describe(".send{starttls = ...} to a server without STARTTLS", function()
        it("'required' fails with 'STARTTLS not offered'; nothing is delivered", function()
            assert.are.same({ nil, "STARTTLS not offered" },
                { smtp.send(mail(plain_srv, { starttls = "required", tls = { cafile = certs.ca } })) })
            assert.are.same({}, received(plain_out))
        end)

        it("'required' sends nothing after EHLO: no AUTH, no MAIL", function()
            local srv = servers.script({ { "send", "220 hi\r\n" }, { "recv" }, { "send", EHLO_PLAIN }, { "recv" } })
            finally(srv.stop)
            assert.are.same({ nil, "STARTTLS not offered" },
                { smtp.send(mail(srv, { starttls = "required" })) })
            assert.are.equal("EHLO client.example\r\n", lines_of(srv, 1))
        end)

        it("true goes on in clear (opportunistic), AUTH and all", function()
            assert.are.equal(1, smtp.send(mail(plain_srv, { starttls = true })))
            local got = received(plain_out)
            assert.are.equal(1, #got)
            assert.is_nil(got[1].tls)
            assert.are.same({ "LOGIN", "ann", "s3cr3t pw" }, got[1].auth)
        end)
    end)

    describe("a misbehaving server", function()
        -- Plays greeting, EHLO offering STARTTLS, then `after` once
        -- STARTTLS is read, then reads until the client goes.
        local function play(after)
            local steps = { { "send", "220 hi\r\n" }, { "recv" }, { "send", EHLO_TLS }, { "recv" } }
            for _, step in ipairs(after) do steps[#steps + 1] = step end
            steps[#steps + 1] = { "recv" }
            steps[#steps + 1] = { "recv" }
            return servers.script(steps)
        end

        it("refuses bytes sent in clear after the 220, and sends nothing more", function()
            local srv = play({ { "send", "220 go ahead\r\n250 injected\r\n" } })
            finally(srv.stop)
            assert.are.same({ nil, "unexpected data after the STARTTLS reply" },
                { smtp.send(mail(srv, { starttls = true, tls = { cafile = certs.ca } })) })
            assert.are.equal("EHLO client.example\r\nSTARTTLS\r\n", lines_of(srv, 2))
        end)

        it("fails when the handshake fails, without falling back to clear", function()
            local srv = play({ { "send", "220 go ahead\r\n" }, { "sleep", 0.3 }, { "send", "this is not TLS\r\n" } })
            finally(srv.stop)
            local r, err = smtp.send(mail(srv, { starttls = true, tls = { cafile = certs.ca } }))
            assert.is_nil(r)
            -- OpenSSL's text for a record that is not TLS.
            assert.are.equal("wrong version number", err)
            -- After STARTTLS, only the TLS ClientHello (a handshake record,
            -- content type 22, version 3.x) and nothing in clear.
            local text = lines_of(srv, 3)
            local prefix = "EHLO client.example\r\nSTARTTLS\r\n"
            assert.are.equal(prefix, text:sub(1, #prefix))
            assert.are.equal("\22\3", text:sub(#prefix + 1, #prefix + 2))
            assert.falsy(text:find("AUTH", 1, true) or text:find("MAIL", 1, true))
        end)

        it("fails with the server's reply when it refuses STARTTLS (starttls = true too)", function()
            local srv = play({ { "send", "454 4.7.0 TLS not available\r\n" } })
            finally(srv.stop)
            assert.are.same({ nil, "454 4.7.0 TLS not available" },
                { smtp.send(mail(srv, { starttls = true })) })
            assert.are.equal("EHLO client.example\r\nSTARTTLS\r\n", lines_of(srv, 2))
        end)

        it("fails with 'closed' when the server hangs up after the 220", function()
            local srv = servers.script({ { "send", "220 hi\r\n" }, { "recv" }, { "send", EHLO_TLS }, { "recv" },
                { "send", "220 go ahead\r\n" }, { "close" } })
            finally(srv.stop)
            local r, err = smtp.send(mail(srv, { starttls = true, tls = { cafile = certs.ca } }))
            assert.is_nil(r)
            -- Seen before the handshake ("closed") or, when the end comes
            -- a moment later, by the handshake (OpenSSL 3's text).
            assert.truthy(err == "closed" or err == "unexpected eof while reading", err)
            assert.are.equal("EHLO client.example\r\nSTARTTLS\r\n", lines_of(srv, 2))
        end)

        it("asked for LuaSec when it is missing, fails with 'LuaSec not found ...' before sending STARTTLS",
            function()
                local srv = play({})
                finally(srv.stop)
                local loaded, preload = package.loaded.ssl, package.preload.ssl
                package.loaded.ssl = nil
                package.preload.ssl = function() error("no LuaSec here") end
                local r, err = smtp.send(mail(srv, { starttls = "required", tls = { transport = "luasec" } }))
                package.loaded.ssl, package.preload.ssl = loaded, preload
                assert.are.same({ nil, "LuaSec not found: STARTTLS needs the 'ssl' module" }, { r, err })
                assert.are.equal("EHLO client.example\r\n", lines_of(srv, 1))
            end)
    end)

    describe("session:starttls()", function()
        it("upgrades a session from smtp.open and returns the new EHLO reply", function()
            local ext, ext2
            local ok, err = socket.protect(function()
                local s = smtp.open("127.0.0.1", tls_srv.port)
                ext = s:greet("client.example")
                local before = { s.tp:getpeername() }
                ext2 = s:starttls({ cafile = certs.ca }, "client.example")
                -- The addresses stay readable through the TLS stream.
                assert.are.same(before, { s.tp:getpeername() })
                assert.are.same({ "127.0.0.1", tls_srv.port, "inet" }, before)
                assert.are.equal("127.0.0.1", (s.tp:getsockname()))
                s:auth("ann", "s3cr3t pw", ext2)
                s:send({ from = "<ann@example.com>", rcpt = "<cy@example.com>",
                    source = ltn12.source.string("low level\r\n") })
                s:quit()
                return s:close()
            end)()
            assert.are.same({ 1, nil }, { ok, err })
            assert.truthy(ext:find("250-STARTTLS", 1, true))
            assert.falsy(ext:find("AUTH", 1, true))
            assert.falsy(ext2:find("STARTTLS", 1, true))
            assert.truthy(ext2:find("AUTH LOGIN PLAIN", 1, true))
            local got = received(tls_out)
            assert.are.same({ "cy@example.com" }, got[1].rcpt)
            assert.are.equal("low level\r\n\r\n", got[1].data)
            assert.truthy(tostring(got[1].tls):match("^TLSv1%.[23]$"))
        end)

        it("closes the connection and returns nil, message through socket.protect on failure", function()
            local session
            local ok, err = socket.protect(function()
                session = smtp.open("127.0.0.1", tls_srv.port)
                session:greet("client.example")
                session:starttls({ servername = "nowhere.example", cafile = certs.ca })
            end)()
            assert.are.same({ nil, "certificate does not match host name 'nowhere.example'" }, { ok, err })
            assert.are.equal(-1, session.tp:getcontrol():getfd())
        end)

        it("raises when its parameters are not a table", function()
            local s = assert(socket.protect(function() return smtp.open("127.0.0.1", tls_srv.port) end)())
            finally(function() s:close() end)
            local ok, err = pcall(s.starttls, s, "x")
            assert.is_false(ok)
            assert.truthy(err:find("bad argument #1 to 'starttls' (table expected, got string)", 1, true), err)
        end)
    end)
end)
