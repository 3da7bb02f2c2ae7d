-- socket.http's opt-in additions against real servers on loopback: kept-alive
-- connections (pools), whole-request deadlines and `headerlist`. Reuse is
-- proved by the servers' own connection counts: spec/fixtures/keepalive_server.py
-- numbers its connections in X-Conn/X-Req, nginx logs $connection and
-- $connection_requests. Python's `http.server` is the HTTP/1.0 peer;
-- nginx with TLS the pooled https peer.
local socket = require("socket")
local http = require("socket.http")
local ltn12 = require("ltn12")
local httpd = require("fixtures.httpd")
local net = require("support.net")

-- Sockets this process holds, and their `ls -l` lines (support/proc.lua).
local function open_fds() return require("support.proc").open_fds("socket:") end

describe("socket.http kept-alive connections, deadlines, headerlist", function()
    local dir, ka, ngx, py10, certs
    local timeout = http.TIMEOUT
    local function kaurl(path) return "http://127.0.0.1:" .. ka.port .. path end
    local function ngxurl(path) return "http://127.0.0.1:" .. ngx.port .. path end

    -- GET (or `t.method`) through `t`'s options; returns body, code,
    -- headers, and the server's connection and request numbers.
    local function get(u, t)
        t = t or {}
        local body = {}
        t.url, t.sink = u, ltn12.sink.table(body)
        local r, code, headers = http.request(t)
        assert.are.equal(1, r, tostring(code))
        return table.concat(body), code, headers, tonumber(headers["x-conn"]), tonumber(headers["x-req"])
    end

    -- nginx's access log: { {conn, nreq, request line}, ... } for lines
    -- containing `marker`. nginx logs a request after sending its response,
    -- so the last line may lag a moment: wait (up to 2 s) for `want` lines.
    local function logged(marker, want)
        local deadline = socket.gettime() + 2
        while true do
            local out = {}
            for line in (httpd.read_file(ngx.access_log) or ""):gmatch("[^\n]+") do
                local conn, n, req = line:match("^(%d+) (%d+) (.*)$")
                if req and req:find(marker, 1, true) then out[#out + 1] = { tonumber(conn), tonumber(n), req } end
            end
            if #out >= (want or 0) or socket.gettime() > deadline then return out end
            socket.sleep(0.02)
        end
    end

    local function connections(entries)
        local seen, n = {}, 0
        for _, e in ipairs(entries) do
            if not seen[e[1]] then
                seen[e[1]], n = true, n + 1
            end
        end
        return n
    end

    setup(function()
        dir = httpd.tmpdir()
        httpd.run("mkdir -p " .. httpd.quote(dir .. "/www"))
        httpd.write_file(dir .. "/www/hello.txt", "hello from nginx\n")
        certs = httpd.certs(dir)
        ka = httpd.keepalive_server(dir)
        ngx = httpd.nginx(dir, {
            cert = certs.good,
            access_log = true,
            keepalive_requests = 5,
            keepalive_timeout = "1s",
        })
        py10 = httpd.python10(dir .. "/www")
        http.TIMEOUT = 10
    end)

    teardown(function()
        http.TIMEOUT = timeout
        http.KEEPALIVE = false
        http.REQUEST_TIMEOUT = nil
        for _, server in ipairs { ka, ngx, py10 } do
            if server then server.stop() end
        end
        httpd.rmdir(dir)
    end)

    before_each(function()
        get(kaurl("/reset"))
        http.POOL:close()
    end)

    describe("http.pool", function()
        it("makes pools that count and close their idle connections", function()
            local p = http.pool { max_idle = 2, idle_timeout = 5 }
            assert.are.equal(0, p:count())
            get(kaurl("/hello"), { pool = p })
            assert.are.equal(1, p:count())
            assert.are.equal(1, p:close())
            assert.are.equal(0, p:count())
            -- still usable after close
            local _, _, _, conn, nreq = get(kaurl("/hello"), { pool = p })
            assert.are.equal(2, conn)
            assert.are.equal(1, nreq)
            p:close()
        end)

        it("refuses bad options with an argument error", function()
            assert.has_error(function() http.pool("x") end, "bad argument #1 to 'pool' (table expected, got string)")
            assert.has_error(function() http.pool { max_idle = -1 } end,
                "bad argument #1 to 'pool' (max_idle must be a number >= 0)")
            assert.has_error(function() http.pool { idle_timeout = "1" } end,
                "bad argument #1 to 'pool' (idle_timeout must be a number >= 0)")
            assert.are.same({ nil, "invalid pool" }, { http.request { url = kaurl("/hello"), pool = {} } })
        end)

        it("has module defaults that change nothing: KEEPALIVE off, REQUEST_TIMEOUT nil", function()
            assert.is_false(http.KEEPALIVE)
            assert.is_nil(http.REQUEST_TIMEOUT)
            assert.are.equal(0, http.POOL:count())
        end)
    end)

    describe("reuse, counted by the server", function()
        it("without options: a connection per request, Connection: close", function()
            local conns = {}
            for i = 1, 3 do
                local _, _, headers, conn, nreq = get(kaurl("/hello"))
                assert.are.equal(1, nreq)
                conns[i] = conn
                assert.is_nil(headers.connection)
            end
            assert.are.same({ 1, 2, 3 }, conns)
            assert.are.equal(0, http.POOL:count())
            local e = get(kaurl("/echo"), { method = "POST", source = ltn12.source.string("x"),
                headers = { ["content-length"] = 1 } })
            assert.are.equal("x", e)
        end)

        it("pool = p: sequential requests share one connection", function()
            local p = http.pool()
            finally(function() p:close() end)
            for i = 1, 5 do
                local body, code, _, conn, nreq = get(kaurl("/hello"), { pool = p })
                assert.are.equal(200, code)
                assert.are.equal(1, conn)
                assert.are.equal(i, nreq)
                assert.are.equal("hello 1 " .. i, body)
            end
            assert.are.equal("accepts 1", (get(kaurl("/stats"), { pool = p })))
        end)

        it("keepalive = true uses http.POOL; keepalive = false overrides http.KEEPALIVE", function()
            local _, _, _, c1 = get(kaurl("/hello"), { keepalive = true })
            assert.are.equal(1, http.POOL:count())
            local _, _, _, c2, n2 = get(kaurl("/hello"), { keepalive = true })
            assert.are.equal(c1, c2)
            assert.are.equal(2, n2)
            http.KEEPALIVE = true
            finally(function() http.KEEPALIVE = false end)
            local _, _, _, c3, n3 = get(kaurl("/hello"))
            assert.are.equal(c1, c3)
            assert.are.equal(3, n3)
            -- the string form too
            local body, code = http.request(kaurl("/hello"))
            assert.are.equal(200, code)
            assert.are.equal("hello " .. c1 .. " 4", body)
            local _, _, _, c4, n4 = get(kaurl("/hello"), { keepalive = false })
            assert.are_not.equal(c1, c4)
            assert.are.equal(1, n4)
        end)

        it("sends Connection: keep-alive, TE when pooling; close, TE otherwise", function()
            local p = http.pool()
            finally(function() p:close() end)
            local head = get(kaurl("/request-head"), { pool = p })
            assert.is_truthy(head:find("\r\nConnection: keep%-alive, TE\r\n"), head)
            head = get(kaurl("/request-head"))
            assert.is_truthy(head:find("\r\nConnection: close, TE\r\n"), head)
        end)

        it("sends what changed between repeated requests: USERAGENT, canonic spelling, headers", function()
            local canonic = require("socket.headers").canonic
            local p = http.pool()
            local agent, spelling = http.USERAGENT, canonic["user-agent"]
            finally(function()
                p:close()
                http.USERAGENT, canonic["user-agent"] = agent, spelling
            end)
            local u = kaurl("/request-head")
            local first = get(u, { pool = p })
            assert.are.equal(first, get(u, { pool = p }))
            assert.is_truthy(first:find("\r\nUser-Agent: " .. agent .. "\r\n", 1, true), first)
            http.USERAGENT = "agent/2"
            local head = get(u, { pool = p })
            assert.is_truthy(head:find("\r\nUser-Agent: agent/2\r\n", 1, true), head)
            canonic["user-agent"] = "USER-AGENT"
            head = get(u, { pool = p })
            assert.is_truthy(head:find("\r\nUSER-AGENT: agent/2\r\n", 1, true), head)
            head = get(u, { pool = p, headers = { ["x-extra"] = "1" } })
            assert.is_truthy(head:find("\r\nx-extra: 1\r\n", 1, true), head)
            head = get(u .. "?q=1", { pool = p })
            assert.is_truthy(head:find("^GET /request%-head%?q=1 HTTP/1.1\r\n"), head)
            assert.is_falsy(head:find("x-extra", 1, true), head)
            head = get(u)
            assert.is_truthy(head:find("\r\nConnection: close, TE\r\n", 1, true), head)
            -- an invalid agent is refused each time, not only the first
            http.USERAGENT = "bad\r\nagent"
            for _ = 1, 2 do
                local r, err = http.request { url = u, pool = p }
                assert.is_nil(r)
                assert.are.equal("invalid value for header 'user-agent'", err)
            end
        end)

        it("reuses after chunked bodies, HEAD and an HTTP/1.0 keep-alive response", function()
            local p = http.pool()
            finally(function() p:close() end)
            local body, _, headers = get(kaurl("/chunked"), { pool = p })
            assert.are.equal("hello world", body)
            local _, code, _, conn, nreq = get(kaurl("/hello"), { pool = p, method = "HEAD" })
            assert.are.equal(200, code)
            assert.are.equal(tonumber(headers["x-conn"]), conn)
            assert.are.equal(2, nreq)
            _, _, _, conn, nreq = get(kaurl("/http10-keepalive"), { pool = p })
            assert.are.equal(3, nreq)
            local _, _, _, conn2, nreq2 = get(kaurl("/hello"), { pool = p })
            assert.are.equal(conn, conn2)
            assert.are.equal(4, nreq2)
        end)

        it("does not keep a connection the response closes or leaves unframed", function()
            local p = http.pool()
            finally(function() p:close() end)
            for _, path in ipairs { "/close", "/http10", "/no-length" } do
                local body, code, _, _, nreq = get(kaurl(path), { pool = p })
                assert.are.equal(200, code)
                assert.are.equal("hello", body)
                assert.are.equal(1, nreq)
                assert.are.equal(0, p:count(), path)
            end
            -- the request's own Connection: close wins too
            get(kaurl("/hello"), { pool = p, headers = { connection = "close" } })
            assert.are.equal(0, p:count())
        end)

        it("closes the connection when the sink stops early or the body fails", function()
            local p = http.pool()
            finally(function() p:close() end)
            local r, err = http.request { url = kaurl("/chunked"), pool = p,
                sink = function(chunk) if chunk then return nil, "enough" end return 1 end }
            assert.is_nil(r)
            assert.are.equal("enough", err)
            assert.are.equal(0, p:count())
            local _, _, _, _, nreq = get(kaurl("/hello"), { pool = p })
            assert.are.equal(1, nreq)
        end)

        it("does not reuse a connection that has stray bytes after the response", function()
            local p = http.pool()
            finally(function() p:close() end)
            local _, _, _, c1 = get(kaurl("/garbage"), { pool = p })
            local body, _, _, c2, nreq = get(kaurl("/hello"), { pool = p })
            assert.are_not.equal(c1, c2)
            assert.are.equal(1, nreq)
            assert.are.equal("hello " .. c2 .. " 1", body)
        end)

        it("never reuses beyond idle_timeout; max_idle = 0 keeps nothing", function()
            local p = http.pool { idle_timeout = 0.3 }
            finally(function() p:close() end)
            local _, _, _, c1 = get(kaurl("/hello"), { pool = p })
            socket.sleep(0.5)
            local _, _, _, c2, nreq = get(kaurl("/hello"), { pool = p })
            assert.are_not.equal(c1, c2)
            assert.are.equal(1, nreq)
            local none = http.pool { max_idle = 0 }
            get(kaurl("/hello"), { pool = none })
            assert.are.equal(0, none:count())
        end)

        it("keeps different origins apart", function()
            local p = http.pool()
            finally(function() p:close() end)
            get(kaurl("/hello"), { pool = p })
            get("http://localhost:" .. ka.port .. "/hello", { pool = p })
            assert.are.equal(2, p:count())
            local _, _, _, _, nreq = get(kaurl("/hello"), { pool = p })
            assert.are.equal(2, nreq)
        end)

        it("survives a server closing after every 2 requests (silently)", function()
            get(kaurl("/limit?n=2"))
            local p = http.pool()
            finally(function() p:close() end)
            local conns = {}
            for i = 1, 6 do
                local body, code, _, conn, nreq = get(kaurl("/hello"), { pool = p })
                assert.are.equal(200, code)
                assert.are.equal("hello " .. conn .. " " .. nreq, body)
                conns[i] = conn .. "/" .. nreq
            end
            assert.are.same({ "2/1", "2/2", "3/1", "3/2", "4/1", "4/2" }, conns)
        end)

        it("retries an idempotent request once when a reused connection closes before answering", function()
            local p = http.pool()
            finally(function() p:close() end)
            local _, _, _, c1 = get(kaurl("/drop"), { pool = p })
            -- the server reads this one and closes without a byte
            local body, code, _, c2, nreq = get(kaurl("/hello"), { pool = p })
            assert.are.equal(200, code)
            assert.are_not.equal(c1, c2)
            assert.are.equal(1, nreq)
            assert.are.equal("hello " .. c2 .. " 1", body)
        end)

        it("does not retry a POST unless the request says retry", function()
            local p = http.pool()
            finally(function() p:close() end)
            get(kaurl("/drop"), { pool = p })
            assert.are.same({ nil, "closed" }, { http.request { url = kaurl("/hello"), method = "POST", pool = p } })
            get(kaurl("/drop"), { pool = p })
            local _, code, _, _, nreq = get(kaurl("/hello"), { method = "POST", pool = p, retry = true })
            assert.are.equal(200, code)
            assert.are.equal(1, nreq)
            -- retry = false: not even a GET
            get(kaurl("/drop"), { pool = p })
            assert.are.same({ nil, "closed" }, { http.request { url = kaurl("/hello"), pool = p, retry = false } })
        end)

        it("retries a request with a body only when retry gives the body again", function()
            local p = http.pool()
            finally(function() p:close() end)
            get(kaurl("/drop"), { pool = p })
            local r, err = http.request { url = kaurl("/echo"), method = "PUT", pool = p,
                source = ltn12.source.string("data"), headers = { ["content-length"] = 4 } }
            assert.is_nil(r)
            assert.are.equal("closed", err)
            get(kaurl("/drop"), { pool = p })
            local body, code, _, _, nreq = get(kaurl("/echo"), {
                method = "POST", pool = p, headers = { ["content-length"] = 4 },
                source = ltn12.source.string("data"),
                retry = function() return ltn12.source.string("data") end,
            })
            assert.are.equal(200, code)
            assert.are.equal("data", body)
            assert.are.equal(1, nreq)
        end)

        it("follows a same-origin redirect on the same connection", function()
            local p = http.pool()
            finally(function() p:close() end)
            local _, _, _, c1 = get(kaurl("/hello"), { pool = p })
            local body, _, headers, c2, nreq = get(kaurl("/redirect"), { pool = p })
            assert.are.equal(c1, c2)
            assert.are.equal(3, nreq)
            assert.are.equal("hello " .. c1 .. " 3", body)
            assert.are.equal("/hello", headers.location)
            -- a long redirect body is not read: a fresh connection follows
            local _, _, _, c3, n3 = get(kaurl("/big-redirect"), { pool = p })
            assert.are_not.equal(c1, c3)
            assert.are.equal(1, n3)
        end)

        it("closes pooled sockets when the pool is collected, and leaks no descriptor", function()
            local made = {}
            local function create()
                local s = socket.tcp()
                made[#made + 1] = s
                return s
            end
            -- sockets earlier specs dropped close when collected: first
            collectgarbage()
            collectgarbage()
            local before, before_list = open_fds()
            local p = http.pool()
            for _, path in ipairs { "/hello", "/chunked" } do get(kaurl(path), { pool = p, create = create }) end
            get(ngxurl("/hello.txt"), { pool = p, create = create })
            assert.are.equal(2, #made)
            assert.are.equal(2, p:count())
            assert.is_true(made[1]:getfd() >= 0)
            assert.are.equal(before + 2, open_fds())
            p = nil -- luacheck: ignore 311
            collectgarbage()
            collectgarbage()
            assert.are.equal(-1, made[1]:getfd())
            assert.are.equal(-1, made[2]:getfd())
            local after, after_list = open_fds()
            assert.are.equal(before, after, before_list .. "\n--- after:\n" .. after_list)
        end)

        it("is usable from Python's http.server, an HTTP/1.0 server: nothing kept", function()
            local p = http.pool()
            finally(function() p:close() end)
            local url = "http://127.0.0.1:" .. py10.port .. "/hello.txt"
            for _ = 1, 3 do
                local body, code, _ = get(url, { pool = p })
                assert.are.equal(200, code)
                assert.are.equal("hello from nginx\n", body)
                assert.are.equal(0, p:count())
            end
        end)
    end)

    describe("against nginx (keepalive_requests 5, keepalive_timeout 1s)", function()
        it("serves many requests on one connection, a new one after every 5", function()
            local p = http.pool()
            finally(function() p:close() end)
            for _ = 1, 12 do
                local body, code = get(ngxurl("/hello.txt?many"), { pool = p })
                assert.are.equal(200, code)
                assert.are.equal("hello from nginx\n", body)
            end
            local entries = logged("?many", 12)
            assert.are.equal(12, #entries)
            assert.are.equal(3, connections(entries))
            local counts = {}
            for i, e in ipairs(entries) do counts[i] = e[2] end
            assert.are.same({ 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2 }, counts)
        end)

        it("opens a fresh connection after nginx's keepalive_timeout closed the idle one", function()
            local p = http.pool()
            finally(function() p:close() end)
            get(ngxurl("/hello.txt?stale"), { pool = p })
            socket.sleep(1.5)
            local _, code = get(ngxurl("/hello.txt?stale"), { pool = p })
            assert.are.equal(200, code)
            local entries = logged("?stale", 2)
            assert.are.equal(2, #entries)
            assert.are.equal(2, connections(entries), entries[1][1] .. " " .. entries[2][1])
        end)

        it("without a pool: one connection per request, as LuaSocket", function()
            for _ = 1, 3 do get(ngxurl("/hello.txt?plain")) end
            assert.are.equal(3, connections(logged("?plain", 3)))
        end)

        it("follows a same-origin redirect on the same connection", function()
            local p = http.pool()
            finally(function() p:close() end)
            local before = #logged("")
            local body = get(ngxurl("/moved?redir"), { pool = p })
            assert.are.equal("hello from nginx\n", body)
            local entries = logged("", before + 2)
            local moved, target = entries[before + 1], entries[before + 2]
            assert.is_truthy(moved[3]:find("^GET /moved%?redir "), moved[3])
            assert.is_truthy(target[3]:find("^GET /hello%.txt "), target[3])
            assert.are.equal(moved[1], target[1])
            assert.are.equal(moved[2] + 1, target[2])
        end)

        it("pools https connections through LuaSec, per TLS parameters", function()
            local p = http.pool()
            finally(function() p:close() end)
            local base = "https://127.0.0.1:" .. ngx.tls_port
            for _ = 1, 4 do
                local body, code = get(base .. "/hello.txt?tls", { pool = p, cafile = certs.ca })
                assert.are.equal(200, code)
                assert.are.equal("hello from nginx\n", body)
            end
            assert.are.equal(1, connections(logged("?tls", 4)))
            assert.are.equal(1, p:count())
            -- other TLS parameters: another connection
            get(base .. "/hello.txt?tls2", { pool = p, cafile = certs.ca, protocol = "tlsv1_2" })
            assert.are.equal(2, p:count())
            -- an unverified connection is not handed to a verifying request
            local r, err = http.request { url = base .. "/hello.txt?tls3", pool = p }
            assert.is_nil(r)
            assert.are.equal("certificate verify failed", err)
        end)
    end)

    describe("process exit", function()
        it("exits cleanly with https and http connections still pooled", function()
            -- Lua 5.1 and LuaJIT may unload LuaSec's library before a pool's
            -- finalizer runs at exit: the finalizer must not call into it.
            local script = os.tmpname()
            httpd.write_file(script, table.concat({
                'local http = require("socket.http")',
                'local mine = http.pool()',
                'for _, p in ipairs { http.POOL, mine } do',
                '    for _, u in ipairs { "https://127.0.0.1:' .. ngx.tls_port .. '/hello.txt?exit",',
                '                         "http://127.0.0.1:' .. ngx.port .. '/hello.txt?exit" } do',
                '        local r, code = http.request { url = u, pool = p, cafile = "' .. certs.ca .. '" }',
                '        assert(r == 1 and code == 200, tostring(code))',
                '    end',
                'end',
                'assert(http.POOL:count() == 2 and mine:count() == 2)',
                'io.write("pooled ")',
            }, "\n"))
            finally(function() os.remove(script) end)
            local p = assert(io.popen("'" .. net.interpreter() .. "' " .. script .. " 2>&1; echo \"exit:$?\""))
            local out = p:read("*a")
            p:close()
            assert.are.equal("pooled exit:0\n", out)
        end)
    end)

    describe("whole-request deadline", function()
        it("ends a response trickled byte by byte at the deadline", function()
            local r = net.timed(http.request, { url = kaurl("/trickle?n=50"), timeout = 0.5,
                sink = ltn12.sink.null() })
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed >= 0.45 and r.elapsed < 1.0, tostring(r.elapsed))
        end)

        it("ends headers trickled byte by byte, with http.REQUEST_TIMEOUT", function()
            http.REQUEST_TIMEOUT = 0.5
            finally(function() http.REQUEST_TIMEOUT = nil end)
            local r = net.timed(http.request, kaurl("/stall"))
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 1.0, tostring(r.elapsed))
        end)

        it("bounds the TLS handshake with a server that never answers", function()
            local server, port = net.local_server()
            finally(function() server:close() end)
            local r = net.timed(http.request, { url = "https://127.0.0.1:" .. port .. "/", timeout = 0.4 })
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 0.9, tostring(r.elapsed))
            r = net.timed(http.request, { url = "http://127.0.0.1:" .. port .. "/", timeout = 0.4 })
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 0.9, tostring(r.elapsed))
        end)

        it("never pools a connection that timed out", function()
            local p = http.pool()
            finally(function() p:close() end)
            local _, _, _, c1 = get(kaurl("/hello"), { pool = p })
            local r, err = http.request { url = kaurl("/trickle?n=20"), pool = p, timeout = 0.3 }
            assert.is_nil(r)
            assert.are.equal("timeout", err)
            assert.are.equal(0, p:count())
            local _, _, _, c2, nreq = get(kaurl("/hello"), { pool = p })
            assert.are_not.equal(c1, c2)
            assert.are.equal(1, nreq)
        end)

        it("covers redirect hops, and leaves a request within it untouched", function()
            local body, code = get(kaurl("/redirect"), { timeout = 5 })
            assert.are.equal(200, code)
            assert.is_truthy(body:find("^hello"))
            assert.are.same({ nil, "timeout" }, { http.request { url = kaurl("/redirect"), timeout = 0 } })
        end)

        it("refuses a timeout that is not a number; false turns REQUEST_TIMEOUT off", function()
            assert.are.same({ nil, "invalid timeout 'soon'" },
                { http.request { url = kaurl("/hello"), timeout = "soon" } })
            http.REQUEST_TIMEOUT = 0
            finally(function() http.REQUEST_TIMEOUT = nil end)
            assert.are.same({ nil, "timeout" }, { http.request(kaurl("/hello")) })
            local _, code = get(kaurl("/hello"), { timeout = false })
            assert.are.equal(200, code)
        end)
    end)

    describe("headerlist = true", function()
        it("adds the header lines in order, names as received, repeats apart", function()
            local r = net.pack(http.request { url = kaurl("/headers"), headerlist = true, sink = ltn12.sink.null() })
            assert.are.equal(5, r.n)
            assert.are.equal(1, r[1])
            assert.are.equal("b=2, c=3", r[3]["set-cookie"]:sub(-8))
            local list = r[5]
            assert.are.same({ "X-Conn", "X-Req", "Set-Cookie", "X-Mixed-Case", "set-cookie", "Content-Length" },
                { list[1][1], list[2][1], list[3][1], list[4][1], list[5][1], list[6][1] })
            assert.are.same({ "Set-Cookie", "a=1; Path=/" }, list[3])
            assert.are.same({ "set-cookie", "b=2, c=3" }, list[5])
            assert.are.equal(6, #list)
        end)

        it("leaves LuaSocket's four return values alone otherwise", function()
            local r = net.pack(http.request { url = kaurl("/headers"), sink = ltn12.sink.null() })
            assert.are.equal(4, r.n)
            assert.are.equal("a=1; Path=/, b=2, c=3", r[3]["set-cookie"])
        end)

        it("gives the final response's lines after a redirect, with a pool too", function()
            local p = http.pool()
            finally(function() p:close() end)
            local r = net.pack(http.request { url = kaurl("/redirect"), headerlist = true, pool = p,
                sink = ltn12.sink.null() })
            assert.are.equal(5, r.n)
            assert.are.equal(200, r[2])
            assert.are.same({ "X-Conn", "X-Req", "Content-Length" }, { r[5][1][1], r[5][2][1], r[5][3][1] })
        end)
    end)
end)
