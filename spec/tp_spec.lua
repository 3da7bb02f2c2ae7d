-- socket.tp: connect, reading replies (single and multi-line) with check,
-- command, sink/source/send/receive, the control accessors, and bad input
-- from the server (closed mid-reply, malformed and endless lines, silence).
-- Replies come from a peer socket in this process, or from
-- spec/fixtures/script_server.py when the server must keep talking.
local socket = require("socket")
local ltn12 = require("ltn12")
local tp = require("socket.tp")
local net = require("support.net")
local servers = require("fixtures.servers")

describe("socket.tp", function()
    local live = {}

    local function keep(...)
        for i = 1, select("#", ...) do
            local s = select(i, ...)
            -- Sockets and tp objects only (not the port local_server gives).
            if type(s) == "userdata" or type(s) == "table" then live[#live + 1] = s end
        end
        return ...
    end

    after_each(function()
        for i = #live, 1, -1 do
            live[i]:close()
            live[i] = nil
        end
    end)

    -- A tp object connected to a peer socket in this process.
    local function connected()
        local server, port = keep(net.local_server())
        local conn = keep(assert(tp.connect("127.0.0.1", port, 5)))
        local peer = keep(assert(server:accept()))
        peer:settimeout(5)
        return conn, peer
    end

    it("is reachable as socket.tp and has LuaSocket's TIMEOUT", function()
        assert.are.equal(tp, socket.tp)
        assert.are.equal(60, tp.TIMEOUT)
    end)

    describe("connect()", function()
        it("returns an object wrapping a connected tcp{client}", function()
            local conn = connected()
            local c = conn:getcontrol()
            assert.are.equal("tcp{client}", getmetatable(c).__index.class)
            assert.are.equal(c:getfd(), conn:getfd())
            local block = c:gettimeout()
            assert.are.equal(5, block)
        end)

        it("uses tp.TIMEOUT when no timeout is given", function()
            local server, port = keep(net.local_server())
            local conn = keep(assert(tp.connect("127.0.0.1", port)))
            assert.are.equal(60, (conn:getcontrol():gettimeout()))
            keep(server:accept())
        end)

        it("returns nil, 'connection refused' when nothing listens", function()
            local s, port = net.local_server()
            s:close()
            local conn, err = tp.connect("127.0.0.1", port, 5)
            assert.is_nil(conn)
            assert.are.equal("connection refused", err)
        end)

        it("creates the socket with `create` when given", function()
            local server, port = keep(net.local_server())
            local made = 0
            local conn = keep(assert(tp.connect("127.0.0.1", port, 5, function()
                made = made + 1
                return socket.tcp()
            end)))
            keep(server:accept())
            assert.are.equal(1, made)
            assert.is_truthy(conn:getcontrol():getpeername())
        end)

        it("returns what a failing `create` returns", function()
            local conn, err = tp.connect("127.0.0.1", 1, 5, function()
                return nil, "no sockets today"
            end)
            assert.is_nil(conn)
            assert.are.equal("no sockets today", err)
        end)
    end)

    describe(":check()", function()
        it("reads a one-line reply: the code as a number and the line", function()
            local conn, peer = connected()
            peer:send("220 ready and waiting\r\n")
            local code, reply = conn:check("2..")
            assert.are.equal(220, code)
            assert.are.equal("220 ready and waiting", reply)
        end)

        it("joins a multi-line reply with LF, other lines included", function()
            local conn, peer = connected()
            peer:send("250-first\r\n250-second\r\n  free text\r\n251 not the end\r\n250 last\r\n")
            local code, reply = conn:check("2..")
            assert.are.equal(250, code)
            assert.are.equal("250-first\n250-second\n  free text\n251 not the end\n250 last", reply)
        end)

        it("returns nil and the reply when the code does not match", function()
            local conn, peer = connected()
            peer:send("550 no such mailbox\r\n")
            assert.are.same({ nil, "550 no such mailbox" }, { conn:check("2..") })
        end)

        it("takes a number, a table of patterns, or a function", function()
            local conn, peer = connected()
            peer:send("331 need password\r\n331 again\r\n150 opening\r\n226 done\r\n")
            assert.are.equal(331, (conn:check(331)))
            assert.are.equal(331, (conn:check({ "2..", 331 })))
            assert.are.same({ nil, "150 opening" }, { conn:check({ "2..", "3.." }) })
            local seen
            local a, b = conn:check(function(code, reply)
                seen = { code, reply }
                return "mine", 42
            end)
            assert.are.same({ 226, "226 done" }, seen)
            assert.are.equal("mine", a)
            assert.are.equal(42, b)
        end)

        it("accepts a bare code as the last line of a multi-line reply", function()
            local conn, peer = connected()
            peer:send("211-Features:\r\n EPSV\r\n211\r\n")
            assert.are.same({ 211, "211-Features:\n EPSV\n211" }, { conn:check("2..") })
        end)

        it("returns nil, 'closed' when the server closes mid-reply", function()
            local conn, peer = connected()
            peer:send("250-first line\r\n250-second")
            peer:close()
            assert.are.same({ nil, "closed" }, { conn:check("2..") })
        end)

        it("returns nil, 'closed' when the server closes before replying", function()
            local conn, peer = connected()
            peer:close()
            assert.are.same({ nil, "closed" }, { conn:check("2..") })
        end)

        it("returns nil, 'invalid server reply' for a line without a code", function()
            local conn, peer = connected()
            peer:send("hello there\r\n")
            assert.are.same({ nil, "invalid server reply" }, { conn:check("2..") })
            peer:send("25 short\r\n")
            assert.are.same({ nil, "invalid server reply" }, { conn:check("2..") })
        end)

        it("returns nil, 'timeout' when the server says nothing", function()
            local server, port = keep(net.local_server())
            local conn = keep(assert(tp.connect("127.0.0.1", port, 0.2)))
            keep(server:accept())
            local r = net.timed(conn.check, conn, "2..")
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 2)
        end)

        describe("against a server that never ends a line", function()
            local srv
            setup(function()
                srv = servers.script({ { "send", "220" }, { "flood", 20 * 1024 * 1024 } })
            end)
            teardown(function()
                if srv then srv.stop() end
            end)

            it("returns nil, 'oversized' after a bounded read", function()
                local conn = keep(assert(tp.connect("127.0.0.1", srv.port, 5)))
                local before = conn:getcontrol():getstats()
                local r = net.timed(conn.check, conn, "2..")
                assert.are.same({ nil, "oversized" }, { r[1], r[2] })
                assert.is_true(r.elapsed < 3)
                local received = conn:getcontrol():getstats()
                assert.is_true(received - before < 1024 * 1024)
            end)
        end)

        describe("against a server whose multi-line reply never ends", function()
            local srv
            setup(function()
                local steps = { { "send", "250-start\r\n" } }
                for _ = 1, 40 do
                    steps[#steps + 1] = { "send", ("250-" .. ("y"):rep(60) .. "\r\n"):rep(500) }
                end
                srv = servers.script(steps)
            end)
            teardown(function()
                if srv then srv.stop() end
            end)

            it("returns nil, 'oversized' once the reply passes 1 MiB", function()
                local conn = keep(assert(tp.connect("127.0.0.1", srv.port, 5)))
                local r = net.timed(conn.check, conn, "2..")
                assert.are.same({ nil, "oversized" }, { r[1], r[2] })
                assert.is_true(r.elapsed < 3)
            end)
        end)
    end)

    describe(":command()", function()
        it("sends the command in upper case, the argument as given, and CRLF", function()
            local conn, peer = connected()
            assert.are.equal(#"MAIL FROM:<a@b>\r\n", conn:command("mail", "FROM:<a@b>"))
            assert.truthy(conn:command("Quit"))
            assert.truthy(conn:command("type", 200))
            assert.are.equal("MAIL FROM:<a@b>\r\n", peer:receive(17))
            assert.are.equal("QUIT\r\n", peer:receive(6))
            assert.are.equal("TYPE 200\r\n", peer:receive(10))
        end)

        it("refuses CR or LF in the command or the argument and sends nothing", function()
            local conn, peer = connected()
            assert.are.same({ nil, "invalid command" }, { conn:command("RCPT", "TO:<a@b>\r\nDATA") })
            assert.are.same({ nil, "invalid command" }, { conn:command("RCPT", "TO:<a@b>\nDATA") })
            assert.are.same({ nil, "invalid command" }, { conn:command("NOOP\rQUIT") })
            conn:command("NOOP")
            peer:settimeout(0.5)
            assert.are.equal("NOOP", peer:receive())
            local line, err, partial = peer:receive()
            assert.are.same({ nil, "timeout", "" }, { line, err, partial })
        end)

        it("sends a tab or another control byte but CR and LF as given (socket.headers.oneline)", function()
            local conn, peer = connected()
            assert.are.equal(14, conn:command("site", "a\tb\0c\1d"))
            peer:settimeout(1)
            assert.are.equal("SITE a\tb\0c\1d", peer:receive())
        end)
    end)

    describe("data methods", function()
        it(":send() and :receive() pass through to the socket", function()
            local conn, peer = connected()
            assert.are.equal(5, conn:send("hello"))
            assert.are.equal("hello", peer:receive(5))
            peer:send("line one\r\nrest")
            assert.are.equal("line one", conn:receive())
            assert.are.equal("rest", conn:receive(4))
        end)

        it(":sink() receives once with the pattern and hands the result to the sink", function()
            local conn, peer = connected()
            peer:send("abcdef")
            local got = {}
            local ok = conn:sink(function(chunk, err)
                got[#got + 1] = { chunk, err }
                return 1
            end, 4)
            assert.are.equal(1, ok)
            assert.are.same({ { "abcd" } }, got)
            peer:close()
            conn:sink(function(chunk, err)
                got[#got + 1] = { chunk, err }
                return 1
            end, 10)
            assert.are.same({ nil, "closed" }, got[2])
        end)

        it(":source() pumps a source into the connection and leaves it open", function()
            local conn, peer = connected()
            local data = ("0123456789"):rep(1000)
            assert.are.equal(1, conn:source(ltn12.source.string(data)))
            assert.are.equal(data, peer:receive(#data))
            assert.truthy(conn:send("still open"))
            assert.are.equal("still open", peer:receive(10))
        end)

        it(":source() returns nil and the source's error", function()
            local conn = connected()
            assert.are.same({ nil, "broken" }, { conn:source(ltn12.source.error("broken")) })
        end)

        it(":source() uses the step function given", function()
            local conn, peer = connected()
            local steps = 0
            conn:source(ltn12.source.string("abc"), function(src, snk)
                steps = steps + 1
                return ltn12.pump.step(src, snk)
            end)
            assert.are.equal("abc", peer:receive(3))
            assert.is_true(steps >= 2)
        end)
    end)

    describe("control accessors", function()
        it(":getfd(), :dirty(), :getpeername(), :getsockname()", function()
            local conn, peer = connected()
            assert.are.equal("number", type(conn:getfd()))
            assert.is_true(conn:getfd() >= 0)
            assert.is_false(conn:dirty())
            peer:send("220 a\r\n220 b\r\n")
            conn:check("2..")
            assert.is_true(conn:dirty())
            assert.are.same({ peer:getsockname() }, { conn:getpeername() })
            assert.are.same({ peer:getpeername() }, { conn:getsockname() })
        end)

        it(":close() returns 1, and the socket is closed", function()
            local conn = connected()
            assert.are.equal(1, conn:close())
            assert.are.equal(-1, conn:getfd())
            local ok, err = conn:command("NOOP")
            assert.are.same({ nil, "closed" }, { ok, err })
            assert.are.same({ nil, "closed" }, { conn:check("2..") })
            assert.are.equal(1, conn:close())
        end)

        it("can go into socket.select", function()
            local conn, peer = connected()
            peer:send("220 hi\r\n")
            local readable = socket.select({ conn }, nil, 2)
            assert.are.equal(conn, readable[1])
        end)
    end)
end)
