-- Every script in examples/ runs here, as a child process of the
-- interpreter running busted (so with the same LUA_PATH/LUA_CPATH, hence the
-- build under test), against loopback servers: the examples' own servers,
-- or the fixture servers the protocol specs use (spec/fixtures/httpd.lua's
-- Python HTTP server, aiosmtpd and pyftpdlib through spec/fixtures/servers.lua).
-- Each test checks the example's output. A last test fails when an example
-- has no test here.
local socket = require("socket")
local net = require("support.net")
local servers = require("fixtures.servers")
local httpd = require("fixtures.httpd")

local quote = servers.quote
local read_file, write_file = servers.read_file, servers.write_file

-- The examples each test below covers.
local TESTED = {}

-- Runs an example to its end (at most 60 s) and returns its output (stdout
-- and stderr) and its exit status.
local function run(script, args, stdin)
    local cmd = "timeout 60 " .. quote(net.interpreter()) .. " examples/" .. script .. " " .. (args or "")
    if stdin then cmd = cmd .. " <" .. quote(stdin) end
    local p = assert(io.popen(cmd .. " 2>&1; echo \"exit:$?\""))
    local out = p:read("*a")
    p:close()
    local text, status = out:match("^(.-)exit:(%d+)%s*$")
    return text, tonumber(status)
end

-- Is the process still running (a zombie counts as gone)?
local alive = require("support.proc").alive

-- Starts an example in the background, its output going to a file.
-- `first_line()` waits for its first line; `wait()` for its end;
-- `stop()` kills it if it still runs and removes the file.
local function start(script, args)
    local out = os.tmpname()
    local cmd = "timeout 60 " .. quote(net.interpreter()) .. " examples/" .. script .. " " .. (args or "")
        .. " >" .. quote(out) .. " 2>&1 </dev/null & echo $!"
    local p = assert(io.popen(cmd))
    local pid = assert(tonumber(p:read("*l")), "could not start " .. script)
    p:close()
    local proc = { pid = pid }
    function proc.output()
        return read_file(out) or ""
    end
    function proc.first_line()
        local deadline = socket.gettime() + 15
        while socket.gettime() < deadline do
            local line = proc.output():match("^([^\n]*)\n")
            if line then return line end
            if not alive(pid) then break end
            socket.sleep(0.02)
        end
        error(script .. " printed no first line: " .. proc.output(), 2)
    end
    function proc.wait(secs)
        local deadline = socket.gettime() + (secs or 15)
        while alive(pid) and socket.gettime() < deadline do socket.sleep(0.02) end
        return not alive(pid)
    end
    function proc.stop()
        if alive(pid) then os.execute("kill " .. pid .. " 2>/dev/null") end
        os.remove(out)
    end
    return proc
end

