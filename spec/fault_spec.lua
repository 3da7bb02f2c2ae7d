-- Network faults: a peer that resets the connection, a process
-- out of descriptors, and a connect to an address that never answers.
local socket = require("socket")
local net = require("support.net")

describe("a peer resetting the connection (linger 0 close)", function()
    it("mid-receive: the bytes before the reset, then nil, 'closed'", function()
        local client, peer, server = net.tcp_pair()
        finally(function() net.close(client, peer, server) end)
        assert(peer:setoption("linger", { on = true, timeout = 0 }))
        assert(peer:send("partial"))
        socket.sleep(0.05)
        peer:close()
        local data, err, partial = client:receive(100)
        assert.are.equal(nil, data)
        assert.are.equal("closed", err)
        -- the queued bytes come first (Linux keeps them past the RST)
        assert.are.equal("partial", partial)
        data, err, partial = client:receive(100)
        assert.are.same({ nil, "closed", "" }, { data, err, partial })
    end)

    it("mid-send: nil, 'closed' and how far it got, with no SIGPIPE", function()
        local client, peer, server = net.tcp_pair()
        finally(function() net.close(client, peer, server) end)
        assert(peer:setoption("linger", { on = true, timeout = 0 }))
        peer:close()
        socket.sleep(0.05)
        local big = string.rep("x", 1000000)
        local last, err, at
        for _ = 1, 5 do
            last, err, at = client:send(big)
            if not last then break end
        end
        assert.are.equal(nil, last)
        assert.are.equal("closed", err)
        assert.are.equal("number", type(at))
    end)
end)

