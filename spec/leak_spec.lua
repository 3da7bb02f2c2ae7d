-- Leaks and panics: descriptors come back after many sockets are
-- dropped, memory stays flat over many small receives, and a Rust panic in
-- a native function is a Lua error that leaves the library usable.
local socket = require("socket")
local net = require("support.net")

-- The descriptors this process has open (support/proc.lua).
local open_fds = require("support.proc").open_fds

local function rss_kib()
    local f = assert(io.open("/proc/self/status", "r"))
    local kib
    for line in f:lines() do
        kib = kib or tonumber(line:match("^VmRSS:%s*(%d+)"))
    end
    f:close()
    return assert(kib)
end

local function full_gc()
    collectgarbage()
    collectgarbage()
end

describe("leaks", function()
    it("creating and dropping 100,000 sockets gives every descriptor back", function()
        full_gc()
        local t0 = socket.gettime()
        local before = open_fds()
        local server, port = net.local_server(128)
        local made, mid = 0, nil
        -- 80,000 unconnected tcp and udp objects, half closed, half left to
        -- the GC. tcp4/udp4 make a descriptor at once; tcp()/udp() only when
        -- bound (upstream defers it too), so some of each kind are bound.
        local make = { socket.tcp4, socket.udp4, socket.tcp, socket.udp }
        for i = 1, 80000 do
            local kind = i % 4 + 1
            local s = assert(make[kind]())
            local fate = math.floor(i / 4) % 4
            if fate < 2 then
                s:close()
            elseif fate == 2 then
                if kind % 2 == 1 then
                    assert(s:bind("127.0.0.1", 0))
                else
                    assert(s:setsockname("127.0.0.1", 0))
                end
            end
            made = made + 1
            -- the GC alone would let thousands of descriptors pile up
            if i % 500 == 0 then
                if i == 40000 then mid = open_fds() end -- the dropped ones still open
                collectgarbage()
            end
        end
        -- 10,000 connected pairs (20,000 sockets), same split
        for i = 1, 10000 do
            local c = assert(socket.connect("127.0.0.1", port))
            local p = assert(server:accept())
            if i % 2 == 0 then
                c:close()
                p:close()
            end
            made = made + 2
            if i % 250 == 0 then collectgarbage() end
        end
        server:close()
        full_gc()
        local after = open_fds()
        io.stderr:write(("\n[leak %s] %d sockets: descriptors before %d, midway %d, after %d, %.2f s\n"):format(
            _VERSION .. (rawget(_G, "jit") and " (LuaJIT)" or ""), made, before, mid, after,
            socket.gettime() - t0))
        assert.are.equal(100000, made)
        assert.is_true(mid > before + 100, "midway " .. mid) -- dropped sockets did hold descriptors
        assert.is_true(math.abs(after - before) <= 3,
            ("descriptors before %d, after %d"):format(before, after))
    end)

    it("a million small receives on a tcp pair keep resident memory flat", function()
        local client, peer, server = net.tcp_pair()
        finally(function() net.close(client, peer, server) end)
        local line = "0123456789abcdef\n" -- 17 bytes, a line or a count
        local batch = string.rep(line, 1000)
        local function round()
            assert(peer:send(batch))
            for j = 1, 1000 do
                local got
                if j % 2 == 0 then
                    got = client:receive("*l")
                    assert(got == "0123456789abcdef", got)
                else
                    got = client:receive(17)
                    assert(got == line, got)
                end
            end
        end
        for _ = 1, 20 do round() end -- warm up: buffers, pools, the GC's pace
        full_gc()
        local before = rss_kib()
        for _ = 1, 1000 do round() end
        full_gc()
        local after = rss_kib()
        assert.is_true(after - before < 8 * 1024,
            ("VmRSS before %d KiB, after %d KiB"):format(before, after))
    end)

    -- valgrind finding: the options a socket remembers (for getoption) were
    -- not freed when it was closed (~170 bytes each; 50,000 sockets ~8 MiB).
    it("sockets given options free them when closed or collected", function()
        local function batch(n)
            for i = 1, n do
                local s = assert(socket.tcp4())
                assert(s:setoption("reuseaddr", true))
                assert(s:setoption("keepalive", true))
                if i % 2 == 0 then s:close() end
                if i % 1000 == 0 then collectgarbage() end
            end
            full_gc()
        end
        batch(50000) -- warm up: the allocator's high-water mark
        local before = rss_kib()
        batch(50000)
        local after = rss_kib()
        assert.is_true(after - before < 1024,
            ("VmRSS before %d KiB, after %d KiB"):format(before, after))
    end)
end)

describe("a Rust panic inside a native function", function()
    it("is a Lua error naming the panic, and leaves sockets usable", function()
        local out = net.run_lua([[
            local socket = require("socket")
            assert(socket._test_panic, "no test hook")
            local server = assert(socket.bind("127.0.0.1", 0))
            local _, port = server:getsockname()
            local c = assert(socket.connect("127.0.0.1", port))
            local p = assert(server:accept())
            -- twice without a socket, then while holding c borrowed
            for _ = 1, 2 do
                local ok, err = pcall(socket._test_panic)
                assert(not ok and type(err) == "string", tostring(err))
                assert(err:find("panicked on purpose", 1, true), err)
                assert(err:find("luasocket internal error", 1, true), err)
            end
            local ok, err = pcall(socket._test_panic, c)
            assert(not ok and err:find("holding a socket: true", 1, true), tostring(err))
            -- c is not left borrowed: it sends, receives and closes
            c:settimeout(5); p:settimeout(5)
            assert(c:send("ping\n"))
            assert(p:receive() == "ping")
            assert(p:send("pong\n"))
            assert(c:receive() == "pong")
            assert(c:close() == 1)
            local fresh = assert(socket.connect("127.0.0.1", port))
            fresh:close()
            print("PANIC-OK")
        ]], "LUASOCKET_TEST_HOOKS=1")
        assert.is_truthy(out:find("PANIC-OK", 1, true), out)
    end)

    it("has no test hook unless LUASOCKET_TEST_HOOKS=1", function()
        assert.is_nil(socket._test_panic)
        local out = net.run_lua('print(require("socket")._test_panic == nil and "ABSENT" or "PRESENT")',
            "LUASOCKET_TEST_HOOKS=0")
        assert.is_truthy(out:find("ABSENT", 1, true), out)
    end)
end)
