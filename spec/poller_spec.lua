-- socket.poller(): a persistent set of objects to wait on (docs/poller.md).
-- Real loopback sockets at both ends; every behaviour runs on both
-- backends (epoll, and the poll(2) fallback forced by socket.poller("poll")).
-- C LuaSocket has no poller, so nothing here compares with it.
local socket = require("socket")
local net = require("support.net")
local httpd = require("fixtures.httpd")

local ssl, not_packaged = require("support.compat").require("ssl", "lua-sec")

local quote = require("support.proc").quote

-- The descriptors this process has open (support/proc.lua).
local open_fds = require("support.proc").open_fds

-- `ready, events` as a map obj -> events (nil, err as they are).
local function as_map(ready, events)
    if not ready then return ready, events end
    assert.are.equal(#ready, #events)
    local m = {}
    for i, obj in ipairs(ready) do
        assert.is_nil(m[obj], "an object is reported once")
        m[obj] = events[i]
    end
    return m
end

-- A connected pair whose ends are tcp{client} objects with short timeouts.
local function pair()
    local a, b, server = net.tcp_pair()
    server:close()
    return a, b
end

describe("socket.poller()", function()
    it("is a poller object with a count, a backend and a tostring", function()
        local p = socket.poller()
        assert.truthy(tostring(p):match("^poller: 0x%x+$"))
        assert.are.equal("epoll", p:backend())
        assert.are.equal(0, p:count())
        assert.are.equal(0, #p)
        assert.are.equal("poll", socket.poller("poll"):backend())
        assert.are.equal("epoll", socket.poller("epoll"):backend())
        assert.is_true(p:close())
        assert.is_true(p:close(), "closing twice is harmless")
        assert.are.equal("closed", p:backend())
    end)

    it("raises argument errors for a bad backend, bad events and non-objects", function()
        local a, b = pair()
        local p = socket.poller()
        assert.has_error(function() socket.poller("kqueue") end,
            "bad argument #1 to 'poller' (invalid backend ('epoll' or 'poll' expected))")
        for _, ev in ipairs { "x", "", "wr", "R", "rww" } do
            assert.has_error(function() p:add(a, ev) end,
                "bad argument #2 to 'add' (invalid events ('r', 'w' or 'rw' expected))")
        end
        assert.has_error(function() p:add(a) end, "bad argument #2 to 'add' (string expected, got no value)")
        assert.has_error(function() p:add(42, "r") end, "bad argument #1 to 'add' (socket expected, got number)")
        assert.has_error(function() p:modify(a, "x") end)
        assert.has_error(function() p.wait({}) end)
        assert.has_error(function() p.add(a, a, "r") end)
        assert.has_error(function() p:wait("soon") end)
        assert.are.equal(0, p:count())
        p:close()
        net.close(a, b)
    end)
end)

for _, backend in ipairs { "epoll", "poll" } do
    describe("socket.poller(" .. backend .. ")", function()
        local function new() return socket.poller(backend) end

        it("reports readable and writable members with their events", function()
            local p = new()
            assert.are.equal(backend, p:backend())
            local a, b = pair()
            local c, d = pair()
            assert.is_true(p:add(b, "r"))
            assert.is_true(p:add(c, "rw"))
            assert.are.equal(2, p:count())
            -- c is writable at once; b has nothing to read.
            assert.are.same({ [c] = "w" }, as_map(p:wait(1)))
            a:send("x")
            d:send("y")
            local deadline = socket.gettime() + 5
            local got
            repeat
                got = as_map(p:wait(1))
            until got[b] and got[c] == "rw" or socket.gettime() > deadline
            assert.are.same({ [b] = "r", [c] = "rw" }, got)
            assert.are.equal("x", b:receive(1))
            assert.are.equal("y", c:receive(1))
            assert.is_true(p:remove(c))
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            assert.are.equal(1, p:count())
            p:close()
            net.close(a, b, c, d)
        end)

        it("reports a listening server readable when a connection waits", function()
            local p = new()
            local server, port = net.local_server()
            p:add(server, "r")
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            local c = assert(socket.connect("127.0.0.1", port))
            local ready, events = p:wait(5)
            assert.are.same({ server }, ready)
            assert.are.same({ "r" }, events)
            local s = assert(server:accept())
            p:close()
            net.close(c, s, server)
        end)

        it("reports buffered input as readable at once, without waiting", function()
            local p = new()
            local a, b = pair()
            p:add(b, "r")
            a:send("one\ntwo\n")
            assert.are.same({ [b] = "r" }, as_map(p:wait(5)))
            assert.are.equal("one", b:receive())
            -- "two" is in b's buffer now, not in the kernel: still readable.
            assert.is_true(b:dirty())
            local r = net.timed(p.wait, p, 0)
            assert.are.same({ { b }, { "r" } }, { r[1], r[2] })
            -- Even with no timeout: the buffer answers at once.
            r = net.timed(p.wait, p)
            assert.are.same({ b }, r[1])
            assert.is_true(r.elapsed < 0.5)
            assert.are.equal("two", b:receive())
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            -- A buffered member with write interest too reports "rw".
            a:send("three\nfour\n")
            p:add(b, "rw")
            assert.are.same({ [b] = "rw" }, as_map(p:wait(5)))
            assert.are.equal("three", b:receive())
            assert.are.same({ [b] = "rw" }, as_map(p:wait(0)))
            -- Write interest alone: buffered input is not reported.
            p:modify(b, "w")
            assert.are.same({ [b] = "w" }, as_map(p:wait(0)))
            p:close()
            net.close(a, b)
        end)

        it("modifies a member added twice instead of duplicating it", function()
            local p = new()
            local a, b = pair()
            assert.is_true(p:add(a, "r"))
            assert.is_true(p:add(a, "w"))
            assert.are.equal(1, p:count())
            assert.are.same({ { a }, { "w" } }, { p:wait(0) })
            assert.is_true(p:modify(a, "r"))
            assert.are.equal(1, p:count())
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            p:close()
            net.close(a, b)
        end)

        it("returns nil, msg for non-members and closed objects", function()
            local p = new()
            local a, b = pair()
            assert.are.same({ nil, "not in poller" }, { p:modify(a, "r") })
            assert.are.same({ nil, "not in poller" }, { p:remove(a) })
            local closed = socket.tcp()
            closed:close()
            assert.are.same({ nil, "closed" }, { p:add(closed, "r") })
            -- A socket with no descriptor yet (tcp() before connect) too.
            assert.are.same({ nil, "closed" }, { p:add(socket.tcp(), "r") })
            assert.are.equal(0, p:count())
            -- A member closed while in the set leaves it at the next wait.
            p:add(a, "rw")
            p:add(b, "r")
            a:close()
            assert.are.same({ [b] = "r" }, as_map(p:wait(5)))
            assert.are.equal(1, p:count())
            assert.are.same({ nil, "not in poller" }, { p:remove(a) })
            assert.are.same({ nil, "closed" }, { p:add(a, "r") })
            assert.is_true(p:remove(b))
            assert.are.equal(0, p:count())
            p:close()
            assert.are.same({ nil, "closed" }, { p:add(b, "r") })
            assert.are.same({ nil, "closed" }, { p:wait(0) })
            assert.are.same({ nil, "closed" }, { p:remove(b) })
            assert.are.equal(0, p:count())
            b:close()
        end)

        it("never reports a closed member through a descriptor reused by another socket", function()
            local p = new()
            local a, a_peer = pair()
            local fd = a:getfd()
            p:add(a, "r")
            a:close()
            -- The next socket opened takes the lowest free number: a's.
            local server, port = net.local_server()
            local b = assert(socket.connect("127.0.0.1", port))
            local b_peer = assert(server:accept())
            local numbers = { server:getfd(), b:getfd(), b_peer:getfd() }
            local reused
            for _, n in ipairs(numbers) do reused = reused or n == fd end
            assert.is_true(reused, "a's descriptor number was reused")
            -- Every one of them readable: a's old number is ready.
            b_peer:send("for b\n")
            b:send("for b_peer\n")
            local c = assert(socket.connect("127.0.0.1", port))
            assert.are.same({ nil, "timeout" }, { p:wait(0.2) })
            assert.are.equal(0, p:count())
            -- The new owner of the number, added, is reported.
            local owner = (b:getfd() == fd and b) or (b_peer:getfd() == fd and b_peer) or server
            p:add(owner, "r")
            assert.are.same({ owner }, (p:wait(5)))
            p:close()
            net.close(a_peer, b, b_peer, c, server)
        end)

        it("follows a member whose connect replaces its descriptor", function()
            -- A blocking connect of an unbound socket races its attempts
            -- on new descriptors (RFC 8305) and keeps the winner's: the
            -- object's descriptor changes while it is a member.
            local server, port = net.local_server()
            local p = new()
            local m = socket.tcp4()
            m:settimeout(5)
            local before = m:getfd()
            p:add(m, "r")
            assert.are.equal(1, m:connect("127.0.0.1", port))
            assert.are_not.equal(before, m:getfd())
            local peer = assert(server:accept())
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            peer:send("after connect\n")
            assert.are.same({ { m }, { "r" } }, { p:wait(5) })
            assert.are.equal("after connect", m:receive())
            assert.are.equal(1, p:count())
            p:close()
            net.close(m, peer, server)
        end)

        it("waits for a non-blocking connect (copas' loop), over IPv4 and IPv6", function()
            for _, family in ipairs { { socket.tcp4, "127.0.0.1" }, { socket.tcp6, "::1" } } do
                local server = assert(socket.bind(family[2], 0))
                server:settimeout(5)
                local _, port = server:getsockname()
                local p = new()
                local m = family[1]()
                m:settimeout(0)
                p:add(m, "w")
                local ok, err = m:connect(family[2], port)
                assert.is_true(ok == 1 or err == "timeout")
                assert.are.same({ { m }, { "w" } }, { p:wait(5) })
                local again, aerr = m:connect(family[2], port)
                assert.is_true(again == 1 or aerr == "already connected")
                local peer = assert(server:accept())
                p:close()
                net.close(m, peer, server)
            end
        end)

        it("follows a member's setfd and forgets its old descriptor", function()
            local p = new()
            local a, a_peer = pair()
            local b, b_peer = pair()
            p:add(a, "r")
            local old = a:getfd()
            a:setfd(b:getfd())
            b:setfd(-1)
            -- Data on a's old descriptor is not a's any more.
            a_peer:send("old\n")
            assert.are.same({ nil, "timeout" }, { p:wait(0.2) })
            b_peer:send("new\n")
            assert.are.same({ { a }, { "r" } }, { p:wait(5) })
            assert.are.equal("new", a:receive())
            -- setfd(-1) detaches: the member leaves the set.
            local holder = socket.tcp()
            holder:setfd(a:getfd())
            a:setfd(-1)
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            assert.are.equal(0, p:count())
            local old_holder = socket.tcp()
            old_holder:setfd(old)
            p:close()
            net.close(a_peer, b_peer, holder, old_holder)
        end)

        it("waits as the timeout says: nil or negative for ever, 0 to look, positive seconds", function()
            local p = new()
            local a, b = pair()
            p:add(b, "r")
            local r = net.timed(p.wait, p, 0)
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed < 0.1)
            r = net.timed(p.wait, p, 0.3)
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed >= 0.29 and r.elapsed < 2, r.elapsed)
            -- nil and -1: until something is ready (a child connects after 0.3 s).
            for _, t in ipairs { "nil", "-1" } do
                local server, sport = net.local_server()
                local code = ("local socket = require('socket') socket.sleep(0.3) "
                    .. "local c = socket.connect('127.0.0.1', %d) socket.sleep(2)"):format(sport)
                local pid = net.spawn(quote(net.interpreter()) .. " -e " .. quote(code))
                p:add(server, "r")
                local timeout = t == "-1" and -1 or nil
                r = net.timed(p.wait, p, timeout)
                assert.are.same({ server }, r[1])
                assert.is_true(r.elapsed >= 0.2, r.elapsed)
                p:remove(server)
                server:close()
                net.kill(pid)
            end
            p:close()
            net.close(a, b)
        end)

        it("takes any object with getfd and dirty, and drops it once its getfd says closed", function()
            local p = new()
            local a, b = pair()
            local fd, is_dirty = b:getfd(), false
            local wrapper = {
                getfd = function() return fd end,
                dirty = function() return is_dirty end,
            }
            assert.is_true(p:add(wrapper, "r"))
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            is_dirty = true
            assert.are.same({ { wrapper }, { "r" } }, { p:wait(0) })
            is_dirty = false
            a:send("x")
            assert.are.same({ { wrapper }, { "r" } }, { p:wait(5) })
            -- Closed (getfd gives -1): dropped when it is next ready.
            fd = -1
            assert.are.same({ nil, "timeout" }, { p:wait(0.1) })
            assert.are.equal(0, p:count())
            assert.are.same({ nil, "closed" }, { p:add(wrapper, "r") })
            -- Without dirty, or with getfd giving nil or a string: fine / closed.
            fd = b:getfd()
            local plain = { getfd = function() return fd end }
            assert.is_true(p:add(plain, "r"))
            assert.are.equal(1, p:count())
            assert.is_true(p:remove(plain))
            assert.are.same({ nil, "closed" }, { p:add({}, "r") })
            assert.are.same({ nil, "closed" }, { p:add({ getfd = function() return "3" .. "x" end }, "r") })
            -- An error inside getfd or dirty propagates.
            assert.has_error(function() p:add({ getfd = function() error("boom", 0) end }, "r") end, "boom")
            local bad = { getfd = function() return fd end, dirty = function() error("dirty boom", 0) end }
            p:add(bad, "r")
            assert.has_error(function() p:wait(0) end, "dirty boom")
            p:remove(bad)
            p:close()
            net.close(a, b)
        end)

        it("holds one socket in several pollers", function()
            local p, q = new(), new()
            local a, b = pair()
            p:add(b, "r")
            q:add(b, "r")
            a:send("1\n2\n")
            assert.are.same({ b }, (p:wait(5)))
            assert.are.same({ b }, (q:wait(5)))
            assert.are.equal("1", b:receive())
            assert.are.same({ b }, (p:wait(0)))
            assert.are.same({ b }, (q:wait(0)))
            q:close()
            assert.are.equal("2", b:receive())
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            b:close()
            assert.are.same({ nil, "timeout" }, { p:wait(0) })
            assert.are.equal(0, p:count())
            p:close()
            a:close()
        end)

        it("keeps members alive while in the set and releases everything when closed or collected", function()
            collectgarbage()
            collectgarbage()
            local before = open_fds()
            local seen = setmetatable({}, { __mode = "k" })
            local p = new()
            for _ = 1, 20 do
                local a, b = pair()
                p:add(a, "r")
                p:add(b, "rw")
                seen[a], seen[b] = true, true
            end
            collectgarbage()
            collectgarbage()
            local n = 0
            for _ in pairs(seen) do n = n + 1 end
            assert.are.equal(40, n, "members stay alive while in the set")
            assert.are.equal(40, p:count())
            p:close()
            collectgarbage()
            collectgarbage()
            n = 0
            for _ in pairs(seen) do n = n + 1 end
            assert.are.equal(0, n, "closing the poller released its members")
            assert.are.equal(before, open_fds())
            -- A poller dropped with members in it: collected with them.
            do
                local dropped = new()
                for _ = 1, 20 do
                    local a, b = pair()
                    dropped:add(a, "r")
                    dropped:add(b, "r")
                    seen[a], seen[b] = true, true
                end
                seen[dropped] = true
            end
            collectgarbage()
            collectgarbage()
            collectgarbage()
            n = 0
            for _ in pairs(seen) do n = n + 1 end
            assert.are.equal(0, n)
            assert.are.equal(before, open_fds())
        end)
    end)