describe("half-close with data in flight", function()
    it("every byte sent before shutdown('send') arrives, and the reverse direction still works", function()
        local client, peer, server = net.tcp_pair()
        finally(function() net.close(client, peer, server) end)
        local parts = {}
        for i = 1, 6000 do parts[i] = ("%09d\n"):format(i) end
        local data = table.concat(parts) -- 60,000 bytes, each position checkable
        assert.are.equal(#data, client:send(data))
        assert.are.equal(1, client:shutdown("send"))
        local got = peer:receive("*a")
        assert.are.equal(#data, #got)
        assert.is_true(got == data, "bytes lost, duplicated or reordered")
        assert.are.equal(4, peer:send("ack\n"))
        assert.are.equal("ack", client:receive())
    end)
end)

describe("a peer trickling one byte at a time", function()
    it("does not keep receive past the total timeout", function()
        local server, port = net.local_server()
        finally(function() server:close() end)
        local pid = net.trickle_peer(port)
        finally(function() net.kill(pid) end)
        local p = assert(server:accept())
        finally(function() p:close() end)
        p:settimeout(5)       -- each byte comes well within the block timeout
        p:settimeout(0.3, "t")
        local r = net.timed(p.receive, p, "*a")
        assert.are.equal(nil, r[1])
        assert.are.equal("timeout", r[2])
        assert.is_truthy(r[3]:match("^x+$"), "partial: " .. tostring(r[3]))
        assert.is_true(r.elapsed >= 0.25 and r.elapsed < 1.5, "elapsed " .. r.elapsed)
    end)
end)

describe("accept when the process is out of descriptors", function()
    it("returns nil, msg, and the listener works once descriptors are free", function()
        local out = net.run_lua([[
            local socket = require("socket")
            local server = assert(socket.bind("127.0.0.1", 0))
            local _, port = server:getsockname()
            server:settimeout(2)
            local c = assert(socket.tcp4())
            assert(c:connect("127.0.0.1", port))
            local hold, msg = {}, nil
            for _ = 1, 10000 do
                local s, err = socket.udp4()
                if not s then msg = err break end
                hold[#hold + 1] = s
            end
            assert(msg == "Too many open files", tostring(msg))
            local t0 = socket.gettime()
            local a, err = server:accept()
            assert(a == nil and err == "Too many open files", tostring(err))
            -- a failure, not a wait for the 2 s timeout
            assert(socket.gettime() - t0 < 1)
            table.remove(hold):close()
            table.remove(hold):close()
            a = assert(server:accept())
            a:settimeout(2); c:settimeout(2)
            assert(c:send("hi\n"))
            assert(a:receive() == "hi")
            print("EMFILE-OK")
        ]], "ulimit -n 64 &&")
        assert.is_truthy(out:find("EMFILE-OK", 1, true), out)
    end)
end)

-- A loopback address that never answers: a listener with backlog 0 whose
-- accept queue already holds one connection. Linux drops further SYNs while
-- the queue is full, so a connect to it waits (SYN retries) until it times out.
local function black_hole(host)
    local listener = assert(socket.bind(host, 0, 0))
    local _, port = listener:getsockname()
    local filler = assert(host:find(":") and socket.tcp6() or socket.tcp4())
    assert(filler:settimeout(2))
    assert(filler:connect(host, port))
    return port, listener, filler
end

describe("connect to a black-holed address (loopback, accept queue full)", function()
    local timings = {}
    local function timed_connect(label, f, ...)
        local r = net.timed(f, ...)
        timings[#timings + 1] = ("%s %.3f s"):format(label, r.elapsed)
        return r
    end
    teardown(function()
        io.stderr:write(("\n[black hole %s] %s\n"):format(
            _VERSION .. (rawget(_G, "jit") and " (LuaJIT)" or ""), table.concat(timings, "; ")))
    end)

    local ctors = {
        { "socket.tcp()", function() return socket.tcp() end },
        { "socket.tcp4()", function() return socket.tcp4() end },
        { "a bound socket.tcp4()", function()
            local s = assert(socket.tcp4())
            assert(s:bind("127.0.0.1", 0))
            return s
        end },
    }
    for _, case in ipairs(ctors) do
        for _, mode in ipairs({ "b", "t" }) do
            it(("%s, settimeout(0.3, '%s'): nil, 'timeout' after 0.3 s, then close works"):format(
                case[1], mode), function()
                local port, listener, filler = black_hole("127.0.0.1")
                local c = assert(case[2]())
                finally(function() net.close(c, filler, listener) end)
                assert(c:settimeout(0.3, mode))
                local r = timed_connect(case[1] .. " " .. mode, c.connect, c, "127.0.0.1", port)
                assert.are.same({ nil, "timeout" }, { r[1], r[2] })
                assert.is_true(r.elapsed >= 0.25 and r.elapsed < 1.5, "elapsed " .. r.elapsed)
                assert.is_truthy(tostring(c):match("^tcp{client}"), tostring(c))
                assert.are.equal(1, c:close())
            end)
        end
    end

    it("over IPv6 (::1) too", function()
        local ok, port, listener, filler = pcall(black_hole, "::1")
        if not ok then
            pending("no ::1 on this host: " .. tostring(port))
            return
        end
        local c = assert(socket.tcp6())
        finally(function() net.close(c, filler, listener) end)
        assert(c:settimeout(0.3))
        local r = timed_connect("tcp6 ::1", c.connect, c, "::1", port)
        assert.are.same({ nil, "timeout" }, { r[1], r[2] })
        assert.is_true(r.elapsed >= 0.25 and r.elapsed < 1.5, "elapsed " .. r.elapsed)
        assert.are.equal(1, c:close())
    end)

    it("socket.tp.connect(host, port, 0.3): nil, 'timeout' after 0.3 s", function()
        local tp = require("socket.tp")
        local port, listener, filler = black_hole("127.0.0.1")
        finally(function() net.close(filler, listener) end)
        local r = timed_connect("tp.connect", tp.connect, "127.0.0.1", port, 0.3)
        assert.are.same({ nil, "timeout" }, { r[1], r[2] })
        assert.is_true(r.elapsed >= 0.25 and r.elapsed < 1.5, "elapsed " .. r.elapsed)
    end)

    it("http.request with http.TIMEOUT = 0.3: nil, 'timeout' after 0.3 s", function()
        local http = require("socket.http")
        local saved = http.TIMEOUT
        local port, listener, filler = black_hole("127.0.0.1")
        finally(function()
            http.TIMEOUT = saved
            net.close(filler, listener)
        end)
        http.TIMEOUT = 0.3
        local r = timed_connect("http.request", http.request, "http://127.0.0.1:" .. port .. "/")
        assert.are.same({ nil, "timeout" }, { r[1], r[2] })
        assert.is_true(r.elapsed >= 0.25 and r.elapsed < 1.5, "elapsed " .. r.elapsed)
    end)

    it("non-blocking: connect gives nil, 'timeout', select for write times out, close works", function()
        local port, listener, filler = black_hole("127.0.0.1")
        local c = assert(socket.tcp4())
        finally(function() net.close(c, filler, listener) end)
        assert(c:settimeout(0))
        local r = timed_connect("connect(0)", c.connect, c, "127.0.0.1", port)
        assert.are.same({ nil, "timeout" }, { r[1], r[2] })
        assert.is_true(r.elapsed < 0.1, "elapsed " .. r.elapsed)
        r = timed_connect("select for write", socket.select, nil, { c }, 0.3)
        assert.are.same({ {}, {}, "timeout" }, { r[1], r[2], r[3] })
        assert.is_true(r.elapsed >= 0.25 and r.elapsed < 1.5, "elapsed " .. r.elapsed)
        -- still under way
        assert.are.same({ nil, "Operation already in progress" }, { c:connect("127.0.0.1", port) })
        assert.are.equal(1, c:close())
    end)
end)
