-- Name lookups that never stall a loop: connect, bind, setpeername and
-- sendto with a slow name, against a DNS server of ours.
--
-- spec/support/dns_server.py answers chosen names after chosen delays on
-- 127.0.0.1:53 of the specs' private network namespace. Each check runs in a
-- child interpreter (which loads our build through the inherited LUA_INIT)
-- in its own mount namespace, where a private resolv.conf (that server) and
-- hosts file are bind-mounted over /etc's. A child prints `key<TAB>value`
-- lines; the spec asserts on them and on the child's own exit status.
local socket = require("socket")
local net = require("support.net")
local proc = require("support.proc")
local compat = require("support.compat")

-- name = answer @ delay (seconds); any other name is NXDOMAIN at once.
local RULES = {
    "nb.test=127.0.0.1@1", "blk.test=127.0.0.1@2", "gone.test=NXDOMAIN@0.3",
    "bind.test=127.0.0.1@0.5", "peer.test=127.0.0.1@0.5", "dgram.test=127.0.0.1@0.5",
    "leak.test=127.0.0.1@1", "exit.test=127.0.0.1@1", "listed.test=127.0.0.9@1",
    "copas.test=127.0.0.1@2", "loop.test=127.0.0.1@2", "other.test=127.0.0.1@0.3",
    "web.test=127.0.0.1@2", "poll.test=127.0.0.1@1",
}

local dir, log, server_pid

