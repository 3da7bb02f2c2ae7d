-- socket.udp: classes and their transitions, argument errors, sendto and
-- receivefrom, whole and truncated datagrams, zero-length datagrams,
-- connected sockets and ICMP refusals, closed sockets, timeouts, options
-- (multicast membership included), select, __gc.
-- Everything runs over real sockets on 127.0.0.1 and ::1.
local socket = require("socket")
local net = require("support.net")
local objects = require("support.objects")

local keep = objects.tracker()
local raised, class_of, sorted_keys = objects.raised, objects.class_of, objects.sorted_keys

-- A udp4 socket bound to 127.0.0.1 on an ephemeral port (5 s timeout),
-- and its port.
local function bound(host, maker)
    local s = keep(assert((maker or socket.udp4)()))
    assert(s:setsockname(host or "127.0.0.1", 0))
    assert(s:settimeout(5))
    local _, port = s:getsockname()
    return s, port
end

-- A port where nothing listens (bound once, then closed).
local function dead_port()
    local s = assert(socket.udp4())
    assert(s:setsockname("127.0.0.1", 0))
    local _, port = s:getsockname()
    s:close()
    return port
end

describe("socket.udp", function()
    after_each(keep.close_all)

    describe("constructors", function()
        it("udp() gives a udp{unconnected} with no descriptor yet", function()
            local u = keep(socket.udp())
            assert.are.equal("udp{unconnected}", class_of(u))
            assert.are.equal(-1, u:getfd())
            assert.are.equal("inet4", u:getfamily())
        end)

        it("udp4() and udp6() create their descriptor at once", function()
            local u4 = keep(socket.udp4())
            local u6 = keep(socket.udp6())
            assert.is_true(u4:getfd() >= 0)
            assert.is_true(u6:getfd() >= 0)
            assert.are.equal("inet4", u4:getfamily())
            assert.are.equal("inet6", u6:getfamily())
        end)

        it("udp6() sets ipv6-v6only, as LuaSocket does", function()
            local u6 = keep(socket.udp6())
            assert.is_true(u6:getoption("ipv6-v6only"))
        end)

        it("starts with no timeouts (-1, -1)", function()
            local u = keep(socket.udp4())
            assert.are.same({ n = 2, -1, -1 }, net.pack(u:gettimeout()))
        end)

        it("udp() takes the family of its first sendto", function()
            local peer, port = bound("::1", socket.udp6)
            local u = keep(socket.udp())
            assert.are.equal(1, u:sendto("x", "::1", port))
            assert.are.equal("inet6", u:getfamily())
            assert.is_true(u:getfd() >= 0)
            assert.are.equal("x", (peer:receive()))
        end)

        it("udp() takes the family of setsockname", function()
            local u = keep(socket.udp())
            assert.are.equal(1, u:setsockname("::1", 0))
            assert.are.equal("inet6", u:getfamily())
            local ip, _, family = u:getsockname()
            assert.are.equal("::1", ip)
            assert.are.equal("inet6", family)
        end)
    end)

    describe("classes and metatables", function()
        it("tostring is '<class>: 0x<address>'", function()
            local u = keep(socket.udp4())
            assert.is_truthy(tostring(u):match("^udp{unconnected}: 0x%x+$"))
        end)

        it("has a plain __index table with LuaSocket's methods and class", function()
            local u = keep(socket.udp4())
            local mt = getmetatable(u)
            assert.are.equal("table", type(mt.__index))
            assert.are.same({
                "class", "close", "dirty", "getfamily", "getfd", "getoption", "getpeername",
                "getsockname", "gettimeout", "receive", "receivefrom", "send", "sendto", "setfd",
                "setoption", "setpeername", "setsockname", "settimeout",
            }, sorted_keys(mt.__index))
            assert.are.equal("udp{unconnected}", mt.__name)
            assert.is_true(mt["udp{any}"])
            assert.is_true(mt["select{able}"])
            assert.are.equal("function", type(mt.__gc))
        end)

        it("setpeername switches to udp{connected} and setpeername('*') back, in place", function()
            local _, port = bound()
            local u = keep(socket.udp4())
            local mt = getmetatable(u)
            assert.are.equal(1, u:setpeername("127.0.0.1", port))
            assert.are.equal("udp{connected}", class_of(u))
            assert.is_truthy(tostring(u):match("^udp{connected}: 0x"))
            assert.are_not.equal(mt, getmetatable(u))
            assert.are.equal(1, u:setpeername("*"))
            assert.are.equal("udp{unconnected}", class_of(u))
            assert.are.equal(mt, getmetatable(u))
        end)

        it("setpeername('*') needs no port and works on an unconnected socket", function()
            local u = keep(socket.udp4())
            assert.are.same({ n = 1, 1 }, net.pack(u:setpeername("*")))
            assert.are.equal("udp{unconnected}", class_of(u))
        end)

        it("a failed setpeername leaves the class alone", function()
            local u = keep(socket.udp4())
            local ok, err = u:setpeername("no such host", 9)
            assert.is_nil(ok)
            assert.is_truthy(err == "host or service not provided, or not known"
                or err == "temporary failure in name resolution", err)
            assert.are.equal("udp{unconnected}", class_of(u))
        end)
    end)

    describe("methods on the wrong class", function()
        it("send on udp{unconnected} raises, as a method and as a function", function()
            local u = keep(socket.udp4())
            assert.are.equal("calling 'send' on bad self (udp{connected} expected)",
                raised(function() u:send("x") end))
            assert.are.equal("bad argument #1 to 'send' (udp{connected} expected)",
                raised(function() u.send(u, "x") end))
        end)

        it("getpeername on udp{unconnected} raises", function()
            local u = keep(socket.udp4())
            assert.are.equal("calling 'getpeername' on bad self (udp{connected} expected)",
                raised(function() u:getpeername() end))
        end)

        it("sendto, receivefrom and setsockname on udp{connected} raise", function()
            local _, port = bound()
            local u = keep(socket.udp4())
            assert(u:setpeername("127.0.0.1", port))
            assert.are.equal("calling 'sendto' on bad self (udp{unconnected} expected)",
                raised(function() u:sendto("x", "127.0.0.1", port) end))
            assert.are.equal("calling 'receivefrom' on bad self (udp{unconnected} expected)",
                raised(function() u:receivefrom() end))
            assert.are.equal("calling 'setsockname' on bad self (udp{unconnected} expected)",
                raised(function() u:setsockname("127.0.0.1", 0) end))
        end)

        it("a udp method given a tcp object wants udp{any}", function()
            local u = keep(socket.udp4())
            local t = keep(socket.tcp4())
            assert.are.equal("bad argument #1 to 'close' (udp{any} expected)",
                raised(function() u.close(t) end))
            assert.are.equal("bad argument #1 to 'receive' (udp{any} expected)",
                raised(function() u.receive({}) end))
        end)
    end)

    describe("argument errors", function()
        it("sendto wants data, ip and port strings", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #1 to 'sendto' (string expected, got no value)",
                raised(function() u:sendto() end))
            assert.are.equal("bad argument #2 to 'sendto' (string expected, got no value)",
                raised(function() u:sendto("x") end))
            assert.are.equal("bad argument #3 to 'sendto' (string expected, got no value)",
                raised(function() u:sendto("x", "127.0.0.1") end))
            assert.are.equal("bad argument #1 to 'sendto' (string expected, got table)",
                raised(function() u:sendto({}, "127.0.0.1", 9) end))
        end)

        it("receive and receivefrom want a number size", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #1 to 'receive' (number expected, got string)",
                raised(function() u:receive("x") end))
            assert.are.equal("bad argument #1 to 'receivefrom' (number expected, got table)",
                raised(function() u:receivefrom({}) end))
        end)

        it("setpeername wants a port unless the address is '*'", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #2 to 'setpeername' (string expected, got no value)",
                raised(function() u:setpeername("127.0.0.1") end))
            assert.are.equal("bad argument #1 to 'setpeername' (string expected, got no value)",
                raised(function() u:setpeername() end))
        end)

        it("setsockname wants an address and a port", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #2 to 'setsockname' (string expected, got no value)",
                raised(function() u:setsockname("127.0.0.1") end))
        end)

        it("settimeout rejects an unknown mode", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #2 to 'settimeout' (invalid timeout mode)",
                raised(function() u:settimeout(1, "x") end))
        end)
    end)

    describe(":sendto() and :receivefrom()", function()
        it("sendto returns the bytes sent; receivefrom returns data, ip, port", function()
            local a, port = bound()
            local b, bport = bound()
            assert.are.same({ n = 1, 5 }, net.pack(b:sendto("hello", "127.0.0.1", port)))
            assert.are.same({ n = 3, "hello", "127.0.0.1", bport }, net.pack(a:receivefrom()))
        end)

        it("sends numbers as their string form", function()
            local a, port = bound()
            local b = keep(socket.udp4())
            assert.are.equal(2, b:sendto(12, "127.0.0.1", port))
            assert.are.equal("12", (a:receive()))
        end)

        it("needs a numeric address: a name gives the resolver's own text", function()
            local b = keep(socket.udp4())
            local ok, err = b:sendto("x", "localhost", 9)
            assert.is_nil(ok)
            assert.are.equal("Name or service not known", err)
            ok, err = b:sendto("x", "127.0.0.1", "domain")
            assert.is_nil(ok)
            assert.are.equal("Name or service not known", err)
        end)

        it("refuses an address of the other family on udp4", function()
            local b = keep(socket.udp4())
            local ok, err = b:sendto("x", "::1", 9)
            assert.is_nil(ok)
            assert.are.equal("Address family for hostname not supported", err)
        end)

        it("works over IPv6", function()
            local a, port = bound("::1", socket.udp6)
            local b, bport = bound("::1", socket.udp6)
            assert.are.equal(3, b:sendto("six", "::1", port))
            assert.are.same({ n = 3, "six", "::1", bport }, net.pack(a:receivefrom()))
        end)

        it("reports a datagram too large for IP", function()
            local b = keep(socket.udp4())
            local ok, err = b:sendto(string.rep("x", 65508), "127.0.0.1", 9)
            assert.is_nil(ok)
            assert.are.equal("Message too long", err)
        end)
    end)

    describe("datagram sizes", function()
        it("_DATAGRAMSIZE is the buffer receive() really uses: 65535", function()
            assert.are.equal(65535, socket._DATAGRAMSIZE)
        end)

        it("receive() returns the largest IPv4 datagram (65507 bytes) whole", function()
            local a, port = bound()
            local b = keep(socket.udp4())
            local data = string.rep("0123456789abcdef", 4096):sub(1, 65507)
            assert.are.equal(65507, b:sendto(data, "127.0.0.1", port))
            local got = a:receive()
            assert.are.equal(65507, #got)
            assert.are.equal(data, got)
        end)

        it("receivefrom() returns a 20000-byte datagram whole (LuaSocket cuts at 8192)", function()
            local a, port = bound()
            local b = keep(socket.udp4())
            local data = string.rep("x", 20000)
            b:sendto(data, "127.0.0.1", port)
            local got, ip = a:receivefrom()
            assert.are.equal(20000, #got)
            assert.are.equal("127.0.0.1", ip)
        end)

        it("receive() returns the largest IPv6 datagram (65527 bytes) whole", function()
            local a, port = bound("::1", socket.udp6)
            local b = keep(socket.udp6())
            assert.are.equal(65527, b:sendto(string.rep("v", 65527), "::1", port))
            assert.are.equal(65527, #a:receive())
        end)

        it("an explicit size truncates, and the rest of that datagram is gone", function()
            local a, port = bound()
            local b = keep(socket.udp4())
            b:sendto("0123456789", "127.0.0.1", port)
            b:sendto("next", "127.0.0.1", port)
            assert.are.equal("0123", a:receive(4))
            assert.are.equal("next", a:receive())
            b:sendto("abcdef", "127.0.0.1", port)
            assert.are.equal("abc", (a:receivefrom(3)))
        end)

        it("a numeric string is a size; fractions are cut", function()
            local a, port = bound()
            local b = keep(socket.udp4())
            b:sendto("abcdef", "127.0.0.1", port)
            assert.are.equal("abc", a:receive("3"))
            b:sendto("abcdef", "127.0.0.1", port)
            assert.are.equal("ab", a:receive(2.9))
        end)

        it("a size larger than the datagram returns it whole", function()
            local a, port = bound()
            local b = keep(socket.udp4())
            b:sendto("short", "127.0.0.1", port)
            assert.are.equal("short", a:receive(1e9))
        end)

        it("a negative size gives nil, 'out of memory' as LuaSocket does", function()
            local a = bound()
            assert.are.same({ n = 2, nil, "out of memory" }, net.pack(a:receive(-1)))
        end)

        it("zero-length datagrams arrive as empty strings", function()
            local a, port = bound()
            local b, bport = bound()
            assert.are.equal(0, b:sendto("", "127.0.0.1", port))
            assert.are.same({ n = 1, "" }, net.pack(a:receive()))
            b:sendto("", "127.0.0.1", port)
            assert.are.same({ n = 3, "", "127.0.0.1", bport }, net.pack(a:receivefrom()))
        end)

        it("receive(0) takes a datagram and returns ''", function()
            local a, port = bound()
            local b = keep(socket.udp4())
            b:sendto("dropped", "127.0.0.1", port)
            b:sendto("kept", "127.0.0.1", port)
            assert.are.equal("", a:receive(0))
            assert.are.equal("kept", a:receive())
        end)
    end)

    describe("timeouts", function()
        it("receive returns nil, 'timeout' after the block timeout", function()
            local a = bound()
            a:settimeout(0.2)
            local r = net.timed(a.receive, a)
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed >= 0.15 and r.elapsed < 2, tostring(r.elapsed))
        end)

        it("a zero timeout returns nil, 'timeout' at once", function()
            local a = bound()
            a:settimeout(0)
            local r = net.timed(a.receivefrom, a)
            assert.are.same({ n = 2, nil, "timeout", elapsed = r.elapsed }, r)
            assert.is_true(r.elapsed < 0.1)
        end)

        it("gettimeout returns what settimeout set, per mode", function()
            local a = keep(socket.udp4())
            assert.are.equal(1, a:settimeout(0.5))
            assert.are.equal(1, a:settimeout(3, "t"))
            assert.are.same({ n = 2, 0.5, 3 }, net.pack(a:gettimeout()))
        end)
    end)

    describe("connected sockets", function()
        it("send returns the bytes sent and getpeername names the peer", function()
            local a, port = bound()
            local c, cport = bound()
            assert.are.equal(1, c:setpeername("127.0.0.1", port))
            assert.are.same({ n = 3, "127.0.0.1", port, "inet" }, net.pack(c:getpeername()))
            assert.are.same({ n = 1, 4 }, net.pack(c:send("ping")))
            assert.are.same({ n = 3, "ping", "127.0.0.1", cport }, net.pack(a:receivefrom()))
            a:sendto("pong", "127.0.0.1", cport)
            assert.are.equal("pong", c:receive())
        end)

        it("setpeername resolves names (localhost)", function()
            local _, port = bound()
            local c = keep(socket.udp4())
            assert.are.equal(1, c:setpeername("localhost", port))
            assert.are.equal("127.0.0.1", (c:getpeername()))
        end)

        it("ignores datagrams from other senders", function()
            local a, port = bound()
            local c, cport = bound()
            local other = keep(socket.udp4())
            assert(c:setpeername("127.0.0.1", port))
            other:sendto("stranger", "127.0.0.1", cport)
            a:sendto("peer", "127.0.0.1", cport)
            assert.are.equal("peer", c:receive())
        end)

        it("reads nil, 'connection refused' after an ICMP refusal", function()
            local c = keep(socket.udp4())
            c:settimeout(2)
            assert(c:setpeername("127.0.0.1", dead_port()))
            assert.are.equal(4, c:send("ping"))
            assert.are.same({ n = 2, nil, "connection refused" }, net.pack(c:receive()))
        end)

        it("setpeername('*') dissolves the association: other senders get through", function()
            local a, port = bound()
            local c = bound()
            local other, oport = bound()
            assert(c:setpeername("127.0.0.1", port))
            assert(c:setpeername("*"))
            assert.are.equal("calling 'getpeername' on bad self (udp{connected} expected)",
                raised(function() c:getpeername() end))
            -- (Some kernels give the socket a new port here: reply to
            -- whatever address the datagram came from.)
            assert(c:sendto("hi", "127.0.0.1", oport))
            local _, ip, from_port = other:receivefrom()
            other:sendto("from other", ip, from_port)
            assert.are.same({ n = 3, "from other", "127.0.0.1", oport }, net.pack(c:receivefrom()))
            assert.are.equal(3, c:sendto("abc", "127.0.0.1", port))
            assert.are.equal("abc", a:receive())
        end)

        it("udp() connects with the family of the address", function()
            local _, port = bound("::1", socket.udp6)
            local c = keep(socket.udp())
            assert.are.equal(1, c:setpeername("::1", port))
            assert.are.equal("inet6", c:getfamily())
            assert.are.equal("::1", (c:getpeername()))
        end)
    end)

    describe(":setsockname() and :getsockname()", function()
        it("returns ip, port and family", function()
            local u = keep(socket.udp4())
            assert.are.same({ n = 1, 1 }, net.pack(u:setsockname("127.0.0.1", 0)))
            local ip, port, family = u:getsockname()
            assert.are.equal("127.0.0.1", ip)
            assert.are.equal("number", type(port))
            assert.are.equal("inet", family)
        end)

        it("'*' binds every interface", function()
            local u = keep(socket.udp4())
            assert(u:setsockname("*", 0))
            assert.are.equal("0.0.0.0", (u:getsockname()))
        end)

        it("returns nil, 'address already in use' for a taken port", function()
            local _, port = bound()
            local u = keep(socket.udp4())
            assert.are.same({ n = 2, nil, "address already in use" },
                net.pack(u:setsockname("127.0.0.1", port)))
        end)

        it("getsockname without a descriptor is nil, 'Bad file descriptor'", function()
            local u = keep(socket.udp())
            assert.are.same({ n = 2, nil, "Bad file descriptor" }, net.pack(u:getsockname()))
        end)
    end)

    describe("closed sockets", function()
        it("close returns 1, twice, and keeps the class", function()
            local u = keep(socket.udp4())
            assert.are.equal(1, u:close())
            assert.are.equal(1, u:close())
            assert.are.equal(-1, u:getfd())
            assert.are.equal("udp{unconnected}", class_of(u))
        end)

        it("I/O on a closed socket gives nil, 'refused'", function()
            local _, port = bound()
            local u = keep(socket.udp4())
            u:close()
            assert.are.same({ n = 2, nil, "refused" }, net.pack(u:sendto("x", "127.0.0.1", port)))
            assert.are.same({ n = 2, nil, "refused" }, net.pack(u:receive()))
            assert.are.same({ n = 2, nil, "refused" }, net.pack(u:receivefrom()))
            local c = keep(socket.udp4())
            assert(c:setpeername("127.0.0.1", port))
            c:close()
            assert.are.equal("udp{connected}", class_of(c))
            assert.are.same({ n = 2, nil, "refused" }, net.pack(c:send("x")))
            assert.are.same({ n = 2, nil, "refused" }, net.pack(c:receive()))
        end)

        it("options on a closed socket fail with LuaSocket's texts", function()
            local u = keep(socket.udp4())
            u:close()
            assert.are.same({ n = 2, nil, "setsockopt failed" }, net.pack(u:setoption("broadcast", true)))
            assert.are.same({ n = 2, nil, "getsockopt failed" }, net.pack(u:getoption("broadcast")))
        end)
    end)

    describe(":getfd(), :setfd(), :dirty()", function()
        it("dirty is always false", function()
            local a, port = bound()
            local b = keep(socket.udp4())
            b:sendto("x", "127.0.0.1", port)
            socket.sleep(0.05)
            assert.is_false(a:dirty())
        end)

        it("setfd(-1) detaches: close then leaves the descriptor open", function()
            local a, port = bound()
            local fd = a:getfd()
            local other = keep(socket.udp4())
            assert.are.same({ n = 0 }, net.pack(a:setfd(-1)))
            assert.are.equal(-1, a:getfd())
            a:close()
            -- The descriptor still works: adopt it in another object.
            other:close()
            other:setfd(fd)
            local b = keep(socket.udp4())
            b:sendto("still open", "127.0.0.1", port)
            other:settimeout(5)
            assert.are.equal("still open", other:receive())
        end)
    end)

    describe("options", function()
        it("boolean options set to 1 and read back", function()
            local u = keep(socket.udp4())
            for _, name in ipairs({ "dontroute", "broadcast", "reuseaddr", "reuseport", "ip-multicast-loop" }) do
                assert.are.equal(1, u:setoption(name, true), name)
                assert.is_true(u:getoption(name), name)
                assert.are.equal(1, u:setoption(name, false), name)
                assert.is_false(u:getoption(name), name)
            end
        end)

        it("booleans must be booleans", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #2 to 'setoption' (boolean expected, got number)",
                raised(function() u:setoption("broadcast", 1) end))
        end)

        it("buffer sizes and ip-multicast-ttl take numbers", function()
            local u = keep(socket.udp4())
            assert.are.equal(1, u:setoption("recv-buffer-size", 65536))
            assert.is_true(u:getoption("recv-buffer-size") >= 65536)
            assert.are.equal(1, u:setoption("send-buffer-size", 65536))
            assert.is_true(u:getoption("send-buffer-size") >= 65536)
            assert.are.equal(1, u:setoption("ip-multicast-ttl", 4))
        end)

        it("ip-multicast-ttl is set-only, as upstream", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #1 to 'getoption' (unsupported option `ip-multicast-ttl')",
                raised(function() u:getoption("ip-multicast-ttl") end))
        end)

        it("ip-multicast-if takes an address or '*' and reads back as text", function()
            local u = keep(socket.udp4())
            assert.are.equal("0.0.0.0", u:getoption("ip-multicast-if"))
            assert.are.equal(1, u:setoption("ip-multicast-if", "127.0.0.1"))
            assert.are.equal("127.0.0.1", u:getoption("ip-multicast-if"))
            assert.are.equal(1, u:setoption("ip-multicast-if", "*"))
            assert.are.equal("0.0.0.0", u:getoption("ip-multicast-if"))
            assert.are.equal("bad argument #2 to 'setoption' (ip expected)",
                raised(function() u:setoption("ip-multicast-if", "nonsense") end))
        end)

        it("error reads nil when there is none", function()
            local u = keep(socket.udp4())
            assert.are.same({ n = 1, nil }, net.pack(u:getoption("error")))
        end)

        it("unknown and TCP-only names raise unsupported option", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #1 to 'setoption' (unsupported option `tcp-nodelay')",
                raised(function() u:setoption("tcp-nodelay", true) end))
            assert.are.equal("bad argument #1 to 'getoption' (unsupported option `bogus')",
                raised(function() u:getoption("bogus") end))
            assert.are.equal("bad argument #1 to 'getoption' (unsupported option `ip-add-membership')",
                raised(function() u:getoption("ip-add-membership") end))
        end)

        it("IPv6 options work on udp6 and fail on udp4", function()
            local u6 = keep(socket.udp6())
            assert.are.equal(1, u6:setoption("ipv6-unicast-hops", 7))
            assert.are.equal(7, u6:getoption("ipv6-unicast-hops"))
            assert.are.equal(1, u6:setoption("ipv6-multicast-loop", false))
            assert.is_false(u6:getoption("ipv6-multicast-loop"))
            assert.are.equal(1, u6:setoption("ipv6-v6only", false))
            assert.is_false(u6:getoption("ipv6-v6only"))
            local u4 = keep(socket.udp4())
            assert.are.same({ n = 2, nil, "setsockopt failed" }, net.pack(u4:setoption("ipv6-unicast-hops", 3)))
            assert.are.same({ n = 2, nil, "getsockopt failed" }, net.pack(u4:getoption("ipv6-v6only")))
        end)

        it("ipv6-multicast-hops is its own option (upstream sets the unicast hops)", function()
            local u6 = keep(socket.udp6())
            assert(u6:setoption("ipv6-unicast-hops", 7))
            assert.are.equal(1, u6:setoption("ipv6-multicast-hops", 9))
            assert.are.equal(9, u6:getoption("ipv6-multicast-hops"))
            assert.are.equal(7, u6:getoption("ipv6-unicast-hops"))
        end)

        it("ip-add-membership and ip-drop-membership take {multiaddr, interface}", function()
            local u = keep(socket.udp4())
            local group = { multiaddr = "239.255.42.99", interface = "127.0.0.1" }
            assert.are.equal(1, u:setoption("ip-add-membership", group))
            assert.are.equal(1, u:setoption("ip-drop-membership", group))
            assert.are.same({ n = 2, nil, "setsockopt failed" }, net.pack(u:setoption("ip-drop-membership", group)))
            -- "*" lets the kernel pick the interface by route; with no route
            -- (as in the specs' network namespace) it refuses.
            local r = net.pack(u:setoption("ip-add-membership", { multiaddr = "239.255.42.99", interface = "*" }))
            assert.is_true(r[1] == 1 or r[2] == "setsockopt failed", tostring(r[2]))
        end)

        it("membership tables are checked with LuaSocket's messages", function()
            local u = keep(socket.udp4())
            assert.are.equal("bad argument #2 to 'setoption' (table expected, got string)",
                raised(function() u:setoption("ip-add-membership", "239.1.2.3") end))
            assert.are.equal("bad argument #2 to 'setoption' (string 'multiaddr' field expected)",
                raised(function() u:setoption("ip-add-membership", { interface = "*" }) end))
            assert.are.equal("bad argument #2 to 'setoption' (invalid 'multiaddr' ip address)",
                raised(function() u:setoption("ip-add-membership", { multiaddr = "x", interface = "*" }) end))
            assert.are.equal("bad argument #2 to 'setoption' (string 'interface' field expected)",
                raised(function() u:setoption("ip-add-membership", { multiaddr = "239.1.2.3" }) end))
            assert.are.equal("bad argument #2 to 'setoption' (invalid 'interface' ip address)",
                raised(function()
                    u:setoption("ip-add-membership", { multiaddr = "239.1.2.3", interface = "y" })
                end))
        end)

        it("ipv6-add-membership takes {multiaddr, interface = index}", function()
            local u6 = keep(socket.udp6())
            assert.are.equal(1, u6:setoption("ipv6-add-membership", { multiaddr = "ff02::1:3", interface = 1 }))
            assert.are.equal(1, u6:setoption("ipv6-drop-membership", { multiaddr = "ff02::1:3", interface = 1 }))
            -- No interface: the kernel picks one by route (see above).
            local r = net.pack(u6:setoption("ipv6-add-membership", { multiaddr = "ff02::1:4" }))
            assert.is_true(r[1] == 1 or r[2] == "setsockopt failed", tostring(r[2]))
            assert.are.equal("bad argument #2 to 'setoption' (invalid 'multiaddr' ip address)",
                raised(function() u6:setoption("ipv6-add-membership", { multiaddr = "239.1.2.3" }) end))
            -- Upstream reports this one against argument -1, which LuaJIT
            -- counts from the top of the stack (the differential harness
            -- checks both against C LuaSocket).
            local arg = rawget(_G, "jit") and "#4" or "#-2"
            assert.are.equal("bad argument " .. arg .. " to 'setoption' (number 'interface' field expected)",
                raised(function()
                    u6:setoption("ipv6-add-membership", { multiaddr = "ff02::1:5", interface = "lo" })
                end))
        end)

        it("delivers multicast on the loopback interface to a member", function()
            local r, port = bound("0.0.0.0")
            local group = "239.255.42.98"
            assert(r:setoption("ip-add-membership", { multiaddr = group, interface = "127.0.0.1" }))
            local s = keep(socket.udp4())
            assert(s:setoption("ip-multicast-if", "127.0.0.1"))
            assert(s:setoption("ip-multicast-loop", true))
            assert(s:setoption("ip-multicast-ttl", 1))
            assert.are.equal(5, s:sendto("hello", group, port))
            r:settimeout(2)
            local data, ip = r:receivefrom()
            assert.are.equal("hello", data)
            assert.are.equal("127.0.0.1", ip)
        end)
    end)

    describe("select and collection", function()
        it("socket.select reports a udp socket with a datagram waiting", function()
            local a, port = bound()
            local idle = bound()
            local b = keep(socket.udp4())
            b:sendto("x", "127.0.0.1", port)
            local r, _, err = socket.select({ idle, a }, nil, 2)
            assert.is_nil(err)
            assert.are.equal(a, r[1])
            assert.are.equal(1, r[a])
            assert.is_nil(r[2])
        end)

        it("__gc closes the descriptor", function()
            local fd
            do
                local u = assert(socket.udp4())
                fd = u:getfd()
            end
            collectgarbage()
            collectgarbage()
            -- The lowest free number is given out again.
            local again = keep(socket.udp4())
            assert.are.equal(fd, again:getfd())
        end)
    end)

    describe("examples", function()
        it("udp_echo_server.lua and udp_echo_client.lua echo on loopback", function()
            local lua = "'" .. net.interpreter() .. "' "
            local srv = assert(io.popen(lua .. "examples/udp_echo_server.lua 0 2", "r"))
            local port = assert((srv:read("*l") or ""):match("^udp echo server on 127%.0%.0%.1:(%d+)$"))
            local client = assert(io.popen(lua .. "examples/udp_echo_client.lua " .. port .. " alpha beta 2>&1"))
            local out = client:read("*a")
            client:close()
            srv:close()
            assert.are.equal("alpha\nbeta\n", out)
        end)
    end)
end)
