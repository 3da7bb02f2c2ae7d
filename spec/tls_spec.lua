-- socket.tls against real peers on loopback: openssl s_server and s_client
-- (TLS 1.2 and 1.3, ALPN, SNI), LuaSec (Debian's lua-sec, with Debian's C
-- LuaSocket, in a child process) both ways, our own client and server, and
-- hostile peers (garbage, a truncated record, a stall). The certificates
-- come from fixtures/httpd.lua's test CA, plus an expired one made here.
local socket = require("socket")
local mime = require("mime")
local tls = require("socket.tls")
local net = require("support.net")
local httpd = require("fixtures.httpd")

local quote, run = httpd.quote, httpd.run

-- A certificate for localhost, signed by the test CA, that expired in 2020
-- (`openssl ca` is the one openssl command that takes explicit dates).
local function make_expired(dir)
    local openssl = httpd.program("openssl")
    local q = function(name) return quote(dir .. "/" .. name) end
    httpd.write_file(dir .. "/index.txt", "")
    httpd.write_file(dir .. "/ca.cnf", table.concat({
        "[ca]", "default_ca = ca_default", "[ca_default]",
        "database = " .. dir .. "/index.txt", "new_certs_dir = " .. dir,
        "serial = " .. dir .. "/serial", "default_md = sha256", "policy = any",
        "copy_extensions = copy", "unique_subject = no", "[any]", "commonName = supplied", "",
    }, "\n"))
    httpd.write_file(dir .. "/serial", "1000\n")
    run(openssl .. " req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " .. q("expired.key")
        .. " -out " .. q("expired.csr") .. " -subj /CN=localhost -addext "
        .. quote("subjectAltName=DNS:localhost,IP:127.0.0.1"))
    run(openssl .. " ca -batch -notext -config " .. q("ca.cnf") .. " -cert " .. q("ca.pem") .. " -keyfile "
        .. q("ca.key") .. " -in " .. q("expired.csr") .. " -out " .. q("expired.pem")
        .. " -startdate 20200101000000Z -enddate 20200102000000Z")
    return { cert = dir .. "/expired.pem", key = dir .. "/expired.key" }
end

-- A TCP connection to 127.0.0.1:port wrapped with `params`; 5 s timeouts.
local function connect(port, params)
    local tcp = assert(socket.connect("127.0.0.1", port))
    assert(tcp:settimeout(5))
    local c = assert(tls.wrap(tcp, params))
    return c, tcp
end

-- Runs `code` (Lua) in a child interpreter in the background with its
-- output in a file; returns a handle with :wait() → output.
local function child(code, env)
    local script = os.tmpname()
    httpd.write_file(script, code)
    local out = os.tmpname()
    local p = assert(io.popen((env or "") .. " timeout 20 " .. quote(net.interpreter()) .. " " .. quote(script)
        .. " >" .. quote(out) .. " 2>&1 & echo $!"))
    local pid = tonumber(p:read("*l"))
    p:close()
    local h = {}
    function h.wait()
        local alive = require("support.proc").alive
        local deadline = socket.gettime() + 20
        while alive(pid) and socket.gettime() < deadline do socket.sleep(0.02) end
        net.kill(pid)
        local text = httpd.read_file(out) or ""
        os.remove(script)
        os.remove(out)
        return text
    end
    return h
end

-- The first three results (receive and send add the elapsed time, _DEBUG).
local function three(a, b, c)
    return { a, b, c }
end

-- Runs both handshakes of an in-process pair to the end with select.
local function handshake_pair(a, b)
    a:settimeout(0)
    b:settimeout(0)
    local done = {}
    for _ = 1, 200 do
        for _, s in ipairs({ a, b }) do
            if not done[s] then
                local ok, err = s:dohandshake()
                if ok then done[s] = true
                else assert(err == "wantread" or err == "wantwrite", err) end
            end
        end
        if done[a] and done[b] then break end
        socket.select({ a, b }, nil, 0.5)
    end
    assert(done[a] and done[b], "handshakes did not finish")
    a:settimeout(5)
    b:settimeout(5)
end

