-- LuaSec (Debian lua-sec, unmodified) over our sockets: ssl.wrap of our TCP
-- objects on the client side (blocking, and non-blocking driven by our
-- socket.select) and on the server side, and LuaSec's own ssl.https over our
-- socket.http, against `openssl s_server` and `openssl s_client` on loopback
-- with a test CA made by the spec. Debian packages LuaSec for Lua 5.1-5.4
-- (LuaJIT loads 5.1's), so it must load on every interpreter: if it does
-- not, the spec fails instead of skipping.
local socket = require("socket")
local ltn12 = require("ltn12")
local httpd = require("fixtures.httpd")

local ssl, not_packaged = require("support.compat").require("ssl", "lua-sec")

-- Deterministic binary data, every byte value present.
local bytes = require("support.proc").bytes

-- Runs dohandshake on every LuaSec connection in `conns` (non-blocking)
-- until all are done, waiting in socket.select on the connections
-- themselves. Counts each "wantread"/"wantwrite" in `seen`.
-- Returns true, or nil and the first error.
local function handshake(conns, seen)
    local deadline = socket.gettime() + 5
    local pending = {}
    for _, c in ipairs(conns) do pending[#pending + 1] = c end
    while #pending > 0 do
        local recvt, sendt, left = {}, {}, {}
        for _, c in ipairs(pending) do
            local ok, err = c:dohandshake()
            if not ok then
                seen[err] = (seen[err] or 0) + 1
                if err == "wantread" then
                    recvt[#recvt + 1] = c
                elseif err == "wantwrite" then
                    sendt[#sendt + 1] = c
                else
                    return nil, err
                end
                left[#left + 1] = c
            end
        end
        pending = left
        if #pending > 0 then
            local readable, writable, err = socket.select(recvt, sendt, deadline - socket.gettime())
            if err then return nil, err end
            -- What select returns is the LuaSec objects we gave it.
            assert(#readable + #writable > 0)
            for _, set in ipairs { { readable, recvt }, { writable, sendt } } do
                local given = {}
                for _, c in ipairs(set[2]) do given[c] = true end
                for i, c in ipairs(set[1]) do assert(given[c] and set[1][c] == i) end
            end
        end
    end
    return true
end

-- Reads from non-blocking `conn` with `pattern` (after `prefix`) until it succeeds,
-- selecting on `conn` whenever LuaSec wants to wait. Returns the data (or
-- nil, err, partial) and how many times it waited.
local function receive_nb(conn, pattern, prefix)
    local deadline = socket.gettime() + 10
    local partial, waits = prefix, 0
    while true do
        local data, err, part = conn:receive(pattern, partial)
        if data then return data, nil, nil, waits end
        partial = part
        if err ~= "wantread" and err ~= "wantwrite" then return nil, err, partial, waits end
        waits = waits + 1
        local r, w = nil, nil
        if err == "wantread" then r = { conn } else w = { conn } end
        local readable, writable, serr = socket.select(r, w, deadline - socket.gettime())
        if serr then return nil, serr, partial, waits end
        assert((readable[1] or writable[1]) == conn)
        assert((readable[conn] or writable[conn]) == 1)
    end
end

-- Sends all of `data` on non-blocking `conn`, selecting when LuaSec wants
-- to wait. Returns the index of the last byte sent, or nil and an error.
local function send_nb(conn, data)
    local deadline = socket.gettime() + 10
    local i = 1
    while true do
        local last, err, sent = conn:send(data, i)
        if last then return last end
        if err ~= "wantread" and err ~= "wantwrite" then return nil, err end
        i = sent + 1
        local r, w = nil, nil
        if err == "wantread" then r = { conn } else w = { conn } end
        local _, _, serr = socket.select(r, w, deadline - socket.gettime())
        if serr then return nil, serr end
    end
end

-- The common name in an x509 certificate's subject.
local function common_name(cert)
    for _, entry in ipairs(cert:subject()) do
        if entry.name == "commonName" then return entry.value end
    end
end

-- Whether process `pid` is still running (a zombie counts as gone).
local alive = require("support.proc").alive

describe("compat: LuaSec", function()
    local dir, certs, good, untrusted
    local hello = "hello over TLS\n"
    local data = bytes(1024 * 1024 + 3, 11)

    local function client_params(extra)
        local p = { mode = "client", protocol = "any", options = "all", verify = "peer", cafile = certs.ca }
        for k, v in pairs(extra or {}) do p[k] = v end
        return p
    end

    local function server_params(extra)
        local p = {
            mode = "server",
            protocol = "any",
            options = "all",
            certificate = certs.good.cert,
            key = certs.good.key,
        }
        for k, v in pairs(extra or {}) do p[k] = v end
        return p
    end

    setup(function()
        -- Debian builds lua-sec for every Lua version: never a pending.
        assert(ssl, not_packaged)
        dir = httpd.tmpdir()
        certs = httpd.certs(dir)
        httpd.write_file(dir .. "/hello.txt", hello)
        httpd.write_file(dir .. "/data.bin", data)
        good = httpd.s_server(dir, certs.good)
        untrusted = httpd.s_server(dir, certs.self)
    end)

    teardown(function()
        for _, server in ipairs { good, untrusted } do
            if server then server.stop() end
        end
        httpd.rmdir(dir)
    end)

    it("runs on our socket.core, and ssl.https on our socket.http, socket.url and ltn12", function()
        local impl = package.loaded.socket._IMPLEMENTATION
        assert.is_string(impl)
        assert.truthy(impl:match("^luasocket%-rust"))
        assert.equal(package.loaded.socket, package.loaded["socket.core"])
        assert.equal("1.2.0", ssl._VERSION)
        require("ssl.https")
        -- ssl.https requires socket, ltn12, socket.http and socket.url: each
        -- must be the file from the tree under test.
        local tree = "@" .. assert(os.getenv("LUASOCKET_TREE"))
        for name, f in pairs {
            ["socket.http"] = package.loaded["socket.http"].open,
            ["socket.url"] = package.loaded["socket.url"].parse,
            ltn12 = package.loaded.ltn12.pump.all,
        } do
            local source = debug.getinfo(f, "S").source
            assert.equal(tree, source:sub(1, #tree), name .. " came from " .. source)
        end
    end)

    describe("ssl.wrap, client side", function()
        it("wraps a blocking tcp{client} of ours and fetches a file from openssl s_server", function()
            local tcp = socket.tcp()
            assert.equal(1, tcp:settimeout(5))
            assert.equal(1, tcp:connect("127.0.0.1", good.port))
            local conn = assert(ssl.wrap(tcp, client_params()))
            finally(function() conn:close() end)
            -- LuaSec took the descriptor (setfd(-1)): our object lets go of
            -- it, and closing or collecting it leaves the connection alone.
            assert.equal(-1, tcp:getfd())
            assert.truthy(tostring(tcp):match("^tcp{client}: "))
            assert.equal(1, tcp:close())
            tcp = nil -- luacheck: ignore 311
            collectgarbage()
            collectgarbage()
            assert.is_true(conn:getfd() >= 0)
            conn:settimeout(5)
            assert.is_true(conn:dohandshake())
            assert.equal("localhost", common_name(conn:getpeercertificate()))
            assert.is_true((conn:getpeerverification()))
            local request = "GET /data.bin HTTP/1.0\r\n\r\n"
            assert.equal(#request, conn:send(request))
            assert.equal("HTTP/1.0 200 ok", conn:receive("*l"))
            local line = conn:receive("*l")
            while line ~= "" do line = assert(conn:receive("*l")) end
            local body = conn:receive("*a")
            assert.equal(#data, #body)
            assert.is_true(body == data)
        end)

        it("drives a non-blocking connect, handshake and reads with our socket.select", function()
            local tcp = socket.tcp()
            assert.equal(1, tcp:settimeout(0))
            assert.same({ nil, "timeout" }, { tcp:connect("127.0.0.1", good.port) })
            local _, writable = socket.select(nil, { tcp }, 5)
            assert.equal(tcp, writable[1])
            assert.equal(1, tcp:connect("127.0.0.1", good.port))
            local conn = assert(ssl.wrap(tcp, client_params()))
            finally(function() conn:close() end)
            assert.equal(1, conn:settimeout(0))
            assert.is_true(handshake({ conn }, {}))
            assert.equal("localhost", common_name(conn:getpeercertificate()))
            assert.truthy(send_nb(conn, "GET /data.bin HTTP/1.0\r\n\r\n"))
            assert.equal("HTTP/1.0 200 ok", (receive_nb(conn, "*l")))
            local line = receive_nb(conn, "*l")
            while line ~= "" do line = assert(receive_nb(conn, "*l")) end
            local body, err = receive_nb(conn, "*a")
            assert.is_nil(err)
            assert.equal(#data, #body)
            assert.is_true(body == data)
        end)

        it("fails the handshake on a certificate the CA did not sign", function()
            local tcp = assert(socket.connect("127.0.0.1", untrusted.port))
            tcp:settimeout(5)
            local conn = assert(ssl.wrap(tcp, client_params()))
            finally(function() conn:close() end)
            conn:settimeout(5)
            assert.same({ false, "certificate verify failed" }, { conn:dohandshake() })
        end)

        it("fails the same way when non-blocking", function()
            local tcp = assert(socket.connect("127.0.0.1", untrusted.port))
            local conn = assert(ssl.wrap(tcp, client_params()))
            finally(function() conn:close() end)
            conn:settimeout(0)
            assert.same({ nil, "certificate verify failed" }, { handshake({ conn }, {}) })
        end)
    end)

    describe("ssl.wrap, server side", function()
        it("serves TLS on an accepted tcp{client}; openssl s_client verifies it", function()
            local server = assert(socket.bind("127.0.0.1", 0))
            finally(function() server:close() end)
            server:settimeout(5)
            local _, port = server:getsockname()
            local input, output, log = dir .. "/s_client.in", dir .. "/s_client.out", dir .. "/s_client.log"
            httpd.write_file(input, "hello from s_client\n")
            local cmd = ("%s s_client -quiet -connect 127.0.0.1:%d -CAfile %s -verify_return_error"
                .. " -verify_hostname localhost -servername localhost -cert %s -key %s <%s >%s 2>%s & echo $!")
                :format(httpd.program("openssl"), port, httpd.quote(certs.ca), httpd.quote(certs.wrong.cert),
                    httpd.quote(certs.wrong.key), httpd.quote(input), httpd.quote(output), httpd.quote(log))
            local p = assert(io.popen(cmd))
            local pid = assert(tonumber(p:read("*l")))
            p:close()
            finally(function() os.execute("kill " .. pid .. " 2>/dev/null") end)

            local tcp = assert(server:accept())
            assert.truthy(tostring(tcp):match("^tcp{client}: "))
            local conn = assert(ssl.wrap(tcp, server_params { verify = { "peer", "fail_if_no_peer_cert" },
                cafile = certs.ca }))
            assert.equal(-1, tcp:getfd())
            conn:settimeout(5)
            local ok, err = conn:dohandshake()
            assert.is_true(ok, err)
            -- s_client sent the certificate it was given; we checked it.
            assert.equal("wrong.example", common_name(conn:getpeercertificate()))
            assert.is_true((conn:getpeerverification()))
            assert.equal("hello from s_client", conn:receive("*l"))
            assert.truthy(conn:send("echo: hello from s_client\n"))
            conn:close()
            local deadline = socket.gettime() + 5
            while alive(pid) and socket.gettime() < deadline do socket.sleep(0.02) end
            assert.equal("echo: hello from s_client\n", httpd.read_file(output))
            -- s_client checked our certificate against the CA and the name.
            local report = httpd.read_file(log)
            assert.truthy(report:find("depth=0 CN = localhost\nverify return:1", 1, true), report)
            assert.falsy(report:find("error", 1, true), report)
        end)

        describe("with a client of ours, both non-blocking in one select loop", function()
            local server, client, peer, sconn, cconn

            before_each(function()
                server = assert(socket.bind("127.0.0.1", 0))
                server:settimeout(5)
                local _, port = server:getsockname()
                client = socket.tcp()
                client:settimeout(0)
                client:connect("127.0.0.1", port)
                peer = assert(server:accept())
                socket.select(nil, { client }, 5)
                sconn = assert(ssl.wrap(peer, server_params { verify = { "peer", "fail_if_no_peer_cert" },
                    cafile = certs.ca }))
                cconn = assert(ssl.wrap(client, client_params { certificate = certs.wrong.cert,
                    key = certs.wrong.key }))
                sconn:settimeout(0)
                cconn:settimeout(0)
                local seen = {}
                assert(handshake({ sconn, cconn }, seen))
                -- Each side's first step had to wait for the other's.
                assert(seen.wantread >= 2)
            end)

            after_each(function()
                for _, s in ipairs { sconn, cconn, peer, client, server } do s:close() end
            end)

            it("checks certificates both ways", function()
                assert.equal("localhost", common_name(cconn:getpeercertificate()))
                assert.equal("wrong.example", common_name(sconn:getpeercertificate()))
                assert.is_true((cconn:getpeerverification()))
                assert.is_true((sconn:getpeerverification()))
            end)

            it("returns wantread and the partial data, and select waits for the rest", function()
                assert.truthy(cconn:send("0123456789"))
                -- Read until the ten bytes are in: each attempt gives them
                -- back as the partial result, which goes in as the prefix.
                local got, err, partial
                local deadline = socket.gettime() + 5
                repeat
                    assert.equal(sconn, socket.select({ sconn }, nil, 5)[1])
                    got, err, partial = sconn:receive(20, partial)
                until partial == "0123456789" or got or socket.gettime() > deadline
                assert.same({ nil, "wantread", "0123456789" }, { got, err, partial })
                -- Nothing is buffered: select waits, and times out.
                assert.is_false(sconn:dirty())
                assert.same({ {}, {}, "timeout" }, { socket.select({ sconn }, nil, 0.05) })
                assert.truthy(cconn:send("abcdefghij"))
                local readable = socket.select({ sconn }, nil, 5)
                assert.equal(sconn, readable[1])
                assert.equal(1, readable[sconn])
                assert.equal("0123456789abcdefghij", (receive_nb(sconn, 20, partial)))
            end)

            it("reports a LuaSec object holding buffered data readable at once (dirty)", function()
                -- One write, one TLS record: both lines are decrypted together.
                assert.truthy(cconn:send("first\nsecond\n"))
                assert.equal("first", (receive_nb(sconn, "*l")))
                -- "second\n" waits in LuaSec's buffer, not in the kernel's.
                assert.is_true(sconn:dirty())
                local readable, _, err = socket.select({ sconn }, nil, 0)
                assert.is_nil(err)
                assert.equal(sconn, readable[1])
                assert.equal("second", sconn:receive("*l"))
                assert.is_false(sconn:dirty())
                assert.same({ {}, {}, "timeout" }, { socket.select({ sconn }, nil, 0) })
            end)

            it("moves a megabyte each way through one select loop", function()
                local up, down = bytes(1024 * 1024, 3), bytes(1024 * 1024 + 5, 5)
                local sent = { [cconn] = 0, [sconn] = 0 }
                local outgoing = { [cconn] = up, [sconn] = down }
                local got = { [cconn] = {}, [sconn] = {} }
                local want = { [cconn] = #down, [sconn] = #up }
                local have = { [cconn] = 0, [sconn] = 0 }
                local deadline = socket.gettime() + 20
                while (have[cconn] < want[cconn] or have[sconn] < want[sconn]) and socket.gettime() < deadline do
                    local recvt, sendt = {}, {}
                    for _, c in ipairs { cconn, sconn } do
                        if have[c] < want[c] then recvt[#recvt + 1] = c end
                        if sent[c] < #outgoing[c] then sendt[#sendt + 1] = c end
                    end
                    local readable, writable = socket.select(recvt, sendt, 5)
                    for _, c in ipairs(writable) do
                        local last, err, partial = c:send(outgoing[c], sent[c] + 1)
                        if last then
                            sent[c] = last
                        else
                            assert(err == "wantwrite" or err == "wantread", err)
                            sent[c] = partial
                        end
                    end
                    for _, c in ipairs(readable) do
                        local chunk, err, partial = c:receive(want[c] - have[c])
                        chunk = chunk or partial
                        if not chunk or chunk == "" then
                            assert(err == "wantread" or err == "wantwrite", err)
                        else
                            got[c][#got[c] + 1] = chunk
                            have[c] = have[c] + #chunk
                        end
                    end
                end
                assert.equal(#up, have[sconn])
                assert.equal(#down, have[cconn])
                assert.is_true(table.concat(got[sconn]) == up)
                assert.is_true(table.concat(got[cconn]) == down)
            end)
        end)
    end)

    describe("ssl.https", function()
        local https

        setup(function()
            https = require("ssl.https")
        end)

        it("GETs a URL string (LuaSec's default: no verification)", function()
            local body, code, headers, status = https.request("https://127.0.0.1:" .. good.port .. "/hello.txt")
            assert.equal(hello, body)
            assert.equal(200, code)
            assert.equal("text/plain", headers["content-type"])
            assert.equal("HTTP/1.0 200 ok", status)
        end)

        it("GETs with a request table, verifying against the test CA", function()
            local t = {}
            local r, code = https.request {
                url = "https://localhost:" .. good.port .. "/data.bin",
                sink = ltn12.sink.table(t),
                verify = "peer",
                cafile = certs.ca,
            }
            assert.equal(1, r)
            assert.equal(200, code)
            local body = table.concat(t)
            assert.equal(#data, #body)
            assert.is_true(body == data)
        end)

        it("returns nil, 'certificate verify failed' for an untrusted certificate", function()
            assert.same({ nil, "certificate verify failed" }, { https.request {
                url = "https://127.0.0.1:" .. untrusted.port .. "/hello.txt",
                verify = "peer",
                cafile = certs.ca,
            } })
        end)

        it("returns nil, 'connection refused' when nothing listens", function()
            local port = httpd.free_port()
            assert.same({ nil, "connection refused" }, { https.request("https://127.0.0.1:" .. port .. "/") })
        end)

        it("refuses what it does not support, as LuaSec does", function()
            local base = "https://127.0.0.1:" .. good.port .. "/hello.txt"
            assert.same({ nil, "redirect not supported" }, { https.request { url = base, redirect = true } })
            assert.same({ nil, "create function not permitted" },
                { https.request { url = base, create = socket.tcp } })
        end)
    end)
end)
