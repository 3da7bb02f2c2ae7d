-- client:receiveany(max) on tcp{client} and unixstream{client}, both ends
-- ours on loopback: buffered leftovers first, one read otherwise, `max`
-- respected with nothing lost, large transfers byte for byte, timeouts
-- (block, total, 0) and end of stream, interleaving with the receive
-- patterns, dirty/select, getstats, argument errors, and which classes
-- have the method. Then socket.monotime().
local socket = require("socket")
local unix = require("socket.unix")
local net = require("support.net")
local objects = require("support.objects")
local proc = require("support.proc")

local keep = objects.tracker()
local dirs = objects.tmpdirs()
local raised = objects.raised

-- Lua 5.3 and 5.4 refuse a fraction where an integer is wanted.
local integers_only = _VERSION == "Lua 5.3" or _VERSION == "Lua 5.4"

-- A child process (our build, through the inherited LUA_INIT) that
-- connects with `connect_code`, sleeps 0.3 s, sends "late" and lingers.
local function late_peer(connect_code)
    local script = table.concat({
        'local socket = require("socket")',
        "local c = assert(" .. connect_code .. ")",
        "socket.sleep(0.3)",
        'c:send("late")',
        "socket.sleep(3)",
        "c:close()",
    }, " ")
    return net.spawn("'" .. net.interpreter() .. "' -e '" .. script .. "'")
end

-- A connected pair: client, accepted peer (5 s timeouts). With `child`,
-- the client end is a child process (see late_peer) and its pid comes third.
local function tcp_pair(child)
    if child then
        local server, port = net.local_server()
        keep(server)
        local pid = late_peer('socket.connect("127.0.0.1", ' .. port .. ")")
        local p = keep(assert(server:accept()))
        assert(p:settimeout(5))
        return nil, p, pid
    end
    local c, p, s = net.tcp_pair()
    keep(c, p, s)
    return c, p, s
end

local function unix_pair(child)
    local path = dirs.new() .. "/sock"
    local srv = keep(assert(unix.stream()))
    assert(srv:bind(path))
    assert(srv:listen())
    assert(srv:settimeout(5))
    if child then
        local u = 'require("socket.unix")()'
        local pid = late_peer("(function() local u = " .. u .. ' return u:connect("' .. path .. '") and u end)()')
        local p = keep(assert(srv:accept()))
        assert(p:settimeout(5))
        return nil, p, pid
    end
    local c = keep(assert(unix.stream()))
    assert(c:settimeout(5))
    assert(c:connect(path))
    local p = keep(assert(srv:accept()))
    assert(p:settimeout(5))
    return c, p, srv
end

-- Waits until `sock` is readable (at most 5 s), so that a test that needs
-- bytes already in the kernel does not depend on scheduling.
local function readable(sock)
    local r = socket.select({ sock }, nil, 5)
    assert(r[1] == sock, "peer's bytes did not arrive")
end