local function lines(text)
    local t = {}
    for line in (text .. "\n"):gmatch("([^\n]*)\n") do t[#t + 1] = line end
    if t[#t] == "" then t[#t] = nil end
    return t
end

-- Pseudo-random bytes, every value appearing.
local function bytes(n) return require("support.proc").bytes(n, 7) end

describe("examples/", function()
    local procs, files = {}, {}
    local function track(proc)
        procs[#procs + 1] = proc
        return proc
    end
    local function tmpfile(data)
        local name = os.tmpname()
        if data then write_file(name, data) end
        files[#files + 1] = name
        return name
    end
    after_each(function()
        for i = #procs, 1, -1 do
            procs[i].stop()
            procs[i] = nil
        end
        for i = #files, 1, -1 do
            os.remove(files[i])
            files[i] = nil
        end
    end)

    TESTED["echo_server.lua"] = true
    TESTED["echo_client.lua"] = true
    it("echo_server.lua and echo_client.lua echo lines over TCP", function()
        local srv = track(start("echo_server.lua", "0 1"))
        local port = srv.first_line():match("^echo server on 127%.0%.0%.1:(%d+)$")
        assert.truthy(port, srv.output())
        local out, status = run("echo_client.lua", port .. " hello 'two words'")
        assert.are.equal("hello\ntwo words\n", out)
        assert.are.equal(0, status)
        assert.is_true(srv.wait(), "the server stops after its one client")
    end)

    TESTED["https_server.lua"] = true
    it("https_server.lua answers GETs over TLS, checked by our client and by curl or openssl", function()
        local dir = httpd.tmpdir()
        local certs = httpd.certs(dir)
        local srv = track(start("https_server.lua", quote(certs.good.cert) .. " " .. quote(certs.good.key) .. " 0 2"))
        local port = srv.first_line():match("^https server on 127%.0%.0%.1:(%d+)$")
        assert.truthy(port, srv.output())
        -- our client, verifying the certificate against the test CA
        local tls = require("socket.tls")
        local tcp = assert(socket.connect("127.0.0.1", tonumber(port)))
        tcp:settimeout(10)
        local c = assert(tls.wrap(tcp, { cafile = certs.ca, servername = "localhost", alpn = "http/1.1" }))
        assert.is_true(c:dohandshake())
        assert.are.equal("http/1.1", c:getalpn())
        c:send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
        local reply = c:receive("*a")
        c:close()
        assert.matches("^HTTP/1%.1 200 OK\r\n", reply)
        assert.matches("\r\n\r\nhello from /hello over TLSv1%.3\n$", reply)
        -- openssl s_client as a second, independent client
        local openssl = httpd.program("openssl")
        local p = assert(io.popen("printf 'GET /two HTTP/1.0\\r\\n\\r\\n' | timeout 20 " .. openssl
            .. " s_client -quiet -connect 127.0.0.1:" .. port .. " -CAfile " .. quote(certs.ca)
            .. " -servername localhost -verify_return_error -tls1_2 2>/dev/null"))
        local out = p:read("*a")
        p:close()
        httpd.rmdir(dir)
        assert.matches("hello from /two over TLSv1%.2\n$", out)
        assert.is_true(srv.wait(), "the server stops after two requests")
    end)

    TESTED["poller_echo_server.lua"] = true
    it("poller_echo_server.lua echoes lines to several clients at once, large ones too", function()
        local srv = track(start("poller_echo_server.lua", "0 4 20"))
        local port = srv.first_line():match("^poller echo server on 127%.0%.0%.1:(%d+)$")
        assert.truthy(port, srv.output())
        -- echo_client.lua against it, as against echo_server.lua.
        local out, status = run("echo_client.lua", port .. " hello 'two words'")
        assert.are.equal("hello\ntwo words\n", out)
        assert.are.equal(0, status)
        local clients = {}
        for i = 1, 3 do
            clients[i] = assert(socket.connect("127.0.0.1", tonumber(port)))
            clients[i]:settimeout(10)
        end
        -- Interleaved, a line in two pieces, two lines in one send.
        for i, c in ipairs(clients) do c:send("client " .. i .. " ") end
        for i, c in ipairs(clients) do c:send("says hi\nsecond " .. i .. "\n") end
        for i, c in ipairs(clients) do
            assert.are.equal("client " .. i .. " says hi", (c:receive()))
            assert.are.equal("second " .. i, (c:receive()))
        end
        -- A line larger than the socket buffers: the server waits for
        -- writability to send the rest.
        local big = ("0123456789abcdef"):rep(256 * 1024)
        assert.are.equal(#big + 1, clients[2]:send(big .. "\n"))
        assert.are.equal(big, (clients[2]:receive()))
        for _, c in ipairs(clients) do c:close() end
        assert.is_true(srv.wait(), "the server stops after its four clients")
        assert.truthy(srv.output():find("served 4 clients\n", 1, true), srv.output())
    end)

    TESTED["udp_echo_server.lua"] = true
    TESTED["udp_echo_client.lua"] = true
    it("udp_echo_server.lua and udp_echo_client.lua echo datagrams", function()
        local srv = track(start("udp_echo_server.lua", "0 2"))
        local port = srv.first_line():match("^udp echo server on 127%.0%.0%.1:(%d+)$")
        assert.truthy(port, srv.output())
        local out, status = run("udp_echo_client.lua", port .. " alpha beta")
        assert.are.equal("alpha\nbeta\n", out)
        assert.are.equal(0, status)
        assert.is_true(srv.wait(), "the server stops after two datagrams")
    end)

    TESTED["unix_echo_server.lua"] = true
    TESTED["unix_echo_client.lua"] = true
    it("unix_echo_server.lua and unix_echo_client.lua echo over a socket file and an abstract name", function()
        local path = tmpfile()
        os.remove(path)
        local srv = track(start("unix_echo_server.lua", quote(path) .. " 1"))
        assert.are.equal("unix echo server on " .. path, srv.first_line())
        local out, status = run("unix_echo_client.lua", quote(path) .. " hello unix")
        assert.are.equal("hello\nunix\n", out)
        assert.are.equal(0, status)
        assert.is_true(srv.wait(), "the server stops after its one client")
        assert.is_nil(io.open(path, "r"), "the server removed its socket file")

        local name = "@luasocket-rs-example-" .. os.time() .. "-" .. math.random(1e9)
        srv = track(start("unix_echo_server.lua", quote(name) .. " 1"))
        assert.are.equal("unix echo server on " .. name, srv.first_line())
        out = run("unix_echo_client.lua", quote(name) .. " abstract")
        assert.are.equal("abstract\n", out)
    end)

    TESTED["chat_server.lua"] = true
    it("chat_server.lua relays lines between clients with select, then stops", function()
        local srv = track(start("chat_server.lua", "0 2 20"))
        local port = tonumber(srv.first_line():match("^chat server on 127%.0%.0%.1:(%d+)$"))
        assert.truthy(port, srv.output())
        local a = assert(socket.connect("127.0.0.1", port))
        a:settimeout(10)
        assert.are.equal("welcome, client 1 (1 online)", (a:receive()))
        local b = assert(socket.connect("127.0.0.1", port))
        b:settimeout(10)
        assert.are.equal("welcome, client 2 (2 online)", (b:receive()))
        assert.are.equal("* client 2 joined", (a:receive()))
        a:send("hello\r\n")
        assert.are.equal("client 1: hello", (b:receive()))
        b:send("hi ")
        b:send("there\n")                      -- a line in two pieces
        assert.are.equal("client 2: hi there", (a:receive()))
        -- Full after two clients: it no longer listens.
        local c, err = socket.connect("127.0.0.1", port)
        if c then c:close() end
        assert.are.equal("connection refused", err)
        a:close()
        assert.are.equal("* client 1 left", (b:receive()))
        b:close()
        assert.is_true(srv.wait(), "the server stops once everyone left")
        assert.are.same({
            "chat server on 127.0.0.1:" .. port,
            "client 1 joined",
            "client 2 joined",
            "client 1: hello",
            "client 2: hi there",
            "client 1 left",
            "client 2 left",
            "bye",
        }, lines(srv.output()))
    end)

    it("chat_server.lua stops by itself when idle", function()
        local srv = track(start("chat_server.lua", "0 5 0.3"))
        srv.first_line()
        assert.is_true(srv.wait(10))
        assert.truthy(srv.output():find("idle for 0.3 seconds, stopping\nbye\n", 1, true), srv.output())
    end)

    TESTED["base64_encode.lua"] = true
    it("base64_encode.lua encodes a file in 76-column CRLF lines and decodes it back", function()
        local mime = require("mime")
        local data = bytes(100000)
        local input = tmpfile(data)
        local encoded, decoded = tmpfile(), tmpfile()
        local out, status = run("base64_encode.lua", quote(input) .. " " .. quote(encoded))
        assert.are.equal("", out)
        assert.are.equal(0, status)
        local want = (mime.b64(data)):gsub(("."):rep(76), "%0\r\n") .. "\r\n"
        local got = read_file(encoded)
        assert.are.equal(#want, #got)
        assert.is_true(want == got, "encoded output differs")
        out, status = run("base64_encode.lua", "--decode " .. quote(encoded) .. " " .. quote(decoded))
        assert.are.equal("", out)
        assert.are.equal(0, status)
        assert.is_true(read_file(decoded) == data, "decoded output differs")
        -- standard input to standard output
        out = run("base64_encode.lua", "", tmpfile("hello, world"))
        assert.are.equal("aGVsbG8sIHdvcmxk\r\n", out)
        -- a missing file
        out, status = run("base64_encode.lua", "/nonexistent/file")
        assert.are.equal("/nonexistent/file: No such file or directory\n", out)
        assert.are.equal(1, status)
    end)

    describe("against the HTTP fixture server", function()
        local dir, py
        setup(function()
            dir = httpd.tmpdir()
            write_file(dir .. "/hello.txt", "hello from the fixture\n")
            -- Text: the example prints the echo, and Lua 5.1's print stops at a NUL byte.
            write_file(dir .. "/upload.txt", ("line of text to upload\n"):rep(200))
            py = httpd.python(dir)
        end)
        teardown(function()
            if py then py.stop() end
            httpd.rmdir(dir)
        end)

        TESTED["http_get.lua"] = true
        it("http_get.lua prints the status, the headers and the body", function()
            local out, status = run("http_get.lua", "http://127.0.0.1:" .. py.port .. "/hello.txt")
            assert.are.equal(0, status)
            local head, body = out:match("^(.-)\n\n(.*)$")
            assert.truthy(head, out)
            assert.are.equal("hello from the fixture\n", body)
            local got = lines(head)
            assert.are.equal("HTTP/1.1 200 OK", got[1])
            local names = {}
            for i = 2, #got do names[#names + 1] = got[i]:match("^([^:]+): ") end
            local sorted = {}
            for i, name in ipairs(names) do sorted[i] = name end
            table.sort(sorted)
            assert.are.same(sorted, names)
            assert.truthy(head:find("\ncontent-length: 23\n", 1, true), head)
        end)

        it("http_get.lua exits with 1 on a 404 and with a message when nothing listens", function()
            local _, status = run("http_get.lua", "http://127.0.0.1:" .. py.port .. "/missing")
            assert.are.equal(1, status)
            local dead = assert(socket.bind("127.0.0.1", 0))
            local _, port = dead:getsockname()
            dead:close()
            local out
            out, status = run("http_get.lua", "http://127.0.0.1:" .. port .. "/")
            assert.are.equal("request failed: connection refused\n", out)
            assert.are.equal(1, status)
        end)

        TESTED["http_post.lua"] = true
        it("http_post.lua posts a form and streams a file", function()
            local file = dir .. "/upload.txt"
            local out, status = run("http_post.lua", "http://127.0.0.1:" .. py.port .. "/echo " .. quote(file))
            assert.are.equal(0, status)
            local form, upload = out:match("^(form POST: .-)\n(file POST: .*)$")
            assert.truthy(form, out)
            assert.truthy(form:find("^form POST: HTTP/1%.1 200 OK\n"), form)
            assert.truthy(form:find("\nmethod: POST\n", 1, true), form)
            assert.truthy(form:find("\nheader: Content-Type: application/x-www-form-urlencoded\n", 1, true), form)
            local sent = "\n\nname=Ada%20Lovelace&lang=Lua%20%26%20Rust"
            assert.are.equal(sent, form:sub(-#sent))
            assert.truthy(upload:find("^file POST: HTTP/1%.1 200 OK\n"), upload)
            assert.truthy(upload:find("\nheader: Transfer-Encoding: chunked\n", 1, true), upload)
            assert.truthy(upload:find("\nbody-length: 4600\n", 1, true), upload)
            assert.truthy(upload:find(read_file(file), 1, true), "the file came back whole")
        end)
    end)

    TESTED["send_mail.lua"] = true
    it("send_mail.lua delivers a message with an attachment to aiosmtpd", function()
        local out_file = tmpfile("")
        local srv = servers.start("smtp_server.py", "--out " .. quote(out_file))
        finally(function() srv.stop() end)
        local attachment = tmpfile(bytes(3000))
        local out, status = run("send_mail.lua", "127.0.0.1 " .. srv.port
            .. " ann@example.com bob@example.com " .. quote(attachment))
        assert.are.equal("sent\n", out)
        assert.are.equal(0, status)
        local env = { messages = {} }
        local chunk
        if setfenv then
            chunk = assert(loadstring(read_file(out_file), "=received"))
            setfenv(chunk, env)
        else
            chunk = assert(load(read_file(out_file), "=received", "t", env))
        end
        chunk()
        local m = env.messages[1]
        assert.truthy(m, "the server received a message")
        assert.are.same({ "bob@example.com" }, m.rcpt)
        assert.truthy(m.from:find("ann@example.com", 1, true))
        local name = attachment:match("([^/]*)$")
        assert.truthy(m.data:find("\r\nSubject: File: " .. attachment:gsub("%p", "%%%0") .. "\r\n"), m.data)
        local found
        for _, part in ipairs(m.parts) do
            if part.filename == name then found = part end
        end
        assert.truthy(found, "the attachment is a part of its own")
        assert.is_true(found.payload == read_file(attachment), "the attachment decodes to the file")
    end)

    TESTED["ftp_get.lua"] = true
    it("ftp_get.lua downloads a file, passive and active", function()
        local root = servers.tmpdir()
        finally(function() os.execute("rm -rf " .. quote(root)) end)
        local data = bytes(70000)
        write_file(root .. "/data.bin", data)
        local srv = servers.start("ftp_server.py", "--root " .. quote(root))
        finally(function() srv.stop() end)
        local url = "ftp://anonymous@127.0.0.1:" .. srv.port .. "/data.bin;type=i"
        for _, mode in ipairs({ "", "--active " }) do
            local target = tmpfile()
            local out, status = run("ftp_get.lua", mode .. quote(url) .. " " .. quote(target))
            assert.are.equal("saved " .. target .. "\n", out)
            assert.are.equal(0, status)
            assert.is_true(read_file(target) == data, mode .. "download differs")
        end
        local out, status = run("ftp_get.lua", quote("ftp://anonymous@127.0.0.1:" .. srv.port .. "/missing;type=i"))
        assert.truthy(out:find("^download failed: 550 "), out)
        assert.are.equal(1, status)
    end)

    it("has a test for every example", function()
        local p = assert(io.popen("ls examples"))
        local listing = p:read("*a")
        p:close()
        local untested = {}
        for name in listing:gmatch("[^\n]+") do
            if name:match("%.lua$") and not TESTED[name] then untested[#untested + 1] = name end
        end
        assert.are.same({}, untested)
    end)
end)
