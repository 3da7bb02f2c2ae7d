-- socket.dns (toip, tohostname, getaddrinfo, getnameinfo) beyond the basics
-- in socket_spec.lua, and connecting to a name with several addresses: one
-- deadline for the whole connect, and the RFC 8305 race that makes a dead
-- first address cost only a short delay.
--
-- Names with several addresses come from a private /etc/hosts in a child
-- process (support/hosts.lua); nothing here leaves the machine. A dead
-- address is a listener with a full backlog: the kernel drops further SYNs,
-- so a connect to it hangs as one to an unreachable host does.
local socket = require("socket")
local hosts = require("support.hosts")

local dns = socket.dns

local raised = require("support.objects").raised

-- Specs that need a private /etc/hosts are pending where unshare is refused.
local it_hosts = hosts.available() and it or pending

-- Code every child starts with: `say(key, value)` reports a result, and
-- `dead(addrs [, live])` makes listeners on one port at every address of
-- `addrs` that never answer (backlog 0, already full), and an ordinary one
-- at address `live` if given; returns the port and the live listener. A
-- port free on one address may be taken on another (by any connection
-- the test run holds there), so ports are tried until one is free on all
-- of them, and the backlogs are filled only once every listener is bound.
local PRELUDE = [[
local socket = require("socket")
local function say(key, value) io.write(key, "\t", tostring(value), "\n") end
local held = {}
local function dead(addrs, live)
    local all = {}
    for i, addr in ipairs(addrs) do all[i] = addr end
    if live then all[#all + 1] = live end
    for _ = 1, 50 do
        local made, port = {}, nil
        for i, addr in ipairs(all) do
            local s = socket.bind(addr, port or 0, i <= #addrs and 0 or 32)
            if not s then break end
            port = port or select(2, s:getsockname())
            made[i] = s
        end
        if #made == #all then
            for i = 1, #addrs do
                held[#held + 1] = made[i]
                held[#held + 1] = assert(socket.connect(addrs[i], port))
            end
            return port, live and made[#all]
        end
        for _, s in ipairs(made) do s:close() end
    end
    error("no port free on every address")
end
]]

local function child(hosts_text, code)
    local r, raw = hosts.run(hosts_text, PRELUDE .. code)
    assert.is_not_nil(r.done, "the child did not finish:\n" .. raw)
    return r, raw
end

describe("socket.dns", function()
    describe(".toip()", function()
        it("accepts every IPv4 form inet_aton does, naming the address as upstream", function()
            local ip, info = dns.toip("127.1")
            assert.are.equal("127.0.0.1", ip)
            assert.are.equal("localhost", info.name)
            assert.are.same({ "127.0.0.1" }, info.ip)
            assert.are.same({}, info.alias)
            assert.are.equal("127.0.0.1", (dns.toip("0x7f.0.0.1")))
        end)

        it("resolves IPv6 addresses too (upstream is IPv4-only)", function()
            local ip, info = dns.toip("::1")
            assert.are.equal("::1", ip)
            assert.are.same({ "::1" }, info.ip)
            assert.are.equal("string", type(info.name))
        end)

        it("gives the info table LuaSocket's shape for a name", function()
            local ip, info = dns.toip("localhost")
            assert.are.equal("127.0.0.1", ip)
            assert.are.equal("table", type(info.alias))
            assert.are.equal("127.0.0.1", info.ip[1])
            assert.are.equal("string", type(info.name))
        end)

        it("raises for a missing argument", function()
            assert.are.equal("bad argument #1 to 'toip' (string expected, got no value)",
                raised(function() local r = dns.toip() return r end))
        end)

        it_hosts("gives an IPv6-only name's address, and IPv4 first for a name with both", function()
            local r = child("::1 six.test\n127.0.0.1 dual.test\n::1 dual.test\n", [[
                local ip, info = socket.dns.toip("six.test")
                say("six", ip) say("six_name", info.name) say("six_count", #info.ip)
                ip, info = socket.dns.toip("dual.test")
                say("dual", ip) say("dual_count", #info.ip) say("dual_2", info.ip[2])
                say("done", true)
            ]])
            assert.are.equal("::1", r.six)
            assert.are.equal("six.test", r.six_name)
            assert.are.equal(1, tonumber(r.six_count))
            assert.are.equal("127.0.0.1", r.dual)
            assert.are.equal(2, tonumber(r.dual_count))
            assert.are.equal("::1", r.dual_2)
        end)

        it_hosts("returns an address with no reverse name as it is (upstream: host not found)", function()
            local r = child("127.0.0.1 localhost\n", [[
                local ip, info = socket.dns.toip("192.0.2.7")
                say("ip", ip) say("name", info and info.name)
                say("tohostname", select(2, socket.dns.tohostname("192.0.2.7")))
                say("done", true)
            ]])
            assert.are.equal("192.0.2.7", r.ip)
            assert.are.equal("192.0.2.7", r.name)
            assert.are.equal("host not found", r.tohostname)
        end)
    end)

    describe(".tohostname()", function()
        it("maps any IPv4 form back to its name", function()
            local name, info = dns.tohostname("0x7f.1")
            assert.are.equal("localhost", name)
            assert.are.equal("localhost", info.name)
            assert.are.same({ "127.0.0.1" }, info.ip)
        end)

        it("returns the canonical name of a name", function()
            assert.are.equal("localhost", (dns.tohostname("localhost")))
        end)

        it("raises for a non-string", function()
            assert.are.equal("bad argument #1 to 'tohostname' (string expected, got table)",
                raised(function() local r = dns.tohostname({}) return r end))
        end)

        it_hosts("maps an IPv6 address back to its name", function()
            local r = child("::1 six.test\n", [[
                local name, info = socket.dns.tohostname("::1")
                say("name", name) say("ip", info.ip[1])
                say("done", true)
            ]])
            assert.are.equal("six.test", r.name)
            assert.are.equal("::1", r.ip)
        end)
    end)

    describe(".getaddrinfo()", function()
        it("converts a number argument to a string, as upstream", function()
            assert.are.same({ { family = "inet", addr = "0.0.0.12" } }, dns.getaddrinfo(12))
        end)

        it_hosts("lists every address of a name with both families", function()
            local r = child("::1 dual.test\n127.0.0.1 dual.test\n", [[
                local list = assert(socket.dns.getaddrinfo("dual.test"))
                local seen = {}
                for _, a in ipairs(list) do seen[#seen + 1] = a.family .. "=" .. a.addr end
                table.sort(seen)
                say("list", table.concat(seen, ","))
                say("done", true)
            ]])
            assert.are.equal("inet6=::1,inet=127.0.0.1", r.list)
        end)
    end)

    describe(".getnameinfo()", function()
        it("returns the names and the service", function()
            local names, service = dns.getnameinfo("127.0.0.1", "53")
            assert.are.same({ "localhost" }, names)
            assert.are.equal("domain", service)
        end)

        it("returns nil and the resolver text for an unknown service", function()
            local names, err = dns.getnameinfo("127.0.0.1", "no-such-service")
            assert.is_nil(names)
            assert.are.equal("service not supported for socket type", err)
        end)
    end)
end)

describe("connecting to a name with several addresses", function()
    it("keeps the options set before connect on the socket that wins", function()
        local srv = assert(socket.bind("127.0.0.1", 0))
        local _, port = srv:getsockname()
        local t = assert(socket.tcp4())
        assert(t:setoption("tcp-nodelay", true))
        assert(t:setoption("keepalive", true))
        t:settimeout(5)
        assert.are.equal(1, t:connect("localhost", port))
        assert.is_true(t:getoption("tcp-nodelay"))
        assert.is_true(t:getoption("keepalive"))
        t:close()
        srv:close()
    end)

    it_hosts("a dead first address costs one attempt delay, not a timeout", function()
        local r, raw = child("::1 dual.test\n127.0.0.1 dual.test\n", [[
            local list = assert(socket.dns.getaddrinfo("dual.test"))
            say("first", list[1].addr)
            say("second", list[2].addr)
            local port, srv = dead({ list[1].addr }, list[2].addr)
            local t0 = socket.gettime()
            local c, err = socket.connect("dual.test", port)
            say("elapsed", socket.gettime() - t0)
            say("err", err)
            say("peer", c and (c:getpeername()))
            local t = socket.tcp()
            t:settimeout(5)
            t0 = socket.gettime()
            say("method", t:connect("dual.test", port))
            say("method_elapsed", socket.gettime() - t0)
            say("method_peer", (t:getpeername()))
            srv:close()
            say("done", true)
        ]])
        assert.are.equal("nil", r.err, raw)
        assert.are.equal(r.second, r.peer)
        local elapsed = tonumber(r.elapsed)
        -- One attempt delay (250 ms); C LuaSocket waits for the kernel's
        -- connect timeout (two minutes) here.
        assert.is_true(elapsed >= 0.2 and elapsed < 1.5, "socket.connect took " .. r.elapsed)
        assert.are.equal(1, tonumber(r.method))
        assert.are.equal(r.second, r.method_peer)
        local m = tonumber(r.method_elapsed)
        assert.is_true(m >= 0.2 and m < 1.5, "tcp:connect took " .. r.method_elapsed)
    end)

    it_hosts("one deadline covers every address (upstream restarts the timeout)", function()
        local r, raw = child("::1 trio.test\n127.0.0.1 trio.test\n127.0.0.2 trio.test\n", [[
            local list = assert(socket.dns.getaddrinfo("trio.test"))
            say("count", #list)
            local port = dead({ list[1].addr, list[2].addr, list[3].addr })
            local t = socket.tcp()
            t:settimeout(1)
            local t0 = socket.gettime()
            local ok, err = t:connect("trio.test", port)
            say("elapsed", socket.gettime() - t0)
            say("ok", ok) say("err", err)
            say("done", true)
        ]])
        assert.are.equal(3, tonumber(r.count), raw)
        assert.are.equal("nil", r.ok)
        assert.are.equal("timeout", r.err)
        local elapsed = tonumber(r.elapsed)
        -- C LuaSocket takes 2 s here: a fresh timeout for each change of
        -- family (its third attempt reuses the second's busy socket and
        -- fails at once with "Operation already in progress").
        assert.is_true(elapsed >= 0.9 and elapsed < 1.9, "connect took " .. r.elapsed)
    end)

    it_hosts("a bound socket tries the addresses in turn, within one deadline", function()
        local r, raw = child("127.0.0.2 seq.test\n127.0.0.3 seq.test\n127.0.0.4 seq.test\n", [[
            local port = dead({ "127.0.0.2", "127.0.0.3", "127.0.0.4" })
            local t = socket.tcp4()
            assert(t:bind("127.0.0.1", 0))
            t:settimeout(0.5)
            local t0 = socket.gettime()
            local ok, err = t:connect("seq.test", port)
            say("elapsed", socket.gettime() - t0)
            say("ok", ok) say("err", err)
            say("done", true)
        ]])
        -- C LuaSocket also stops after 0.5 s, but reports the next address's
        -- "Operation already in progress" instead of the timeout.
        assert.are.equal("timeout", r.err, raw)
        local elapsed = tonumber(r.elapsed)
        assert.is_true(elapsed >= 0.4 and elapsed < 1.2, "connect took " .. r.elapsed)
    end)

    it_hosts("a refused first address moves on at once", function()
        local r, raw = child("::1 dual.test\n127.0.0.1 dual.test\n", [[
            local list = assert(socket.dns.getaddrinfo("dual.test"))
            local srv = assert(socket.bind(list[2].addr, 0))
            local _, port = srv:getsockname()
            local t0 = socket.gettime()
            local c, err = socket.connect("dual.test", port)
            say("elapsed", socket.gettime() - t0)
            say("err", err)
            say("peer", c and (c:getpeername()))
            say("second", list[2].addr)
            say("done", true)
        ]])
        assert.are.equal("nil", r.err, raw)
        assert.are.equal(r.second, r.peer)
        assert.is_true(tonumber(r.elapsed) < 0.2, "connect took " .. r.elapsed)
    end)

    it_hosts("a zero timeout starts one attempt and reports it as upstream does", function()
        local r, raw = child("::1 dual.test\n127.0.0.1 dual.test\n", [[
            local list = assert(socket.dns.getaddrinfo("dual.test"))
            local port = dead({ list[1].addr })
            local t = socket.tcp()
            t:settimeout(0)
            say("first", select(2, t:connect("dual.test", port)))
            say("again", select(2, t:connect("dual.test", port)))
            say("done", true)
        ]])
        assert.are.equal("timeout", r.first, raw)
        assert.are.equal("Operation already in progress", r.again)
    end)
end)
