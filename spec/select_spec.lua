-- socket.select over real loopback sockets, custom objects and many descriptors.
local socket = require("socket")
local net = require("support.net")

-- Asserts that `t` holds exactly the objects in `list` (in any order) as
-- [i] = obj and [obj] = i, and nothing else.
local function assert_set(list, t)
    assert.are.equal("table", type(t))
    assert.are.equal(#list, #t)
    local keys = 0
    for _ in pairs(t) do keys = keys + 1 end
    assert.are.equal(2 * #list, keys)
    for _, obj in ipairs(list) do
        local i = t[obj]
        assert.are.equal("number", type(i), "object missing from the result")
        assert.are.equal(obj, t[i])
    end
end

-- A number printed by the child ("1" or "1.0") as an integer string.
local function int(text)
    local n = tonumber(text)
    if n == nil then return tostring(text) end
    return string.format("%d", n)
end

local function error_of(f, ...)
    local ok, err = pcall(f, ...)
    assert.is_false(ok, "expected an error")
    return tostring(err)
end

describe("socket.select", function()
    local c, p, s
    before_each(function() c, p, s = net.tcp_pair() end)
    after_each(function() net.close(c, p, s) end)

    describe("results", function()
        it("returns a readable socket as [1] = sock and [sock] = 1", function()
            assert.is_truthy(c:send("x"))
            local r = net.pack(socket.select({ p }, nil, 1))
            assert.are.equal(2, r.n)
            assert_set({ p }, r[1])
            assert.are.equal(p, r[1][1])
            assert.are.equal(1, r[1][p])
            assert.are.same({}, r[2])
        end)

        it("returns a writable socket as [1] = sock and [sock] = 1", function()
            local r = net.pack(socket.select(nil, { c }, 1))
            assert.are.equal(2, r.n)
            assert.are.same({}, r[1])
            assert_set({ c }, r[2])
            assert.are.equal(c, r[2][1])
            assert.are.equal(1, r[2][c])
        end)

        it("returns only the ready sockets of a set", function()
            local c2, p2, s2 = net.tcp_pair()
            finally(function() net.close(c2, p2, s2) end)
            assert.is_truthy(c2:send("x"))
            local r, w = socket.select({ p, c, p2, c2 }, nil, 1)
            assert_set({ p2 }, r)
            assert.are.same({}, w)
        end)

        it("reports one socket in both sets when it is readable and writable", function()
            assert.is_truthy(p:send("x"))
            local r, w = socket.select({ c }, { c }, 1)
            assert_set({ c }, r)
            assert_set({ c }, w)
        end)

        it("returns a socket listed twice only once", function()
            assert.is_truthy(c:send("x"))
            local r = socket.select({ p, p }, nil, 1)
            assert_set({ p }, r)
        end)

        it("returns as soon as a socket becomes readable", function()
            -- A closing peer makes the socket readable (receive reports it).
            c:close()
            local t = net.timed(socket.select, { p }, nil, 5)
            assert_set({ p }, t[1])
            assert.is_true(t.elapsed < 1, tostring(t.elapsed))
        end)
    end)

    describe("timeout", function()
        it("returns {}, {}, 'timeout' after about the timeout", function()
            local t = net.timed(socket.select, { p }, { }, 0.1)
            assert.are.equal(3, t.n)
            assert.are.same({}, t[1])
            assert.are.same({}, t[2])
            assert.are.equal("timeout", t[3])
            assert.is_true(t.elapsed > 0.05 and t.elapsed < 1, tostring(t.elapsed))
        end)

        it("accepts nil sets: select(nil, nil, 0.1) sleeps and times out", function()
            local t = net.timed(socket.select, nil, nil, 0.1)
            assert.are.same({ n = 3, {}, {}, "timeout" }, { n = t.n, t[1], t[2], t[3] })
            assert.is_true(t.elapsed > 0.05 and t.elapsed < 1, tostring(t.elapsed))
        end)

        it("returns at once for empty sets and a zero timeout", function()
            local t = net.timed(socket.select, {}, {}, 0)
            assert.are.same({ n = 3, {}, {}, "timeout" }, { n = t.n, t[1], t[2], t[3] })
            assert.is_true(t.elapsed < 0.05, tostring(t.elapsed))
        end)

        it("polls without waiting for a zero timeout", function()
            local t = net.timed(socket.select, { p }, nil, 0)
            assert.are.equal("timeout", t[3])
            assert.is_true(t.elapsed < 0.05, tostring(t.elapsed))
            assert.is_truthy(c:send("x"))
            socket.sleep(0.02)
            local r, _, err = socket.select({ p }, nil, 0)
            assert.is_nil(err)
            assert_set({ p }, r)
        end)

        it("waits without limit for a nil or negative timeout", function()
            assert.is_truthy(c:send("x"))
            local r = socket.select({ p }, nil, nil)
            assert_set({ p }, r)
            r = socket.select({ p }, nil, -1)
            assert_set({ p }, r)
            r = socket.select({ p })
            assert_set({ p }, r)
        end)
    end)

    describe("servers", function()
        it("a server with a pending connection is readable", function()
            local server, port = net.local_server()
            local client = assert(socket.connect("127.0.0.1", port))
            finally(function() net.close(client, server) end)
            client:settimeout(5)
            local r = socket.select({ server }, nil, 2)
            assert_set({ server }, r)
            local peer = assert(server:accept())
            peer:close()
        end)

        it("a server without pending connections is not readable", function()
            local server = net.local_server()
            finally(function() server:close() end)
            local r, w, err = socket.select({ server }, nil, 0.05)
            assert.are.same({}, r)
            assert.are.same({}, w)
            assert.are.equal("timeout", err)
        end)
    end)

    describe("dirty sockets", function()
        it("returns a socket with buffered input at once, though the kernel buffer is empty", function()
            assert.is_truthy(c:send("a\nb\n"))
            assert.are.equal("a", p:receive())
            assert.is_true(p:dirty())
            local t = net.timed(socket.select, { p }, nil, 5)
            assert.are.equal(2, t.n)
            assert_set({ p }, t[1])
            assert.is_true(t.elapsed < 0.5, tostring(t.elapsed))
            assert.are.equal("b", p:receive())
            assert.is_false(p:dirty())
            -- Drained: select waits again.
            local r, _, err = socket.select({ p }, nil, 0.05)
            assert.are.same({}, r)
            assert.are.equal("timeout", err)
        end)

        it("returns the dirty socket and the other ready ones", function()
            assert.is_truthy(c:send("a\nb\n"))
            assert.are.equal("a", p:receive())
            local r, w = socket.select({ p, c }, { c }, 5)
            assert_set({ p }, r)
            assert_set({ c }, w)
        end)
    end)

    describe("custom objects", function()
        local function wrap(sock)
            return {
                getfd = function() return sock:getfd() end,
                dirty = function() return sock:dirty() end,
            }
        end

        it("accepts a table with getfd/dirty and returns the same table", function()
            local rw, ww = wrap(p), wrap(c)
            assert.is_truthy(c:send("x"))
            local r, w = socket.select({ rw }, { ww }, 1)
            assert_set({ rw }, r)
            assert_set({ ww }, w)
            assert.are.equal(rw, r[1])
            assert.are.equal(ww, w[1])
        end)

        it("finds getfd/dirty through a metatable __index, as for class objects", function()
            local obj = setmetatable({}, { __index = {
                getfd = function() return p:getfd() end,
                dirty = function() return false end,
            } })
            assert.is_truthy(c:send("x"))
            local r = socket.select({ obj }, nil, 1)
            assert_set({ obj }, r)
        end)

        it("accepts an object that has getfd but no dirty method", function()
            local obj = { getfd = function() return p:getfd() end }
            assert.is_truthy(c:send("x"))
            local r = socket.select({ obj }, nil, 1)
            assert_set({ obj }, r)
        end)

        it("returns an object whose dirty() is true at once", function()
            local obj = {
                getfd = function() return p:getfd() end,
                dirty = function() return true end,
            }
            local t = net.timed(socket.select, { obj }, nil, 5)
            assert_set({ obj }, t[1])
            assert.is_true(t.elapsed < 0.5, tostring(t.elapsed))
        end)

        it("calls getfd and dirty as methods (with the object as self)", function()
            local seen = {}
            local obj = {}
            obj.getfd = function(self)
                seen.getfd = self
                return p:getfd()
            end
            obj.dirty = function(self)
                seen.dirty = self
                return false
            end
            assert.is_truthy(c:send("x"))
            socket.select({ obj }, nil, 1)
            assert.are.equal(obj, seen.getfd)
            assert.are.equal(obj, seen.dirty)
        end)

        it("ignores a table without getfd", function()
            local plain = { dirty = function() return true end }
            assert.is_truthy(c:send("x"))
            local r = socket.select({ plain, p }, nil, 1)
            assert_set({ p }, r)
            local r2, _, err = socket.select({ {} }, nil, 0.05)
            assert.are.same({}, r2)
            assert.are.equal("timeout", err)
        end)

        it("ignores an entry whose getfd returns -1", function()
            local dead = { getfd = function() return -1 end, dirty = function() return false end }
            local r, w, err = socket.select({ dead }, { dead }, 0.05)
            assert.are.same({}, r)
            assert.are.same({}, w)
            assert.are.equal("timeout", err)
            assert.is_truthy(c:send("x"))
            r = socket.select({ dead, p }, nil, 1)
            assert_set({ p }, r)
        end)

        it("ignores getfd results of 2^31 and 2^40 without crashing (C LuaSocket crashes)", function()
            local huge31 = { getfd = function() return 2 ^ 31 end, dirty = function() return false end }
            local huge40 = { getfd = function() return 2 ^ 40 end, dirty = function() return false end }
            local ok, r, w, err = pcall(socket.select, { huge31, huge40 }, { huge31, huge40 }, 0.05)
            assert.is_true(ok, tostring(r))
            assert.are.same({}, r)
            assert.are.same({}, w)
            assert.are.equal("timeout", err)
            assert.is_truthy(c:send("x"))
            r = socket.select({ huge31, p, huge40 }, nil, 1)
            assert_set({ p }, r)
        end)

        it("ignores a getfd that returns a non-number", function()
            local none = { getfd = function() end, dirty = function() return false end }
            local tbl = { getfd = function() return {} end, dirty = function() return false end }
            assert.is_truthy(c:send("x"))
            local r = socket.select({ none, tbl, p }, nil, 1)
            assert_set({ p }, r)
        end)

        it("ignores numbers, strings and booleans in the sets", function()
            assert.is_truthy(c:send("x"))
            local r, w = socket.select({ 1, "x", true, p }, { 2, "y", false }, 1)
            assert_set({ p }, r)
            assert.are.same({}, w)
        end)

        it("ignores a closed socket", function()
            local c2, p2, s2 = net.tcp_pair()
            net.close(c2, p2, s2)
            assert.are.equal(-1, p2:getfd())
            local r, w, err = socket.select({ p2 }, { c2 }, 0.05)
            assert.are.same({}, r)
            assert.are.same({}, w)
            assert.are.equal("timeout", err)
            assert.is_truthy(c:send("x"))
            r = socket.select({ p2, p }, { c2 }, 1)
            assert_set({ p }, r)
        end)

        it("ignores a wrapper around a closed socket", function()
            local c2, p2, s2 = net.tcp_pair()
            local wrapper = wrap(p2)
            net.close(c2, p2, s2)
            local r, _, err = socket.select({ wrapper }, nil, 0.05)
            assert.are.same({}, r)
            assert.are.equal("timeout", err)
        end)

        it("handles userdata of other types (io.stdout) without crashing", function()
            assert.is_truthy(c:send("x"))
            local ok, r = pcall(socket.select, { io.stdout, p }, nil, 1)
            assert.is_true(ok, tostring(r))
            assert.are.equal(p, r[r[p]])
            -- io files have no getfd method: ignored, as upstream does.
            assert.is_nil(r[io.stdout])
        end)

        it("propagates an error raised inside getfd", function()
            local bad = {
                getfd = function() error("getfd exploded", 0) end,
                dirty = function() return false end,
            }
            local err = error_of(socket.select, { bad }, nil, 0)
            assert.is_truthy(err:find("getfd exploded", 1, true), err)
            err = error_of(socket.select, nil, { bad }, 0)
            assert.is_truthy(err:find("getfd exploded", 1, true), err)
        end)

        it("propagates an error raised inside dirty", function()
            local bad = {
                getfd = function() return p:getfd() end,
                dirty = function() error("dirty exploded", 0) end,
            }
            local err = error_of(socket.select, { bad }, nil, 0)
            assert.is_truthy(err:find("dirty exploded", 1, true), err)
        end)

        it("accepts socket.source and socket.sink objects", function()
            local src = socket.source("by-length", p, 1)
            local sink = socket.sink("keep-open", c)
            assert.is_truthy(c:send("x"))
            local r, w = socket.select({ src }, { sink }, 1)
            assert_set({ src }, r)
            assert_set({ sink }, w)
            assert.are.equal("x", src())
        end)
    end)

    describe("arguments", function()
        it("raises 'table expected' for a set that is not a table", function()
            local err = error_of(socket.select, "x", nil, 0)
            assert.is_truthy(err:find("table expected", 1, true), err)
            err = error_of(socket.select, nil, 5, 0)
            assert.is_truthy(err:find("table expected", 1, true), err)
        end)

        it("raises 'number expected' for a timeout that is not a number", function()
            local err = error_of(socket.select, nil, nil, "soon")
            assert.is_truthy(err:find("number expected", 1, true), err)
        end)
    end)

    describe("many descriptors (child process)", function()
        -- Runs spec/fixtures/select_many.lua with a raised descriptor limit;
        -- it opens 2500 pairs (5000 sockets), so descriptors pass 1024.
        local lines
        local function run()
            if lines then return lines end
            local out = net.run_lua(nil,
                "ulimit -n 8192 2>/dev/null || ulimit -n 4096 2>/dev/null;",
                "spec/fixtures/select_many.lua")
            lines = { raw = out }
            for line in out:gmatch("[^\n]+") do
                local words = {}
                for w in line:gmatch("%S+") do words[#words + 1] = w end
                lines[words[1]] = words
            end
            return lines
        end

        it("loads our socket.core in the child", function()
            local l = run()
            assert.is_not_nil(l.impl, l.raw)
            assert.are.equal("luasocket-rust", l.impl[2])
            assert.is_nil(l.error, l.raw)
            assert.are.equal(5000, tonumber(l.opened and l.opened[2]), l.raw)
        end)

        it("reports a readable socket whose descriptor is above 1024", function()
            local l = run()
            assert.is_not_nil(l.highfd, l.raw)
            assert.is_true(tonumber(l.highfd[2]) > 1024, l.raw)
            -- high_readable <r[1]==peer> <r[peer]> <#w> <err>
            local h = l.high_readable
            assert.is_not_nil(h, l.raw)
            assert.are.same({ "true", "1", "0", "nil" }, { h[2], int(h[3]), h[4], h[5] })
        end)

        it("times out on an idle high descriptor after about the timeout", function()
            local h = run().high_idle
            assert.is_not_nil(h, lines.raw)
            assert.are.same({ "0", "0", "timeout" }, { h[2], h[3], h[4] })
            local elapsed = tonumber(h[5])
            assert.is_true(elapsed > 0.05 and elapsed < 1, lines.raw)
        end)

        it("reports a high descriptor writable", function()
            -- high_writable <w[1]==client> <w[client]> <#r> <err>
            local h = run().high_writable
            assert.is_not_nil(h, lines.raw)
            assert.are.same({ "true", "1", "0", "nil" }, { h[2], int(h[3]), h[4], h[5] })
        end)

        it("returns a dirty wrapper around a high descriptor at once", function()
            -- high_dirty <r[1]==wrapper> <r[wrapper]> <#w> <err> <elapsed>
            local h = run().high_dirty
            assert.is_not_nil(h, lines.raw)
            assert.are.same({ "true", "1", "0", "nil" }, { h[2], int(h[3]), h[4], h[5] })
            assert.is_true(tonumber(h[6]) < 0.5, lines.raw)
        end)

        it("finds the one readable socket among 5000", function()
            local m = run().many
            assert.is_not_nil(m, lines.raw)
            -- many <entries> <#r> <r[1]==peer> <r[peer]> <#w> <err> <elapsed>
            assert.are.same({ "5000", "1", "true", "1", "0", "nil" },
                { m[2], m[3], m[4], int(m[5]), m[6], m[7] })
            assert.is_true(tonumber(m[8]) < 1, lines.raw)
        end)

        it("returns all 5000 sockets when all are writable", function()
            -- all_writable <#w> <every socket in w> <#r> <err>
            local a = run().all_writable
            assert.is_not_nil(a, lines.raw)
            assert.are.same({ "5000", "true", "0", "nil" }, { a[2], a[3], a[4], a[5] })
            assert.is_not_nil(lines.done, lines.raw)
        end)
    end)
end)