-- Shared by every child: output and small helpers.
local PRELUDE = [[
local socket = require("socket")
-- Integral numbers print alike on every version ("1", never "1.0").
local function show(v)
    if type(v) == "number" and v == math.floor(v) then return string.format("%d", v) end
    return tostring(v)
end
local function out(k, v) io.write(k, "\t", show(v), "\n") io.flush() end
-- The first two results of a call, as text.
local function two(a, b) return show(a) .. " " .. show(b) end
-- What descriptor `fd` of this process is: "socket:[...]", "pipe:[...]"...
local function fd_kind(fd)
    -- %d: getfd's number is a float on 5.3 and 5.4, as in C LuaSocket
    local p = assert(io.popen(("readlink /proc/%s/fd/%d"):format(require("support.proc").pid(), fd)))
    local kind = p:read("*l")
    p:close()
    return kind
end
-- This process's descriptors, without the listing popen's own pipe
-- (spec/support/proc.lua; the child runs from the repository's root).
local function fds() return (require("support.proc").open_fds()) end
local function threads()
    local f = assert(io.open("/proc/self/status"))
    local n = tonumber(f:read("*a"):match("Threads:%s*(%d+)"))
    f:close()
    return n
end
local function listener()
    local s = assert(socket.bind("127.0.0.1", 0))
    s:settimeout(5)
    local _, port = s:getsockname()
    return s, port
end
local function receiver()
    local u = assert(socket.udp())
    assert(u:setsockname("127.0.0.1", 0))
    u:settimeout(5)
    local _, port = u:getsockname()
    return u, port
end
]]

local function exited_ok(a, _, c)
    if type(a) == "number" then return a == 0 end -- Lua 5.1, LuaJIT
    return a == true and c == 0
end

local count = 0

--- Runs `code` (after the prelude) in a child under the private resolver;
-- returns its `key -> value` table (values as strings) and its raw output.
local function child(code)
    count = count + 1
    local script = dir .. "/child" .. count .. ".lua"
    local output = dir .. "/out" .. count
    proc.write_file(script, PRELUDE .. code)
    local inner = "mount --bind " .. dir .. "/resolv.conf /etc/resolv.conf"
        .. " && mount --bind " .. dir .. "/hosts /etc/hosts"
        .. " && exec " .. proc.quote(net.interpreter()) .. " " .. proc.quote(script)
    local ok = exited_ok(os.execute("unshare -m sh -c " .. proc.quote(inner) .. " >" .. output .. " 2>&1"))
    local raw = proc.read_file(output) or ""
    assert(ok, "child failed:\n" .. raw)
    local r = {}
    for k, v in raw:gmatch("([^\t\n]+)\t([^\n]*)") do r[k] = v end
    return r, raw
end

local function num(r, k)
    local v = tonumber(r[k])
    assert(v, "no number for " .. k)
    return v
end

--- The names the DNS server was asked about.
local function asked()
    local t = {}
    for name in (proc.read_file(log) or ""):gmatch("(%S+) %d+\n") do t[name] = true end
    return t
end

describe("name lookups that do not block", function()
    setup(function()
        dir = proc.tmpdir()
        log = dir .. "/dns.log"
        proc.write_file(dir .. "/resolv.conf", "nameserver 127.0.0.1\noptions timeout:5 attempts:1\n")
        proc.write_file(dir .. "/hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost\n"
            .. "# a comment naming commented.test\n127.0.0.1\tlisted.test  alias.test # here\n")
        server_pid = net.spawn(proc.python() .. " spec/support/dns_server.py 127.0.0.1 53 "
            .. log .. " " .. table.concat(RULES, " "))
        local deadline = socket.gettime() + 10
        while not (proc.read_file(log) or ""):find("^ready") do
            assert(socket.gettime() < deadline, "the DNS server did not start")
            socket.sleep(0.02)
        end
    end)

    teardown(function()
        net.kill(server_pid)
        os.execute("rm -rf " .. proc.quote(dir))
    end)

    describe("tcp :connect()", function()
        it("at timeout 0 returns timeout at once, wakes select (object or getfd) at the answer, connects", function()
            local r = child([[
local srv, port = listener()
local c = socket.tcp()
c:settimeout(0)
local t0 = socket.gettime()
local ok, err = c:connect("nb.test", port)
out("first", two(ok, err))
out("first_took", socket.gettime() - t0)
out("class", tostring(c):match("^[^:]+"))
local fd = c:getfd()
out("fd_valid", fd >= 0)
local rd, wr, e = socket.select({ c }, { c }, 0)
out("ready_at_once", #rd + #wr)
out("select_err", e)
-- Readable through a getfd-only wrapper (as LuaSec's and copas's are),
-- writable through the object itself.
local wrapper = { getfd = function() return c:getfd() end, dirty = function() return false end }
rd, wr = socket.select({ wrapper }, { c }, 5)
out("woke_after", socket.gettime() - t0)
out("woke_r", #rd) out("woke_w", #wr)
local result
for _ = 1, 50 do
    ok, err = c:connect("nb.test", port)
    if ok or err == "already connected" then result = "connected" break end
    if err ~= "timeout" then result = err break end
    socket.select(nil, { c }, 5)
end
out("result", result)
out("fd_is_socket", c:getfd() ~= fd or c:getpeername() ~= nil)
local a = assert(srv:accept())
c:settimeout(5)
c:send("over the name\n")
out("received", a:receive())
a:send("back\n")
out("back", c:receive())
]])
            assert.are.equal("nil timeout", r.first)
            assert.is_true(num(r, "first_took") < 0.2, r.first_took)
            assert.are.equal("tcp{client}", r.class)
            assert.are.equal("true", r.fd_valid)
            assert.are.equal("0", r.ready_at_once)
            assert.are.equal("timeout", r.select_err)
            assert.is_true(num(r, "woke_after") > 0.8 and num(r, "woke_after") < 2.5, r.woke_after)
            assert.are.equal("1", r.woke_r)
            assert.are.equal("1", r.woke_w)
            assert.are.equal("connected", r.result)
            assert.are.equal("over the name", r.received)
            assert.are.equal("back", r.back)
        end)

        it("with a timeout shorter than the lookup returns timeout after it, and a later call goes on", function()
            local r = child([[
local srv, port = listener()
local c = socket.tcp()
c:settimeout(0.3)
local t0 = socket.gettime()
local ok, err = c:connect("blk.test", port)
out("first", two(ok, err))
out("first_took", socket.gettime() - t0)
c:settimeout(5)
out("second", two(c:connect("blk.test", port)))
out("total", socket.gettime() - t0)
out("accepted", srv:accept() ~= nil)
]])
            assert.are.equal("nil timeout", r.first)
            assert.is_true(num(r, "first_took") >= 0.25 and num(r, "first_took") < 1.0, r.first_took)
            assert.are.equal("1 nil", r.second)
            assert.is_true(num(r, "total") > 1.7 and num(r, "total") < 3.5, r.total)
            assert.are.equal("true", r.accepted)
        end)

        it("gives today's resolver texts for a name that does not exist", function()
            local r = child([[
local function settle(s, f)
    local ok, err = f()
    if err == "timeout" then
        socket.select({ s }, nil, 5)
        ok, err = f()
    end
    return two(ok, err)
end
local c = socket.tcp()
c:settimeout(0)
out("tcp_async", settle(c, function() return c:connect("gone.test", 80) end))
local b = socket.tcp()
out("tcp_sync", select(2, b:connect("gone.test", 80)))
local u = socket.udp()
u:settimeout(0)
out("peer_async", settle(u, function() return u:setpeername("gone.test", 80) end))
out("sendto_async", settle(u, function() return u:sendto("x", "gone.test", 80) end))
local v = socket.udp()
out("peer_sync", select(2, v:setpeername("gone.test", 80)))
]])
            local text = "host or service not provided, or not known"
            assert.are.equal("nil " .. text, r.tcp_async)
            assert.are.equal(text, r.tcp_sync)
            assert.are.equal("nil " .. text, r.peer_async)
            assert.are.equal(text, r.peer_sync)
            assert.are.equal("nil Name or service not known", r.sendto_async)
        end)

        it("abandons a lookup when called with another name", function()
            local r = child([[
local srv, port = listener()
local c = socket.tcp()
c:settimeout(0)
out("first", select(2, c:connect("nb.test", port)))
local fd1 = c:getfd()
out("second", select(2, c:connect("other.test", port)))
out("new_fd", c:getfd() ~= fd1 or "same")
socket.select(nil, { c }, 5)
local ok = c:connect("other.test", port)
if not ok then socket.select(nil, { c }, 5) ok = c:connect("other.test", port) end
out("connected", ok == 1)
out("accepted", srv:accept() ~= nil)
]])
            assert.are.equal("timeout", r.first)
            assert.are.equal("timeout", r.second)
            assert.are.equal("true", r.connected)
            assert.are.equal("true", r.accepted)
        end)
    end)

    describe("socket.poller", function()
        it("waits for a pending lookup, then follows the socket that replaces its descriptor", function()
            local r = child([[
local srv, port = listener()
for _, backend in ipairs({ "epoll", "poll" }) do
    local c = socket.tcp()
    c:settimeout(0)
    local p = socket.poller(backend)
    local t0 = socket.monotime()
    out(backend .. "_first", select(2, c:connect("poll.test", port)))
    assert(p:add(c, "w"))
    out(backend .. "_idle", select(2, p:wait(0.3)))
    local ready, events = p:wait(5)
    out(backend .. "_woke", ready and ready[1] == c and events[1])
    out(backend .. "_after", socket.monotime() - t0)
    local ok, err = c:connect("poll.test", port)
    while not ok and err == "timeout" do
        ready = p:wait(5)
        out(backend .. "_wait_connect", ready and ready[1] == c)
        ok, err = c:connect("poll.test", port)
    end
    out(backend .. "_connected", ok == 1 or err == "already connected")
    local a = assert(srv:accept())
    a:send("x")
    p:modify(c, "r")
    ready, events = p:wait(5)
    out(backend .. "_readable", ready and ready[1] == c and events[1])
    out(backend .. "_data", c:receive(1))
    p:close() c:close() a:close()
end
]])
            for _, backend in ipairs({ "epoll", "poll" }) do
                assert.are.equal("timeout", r[backend .. "_first"])
                assert.are.equal("timeout", r[backend .. "_idle"])
                assert.are.equal("w", r[backend .. "_woke"])
                assert.is_true(num(r, backend .. "_after") > 0.8, r[backend .. "_after"])
                assert.is_not.equal("false", r[backend .. "_wait_connect"])
                assert.are.equal("true", r[backend .. "_connected"])
                assert.are.equal("r", r[backend .. "_readable"])
                assert.are.equal("x", r[backend .. "_data"])
            end
        end)
    end)

    describe("socket.http", function()
        it("a request's deadline bounds the lookup of a slow name too", function()
            local r = child([[
local http = require("socket.http")
local _, port = listener()
local t0 = socket.monotime()
out("result", two(http.request({ url = "http://web.test:" .. port .. "/", timeout = 0.5 })))
out("took", socket.monotime() - t0)
]])
            assert.are.equal("nil timeout", r.result)
            assert.is_true(num(r, "took") >= 0.45 and num(r, "took") < 1.5, r.took)
        end)
    end)

    describe(":bind(), udp :setpeername(), and :sendto() which looks nothing up", function()
        it("bind at timeout 0 returns timeout, then binds once the answer is in", function()
            local r = child([[
local s = socket.tcp()
s:settimeout(0)
out("first", select(2, s:bind("bind.test", 0)))
socket.select({ s }, nil, 5)
out("second", s:bind("bind.test", 0))
out("name", s:getsockname())
]])
            assert.are.equal("timeout", r.first)
            assert.are.equal("1", r.second)
            assert.are.equal("127.0.0.1", r.name)
        end)

        it("setpeername at timeout 0 returns timeout and stays unconnected, then connects", function()
            local r = child([[
local rx, port = receiver()
local u = socket.udp()
u:settimeout(0)
out("first", select(2, u:setpeername("peer.test", port)))
out("class1", tostring(u):match("^[^:]+"))
socket.select(nil, { u }, 5)
out("second", u:setpeername("peer.test", port))
out("class2", tostring(u):match("^[^:]+"))
u:send("connected datagram")
out("got", rx:receive())
]])
            assert.are.equal("timeout", r.first)
            assert.are.equal("udp{unconnected}", r.class1)
            assert.are.equal("1", r.second)
            assert.are.equal("udp{connected}", r.class2)
            assert.are.equal("connected datagram", r.got)
        end)

        it("sendto takes numeric addresses only, as C LuaSocket's: a slow name is refused at once", function()
            local r = child([[
local rx, port = receiver()
local u = socket.udp()
u:settimeout(1)
local t0 = socket.gettime()
out("named", two(u:sendto("hello", "dgram.test", port)))
out("named_took", socket.gettime() - t0)
u:settimeout(0)
out("peer", select(2, u:setpeername("dgram.test", port)))
out("pending_kind", fd_kind(u:getfd()))
-- A numeric sendto abandons the pending lookup: getfd is the socket again
-- (maybe under the same number, once the lookup's pipe is closed).
out("numeric", u:sendto("again", "127.0.0.1", port))
out("socket_kind", fd_kind(u:getfd()))
out("got", rx:receive())
]])
            assert.are.equal("nil Name or service not known", r.named)
            assert.is_true(num(r, "named_took") < 0.2, r.named_took)
            assert.are.equal("timeout", r.peer)
            assert.are.equal("5", r.numeric)
            assert.truthy(r.pending_kind:match("^pipe:%[%d+%]$"), r.pending_kind)
            assert.truthy(r.socket_kind:match("^socket:%[%d+%]$"), r.socket_kind)
            assert.are.equal("again", r.got)
        end)
    end)

    describe("compatibility", function()
        local code = [[
local rx, port = receiver()
local u = socket.udp()
u:settimeout(0)
for _, host in ipairs({ "127.0.0.1", "localhost", "listed.test", "alias.test" }) do
    out("peer " .. host, two(u:setpeername(host, port)) .. " " .. show((u:getpeername())))
    u:setpeername("*")
    out("sendto " .. host, two(u:sendto("x", host, port)))
end
]]

        it("numeric addresses, localhost and names in /etc/hosts resolve in the call, as C LuaSocket's do", function()
            local r = child(code)
            for _, host in ipairs({ "127.0.0.1", "localhost", "listed.test", "alias.test" }) do
                assert.are.equal("1 nil 127.0.0.1", r["peer " .. host])
            end
            assert.are.equal("1 nil", r["sendto 127.0.0.1"])
            for _, host in ipairs({ "localhost", "listed.test", "alias.test" }) do
                assert.are.equal("nil Name or service not known", r["sendto " .. host])
            end
            local names = asked()
            assert.is_nil(names["listed.test"])
            assert.is_nil(names["alias.test"])
            assert.is_nil(names["localhost"])
        end)

        it("C LuaSocket gives the same results for them", function()
            local ours = child(code)
            local env = net.c_luasocket_env("./spec/?.lua;")
            local script = dir .. "/c_child.lua"
            proc.write_file(script, PRELUDE .. code)
            local output = dir .. "/c_out"
            local inner = "mount --bind " .. dir .. "/resolv.conf /etc/resolv.conf"
                .. " && mount --bind " .. dir .. "/hosts /etc/hosts"
                .. " && exec " .. env .. " " .. proc.quote(net.interpreter()) .. " " .. proc.quote(script)
            local ok = exited_ok(os.execute("unshare -m sh -c " .. proc.quote(inner) .. " >" .. output .. " 2>&1"))
            local raw = proc.read_file(output) or ""
            assert(ok, raw)
            local theirs = {}
            for k, v in raw:gmatch("([^\t\n]+)\t([^\n]*)") do theirs[k] = v end
            assert.are.same(theirs, ours)
        end)
    end)

    describe("resources", function()
        it("closing and collecting sockets mid-lookup leaks no descriptors and no threads", function()
            local r = child([[
local fd0, th0 = fds(), threads()
local socks = {}
for i = 1, 20 do
    local c = socket.tcp()
    c:settimeout(0)
    local _, err = c:connect("leak.test", 1000 + i)
    assert(err == "timeout", err)
    socks[i] = c
end
out("fds_pending", fds() - fd0)
out("threads_pending", threads() - th0)
for i = 1, 10 do socks[i]:close() end
for i = 11, 20 do socks[i] = nil end
collectgarbage() collectgarbage()
out("fds_after_close", fds() - fd0)
-- The abandoned lookups end when the server answers (1 s). Their
-- descriptors must then be gone; a loaded machine gets up to 10 s to get
-- there (a fixed 2.5 s failed once while the machine was profiling).
local waited = 0
repeat
    socket.sleep(0.1)
    waited = waited + 0.1
until (waited >= 2.5 and fds() == fd0) or waited >= 10
out("fds_later", fds() - fd0)
out("threads_later", threads() - th0)
-- A second wave reuses the same threads.
for i = 1, 8 do
    local c = socket.tcp()
    c:settimeout(0)
    c:connect("leak.test", 2000 + i)
    socks[i] = c
end
for i = 1, 8 do
    socket.select({ socks[i] }, nil, 5)
    socks[i]:close()
end
out("fds_end", fds() - fd0)
out("threads_end", threads() - th0)
]])
            -- Two pipe ends per lookup, and the resolver's own socket in each
            -- lookup a thread is running.
            assert.is_true(num(r, "fds_pending") >= 40 and num(r, "fds_pending") <= 48, "fds " .. r.fds_pending)
            assert.is_true(num(r, "threads_pending") <= 4, r.threads_pending)
            assert.is_true(num(r, "fds_after_close") <= 4, r.fds_after_close)
            assert.are.equal("0", r.fds_later)
            assert.is_true(num(r, "threads_later") <= 4, r.threads_later)
            assert.are.equal("0", r.fds_end)
            assert.is_true(num(r, "threads_end") <= 4, r.threads_end)
        end)

        it("a process may exit while a lookup runs", function()
            local r, raw = child([[
local c = socket.tcp()
c:settimeout(0)
out("first", select(2, c:connect("exit.test", 80)))
socket.sleep(0.2)
]])
            assert.are.equal("timeout", r.first)
            assert.is_nil(raw:find("Segmentation", 1, true))
        end)
    end)

    describe("the loop keeps running while a name resolves", function()
        -- The shape of copas's connect loop (connect -> "timeout" -> wait for
        -- writable -> connect again) beside a 100 ms ticker, on select.
        local loop = [[
local srv, port = listener()
local c = socket.tcp()
local co = coroutine.create(function()
    c:settimeout(0)
    repeat
        local ok, err = c:connect("loop.test", port)
        if ok or err ~= "timeout" then return ok, err end
        coroutine.yield(c)
    until false
end)
local t0, cpu0 = socket.gettime(), os.clock()
local _, waiting = coroutine.resume(co)
local late, ticks, next_tick, done = 0, 0, t0 + 0.1, nil
while not done do
    local left = math.max(0, next_tick - socket.gettime())
    local _, wr = socket.select(nil, { waiting }, left)
    local now = socket.gettime()
    if now >= next_tick then
        late = math.max(late, now - next_tick)
        ticks = ticks + 1
        next_tick = next_tick + 0.1
    end
    if wr[waiting] then
        local alive, w = coroutine.resume(co)
        if coroutine.status(co) == "dead" then done = two(w, alive) else waiting = w end
    end
end
local wall, cpu = socket.gettime() - t0, os.clock() - cpu0
out("result", done)
out("wall", wall) out("cpu", cpu) out("late", late) out("ticks", ticks)
out("accepted", srv:accept() ~= nil)
]]

        it("a select loop ticks on time and uses little CPU while a connect waits 2 s for its name", function()
            local r = child(loop)
            print(("\n[dns_async] select loop: wall %.3f s, cpu %.4f s (%.2f%%), ticker late at most %.1f ms, %s ticks")
                :format(num(r, "wall"), num(r, "cpu"), 100 * num(r, "cpu") / num(r, "wall"),
                    1000 * num(r, "late"), r.ticks))
            assert.are.equal("1 true", r.result)
            assert.is_true(num(r, "wall") > 1.8 and num(r, "wall") < 4, r.wall)
            assert.is_true(num(r, "cpu") < 0.05 * num(r, "wall"), r.cpu)
            assert.is_true(num(r, "late") < 0.5, r.late)
            assert.are.equal("true", r.accepted)
        end)

        -- Checked, not required: loading copas here would change this
        -- process's socket.protect and socket.newtry.
        local packaged = compat.packaged("lua-copas")
        it("copas (Debian's, unmodified) ticks on time while one coroutine connects to a slow name", function()
            if not packaged then
                pending("lua-copas is not packaged for " .. _VERSION)
                return
            end
            local r = child([[
local copas = require("copas")
local srv, port = listener()
local result
copas.addthread(function()
    local c = socket.tcp()
    local ok, err = copas.connect(c, "copas.test", port)
    result = two(ok, err)
end)
local t0, cpu0 = socket.gettime(), os.clock()
local late, ticks, next_tick = 0, 0, t0 + 0.1
-- The ticker lives in the loop's own turn: it runs whenever copas.step
-- returns, so its lateness is how long the loop stalled.
while not result do
    copas.step(math.max(0, next_tick - socket.gettime()))
    local now = socket.gettime()
    if now >= next_tick then
        late = math.max(late, now - next_tick)
        ticks = ticks + 1
        next_tick = next_tick + 0.1
    end
end
local wall, cpu = socket.gettime() - t0, os.clock() - cpu0
out("result", result)
out("wall", wall) out("cpu", cpu) out("late", late) out("ticks", ticks)
out("accepted", srv:accept() ~= nil)
out("version", copas._VERSION)
]])
            print(("\n[dns_async] %s: wall %.3f s, cpu %.4f s (%.2f%%), ticker late at most %.1f ms, %s ticks")
                :format(r.version, num(r, "wall"), num(r, "cpu"), 100 * num(r, "cpu") / num(r, "wall"),
                    1000 * num(r, "late"), r.ticks))
            assert.are.equal("1 nil", r.result)
            assert.is_true(num(r, "wall") > 1.8 and num(r, "wall") < 4, r.wall)
            assert.is_true(num(r, "cpu") < 0.05 * num(r, "wall"), r.cpu)
            assert.is_true(num(r, "late") < 0.5, r.late)
            assert.are.equal("true", r.accepted)
        end)
    end)
end)