describe("socket.tls", function()
    local dir, certs

    -- busted keeps only the last finally() of a test, so cleanups go in a
    -- list run after each test, last first.
    local deferred = {}
    local function defer(f)
        deferred[#deferred + 1] = f
    end
    after_each(function()
        for i = #deferred, 1, -1 do pcall(deferred[i]) end
        deferred = {}
    end)

    setup(function()
        dir = httpd.tmpdir()
        certs = httpd.certs(dir)
        certs.expired = make_expired(dir)
        httpd.write_file(dir .. "/hello.txt", "hello\r\nwor\rld\nlast")
    end)

    teardown(function()
        httpd.rmdir(dir)
    end)

    -- Our server and client in this process, on a fresh TCP pair; then the
    -- two TCP objects they were made from (detached, tcp{client} still).
    local function our_pair(server_params, client_params)
        local c, p, s = net.tcp_pair()
        s:close()
        server_params = server_params or {}
        server_params.mode = "server"
        server_params.certificate = server_params.certificate or certs.good.cert
        server_params.key = server_params.key or certs.good.key
        local srv = assert(tls.wrap(p, server_params))
        local cli = assert(tls.wrap(c, client_params or { cafile = certs.ca, servername = "localhost" }))
        return cli, srv, c, p
    end

    -- Moves the descriptor of TLS object `t` back to TCP object `raw`, to
    -- write raw bytes under the peer's TLS layer.
    local function unwrap(t, raw)
        raw:setfd(t:getfd())
        t:setfd(-1)
        return raw
    end

    describe("newcontext() and wrap()", function()
        it("raise for unknown and unsupported parameters instead of ignoring them", function()
            assert.has_error(function() tls.newcontext({ mode = "client", bogus = 1 }) end,
                "socket.tls: unknown parameter 'bogus'")
            assert.has_error(function() tls.newcontext({ ciphers = "ALL" }) end,
                "socket.tls: unsupported parameter 'ciphers' (rustls chooses among its own safe cipher suites)")
            assert.has_error(function() tls.newcontext({ protocol = "tlsv1" }) end,
                "socket.tls: unsupported protocol 'tlsv1' (any, tlsv1_2 or tlsv1_3)")
            assert.has_error(function() tls.newcontext({ options = { "all", "no_ticket" } }) end,
                "socket.tls: unsupported option 'no_ticket'")
            assert.has_error(function() tls.newcontext({ mode = "both" }) end, "socket.tls: invalid mode 'both'")
            assert.has_error(function() tls.newcontext("client") end, "socket.tls: parameters must be a table")
            assert.has_error(function() tls.wrap(42, { verify = "none" }) end,
                "bad argument #1 to 'wrap' (socket expected)")
        end)

        it("accept LuaSec's usual client parameters and its no-op options", function()
            local ctx = assert(tls.newcontext({ mode = "client", protocol = "any", verify = "none",
                options = { "all", "no_sslv2", "no_sslv3", "no_tlsv1" } }))
            assert.is_true(tls.iscontext(ctx))
            assert.matches("^tls{context}: 0x%x+$", tostring(ctx))
        end)

        it("return nil and LuaSec's message for files that do not load", function()
            assert.are.same({ nil, "error loading certificate (No such file or directory)" },
                { tls.newcontext({ mode = "server", certificate = dir .. "/none.pem", key = certs.good.key }) })
            assert.are.same({ nil, "error loading private key (no private key found)" },
                { tls.newcontext({ mode = "server", certificate = certs.good.cert, key = certs.good.cert }) })
            assert.are.same({ nil, "error loading CA locations (No such file or directory)" },
                { tls.newcontext({ cafile = dir .. "/none.pem" }) })
            assert.are.same({ nil, "a server context needs 'certificate' and 'key'" },
                { tls.newcontext({ mode = "server" }) })
        end)

        it("detach the socket (its fd is -1) and keep its timeouts", function()
            local c, p, s = net.tcp_pair()
            defer(function() net.close(c, p, s) end)
            c:settimeout(3)
            local fd = c:getfd()
            local t = assert(tls.wrap(c, { verify = "none" }))
            defer(function() t:close() end)
            assert.are.equal(-1, c:getfd())
            assert.are.equal(fd, t:getfd())
            assert.are.same({ 3, -1 }, { t:gettimeout() })
            assert.matches("^tls{client}: 0x%x+$", tostring(t))
            -- before the handshake, I/O reads as closed, as in LuaSec
            assert.are.same({ nil, "closed", "" }, three(t:receive(1)))
        end)
    end)

    describe("client against openssl s_server", function()
        local srv

        setup(function()
            srv = httpd.s_server(dir, certs.good, "-alpn http/1.1")
        end)

        teardown(function()
            if srv then srv.stop() end
        end)

        it("verifies by default and reads every pattern like tcp's receive", function()
            local c = connect(srv.port, { cafile = certs.ca, servername = "localhost", alpn = { "h2", "http/1.1" } })
            defer(function() c:close() end)
            assert.are.same({ true }, { c:dohandshake() })
            assert.are.same({ true }, { c:dohandshake() })
            assert.are.equal("http/1.1", c:getalpn())
            assert.are.equal("TLSv1.3", c:info().protocol)
            assert.matches("^TLS_", c:info("cipher"))
            local req = "GET /hello.txt HTTP/1.0\r\n\r\n"
            assert.are.equal(#req + 2, (c:send("xx" .. req, 3)))
            assert.are.equal("HTTP/1.0 200 ok", c:receive())
            repeat local line = assert(c:receive("*l")) until line == ""
            -- the prefix counts toward the byte count, as on tcp
            assert.are.equal(">hello", c:receive(6, ">"))
            assert.are.equal("", c:receive("*l"))
            assert.are.equal("world", c:receive("*l"))
            assert.are.same({ nil, "oversized", "l" }, three(c:receive("*a", nil, 1)))
            assert.are.same({ "ast" }, three(c:receive("*a")))
        end)

        it("speaks TLS 1.2 when asked, with OpenSSL's cipher names", function()
            local c = connect(srv.port, { cafile = certs.ca, protocol = "tlsv1_2" })
            defer(function() c:close() end)
            assert.is_true(c:dohandshake())
            local info = c:info()
            assert.are.equal("TLSv1.2", info.protocol)
            assert.matches("^ECDHE%-ECDSA%-", info.cipher)
            assert.are.equal("ECDH", info.key)
            assert.is_nil(c:getalpn())
        end)

        it("checks the peer's address when no server name is given (the certificate names 127.0.0.1)", function()
            local c = connect(srv.port, { cafile = certs.ca })
            defer(function() c:close() end)
            assert.is_true(c:dohandshake())
        end)

        it("fails on a name the certificate does not cover, set by sni() or servername", function()
            local c = connect(srv.port, { cafile = certs.ca })
            defer(function() c:close() end)
            assert.is_true(c:sni("other.example"))
            assert.are.same({ false, "certificate does not match host name 'other.example'" }, { c:dohandshake() })
            -- the failure sticks
            assert.are.same({ false, "certificate does not match host name 'other.example'" }, { c:dohandshake() })
            assert.are.same({ nil, "closed", 0 }, three(c:send("x")))
            local d = connect(srv.port, { cafile = certs.ca, servername = "x.wild.test" })
            defer(function() d:close() end)
            assert.is_true(d:dohandshake())
            assert.is_false(d:sni("late.example"))
        end)

        it("offers X25519 first, as OpenSSL does: the client hello carries one X25519 key share", function()
            local dump = httpd.s_server(dir, certs.good, "-msg")
            defer(function() dump.stop() end)
            local c = connect(dump.port, { cafile = certs.ca, servername = "localhost" })
            defer(function() c:close() end)
            assert.is_true(c:dohandshake())
            -- s_server -msg dumps each handshake message it got in hex
            local hello
            for _ = 1, 100 do
                hello = (httpd.read_file(dump.log) or ""):match("ClientHello\n(.-)\n[<>]")
                if hello then break end
                socket.sleep(0.02)
            end
            local hex = assert(hello, "no ClientHello in the s_server log"):gsub("%X", "")
            -- key_share (0x0033), 38 bytes: 36 of shares, one share of group
            -- x25519 (0x001d) with a 32-byte key (P-384's would be 0x0018)
            assert.truthy(hex:find("003300260024001d0020", 1, true), hex)
        end)

        it("fails with the reason when the CA is not trusted", function()
            -- the system store (an empty one here) does not know the test CA
            local c = connect(srv.port, { cafile = certs.self.cert })
            defer(function() c:close() end)
            assert.are.same({ false, "certificate verify failed: unable to get local issuer certificate" },
                { c:dohandshake() })
        end)

        it("shows the peer certificate as LuaSec does", function()
            local c = connect(srv.port, { cafile = certs.ca })
            defer(function() c:close() end)
            assert.is_true(c:dohandshake())
            local cert = assert(c:getpeercertificate())
            assert.matches("^tls{certificate}: 0x%x+$", tostring(cert))
            assert.are.same({ { oid = "2.5.4.3", name = "commonName", value = "localhost" } }, cert:subject())
            assert.are.same({ { oid = "2.5.4.3", name = "commonName", value = "luasocket test CA" } }, cert:issuer())
            local openssl = httpd.program("openssl")
            local x509 = openssl .. " x509 -noout -in " .. quote(certs.good.cert)
            assert.are.equal(run(x509 .. " -enddate"):match("notAfter=([^\n]+)"), cert:notafter())
            assert.are.equal(run(x509 .. " -startdate"):match("notBefore=([^\n]+)"), cert:notbefore())
            local fp = run(x509 .. " -fingerprint -sha256"):match("=([%x:]+)"):gsub(":", ""):lower()
            assert.are.equal(fp, cert:digest("sha256"))
            assert.are.equal(run(x509 .. " -serial"):match("serial=(%x+)"), cert:serial())
            assert.are.equal(httpd.read_file(certs.good.cert), cert:pem())
            assert.has_error(function() cert:digest("md5") end,
                "bad argument #1 to 'digest' (digest algorithm not supported)")
            assert.is_nil(c:getpeercertificate(2))
            assert.are.equal(1, #c:getpeerchain())
        end)

        it("is driven without blocking by select: wantread, then the data", function()
            local c = connect(srv.port, { cafile = certs.ca })
            defer(function() c:close() end)
            c:settimeout(0)
            -- (the first call may finish when the server answers at once)
            local ok, err = c:dohandshake()
            local steps = 0
            while not ok do
                steps = steps + 1
                assert(steps < 100, "handshake did not finish")
                socket.select(err == "wantread" and { c } or nil, err == "wantwrite" and { c } or nil, 1)
                ok, err = c:dohandshake()
                assert(ok or err == "wantread" or err == "wantwrite", err)
            end
            assert.are.same({ nil, "timeout", "" }, three(c:receive("*l")))
            c:send("GET /hello.txt HTTP/1.0\r\n\r\n")
            local got = {}
            for _ = 1, 100 do
                local r = socket.select({ c }, nil, 1)
                if r[c] then
                    local data, e, partial = c:receive("*a")
                    got[#got + 1] = data or partial
                    if e ~= "timeout" then break end
                end
            end
            assert.matches("\r\n\r\nhello\r\nwor\rld\nlast$", table.concat(got))
        end)
    end)

    describe("a peer certificate that cannot be read", function()
        it("raises on the fields of a certificate it cannot read, which OpenSSL cannot load", function()
            -- A certificate whose subject's commonName is given the tag
            -- [UNIVERSAL 31], whose number takes a second byte (X.690
            -- 8.1.2.4): "\x0c\x1f" and 31 characters become "\x1f\x1f\x1e"
            -- and 30 of them, the same length. A reader taking one byte for
            -- the tag would read "\x1e" and the 30 as the value. rustls will
            -- not serve the certificate as a server's own, so our server
            -- sends it second in its chain, after the usual one, and the
            -- client does not verify.
            local openssl = httpd.program("openssl")
            local q = function(name) return quote(dir .. "/" .. name) end
            local cn = "hightag-" .. string.rep("x", 23)
            run(openssl .. " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "
                .. q("hightag.key") .. " -subj /CN=" .. cn .. " -days 30 -outform DER -out " .. q("hightag.der"))
            local der = httpd.read_file(dir .. "/hightag.der")
            -- (self-signed: the issuer's commonName comes first, then the subject's)
            local first = assert(der:find("\12\31" .. cn, 1, true), "the issuer's commonName")
            local at = assert(der:find("\12\31" .. cn, first + 1, true), "the subject's commonName")
            der = der:sub(1, at - 1) .. "\31\31\30" .. cn:sub(1, 30) .. der:sub(at + 33)
            local b64 = mime.b64(der)
            local lines = { "-----BEGIN CERTIFICATE-----" }
            for i = 1, #b64, 64 do lines[#lines + 1] = b64:sub(i, i + 63) end
            lines[#lines + 1] = "-----END CERTIFICATE-----\n"
            local pem = table.concat(lines, "\n")
            httpd.write_file(dir .. "/hightag.pem", pem)
            -- the oracle: OpenSSL refuses the certificate
            assert.has_error(function() run(openssl .. " x509 -noout -subject -in " .. q("hightag.pem")) end)
            httpd.write_file(dir .. "/chain.pem", httpd.read_file(certs.good.cert) .. pem)
            local cli, srv = our_pair({ certificate = dir .. "/chain.pem" }, { verify = "none" })
            defer(function() net.close(cli, srv) end)
            handshake_pair(cli, srv)
            assert.are.equal(2, #cli:getpeerchain())
            assert.are.same({ { oid = "2.5.4.3", name = "commonName", value = "localhost" } },
                cli:getpeercertificate(1):subject())
            local cert = assert(cli:getpeercertificate(2))
            for _, field in ipairs({ "subject", "issuer", "notbefore", "notafter", "serial" }) do
                assert.has_error(function() cert[field](cert) end, "socket.tls: malformed certificate")
            end
            -- what needs no reading of its fields still works
            assert.are.equal(pem, cert:pem())
            assert.are.equal(64, #cert:digest("sha256"))
            -- and the connection carries data
            assert(srv:send("ok\n"))
            assert.are.equal("ok", cli:receive("*l"))
        end)
    end)

    describe("certificate verification failures name the reason", function()
        for _, case in ipairs({
            { "expired", { cafile = "ca" }, "certificate verify failed: certificate has expired" },
            { "wrong", { cafile = "ca" }, "certificate does not match host name '127.0.0.1'" },
            { "wrong", { cafile = "ca", servername = "localhost" },
                "certificate does not match host name 'localhost'" },
            { "self", { cafile = "ca" }, "certificate verify failed: self-signed certificate" },
            { "good", { cafile = "self" }, "certificate verify failed: unable to get local issuer certificate" },
        }) do
            it(case[1] .. " certificate: " .. case[3], function()
                local srv = httpd.s_server(dir, certs[case[1]])
                defer(function() srv.stop() end)
                local params = { servername = case[2].servername }
                params.cafile = case[2].cafile == "ca" and certs.ca or certs.self.cert
                local c = connect(srv.port, params)
                defer(function() c:close() end)
                assert.are.same({ false, case[3] }, { c:dohandshake() })
                -- verify = "none" accepts the same certificate
                local d = connect(srv.port, { verify = "none" })
                defer(function() d:close() end)
                assert.are.same({ true }, { d:dohandshake() })
            end)
        end

        it("a self-signed certificate trusted as itself passes as with LuaSec, its name still checked", function()
            -- self.pem says CA:TRUE, as `openssl req -x509` makes it; given
            -- as the cafile, OpenSSL (LuaSec) trusts it: the oracle
            local srv = httpd.s_server(dir, certs.self)
            defer(function() srv.stop() end)
            local h = child(table.concat({
                'local socket = require("socket")',
                'local ssl = require("ssl")',
                'local c = assert(socket.connect("127.0.0.1", ' .. srv.port .. '))',
                'c = assert(ssl.wrap(c, { mode = "client", protocol = "any", verify = "peer", cafile = '
                    .. string.format("%q", certs.self.cert) .. ' }))',
                'c:settimeout(5)',
                'print(c:dohandshake())',
                'c:close()',
            }, "\n"), net.c_luasocket_env())
            local luasec = h.wait()
            local c = connect(srv.port, { cafile = certs.self.cert })
            defer(function() c:close() end)
            local ok, err = c:dohandshake()
            assert.are.equal(luasec, tostring(ok) .. (err and "\t" .. err or "") .. "\n")
            assert.is_true(ok)
            c:close() -- s_server serves one connection at a time
            local d = connect(srv.port, { cafile = certs.self.cert, servername = "other.example" })
            defer(function() d:close() end)
            assert.are.same({ false, "certificate does not match host name 'other.example'" }, { d:dohandshake() })
        end)
    end)

    describe("server", function()
        it("serves openssl s_client (TLS 1.3 and 1.2, ALPN, SNI)", function()
            local openssl = httpd.program("openssl")
            for _, version in ipairs({ "-tls1_3", "-tls1_2" }) do
                local server, port = net.local_server()
                local out = os.tmpname()
                local pid = net.spawn("((printf 'hello\\n'; sleep 2) | " .. openssl .. " s_client -connect 127.0.0.1:"
                    .. port .. " -CAfile " .. quote(certs.ca) .. " -servername localhost -alpn h2,http/1.1 "
                    .. version .. " -verify_return_error -quiet -no_ign_eof >" .. quote(out) .. " 2>&1)")
                local peer = assert(server:accept())
                server:close()
                local s = assert(tls.wrap(peer, { mode = "server", certificate = certs.good.cert, key = certs.good.key,
                    alpn = "http/1.1" }))
                assert.matches("^tls{server}: 0x%x+$", tostring(s))
                assert.are.same({ true }, { s:dohandshake() })
                assert.are.equal("hello", s:receive())
                assert.are.equal(6, (s:send("world\n")))
                assert.are.equal("http/1.1", s:getalpn())
                assert.are.equal("localhost", s:getsniname())
                assert.are.equal(version == "-tls1_3" and "TLSv1.3" or "TLSv1.2", s:info().protocol)
                assert.is_nil(s:getpeercertificate())
                local text
                for _ = 1, 100 do
                    text = httpd.read_file(out) or ""
                    if text:find("world") then break end
                    socket.sleep(0.05)
                end
                s:close()
                net.kill(pid)
                os.remove(out)
                assert.matches("world", text)
            end
        end)

        it("talks to our client: lines, dirty while records are buffered, close_notify ends *a cleanly", function()
            local cli, srv = our_pair({ alpn = { "b", "a" } }, { cafile = certs.ca, servername = "localhost",
                alpn = { "a", "b" } })
            defer(function() net.close(cli, srv) end)
            handshake_pair(cli, srv)
            assert.are.equal("b", cli:getalpn())
            assert.are.equal(cli:info("cipher"), srv:info("cipher"))
            assert.is_false(cli:dirty())
            assert(srv:send("one\ntwo\nthree\n"))
            assert.are.equal("one", cli:receive())
            assert.is_true(cli:dirty())
            -- select returns a dirty object at once, without waiting
            local t0 = socket.gettime()
            local r = socket.select({ cli }, nil, 2)
            assert.are.equal(cli, r[1])
            assert.is_true(socket.gettime() - t0 < 1)
            assert.are.equal("two", cli:receive())
            assert.are.equal("thr", cli:receiveany(3))
            assert.are.equal("ee\n", cli:receive(3))
            assert.is_false(cli:dirty())
            -- a large send crosses many records
            local big = string.rep("0123456789abcdef", 20000)
            local co = coroutine.wrap(function() return srv:send(big) end)
            cli:settimeout(5)
            local sent = co()
            assert.are.equal(#big, sent)
            assert.are.equal(big, cli:receive(#big))
            local got = { srv:getstats() }
            assert.are.same({ 0, #big + 14 }, got)
            assert(srv:send("bye"))
            srv:close()
            assert.are.same({ "bye" }, three(cli:receive("*a")))
            assert.are.same({ nil, "closed" }, { cli:receiveany(10) })
        end)

        it("is woken by socket.poller for data on the wire and for data already decrypted", function()
            local cli, srv = our_pair()
            defer(function() net.close(cli, srv) end)
            handshake_pair(cli, srv)
            local p = socket.poller()
            defer(function() p:close() end)
            assert(p:add(cli, "r"))
            -- TLS 1.3 session tickets may wait on the descriptor: a receive
            -- at timeout 0 takes them, and finds no data
            cli:settimeout(0)
            assert.are.same({ nil, "timeout", "" }, three(cli:receive()))
            cli:settimeout(5)
            assert.are.same({ nil, "timeout" }, { p:wait(0.05) })
            assert(srv:send("a\nb\n"))
            assert.are.same({ { cli }, { "r" } }, { p:wait(2) })
            assert.are.equal("a", cli:receive())
            -- "b" is decrypted and buffered: the descriptor has nothing more
            local t0 = socket.gettime()
            assert.are.same({ { cli }, { "r" } }, { p:wait(2) })
            assert.is_true(socket.gettime() - t0 < 1)
            assert.are.equal("b", cli:receive())
            assert.are.same({ nil, "timeout" }, { p:wait(0.05) })
        end)

        it("is ready for select and the poller while records already read wait undecrypted", function()
            -- Two records of 10,000 bytes reach the client before it reads:
            -- one read takes both off the descriptor, and the first line is
            -- decrypted while part of the second record still waits beside
            -- rustls. select and the poller must return for it at once, as
            -- nothing more will arrive on the descriptor.
            local cli, srv = our_pair()
            defer(function() net.close(cli, srv) end)
            handshake_pair(cli, srv)
            cli:settimeout(0)
            assert.are.same({ nil, "timeout", "" }, three(cli:receive()))
            local one, two = string.rep("1", 9999), string.rep("2", 9999)
            assert(srv:send(one .. "\n"))
            assert(srv:send(two .. "\n"))
            socket.sleep(0.1)
            cli:settimeout(5)
            assert.are.equal(one, cli:receive())
            local p = socket.poller()
            defer(function() p:close() end)
            assert(p:add(cli, "r"))
            local t0 = socket.gettime()
            assert.are.equal(cli, socket.select({ cli }, nil, 2)[1])
            assert.are.same({ { cli }, { "r" } }, { p:wait(2) })
            assert.is_true(socket.gettime() - t0 < 1)
            assert.are.equal(two, cli:receive())
            assert.is_false(cli:dirty())
            assert.are.same({ nil, "timeout" }, { p:wait(0.05) })
        end)

        it("sees the partial line and 'timeout' when the peer stalls", function()
            local cli, srv = our_pair()
            defer(function() net.close(cli, srv) end)
            handshake_pair(cli, srv)
            assert(srv:send("abc"))
            cli:settimeout(0.2)
            local r = net.timed(cli.receive, cli, "*l")
            assert.are.same({ nil, "timeout", "abc" }, three(r[1], r[2], r[3]))
            assert.is_true(r.elapsed < 2)
        end)

        it("asks for a client certificate with verify = peer and checks it", function()
            local cli, srv = our_pair({ verify = { "peer", "fail_if_no_peer_cert" }, cafile = certs.ca },
                { cafile = certs.ca, servername = "localhost", certificate = certs.wrong.cert, key = certs.wrong.key })
            defer(function() net.close(cli, srv) end)
            handshake_pair(cli, srv)
            local cert = assert(srv:getpeercertificate())
            assert.are.equal("wrong.example", cert:subject()[1].value)
            -- without a certificate, the server refuses
            local c2, s2 = our_pair({ verify = { "peer", "fail_if_no_peer_cert" }, cafile = certs.ca })
            defer(function() net.close(c2, s2) end)
            c2:settimeout(0)
            s2:settimeout(0)
            -- TLS 1.3: the client finishes its side first, and learns of the
            -- refusal at its next read
            local cdone, serr
            for _ = 1, 100 do
                if not cdone then cdone = c2:dohandshake() end
                local ok, err = s2:dohandshake()
                assert.is_not_true(ok)
                if err ~= "wantread" and err ~= "wantwrite" then serr = err break end
                socket.select({ c2, s2 }, nil, 0.2)
            end
            assert.are.equal("peer sent no certificates", serr)
            assert.is_true(cdone)
            c2:settimeout(2)
            assert.are.same({ nil, "tlsv13 alert certificate required", "" }, three(c2:receive()))
        end)
    end)

    describe("LuaSec as the other end", function()
        local env = net.c_luasocket_env()

        it("LuaSec's client talks to our server", function()
            local server, port = net.local_server()
            local h = child(table.concat({
                'local socket = require("socket")',
                'local ssl = require("ssl")',
                'local c = assert(socket.connect("127.0.0.1", ' .. port .. '))',
                'c = assert(ssl.wrap(c, { mode = "client", protocol = "any", verify = "peer", options = "all",',
                '    cafile = ' .. string.format("%q", certs.ca) .. ' }))',
                'c:settimeout(5)',
                'c:sni("localhost")',
                'assert(c:dohandshake())',
                'c:send("ping\\n")',
                'print((c:receive("*l")))',
                'c:close()',
            }, "\n"), env)
            local peer = assert(server:accept())
            server:close()
            local s = assert(tls.wrap(peer, { mode = "server", certificate = certs.good.cert, key = certs.good.key }))
            defer(function() s:close() end)
            assert.are.same({ true }, { s:dohandshake() })
            assert.are.equal("localhost", s:getsniname())
            assert.are.equal("ping", s:receive())
            s:send("pong\n")
            assert.are.equal("pong\n", h.wait())
        end)

        it("our client talks to LuaSec's server", function()
            -- The child prints its port first, on a pipe read here.
            local script = os.tmpname()
            defer(function() os.remove(script) end)
            httpd.write_file(script, table.concat({
                'local socket = require("socket")',
                'local ssl = require("ssl")',
                'local s = assert(socket.bind("127.0.0.1", 0))',
                'local _, port = s:getsockname()',
                'io.stdout:write(port, "\\n") io.stdout:flush()',
                's:settimeout(10)',
                'local c = assert(s:accept())',
                'c = assert(ssl.wrap(c, { mode = "server", protocol = "any", certificate = '
                    .. string.format("%q", certs.good.cert) .. ', key = ' .. string.format("%q", certs.good.key)
                    .. ' }))',
                'c:settimeout(5)',
                'assert(c:dohandshake())',
                'local line = c:receive("*l")',
                'c:send(line:reverse() .. "\\n")',
                'c:close()',
                'print("done")',
            }, "\n"))
            local p = assert(io.popen(env .. " timeout 20 " .. quote(net.interpreter()) .. " " .. quote(script)
                .. " 2>&1"))
            local first = p:read("*l")
            local port = tonumber(first)
            if not port then
                local rest = p:read("*a")
                p:close()
                error("LuaSec server did not start: " .. tostring(first) .. rest)
            end
            local tcp = assert(socket.connect("127.0.0.1", port))
            tcp:settimeout(5)
            local c = assert(tls.wrap(tcp, { cafile = certs.ca, servername = "localhost" }))
            defer(function() c:close() end)
            assert.are.same({ true }, { c:dohandshake() })
            c:send("stressed\n")
            assert.are.equal("desserts", c:receive())
            -- LuaSec closes with close_notify: *a with nothing before it
            -- is "closed", as on tcp
            assert.are.same({ nil, "closed", "" }, three(c:receive("*a")))
            assert.are.equal("done\n", p:read("*a"))
            p:close()
        end)
    end)

    describe("hostile peers get a clean error within the timeout", function()
        it("garbage instead of a handshake", function()
            local c, p, s = net.tcp_pair()
            defer(function() net.close(c, p, s) end)
            p:send("HTTP/1.1 400 Bad Request\r\n\r\n")
            local t = assert(tls.wrap(c, { verify = "none" }))
            defer(function() t:close() end)
            local r = net.timed(t.dohandshake, t)
            assert.is_false(r[1])
            assert.are.equal("received corrupt message of type InvalidContentType", r[2])
            assert.is_true(r.elapsed < 2)
        end)

        it("a record cut short by a close, during and after the handshake", function()
            local c, p, s = net.tcp_pair()
            defer(function() net.close(c, p, s) end)
            p:send("\22\3\3\0\200abc")
            p:close()
            local t = assert(tls.wrap(c, { verify = "none" }))
            defer(function() t:close() end)
            assert.are.same({ false, "closed" }, { t:dohandshake() })
            -- after the handshake: the server's descriptor sends half a record
            local cli, srv, _, sp = our_pair()
            defer(function() net.close(cli, srv) end)
            handshake_pair(cli, srv)
            assert(srv:send("whole line\n"))
            local raw = unwrap(srv, sp)
            raw:send("\23\3\3\0\100abc")
            raw:close()
            assert.are.equal("whole line", cli:receive())
            assert.are.same({ nil, "closed", "" }, three(cli:receive()))
        end)

        it("a peer closing without close_notify reads as closed, with the partial data", function()
            local cli, srv, _, sp = our_pair()
            defer(function() net.close(cli, srv) end)
            handshake_pair(cli, srv)
            assert(srv:send("partial"))
            unwrap(srv, sp):close()
            assert.are.same({ nil, "closed", "partial" }, three(cli:receive("*a")))
        end)

        it("a stall in the middle of the handshake", function()
            local c, p, s = net.tcp_pair()
            defer(function() net.close(c, p, s) end)
            local t = assert(tls.wrap(c, { verify = "none" }))
            defer(function() t:close() end)
            t:settimeout(0)
            assert.are.same({ false, "wantread" }, { t:dohandshake() })
            assert.are.same({ false, "wantread" }, { t:dohandshake() })
            t:settimeout(0.3)
            local r = net.timed(t.dohandshake, t)
            assert.are.same({ false, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed >= 0.25 and r.elapsed < 2, r.elapsed)
        end)
    end)
end)
