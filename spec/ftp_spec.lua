-- socket.ftp against a real FTP server: pyftpdlib (Debian python3-pyftpdlib)
-- started from spec/fixtures/ftp_server.py on a loopback port, serving a
-- temporary directory. The specs check the files on disk after uploads and
-- compare downloads with what was written there, binary data included.
-- Passive (EPSV, PASV, and the fallback from EPSV to PASV) and active (PORT,
-- EPRT) transfers are covered; bad input comes from
-- spec/fixtures/script_server.py.
local socket = require("socket")
local ltn12 = require("ltn12")
local ftp = require("socket.ftp")
local net = require("support.net")
local servers = require("fixtures.servers")

local USER, PASSWORD = "alice", "s3@cr:t/x"
-- The password as it must appear in a URL.
local PASSWORD_URL = "s3%40cr%3at%2fx"

-- Pseudo-random bytes (every value appears): binary file content.
local bytes = require("support.proc").bytes

describe("socket.ftp", function()
    local srv, root, base, anon

    setup(function()
        root = servers.tmpdir()
        srv = servers.start("ftp_server.py", "--root " .. servers.quote(root) .. " --user " .. USER
            .. " --password " .. servers.quote(PASSWORD))
        base = "ftp://" .. USER .. ":" .. PASSWORD_URL .. "@127.0.0.1:" .. srv.port
        anon = "ftp://127.0.0.1:" .. srv.port
    end)
    teardown(function()
        if srv then srv.stop() end
        if root then os.execute("rm -rf " .. servers.quote(root)) end
    end)

    local function put_file(name, data)
        servers.write_file(root .. "/" .. name, data)
    end
    local function file(name)
        return servers.read_file(root .. "/" .. name)
    end

    it("is reachable as socket.ftp and has LuaSocket's fields", function()
        assert.are.equal(ftp, socket.ftp)
        assert.are.equal(60, ftp.TIMEOUT)
        assert.are.equal("ftp", ftp.USER)
        assert.are.equal("anonymous@anonymous.org", ftp.PASSWORD)
    end)

    describe(".get(url)", function()
        it("downloads a file as an anonymous user (ftp.USER)", function()
            put_file("hello.txt", "hello, world")
            assert.are.equal("hello, world", ftp.get(anon .. "/hello.txt"))
        end)

        it("downloads binary data byte for byte with ;type=i", function()
            local data = bytes(300000, 7)
            put_file("blob.bin", data)
            local got, err = ftp.get(base .. "/blob.bin;type=i")
            assert.is_nil(err)
            assert.are.equal(#data, #got)
            assert.are.equal(data, got)
        end)

        it("uses ;type=a for text", function()
            put_file("text.txt", "a\nb\n")
            assert.are.equal("a\r\nb\r\n", ftp.get(anon .. "/text.txt;type=a"))
        end)

        it("decodes the path, and the user and password from the URL", function()
            os.execute("mkdir -p " .. servers.quote(root .. "/sub dir"))
            put_file("sub dir/na me.txt", "deep")
            assert.are.equal("deep", ftp.get(base .. "/sub%20dir/na%20me.txt"))
        end)

        it("returns nil and the server's reply for a missing file", function()
            local ok, err = ftp.get(anon .. "/no-such-file")
            assert.is_nil(ok)
            assert.truthy(err:match("^550 "), err)
        end)

        it("returns nil and the server's reply for a wrong password", function()
            local ok, err = ftp.get("ftp://" .. USER .. ":wrong@127.0.0.1:" .. srv.port .. "/hello.txt")
            assert.is_nil(ok)
            assert.truthy(err:match("^530 "), err)
        end)

        it("checks the URL: scheme, host and type", function()
            assert.are.same({ nil, "wrong scheme 'http'" }, { ftp.get("http://127.0.0.1/x") })
            assert.are.same({ nil, "missing hostname" }, { ftp.get("ftp:///x") })
            assert.are.same({ nil, "invalid type 'x'" }, { ftp.get(anon .. "/x;type=x") })
            assert.are.same({ nil, "invalid type 'mode=b'" }, { ftp.get(anon .. "/x;mode=b") })
            assert.are.same({ nil, "invalid url" }, { ftp.get("") })
        end)

        it("returns nil, 'connection refused' when nothing listens", function()
            local s, port = net.local_server()
            s:close()
            assert.are.same({ nil, "connection refused" }, { ftp.get("ftp://127.0.0.1:" .. port .. "/x") })
        end)

        it("refuses CR or LF smuggled into the path, sending no second command", function()
            put_file("victim.txt", "still here")
            local ok, err = ftp.get(base .. "/x%0d%0aDELE%20victim.txt")
            assert.are.same({ nil, "invalid command" }, { ok, err })
            assert.are.equal("still here", file("victim.txt"))
        end)
    end)

    describe(".put(url, content)", function()
        it("uploads binary data byte for byte and returns the bytes sent", function()
            local data = bytes(200000, 3)
            local sent, err = ftp.put(base .. "/up.bin;type=i", data)
            assert.is_nil(err)
            assert.are.equal(#data, sent)
            assert.are.equal(data, file("up.bin"))
        end)

        it("uploads an empty file", function()
            assert.are.equal(0, ftp.put(base .. "/empty.txt", ""))
            assert.are.equal("", file("empty.txt"))
        end)

        it("returns nil and the server's reply when writing is not allowed", function()
            local ok, err = ftp.put(anon .. "/nope.txt", "x")
            assert.is_nil(ok)
            assert.truthy(err:match("^550 "), err)
            assert.is_nil(file("nope.txt"))
        end)
    end)

    describe("generic forms", function()
        it("get{} pumps into a sink, with host, port, path, user, password, type", function()
            local data = bytes(100000, 11)
            put_file("g.bin", data)
            local t = {}
            local ok, err = ftp.get({
                host = "127.0.0.1", port = srv.port, path = "/g.bin",
                user = USER, password = PASSWORD, type = "i",
                sink = ltn12.sink.table(t),
            })
            assert.are.same({ 1, nil }, { ok, err })
            assert.are.equal(data, table.concat(t))
        end)

        it("get{} prefers `argument` to `path`, and sends `command`", function()
            put_file("listed-a.txt", "")
            put_file("listed-b.txt", "")
            local t = {}
            assert.are.equal(1, ftp.get({
                host = "127.0.0.1", port = srv.port, path = "/ignored", argument = ".",
                command = "nlst", sink = ltn12.sink.table(t),
            }))
            local listing = table.concat(t)
            assert.truthy(listing:find("listed-a.txt\r\n", 1, true))
            assert.truthy(listing:find("listed-b.txt\r\n", 1, true))
        end)

        it("get{} takes the rest from `url`, and the table's fields win", function()
            put_file("u.txt", "from url")
            local t = {}
            assert.are.equal(1, ftp.get({ url = base .. "/nothing-here", path = "/u.txt", sink = ltn12.sink.table(t) }))
            assert.are.equal("from url", table.concat(t))
        end)

        it("put{} pumps a source and honours `command` (APPE appends)", function()
            put_file("log.txt", "one\n")
            local path = root .. "/local.txt"
            servers.write_file(path, "two\nthree\n")
            local sent = ftp.put({
                host = "127.0.0.1", port = srv.port, user = USER, password = PASSWORD,
                command = "appe", argument = "log.txt", type = "i",
                source = ltn12.source.file(assert(io.open(path, "rb"))),
            })
            assert.are.equal(10, sent)
            assert.are.equal("one\ntwo\nthree\n", file("log.txt"))
        end)

        it("put{} and get{} use `create` for the control connection, and `step`", function()
            local made, steps = 0, 0
            local function create()
                made = made + 1
                return socket.tcp()
            end
            local function step(src, snk)
                steps = steps + 1
                return ltn12.pump.step(src, snk)
            end
            assert.are.equal(4, ftp.put({ url = base .. "/c.txt", create = create, step = step,
                source = ltn12.source.string("made") }))
            local t = {}
            assert.are.equal(1, ftp.get({ url = base .. "/c.txt", create = create, step = step,
                sink = ltn12.sink.table(t) }))
            assert.are.equal("made", table.concat(t))
            assert.are.equal(2, made)
            assert.is_true(steps >= 4)
        end)

        it("put{} returns nil and the source's error", function()
            local ok, err = ftp.put({ url = base .. "/broken.txt", source = ltn12.source.error("no data") })
            assert.are.same({ nil, "no data" }, { ok, err })
        end)

        it("get{} and put{} need a host", function()
            assert.are.same({ nil, "missing hostname" }, { ftp.get({ path = "/x", sink = ltn12.sink.null() }) })
            assert.are.same({ nil, "missing hostname" }, { ftp.put({ path = "/x", source = ltn12.source.empty() }) })
        end)
    end)

    describe("examples/ftp_get.lua", function()
        local function run(...)
            local args = { ... }
            for i, a in ipairs(args) do args[i] = servers.quote(a) end
            local p = assert(io.popen("'" .. net.interpreter() .. "' examples/ftp_get.lua "
                .. table.concat(args, " ") .. " 2>&1"))
            local output = p:read("*a")
            p:close()
            return output
        end

        it("downloads in passive and in active mode", function()
            local data = bytes(40000, 13)
            put_file("example.bin", data)
            local dir = servers.tmpdir()
            finally(function() os.execute("rm -rf " .. servers.quote(dir)) end)
            local u = base .. "/example.bin;type=i"
            assert.are.equal("saved " .. dir .. "/a.bin\n", run(u, dir .. "/a.bin"))
            assert.are.equal("saved " .. dir .. "/b.bin\n", run("--active", u, dir .. "/b.bin"))
            local a, b = servers.read_file(dir .. "/a.bin"), servers.read_file(dir .. "/b.bin")
            assert.are.equal(data, a)
            assert.are.equal(data, b)
        end)
    end)

    describe(".command()", function()
        it("sends one command and checks its reply", function()
            assert.are.equal(1, ftp.command({ url = base, command = "mkd", argument = "made", check = "2.." }))
            local f = io.open(root .. "/made/.probe", "w")
            assert.truthy(f)
            f:close()
        end)

        it("sends a list of commands with their arguments and checks", function()
            put_file("old.txt", "rename me")
            assert.are.equal(1, ftp.command({
                host = "127.0.0.1", port = srv.port, user = USER, password = PASSWORD,
                command = { "rnfr", "rnto" }, argument = { "old.txt", "new.txt" }, check = { "3..", "2.." },
            }))
            assert.is_nil(file("old.txt"))
            assert.are.equal("rename me", file("new.txt"))
        end)

        it("returns nil and the reply when the check fails", function()
            local ok, err = ftp.command({ url = base, command = "cwd", argument = "no-such-dir", check = "2.." })
            assert.is_nil(ok)
            assert.truthy(err:match("^550 "), err)
        end)

        it("needs a command", function()
            assert.are.same({ nil, "missing command" }, { ftp.command({ url = base }) })
        end)
    end)

    describe("low-level session", function()
        -- Runs f(session) between login and quit, protected.
        local function session(f)
            return socket.protect(function()
                local s = ftp.open("127.0.0.1", srv.port)
                s:greet()
                s:login(USER, PASSWORD)
                s:type("i")
                local r = f(s)
                s:quit()
                s:close()
                return r
            end)()
        end

        local function download(s, name)
            local t = {}
            s:receive({ path = name, sink = ltn12.sink.table(t) })
            return table.concat(t)
        end

        it("downloads in active mode with PORT", function()
            local data = bytes(150000, 5)
            put_file("active.bin", data)
            local got, err = session(function(s)
                assert.are.equal(1, s:port())
                return download(s, "active.bin")
            end)
            assert.is_nil(err)
            assert.are.equal(data, got)
        end)

        it("downloads in active mode with EPRT", function()
            local data = bytes(50000, 9)
            put_file("eprt.bin", data)
            local got, err = session(function(s)
                assert.are.equal(1, s:eprt())
                return download(s, "eprt.bin")
            end)
            assert.is_nil(err)
            assert.are.equal(data, got)
        end)

        it("uploads in active mode with PORT and with EPRT", function()
            local a, b = bytes(70000, 21), bytes(30000, 22)
            local sent, err = session(function(s)
                s:port()
                local n1 = s:send({ path = "/act1.bin", source = ltn12.source.string(a) })
                s:eprt("1")
                local n2 = s:send({ argument = "act2.bin", source = ltn12.source.string(b) })
                return n1 + n2
            end)
            assert.is_nil(err)
            assert.are.equal(#a + #b, sent)
            assert.are.equal(a, file("act1.bin"))
            assert.are.equal(b, file("act2.bin"))
        end)

        it("transfers in passive mode with PASV and with EPSV", function()
            put_file("p.txt", "passive")
            local results, err = session(function(s)
                local address, port = s:pasv()
                local one = download(s, "p.txt")
                local eaddress, eport = s:epsv()
                local two = download(s, "p.txt")
                return { address, type(port), one, eaddress, type(eport), two }
            end)
            assert.is_nil(err)
            -- PASV computes its port, EPSV returns the reply's text (as LuaSocket).
            assert.are.same({ "127.0.0.1", "number", "passive", "127.0.0.1", "string", "passive" }, results)
        end)

        it("changes directory with cwd", function()
            os.execute("mkdir -p " .. servers.quote(root .. "/cwd"))
            put_file("cwd/inside.txt", "inside")
            local got, err = session(function(s)
                s:cwd("cwd")
                s:epsv()
                return download(s, "inside.txt")
            end)
            assert.is_nil(err)
            assert.are.equal("inside", got)
        end)

        it("fails a transfer without pasv or port first", function()
            local ok, err = session(function(s)
                return s:receive({ path = "x", sink = ltn12.sink.null() })
            end)
            assert.are.same({ nil, "need port or pasv first" }, { ok, err })
        end)
    end)

    describe("against a server without EPSV", function()
        local old, old_root

        setup(function()
            old_root = servers.tmpdir()
            old = servers.start("ftp_server.py", "--no-epsv --root " .. servers.quote(old_root))
        end)
        teardown(function()
            if old then old.stop() end
            if old_root then os.execute("rm -rf " .. servers.quote(old_root)) end
        end)

        it("get and put fall back to PASV", function()
            servers.write_file(old_root .. "/f.txt", "old server")
            assert.are.equal("old server", ftp.get("ftp://127.0.0.1:" .. old.port .. "/f.txt"))
            local url = "ftp://alice:secret@127.0.0.1:" .. old.port .. "/g.bin;type=i"
            assert.are.equal(3, ftp.put(url, "\0\1\2"))
            assert.are.equal("\0\1\2", servers.read_file(old_root .. "/g.bin"))
        end)

        it("the low-level epsv() fails with the server's reply", function()
            local ok, err = socket.protect(function()
                local s = ftp.open("127.0.0.1", old.port)
                s:greet()
                s:login()
                return s:epsv()
            end)()
            assert.is_nil(ok)
            assert.truthy(err:match("^500 "), err)
        end)
    end)

    describe("over IPv6", function()
        local six, six_root

        setup(function()
            six_root = servers.tmpdir()
            six = servers.start("ftp_server.py", "--host ::1 --root " .. servers.quote(six_root))
        end)
        teardown(function()
            if six then six.stop() end
            if six_root then os.execute("rm -rf " .. servers.quote(six_root)) end
        end)

        it("gets with EPSV from a [::1] URL", function()
            servers.write_file(six_root .. "/six.txt", "over six")
            assert.are.equal("over six", ftp.get("ftp://[::1]:" .. six.port .. "/six.txt"))
        end)

        it("transfers in active mode with EPRT (family 2)", function()
            servers.write_file(six_root .. "/six.bin", "\0six\255")
            local t = {}
            local ok, err = socket.protect(function()
                local f = ftp.open("::1", six.port)
                f:greet()
                f:login()
                f:type("i")
                f:eprt()
                f:receive({ path = "six.bin", sink = ltn12.sink.table(t) })
                f:quit()
                return f:close()
            end)()
            assert.are.same({ 1, nil }, { ok, err })
            assert.are.equal("\0six\255", table.concat(t))
        end)
    end)

    describe("bad servers", function()
        local function against(steps, u)
            local bad = servers.script(steps)
            local ok, r = pcall(net.timed, ftp.get, "ftp://127.0.0.1:" .. bad.port .. (u or "/file"))
            local lines = bad.received()
            bad.stop()
            if not ok then error(r, 0) end
            return r, lines
        end

        local login = { { "send", "220 hi\r\n" }, { "recv" }, { "send", "230 in\r\n" } }
        local function after_login(...)
            local steps = {}
            for _, s in ipairs(login) do steps[#steps + 1] = s end
            for i = 1, select("#", ...) do steps[#steps + 1] = select(i, ...) end
            return steps
        end

        it("returns nil, 'closed' when the server closes mid-reply", function()
            local r = against({ { "send", "220-welcome\r\n220-more" }, { "close" } })
            assert.are.same({ nil, "closed" }, { r[1], r[2] })
        end)

        it("returns nil, 'invalid server reply' for a malformed greeting", function()
            local r = against({ { "send", "SSH-2.0-OpenSSH\r\n" }, { "sleep", 1 } })
            assert.are.same({ nil, "invalid server reply" }, { r[1], r[2] })
        end)

        it("returns nil, 'oversized' for an endless reply line, quickly", function()
            local r = against({ { "send", "220 " }, { "flood", 20 * 1024 * 1024 } })
            assert.are.same({ nil, "oversized" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 5)
        end)

        it("returns nil, 'invalid epsv response' for a 229 without a port", function()
            local r = against(after_login({ "recv" }, { "send", "229 Entering Extended Passive Mode\r\n" },
                { "recv" }))
            assert.are.same({ nil, "invalid epsv response" }, { r[1], r[2] })
        end)

        it("returns nil and the reply for a 227 without an address", function()
            local r, lines = against(after_login({ "recv" }, { "send", "502 no EPSV\r\n" }, { "recv" },
                { "send", "227 Entering Passive Mode\r\n" }, { "recv" }))
            assert.are.same({ nil, "227 Entering Passive Mode" }, { r[1], r[2] })
            assert.truthy(lines:find("EPSV\r\nPASV\r\n", 1, true))
        end)

        it("returns nil and the reply for a 227 with numbers out of range", function()
            local r = against(after_login({ "recv" }, { "send", "502 no EPSV\r\n" }, { "recv" },
                { "send", "227 Entering Passive Mode (300,0,0,1,4,1)\r\n" }, { "recv" }))
            assert.are.same({ nil, "227 Entering Passive Mode (300,0,0,1,4,1)" }, { r[1], r[2] })
        end)

        it("returns nil and the reply when EPSV fails other than with 5xx", function()
            local r = against(after_login({ "recv" }, { "send", "421 going away\r\n" }, { "recv" }))
            assert.are.same({ nil, "421 going away" }, { r[1], r[2] })
        end)

        it("returns nil, 'timeout' after ftp.TIMEOUT when the server never greets", function()
            local timeout = ftp.TIMEOUT
            finally(function() ftp.TIMEOUT = timeout end)
            ftp.TIMEOUT = 0.3
            local r = against({ { "sleep", 5 } })
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 3)
        end)
    end)
end)