-- Sends `data` from `from` while reading it on `to` with receiveany(max),
-- in one process: the sender never blocks (timeout 0, partial sends), so
-- both ends move. Returns what arrived and the number of receiveany calls.
local function stream(from, to, data, max)
    local got, calls, sent = {}, 0, 0
    from:settimeout(0)
    while sent < #data do
        local last, err, partial = from:send(data, sent + 1)
        sent = last or partial
        assert(last or err == "timeout", err)
        local chunk, rerr = to:receiveany(max)
        if chunk then
            assert(#chunk >= 1 and #chunk <= max, #chunk)
            got[#got + 1] = chunk
            calls = calls + 1
        else
            assert.are.equal("timeout", rerr)
        end
    end
    from:shutdown("send")
    while true do
        local chunk, err = to:receiveany(max)
        if not chunk then
            assert.are.equal("closed", err)
            break
        end
        assert(#chunk >= 1 and #chunk <= max, #chunk)
        got[#got + 1] = chunk
        calls = calls + 1
    end
    return table.concat(got), calls
end

for _, kind in ipairs({
    { name = "tcp{client}", pair = tcp_pair },
    { name = "unixstream{client}", pair = unix_pair },
}) do
    describe(kind.name .. ":receiveany(max)", function()
        local pair = kind.pair
        after_each(function()
            keep.close_all()
            dirs.remove_all()
        end)

        it("returns what one read brings, at most max bytes", function()
            local c, p = pair()
            assert(c:send("hello"))
            readable(p)
            local r = net.pack(p:receiveany(100))
            assert.are.same({ n = 1, "hello" }, r)
            assert.is_false(p:dirty())
        end)

        it("keeps what exceeds max buffered, and answers from the buffer first", function()
            local c, p = pair()
            assert(c:send("abcdefghij"))
            readable(p)
            assert.are.equal("abc", p:receiveany(3))
            assert.is_true(p:dirty())
            -- Buffered bytes come back at once even with a zero timeout.
            p:settimeout(0)
            assert.are.equal("defg", p:receiveany(4))
            assert.are.equal("hij", p:receiveany(1000))
            assert.is_false(p:dirty())
            assert.are.same({ n = 2, nil, "timeout" }, net.pack(p:receiveany(1000)))
        end)

        it("returns buffered bytes without waiting for more", function()
            local c, p = pair()
            assert(c:send("line\nrest"))
            readable(p)
            assert.are.equal("line", p:receive("*l"))
            p:settimeout(2)
            local t = net.timed(p.receiveany, p, 100)
            assert.are.same({ n = 1, "rest" }, { n = t.n, t[1] })
            assert.is_true(t.elapsed < 0.5, t.elapsed)
        end)

        it("waits for the first read when nothing is buffered, and returns what it brought", function()
            local _, p, peer_pid = pair(true)
            -- The child connected and sleeps 0.3 s before it sends "late".
            local t = net.timed(p.receiveany, p, 10)
            net.kill(peer_pid)
            assert.are.same({ n = 1, "late" }, { n = t.n, t[1] })
            assert.is_true(t.elapsed >= 0.2 and t.elapsed < 4, t.elapsed)
        end)

        it("returns nil, 'timeout' after the block timeout when nothing arrives", function()
            local _, p = pair()
            p:settimeout(0.2)
            local t = net.timed(p.receiveany, p, 10)
            assert.are.same({ n = 2, nil, "timeout" }, { n = t.n, t[1], t[2] })
            assert.is_true(t.elapsed >= 0.19 and t.elapsed < 2, t.elapsed)
        end)

        it("respects a total timeout, the smaller limit winning", function()
            local _, p = pair()
            p:settimeout(5)
            p:settimeout(0.2, "t")
            local t = net.timed(p.receiveany, p, 10)
            assert.are.same({ n = 2, nil, "timeout" }, { n = t.n, t[1], t[2] })
            assert.is_true(t.elapsed >= 0.19 and t.elapsed < 2, t.elapsed)
        end)

        it("settimeout(0) returns at once: the bytes that are there, or 'timeout'", function()
            local c, p = pair()
            p:settimeout(0)
            local t = net.timed(p.receiveany, p, 10)
            assert.are.same({ n = 2, nil, "timeout" }, { n = t.n, t[1], t[2] })
            assert.is_true(t.elapsed < 0.1, t.elapsed)
            assert(c:send("now"))
            readable(p)
            assert.are.equal("now", p:receiveany(10))
        end)

        it("returns buffered bytes before reporting the end of stream, then 'closed'", function()
            local c, p = pair()
            assert(c:send("tail"))
            c:close()
            readable(p)
            assert.are.equal("ta", p:receiveany(2))
            assert.are.equal("il", p:receiveany(10))
            assert.are.same({ n = 2, nil, "closed" }, net.pack(p:receiveany(10)))
            assert.are.same({ n = 2, nil, "closed" }, net.pack(p:receiveany(10)))
        end)

        it("returns nil, 'closed' on a closed object", function()
            local _, p = pair()
            p:close()
            assert.are.same({ n = 2, nil, "closed" }, net.pack(p:receiveany(10)))
        end)

        it("loses nothing between receiveany and the *l, n and *a patterns", function()
            local c, p = pair()
            assert(c:send("one\r\ntwo\nthree 12345six\nrest of it"))
            c:close()
            readable(p)
            assert.are.equal("on", p:receiveany(2))
            assert.are.equal("e", p:receive("*l"))
            assert.are.equal("t", p:receiveany(1))
            assert.are.equal("wo", p:receive())
            assert.are.equal("three", p:receiveany(5))
            assert.are.equal(" 123", p:receive(4))
            assert.are.equal("45", p:receiveany(2))
            assert.are.equal("six", p:receive("*l"))
            assert.are.equal("rest ", p:receiveany(5))
            assert.are.equal("of it", p:receive("*a"))
            assert.are.same({ n = 2, nil, "closed" }, net.pack(p:receiveany(1)))
        end)

        it("leaves leftovers a later receive(n) and *a see, across reads", function()
            local c, p = pair()
            local data = proc.bytes(50000, 3)
            assert(c:send(data))
            c:close()
            readable(p)
            local first = assert(p:receiveany(7))
            assert.are.equal(data:sub(1, #first), first)
            local n = assert(p:receive(20000))
            assert.are.equal(data:sub(#first + 1, #first + 20000), n)
            local rest = assert(p:receive("*a"))
            assert.are.equal(#data, #first + #n + #rest)
            assert.is_true(first .. n .. rest == data)
        end)

        it("makes dirty() true and select return the object while leftovers wait", function()
            local c, p = pair()
            assert(c:send("0123456789"))
            readable(p)
            assert.are.equal("01", p:receiveany(2))
            assert.is_true(p:dirty())
            -- Nothing more will come: only the buffer makes it readable.
            local r, _, err = socket.select({ p }, nil, 0)
            assert.is_nil(err)
            assert.are.equal(p, r[1])
            assert.are.equal("23456789", p:receiveany(100))
            assert.is_false(p:dirty())
            local r2, _, err2 = socket.select({ p }, nil, 0)
            assert.are.same({}, r2)
            assert.are.equal("timeout", err2)
        end)

        it("keeps a socket.poller that holds the object told of leftovers", function()
            local c, p = pair()
            for _, backend in ipairs({ "epoll", "poll" }) do
                local poller = socket.poller(backend)
                assert(poller:add(p, "r"))
                assert(c:send("0123456789"))
                local ready, events = poller:wait(5)
                assert.are.same({ p }, ready)
                assert.are.same({ "r" }, events)
                assert.are.equal("01", p:receiveany(2))
                -- The kernel has nothing more: only the leftovers make it ready.
                ready, events = poller:wait(0)
                assert.are.same({ p }, ready, backend)
                assert.are.same({ "r" }, events)
                assert.are.equal("23456789", p:receiveany(100))
                local none, err = poller:wait(0)
                assert.is_nil(none)
                assert.are.equal("timeout", err)
                poller:close()
            end
        end)

        it("counts received bytes in getstats as receive does", function()
            local c, p = pair()
            assert(c:send("abcdefgh\nij"))
            readable(p)
            assert.are.equal("abc", p:receiveany(3))
            assert.are.equal(3, (p:getstats()))
            assert.are.equal("defgh", p:receive())
            assert.are.equal(9, (p:getstats()))
            assert.are.equal("ij", p:receiveany(10))
            assert.are.equal(11, (p:getstats()))
        end)

        it("moves 8 MiB byte for byte with max 65536, never returning more than max", function()
            local c, p = pair()
            local data = proc.bytes(100003, 5):rep(84)
            local got, calls = stream(c, p, data, 65536)
            assert.are.equal(#data, #got)
            assert.is_true(got == data)
            assert.is_true(calls >= #data / 65536, calls)
        end)

        it("moves 1 MiB byte for byte with a small odd max (leftovers on every read)", function()
            local c, p = pair()
            local data = proc.bytes(100003, 7):rep(11)
            local got = stream(c, p, data, 1000)
            assert.are.equal(#data, #got)
            assert.is_true(got == data)
        end)

        it("moves 2 MiB byte for byte with a max far beyond any read", function()
            local c, p = pair()
            local data = proc.bytes(100003, 9):rep(21)
            local got = stream(c, p, data, 2 ^ 40)
            assert.are.equal(#data, #got)
            assert.is_true(got == data)
        end)

        it("raises for a max that is missing, not a number, zero or negative", function()
            local _, p = pair()
            assert.are.equal("bad argument #1 to 'receiveany' (number expected, got no value)",
                raised(function() local x = p:receiveany() return x end))
            assert.are.equal("bad argument #1 to 'receiveany' (number expected, got string)",
                raised(function() local x = p:receiveany("x") return x end))
            assert.are.equal("bad argument #1 to 'receiveany' (number expected, got table)",
                raised(function() local x = p:receiveany({}) return x end))
            assert.are.equal("bad argument #1 to 'receiveany' (number expected, got nil)",
                raised(function() local x = p:receiveany(nil) return x end))
            assert.are.equal("bad argument #1 to 'receiveany' (invalid max)",
                raised(function() local x = p:receiveany(0) return x end))
            assert.are.equal("bad argument #1 to 'receiveany' (invalid max)",
                raised(function() local x = p:receiveany(-5) return x end))
            -- NaN and -inf: no integer on 5.3+, not positive before.
            local nan_says = integers_only and "number has no integer representation" or "invalid max"
            assert.are.equal("bad argument #1 to 'receiveany' (" .. nan_says .. ")",
                raised(function() local x = p:receiveany(0 / 0) return x end))
            assert.are.equal("bad argument #1 to 'receiveany' (" .. nan_says .. ")",
                raised(function() local x = p:receiveany(-math.huge) return x end))
            -- Called as a function, the argument keeps its number.
            assert.are.equal("bad argument #2 to 'receiveany' (invalid max)",
                raised(function() local x = p.receiveany(p, 0) return x end))
            -- The object stays usable.
            p:settimeout(0)
            assert.are.same({ n = 2, nil, "timeout" }, net.pack(p:receiveany(1)))
        end)

        it("reads a fractional max as the other integer arguments are read", function()
            local c, p = pair()
            assert(c:send("abcdef"))
            readable(p)
            if integers_only then
                assert.are.equal("bad argument #1 to 'receiveany' (number has no integer representation)",
                    raised(function() local x = p:receiveany(2.5) return x end))
                assert.are.equal("bad argument #1 to 'receiveany' (number has no integer representation)",
                    raised(function() local x = p:receiveany(0.5) return x end))
                assert.are.equal("bad argument #1 to 'receiveany' (number has no integer representation)",
                    raised(function() local x = p:receiveany(math.huge) return x end))
            else
                -- 5.1, 5.2 and LuaJIT truncate: 2.5 is 2, 0.5 is 0.
                assert.are.equal("ab", p:receiveany(2.5))
                assert.are.equal("bad argument #1 to 'receiveany' (invalid max)",
                    raised(function() local x = p:receiveany(0.5) return x end))
            end
            -- A float with an integer value, and a numeric string, are counts.
            local at = integers_only and 1 or 3
            assert.are.equal(("abcdef"):sub(at, at), p:receiveany(1.0))
            assert.are.equal(("abcdef"):sub(at + 1, at + 2), p:receiveany("2"))
        end)
    end)
end

describe("receiveany on other classes", function()
    after_each(function()
        keep.close_all()
        dirs.remove_all()
    end)

    it("exists on tcp and unix stream clients", function()
        local c = tcp_pair()
        assert.are.equal("function", type(c.receiveany))
        local u = unix_pair()
        assert.are.equal("function", type(u.receiveany))
    end)

    it("raises the class error on masters and servers, as receive does", function()
        local m = keep(socket.tcp())
        assert.are.equal("calling 'receiveany' on bad self (tcp{client} expected)",
            raised(function() local x = m:receiveany(10) return x end))
        local s = keep((net.local_server()))
        assert.are.equal("calling 'receiveany' on bad self (tcp{client} expected)",
            raised(function() local x = s:receiveany(10) return x end))
        assert.are.equal("bad argument #1 to 'receiveany' (tcp{client} expected)",
            raised(function() local x = s.receiveany(s, 10) return x end))
        local um = keep(unix.stream())
        assert.are.equal("calling 'receiveany' on bad self (unixstream{client} expected)",
            raised(function() local x = um:receiveany(10) return x end))
        local _, _, srv = unix_pair()
        assert.are.equal("calling 'receiveany' on bad self (unixstream{client} expected)",
            raised(function() local x = srv:receiveany(10) return x end))
        -- A tcp method does not take a unix object.
        local c = tcp_pair()
        assert.are.equal("bad argument #1 to 'receiveany' (tcp{client} expected)",
            raised(function() local x = c.receiveany(um, 10) return x end))
    end)

    it("does not exist on datagram objects", function()
        local u = keep(socket.udp())
        assert.is_nil(u.receiveany)
        assert(u:setpeername("127.0.0.1", 9))
        assert.is_nil(u.receiveany)
        local d = keep(unix.dgram())
        assert.is_nil(d.receiveany)
    end)
end)

describe("socket.monotime()", function()
    it("returns a number", function()
        assert.are.equal("number", type(socket.monotime()))
        assert.are.equal(socket.monotime, require("socket.core").monotime)
    end)

    it("never goes back", function()
        local last = socket.monotime()
        for _ = 1, 10000 do
            local now = socket.monotime()
            assert(now >= last, "monotime went back")
            last = now
        end
    end)

    it("advances about as much as a measured sleep", function()
        local m0, w0 = socket.monotime(), socket.gettime()
        socket.sleep(0.2)
        local m, w = socket.monotime() - m0, socket.gettime() - w0
        assert.is_true(m >= 0.19 and m < 1, m)
        assert.is_true(math.abs(m - w) < 0.05, m .. " vs " .. w)
    end)

    it("counts from an arbitrary origin, not the epoch", function()
        -- CLOCK_MONOTONIC counts from boot: far below the epoch time.
        assert.is_true(socket.monotime() < socket.gettime() - 1e6)
    end)
end)