end

describe("socket.poller() with LuaSec", function()
    local dir, certs
    setup(function()
        assert(ssl, not_packaged)
        dir = httpd.tmpdir()
        certs = httpd.certs(dir)
    end)
    teardown(function()
        if dir then os.execute("rm -rf " .. dir) end
    end)

    it("waits on ssl sockets, and reports data LuaSec holds decrypted (dirty) as readable", function()
        local a, b = pair()
        local client = assert(ssl.wrap(a, {
            mode = "client", protocol = "any", options = "all", verify = "peer", cafile = certs.ca,
        }))
        local server = assert(ssl.wrap(b, {
            mode = "server", protocol = "any", options = "all",
            certificate = certs.good.cert, key = certs.good.key,
        }))
        client:settimeout(0)
        server:settimeout(0)
        local p = socket.poller()
        -- The handshake, both ends driven by the poller.
        local want = { [client] = "rw", [server] = "rw" }
        local deadline = socket.gettime() + 10
        while next(want) and socket.gettime() < deadline do
            for conn in pairs(want) do
                local ok, err = conn:dohandshake()
                if ok then
                    p:remove(conn)
                    want[conn] = nil
                else
                    assert.truthy(err == "wantread" or err == "wantwrite", err)
                    p:add(conn, err == "wantread" and "r" or "w")
                end
            end
            if next(want) then assert(p:wait(5)) end
        end
        assert.is_nil(next(want), "handshake done")
        assert.are.equal(0, p:count())
        p:add(server, "r")
        assert.are.same({ nil, "timeout" }, { p:wait(0) })
        client:settimeout(5)
        assert(client:send("first\nsecond\n"))
        assert.are.same({ { server }, { "r" } }, { p:wait(5) })
        server:settimeout(5)
        assert.are.equal("first", server:receive())
        -- "second" is decrypted inside LuaSec: dirty, so ready at once.
        assert.is_true(server:dirty())
        assert.are.same({ { server }, { "r" } }, { p:wait(0) })
        assert.are.equal("second", server:receive())
        assert.are.same({ nil, "timeout" }, { p:wait(0) })
        -- Closed ssl objects leave the set when noticed.
        server:close()
        client:close()
        assert.are.same({ nil, "timeout" }, { p:wait(0.1) })
        p:close()
    end)
end)
