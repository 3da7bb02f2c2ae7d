-- socket.tcp: classes and metatables, argument errors, receive patterns and
-- maxsize, send ranges, timeouts, connect/accept, names, stats, shutdown,
-- options, getfd/setfd/dirty, closed peers, __gc/__close, socket.connect.
-- Everything runs over real sockets on 127.0.0.1 (and ::1 for tcp6).
local socket = require("socket")
local net = require("support.net")

-- Sockets opened by the running spec; after_each closes them all.
local live = {}

local function keep(...)
    for i = 1, select("#", ...) do
        local s = select(i, ...)
        if s then live[#live + 1] = s end
    end
    return ...
end

-- A connected client/peer pair (5-second timeouts) and their server.
local function pair()
    return keep(net.tcp_pair())
end

-- A listening server on 127.0.0.1 and its port.
local function server()
    local s, port = net.local_server()
    keep(s)
    return s, port
end

-- A port nothing listens on: bound once by a server that is then closed.
local function closed_port()
    local s, port = net.local_server()
    s:close()
    return port
end

-- Runs f (which must raise) and returns the message without the
-- "spec/tcp_spec.lua:NN: " position prefix, failing if the prefix is absent.
-- f must not tail-call the method: LuaJIT drops the caller's frame on a tail
-- call, and the message then has no position and names the function '?'.
local function raised(f)
    local ok, err = pcall(f)
    assert.is_false(ok, "expected an error")
    assert.are.equal("string", type(err))
    local rest = err:match("^[^\n]-tcp_spec%.lua:%d+: (.*)$")
    assert.is_not_nil(rest, "no position prefix in: " .. err)
    return rest
end

local function class_of(obj)
    return getmetatable(obj).__index.class
end

-- Moves `data` from `sender` to `receiver` with both sides non-blocking, so
-- that one thread can do both ends whatever the kernel buffers hold. The
-- receiver calls receive(pattern, acc) each round, acc being the partial
-- result so far (the prefix counts toward a byte count). Returns what the
-- first successful receive returned.
local function pump(sender, receiver, data, pattern)
    sender:settimeout(0)
    receiver:settimeout(0)
    local i, acc = 1, ""
    local deadline = socket.gettime() + 20
    while socket.gettime() < deadline do
        if i <= #data then
            local last, err, partial = sender:send(data, i)
            if not last then
                assert.are.equal("timeout", err)
                last = partial
            end
            i = last + 1
        else
            receiver:settimeout(5)
        end
        local got, err, partial = receiver:receive(pattern, acc)
        if got then return got end
        assert.are.equal("timeout", err)
        acc = partial
    end
    error("transfer did not finish in 20 seconds")
end

-- Connects a client to port and drops it without closing; returns the
-- accepted peer. A separate function, so no register keeps the client alive.
local function drop_connected(srv, port)
    local c = assert(socket.connect("127.0.0.1", port))
    assert(c:settimeout(5))
    return assert(srv:accept())
end

describe("socket.tcp", function()
    after_each(function()
        for i = #live, 1, -1 do
            pcall(live[i].close, live[i])
            live[i] = nil
        end
    end)

    describe("constructors", function()
        it("tcp() gives a tcp{master} with no descriptor yet", function()
            local m = keep(socket.tcp())
            assert.are.equal("tcp{master}", class_of(m))
            assert.are.equal(-1, m:getfd())
            assert.are.equal("inet4", m:getfamily())
        end)

        it("tcp4() gives an inet4 tcp{master} with a descriptor", function()
            local m = keep(socket.tcp4())
            assert.are.equal("tcp{master}", class_of(m))
            assert.are.equal("inet4", m:getfamily())
            assert.is_true(m:getfd() >= 0)
        end)

        it("tcp6() gives an inet6 tcp{master} with a descriptor", function()
            local m = keep(socket.tcp6())
            assert.are.equal("tcp{master}", class_of(m))
            assert.are.equal("inet6", m:getfamily())
            assert.is_true(m:getfd() >= 0)
        end)

        it("starts with no timeouts (-1, -1)", function()
            local m = keep(socket.tcp4())
            local r = net.pack(m:gettimeout())
            assert.are.same({ n = 2, -1, -1 }, r)
        end)
    end)

    describe("classes and metatables", function()
        it("tostring is '<class>: 0x<address>'", function()
            local c, p, s = pair()
            assert.is_truthy(tostring(c):match("^tcp{client}: 0x%x+$"), tostring(c))
            assert.is_truthy(tostring(p):match("^tcp{client}: 0x%x+$"), tostring(p))
            assert.is_truthy(tostring(s):match("^tcp{server}: 0x%x+$"), tostring(s))
            assert.is_truthy(tostring(keep(socket.tcp())):match("^tcp{master}: 0x%x+$"))
            assert.are_not.equal(tostring(c), tostring(p))
            assert.are.equal("tcp", tostring(c):sub(1, 3))
        end)

        it("__index is a plain table with the class and the methods; __name is the class", function()
            local c = pair()
            local mt = getmetatable(c)
            assert.are.equal("table", type(mt.__index))
            assert.is_nil(getmetatable(mt.__index))
            assert.are.equal("tcp{client}", mt.__index.class)
            assert.are.equal("tcp{client}", mt.__name)
            assert.are.equal("function", type(mt.__index.settimeout))
            assert.are.equal("function", type(mt.__index.receive))
            assert.are.equal("function", type(mt.__gc))
            assert.are.equal(mt.__index.settimeout, c.settimeout)
        end)

        it("connect turns the same object into tcp{client}, changing its metatable", function()
            local _, port = server()
            local m = keep(socket.tcp4())
            assert(m:settimeout(5))
            local before_mt, before_addr = getmetatable(m), tostring(m):match("0x%x+$")
            assert.are.equal(1, m:connect("127.0.0.1", port))
            assert.are.equal("tcp{client}", class_of(m))
            assert.are.equal("tcp{client}", getmetatable(m).__name)
            assert.are_not.equal(before_mt, getmetatable(m))
            assert.are.equal(before_addr, tostring(m):match("0x%x+$"))
        end)

        it("a failed connect still makes a tcp{client}", function()
            local port = closed_port()
            local m = keep(socket.tcp4())
            assert(m:settimeout(5))
            local r = net.pack(m:connect("127.0.0.1", port))
            assert.are.same({ n = 2, nil, "connection refused" }, r)
            assert.are.equal("tcp{client}", class_of(m))
            assert.is_truthy(tostring(m):match("^tcp{client}: 0x%x+$"))
        end)

        it("listen turns the master into tcp{server}", function()
            local m = keep(socket.tcp4())
            local before = getmetatable(m)
            assert.are.equal(1, m:bind("127.0.0.1", 0))
            assert.are.equal("tcp{master}", class_of(m))
            assert.are.equal(1, m:listen())
            assert.are.equal("tcp{server}", class_of(m))
            assert.are.equal("tcp{server}", getmetatable(m).__name)
            assert.are_not.equal(before, getmetatable(m))
        end)

        it("each class has its own metatable, shared by objects of that class", function()
            local c, p, s = pair()
            local m1, m2 = keep(socket.tcp(), socket.tcp4())
            assert.are.equal(getmetatable(c), getmetatable(p))
            assert.are.equal(getmetatable(m1), getmetatable(m2))
            assert.are_not.equal(getmetatable(c), getmetatable(s))
            assert.are_not.equal(getmetatable(c), getmetatable(m1))
            assert.are_not.equal(getmetatable(s), getmetatable(m1))
            assert.are.equal("tcp{master}", getmetatable(m1).__index.class)
            assert.are.equal("tcp{server}", getmetatable(s).__index.class)
        end)

        it("a closed socket keeps its class", function()
            local c = pair()
            assert.are.equal(1, c:close())
            assert.are.equal("tcp{client}", class_of(c))
            assert.is_truthy(tostring(c):match("^tcp{client}: 0x%x+$"))
        end)
    end)

    describe("wrong class", function()
        it("client:accept() raises 'calling 'accept' on bad self (tcp{server} expected)'", function()
            local c = pair()
            assert.are.equal("calling 'accept' on bad self (tcp{server} expected)",
                raised(function() c:accept() end))
        end)

        it("client.accept(client) raises 'bad argument #1 to 'accept' (tcp{server} expected)'", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'accept' (tcp{server} expected)",
                raised(function() c.accept(c) end))
        end)

        it("server:receive() wants a tcp{client}", function()
            local _, _, s = pair()
            assert.are.equal("calling 'receive' on bad self (tcp{client} expected)",
                raised(function() s:receive() end))
        end)

        it("master:send() wants a tcp{client}", function()
            local m = keep(socket.tcp4())
            assert.are.equal("calling 'send' on bad self (tcp{client} expected)",
                raised(function() m:send("x") end))
        end)

        it("client:listen() and client:bind() want a tcp{master}", function()
            local c = pair()
            assert.are.equal("calling 'listen' on bad self (tcp{master} expected)",
                raised(function() c:listen() end))
            assert.are.equal("calling 'bind' on bad self (tcp{master} expected)",
                raised(function() c:bind("127.0.0.1", 0) end))
        end)

        it("server:shutdown() wants a tcp{client}", function()
            local _, _, s = pair()
            assert.are.equal("calling 'shutdown' on bad self (tcp{client} expected)",
                raised(function() s:shutdown() end))
        end)

        it("server:getstats() wants a tcp{client}", function()
            local _, _, s = pair()
            assert.are.equal("calling 'getstats' on bad self (tcp{client} expected)",
                raised(function() s:getstats() end))
        end)

        it("a non-socket self raises 'tcp{any} expected'", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'close' (tcp{any} expected)",
                raised(function() getmetatable(c).__index.close({}) end))
            assert.are.equal("bad argument #1 to 'settimeout' (tcp{any} expected)",
                raised(function() getmetatable(c).__index.settimeout(io.stdout, 1) end))
        end)

        it("a closed client still raises on the wrong class", function()
            local c = pair()
            c:close()
            assert.are.equal("calling 'accept' on bad self (tcp{server} expected)",
                raised(function() c:accept() end))
        end)

        it("a foreign userdata given a socket's metatable is still refused", function()
            local c = pair()
            local f = assert(io.tmpfile())
            local own = debug.getmetatable(f)
            debug.setmetatable(f, getmetatable(c))
            local send = raised(function() f:send("x") end)
            local fd = raised(function() f:getfd() end)
            local shown = pcall(tostring, f)
            debug.setmetatable(f, own)
            f:close()
            assert.are.equal("calling 'send' on bad self (tcp{client} expected)", send)
            assert.are.equal("calling 'getfd' on bad self (tcp{any} expected)", fd)
            assert.is_false(shown)
            -- The socket itself is untouched.
            assert.are.equal(1, c:send("x"))
        end)

        it("a socket resurrected after the collector finalized it is refused, not used", function()
            if _VERSION == "Lua 5.1" then
                pending("tables have no __gc on Lua 5.1 and LuaJIT")
                return
            end
            local back
            local gc_ran = false
            do
                local c = socket.tcp4()
                -- Created after c, so finalized before it in the same cycle
                -- (finalizers run in reverse order of marking).
                setmetatable({}, { __gc = function() back = c; gc_ran = true end })
            end
            for _ = 1, 4 do collectgarbage() end
            assert.is_true(gc_ran)
            assert.are.equal("userdata", type(back))
            assert.are.equal("calling 'getfd' on bad self (tcp{any} expected)",
                raised(function() back:getfd() end))
            assert.are.equal("calling 'close' on bad self (tcp{any} expected)",
                raised(function() back:close() end))
        end)
    end)

    describe("success values", function()
        it("bind, listen and settimeout return the number 1", function()
            local m = keep(socket.tcp4())
            local r = net.pack(m:settimeout(1))
            assert.are.same({ n = 1, 1 }, r)
            assert.are.equal("number", type(r[1]))
            r = net.pack(m:bind("127.0.0.1", 0))
            assert.are.same({ n = 1, 1 }, r)
            assert.are.equal("number", type(r[1]))
            r = net.pack(m:listen(8))
            assert.are.same({ n = 1, 1 }, r)
            assert.are.equal("number", type(r[1]))
        end)

        it("connect and setoption return the number 1", function()
            local _, port = server()
            local m = keep(socket.tcp4())
            assert(m:settimeout(5))
            local r = net.pack(m:setoption("tcp-nodelay", true))
            assert.are.same({ n = 1, 1 }, r)
            assert.are.equal("number", type(r[1]))
            r = net.pack(m:connect("127.0.0.1", port))
            assert.are.same({ n = 1, 1 }, r)
            assert.are.equal("number", type(r[1]))
        end)

        it("shutdown returns the number 1", function()
            local c = pair()
            local r = net.pack(c:shutdown("send"))
            assert.are.same({ n = 1, 1 }, r)
            assert.are.equal("number", type(r[1]))
        end)

        it("setsockname and setpeername are bind and connect", function()
            local _, port = server()
            local m = keep(socket.tcp4())
            assert(m:settimeout(5))
            assert.are.equal(1, m:setsockname("127.0.0.1", 0))
            assert.are.equal(1, m:setpeername("127.0.0.1", port))
            assert.are.equal("tcp{client}", class_of(m))
            local _, pport = m:getpeername()
            assert.are.equal(port, pport)
        end)
    end)

    describe(":close()", function()
        it("returns 1, and 1 again when closed twice", function()
            local c = pair()
            assert.are.same({ n = 1, 1 }, net.pack(c:close()))
            assert.are.same({ n = 1, 1 }, net.pack(c:close()))
        end)

        it("makes getfd return -1", function()
            local c = pair()
            assert.is_true(c:getfd() >= 0)
            c:close()
            assert.are.equal(-1, c:getfd())
        end)

        it("makes I/O fail with nil, 'closed'", function()
            local c = pair()
            c:close()
            local r = net.pack(c:receive())
            assert.are.equal(nil, r[1])
            assert.are.equal("closed", r[2])
            assert.are.equal("", r[3])
            r = net.pack(c:send("data"))
            assert.are.equal(nil, r[1])
            assert.are.equal("closed", r[2])
            assert.are.equal(0, r[3])
        end)

        it("makes a closed server's accept fail with nil, 'closed'", function()
            local s = server()
            s:close()
            assert.are.same({ n = 2, nil, "closed" }, net.pack(s:accept()))
        end)

        it("is seen by the peer as end of stream", function()
            local c, p = pair()
            c:close()
            local r = net.pack(p:receive())
            assert.are.equal(nil, r[1])
            assert.are.equal("closed", r[2])
            assert.are.equal("", r[3])
        end)
    end)

    describe(":receive()", function()
        it("keeps every CR in the partial result of a byte count", function()
            local c, p = pair()
            p:send("a\rb\r\nc\r")
            p:close()
            local data, err, partial = c:receive(100)
            assert.is_nil(data)
            assert.equal("closed", err)
            assert.equal("a\rb\r\nc\r", partial)
        end)

        it("reads a line by default", function()
            local c, p = pair()
            p:send("first line\nsecond\n")
            assert.are.equal("first line", c:receive())
            assert.are.equal("second", c:receive())
        end)

        it("ends lines at LF and drops every CR in the line", function()
            local c, p = pair()
            p:send("a\rb\r\nx\r\r\ny\n\r\n")
            assert.are.equal("ab", c:receive("*l"))
            assert.are.equal("x", c:receive("*l"))
            assert.are.equal("y", c:receive("*l"))
            assert.are.equal("", c:receive("*l"))
        end)

        it("returns an empty line for a bare LF", function()
            local c, p = pair()
            p:send("\n\nz\n")
            assert.are.equal("", c:receive())
            assert.are.equal("", c:receive())
            assert.are.equal("z", c:receive())
        end)

        it("accepts 'l' as the line pattern", function()
            local c, p = pair()
            p:send("one\r\ntwo\n")
            assert.are.equal("one", c:receive("l"))
            assert.are.equal("two", c:receive("l"))
        end)

        it("'*a' reads to end of stream and succeeds there", function()
            local c, p = pair()
            p:send("all\r\nof\nit")
            p:close()
            local r = net.pack(c:receive("*a"))
            assert.are.equal("all\r\nof\nit", r[1])
            assert.are.equal(nil, r[2])
            assert.are.equal(nil, r[3])
        end)

        it("'*a' that reads nothing before end of stream returns nil, 'closed', prefix", function()
            -- LuaSocket's recvall: success needs at least one byte read;
            -- programs poll "*a" with timeout 0 to detect a closed peer.
            local c, p = pair()
            p:send("abc")
            p:close()
            assert.are.equal("abc", c:receive("*a"))
            local r = net.pack(c:receive("*a"))
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
            r = net.pack(c:receive("*a", "pre"))
            assert.are.same({ nil, "closed", "pre" }, { r[1], r[2], r[3] })
            c:settimeout(0)
            r = net.pack(c:receive("*a"))
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
        end)

        it("accepts 'a' as the all pattern", function()
            local c, p = pair()
            p:send("everything")
            p:close()
            assert.are.equal("everything", c:receive("a"))
        end)

        it("'*a' with a prefix prepends it", function()
            local c, p = pair()
            p:send("tail")
            p:close()
            assert.are.equal("head-tail", c:receive("*a", "head-"))
        end)

        it("reads an exact byte count and leaves the rest buffered", function()
            local c, p = pair()
            p:send("abcdefgh")
            assert.are.equal("abc", c:receive(3))
            assert.are.equal("de", c:receive(2))
            assert.are.equal("fgh", c:receive(3))
        end)

        it("returns '' for a count of 0 and leaves pending data unread", function()
            local c, p = pair()
            p:send("zz")
            assert.are.equal("", c:receive(0))
            assert.are.equal("zz", c:receive(2))
        end)

        it("returns '' at once for a count of 0 with nothing pending", function()
            -- Deliberate: upstream waits for data here (luasocket issue #427).
            local c = pair()
            c:settimeout(2)
            local r = net.timed(c.receive, c, 0)
            assert.are.equal("", r[1])
            assert.are.equal(nil, r[2])
            assert.is_true(r.elapsed < 0.5, "elapsed " .. r.elapsed)
        end)

        it("takes numeric strings as byte counts", function()
            local c, p = pair()
            p:send("12345")
            assert.are.equal("123", c:receive("3"))
            assert.are.equal("45", c:receive("2"))
        end)

        it("truncates a fractional count", function()
            local c, p = pair()
            p:send("xyz")
            assert.are.equal("xy", c:receive(2.9))
            assert.are.equal("z", c:receive(1))
        end)

        it("counts the prefix toward the byte count", function()
            local c, p = pair()
            p:send("cdef")
            assert.are.equal("abcd", c:receive(4, "ab"))
            assert.are.equal("ef", c:receive(2))
        end)

        it("returns a prefix at least as long as the count without reading", function()
            local c, p = pair()
            p:send("xyz")
            assert.are.equal("abc", c:receive(2, "abc"))
            assert.are.equal("abc", c:receive(3, "abc"))
            assert.are.equal("xyz", c:receive(3))
        end)

        it("prepends the prefix to a line", function()
            local c, p = pair()
            p:send("line\n")
            assert.are.equal("pre-line", c:receive("*l", "pre-"))
        end)

        it("raises 'invalid receive pattern' for an unknown pattern", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'receive' (invalid receive pattern)",
                raised(function() c:receive("x") end))
            assert.are.equal("bad argument #1 to 'receive' (invalid receive pattern)",
                raised(function() c:receive("") end))
            assert.are.equal("bad argument #1 to 'receive' (invalid receive pattern)",
                raised(function() c:receive("*x") end))
        end)

        it("raises 'invalid receive pattern' for a negative count", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'receive' (invalid receive pattern)",
                raised(function() c:receive(-1) end))
            assert.are.equal("bad argument #1 to 'receive' (invalid receive pattern)",
                raised(function() c:receive("-5") end))
        end)

        it("raises a type error for a table pattern", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'receive' (string expected, got table)",
                raised(function() c:receive({}) end))
        end)

        it("returns nil, err, partial when the peer closes mid-line", function()
            local c, p = pair()
            p:send("abc")
            p:close()
            local r = net.pack(c:receive())
            assert.are.equal(nil, r[1])
            assert.are.equal("closed", r[2])
            assert.are.equal("abc", r[3])
            r = net.pack(c:receive())
            assert.are.equal(nil, r[1])
            assert.are.equal("closed", r[2])
            assert.are.equal("", r[3])
        end)

        it("drops CRs from a partial line too", function()
            local c, p = pair()
            p:send("a\rb\r")
            p:close()
            local r = net.pack(c:receive())
            assert.are.equal("closed", r[2])
            assert.are.equal("ab", r[3])
        end)

        it("includes the prefix in the partial result", function()
            local c, p = pair()
            p:send("abc")
            p:close()
            local r = net.pack(c:receive(10, "pre"))
            assert.are.equal(nil, r[1])
            assert.are.equal("closed", r[2])
            assert.are.equal("preabc", r[3])
        end)

        it("returns the elapsed time as a 4th value (_DEBUG), on success and failure", function()
            local c, p = pair()
            p:send("x\n")
            local r = net.pack(c:receive())
            assert.are.equal(4, r.n)
            assert.are.equal("x", r[1])
            assert.are.equal("number", type(r[4]))
            assert.is_true(r[4] >= 0)
            c:settimeout(0.05)
            r = net.pack(c:receive())
            assert.are.equal(4, r.n)
            assert.are.equal("timeout", r[2])
            assert.are.equal("number", type(r[4]))
            assert.is_true(r[4] >= 0.03)
        end)

        it("counts elapsed time from the first system call: 0 for a line already buffered", function()
            local c, p = pair()
            assert(p:send("a\nb\n"))
            socket.sleep(0.05) -- both lines arrive together
            assert.are.equal("a", c:receive()) -- one recv reads both
            local r = net.pack(c:receive())
            assert.are.same({ "b", nil, nil, 0 }, { r[1], r[2], r[3], r[4] })
            -- a send always calls the kernel, so its clock runs
            local s = net.pack(c:send("x"))
            assert.are.equal(1, s[1])
            assert.is_true(s[4] > 0, tostring(s[4]))
        end)
    end)

    describe(":receive() with maxsize", function()
        it("returns nil, 'oversized' and the first maxsize bytes of a long line, losing nothing", function()
            local c, p = pair()
            p:send("0123456789ABCDEF\nnext\n")
            local r = net.pack(c:receive("*l", nil, 10))
            assert.are.equal(nil, r[1])
            assert.are.equal("oversized", r[2])
            assert.are.equal("0123456789", r[3])
            assert.are.equal("ABCDEF", c:receive("*l"))
            assert.are.equal("next", c:receive("*l"))
        end)

        it("accepts a line of exactly maxsize bytes", function()
            local c, p = pair()
            p:send("12345\n")
            assert.are.equal("12345", c:receive("*l", nil, 5))
        end)

        it("counts the prefix toward maxsize", function()
            local c, p = pair()
            p:send("cdefgh\n")
            local r = net.pack(c:receive("*l", "ab", 5))
            assert.are.equal(nil, r[1])
            assert.are.equal("oversized", r[2])
            assert.are.equal("abcde", r[3])
            assert.are.equal("fgh", c:receive())
        end)

        it("caps '*a' as well", function()
            local c, p = pair()
            p:send("0123456789")
            p:close()
            local r = net.pack(c:receive("*a", nil, 4))
            assert.are.equal(nil, r[1])
            assert.are.equal("oversized", r[2])
            assert.are.equal("0123", r[3])
            assert.are.equal("456789", c:receive("*a"))
        end)

        it("refuses a count over maxsize without losing bytes", function()
            local c, p = pair()
            p:send("0123456789")
            local r = net.pack(c:receive(8, nil, 4))
            assert.are.equal(nil, r[1])
            assert.are.equal("oversized", r[2])
            local rest = c:receive(8 - #r[3])
            assert.are.equal("01234567", r[3] .. rest)
            assert.are.equal("89", c:receive(2))
        end)
    end)

    describe(":receive() large transfers", function()
        it("moves 1 MiB intact with receive(n)", function()
            local c, p = pair()
            local bytes = {}
            for b = 0, 255 do bytes[#bytes + 1] = string.char(b) end
            local data = string.rep(table.concat(bytes), 4096)
            assert.are.equal(1048576, #data)
            local got = pump(c, p, data, #data)
            assert.are.equal(#data, #got)
            assert.is_true(got == data, "the received MiB differs from the one sent")
        end)

        it("reads a 64 KiB line and the line after it", function()
            local c, p = pair()
            local line = string.rep("0123456789abcdef", 4096)
            local got = pump(c, p, line .. "\ntail\n", "*l")
            assert.are.equal(65536, #got)
            assert.is_true(got == line, "the received line differs from the one sent")
            assert.are.equal("tail", p:receive())
        end)

        it("reads back 200 lines sent in one send, one by one", function()
            local c, p = pair()
            local lines, wire = {}, {}
            for i = 1, 200 do
                lines[i] = "line " .. i .. string.rep("=", i % 13)
                wire[i] = lines[i] .. (i % 3 == 0 and "\r\n" or "\n")
            end
            local data = table.concat(wire)
            assert.are.equal(#data, c:send(data))
            for i = 1, 200 do
                assert.are.equal(lines[i], p:receive())
            end
            assert.is_false(p:dirty())
        end)
    end)

    describe(":send()", function()
        it("returns the index of the last byte sent", function()
            local c, p = pair()
            local r = net.pack(c:send("hello"))
            assert.are.equal(5, r[1])
            assert.are.equal(nil, r[2])
            assert.are.equal(nil, r[3])
            assert.are.equal("hello", p:receive(5))
        end)

        it("returns the elapsed time as a 4th value (_DEBUG)", function()
            local c = pair()
            local r = net.pack(c:send("x"))
            assert.are.equal(4, r.n)
            assert.are.equal("number", type(r[4]))
            assert.is_true(r[4] >= 0)
        end)

        it("sends data:sub(i, j)", function()
            local c, p = pair()
            assert.are.equal(4, c:send("abcdef", 2, 4))
            assert.are.equal("bcd", p:receive(3))
        end)

        it("counts negative indices from the end", function()
            local c, p = pair()
            assert.are.equal(6, c:send("abcdef", -3))
            assert.are.equal("def", p:receive(3))
            assert.are.equal(5, c:send("abcdef", -3, -2))
            assert.are.equal("de", p:receive(2))
            assert.are.equal(3, c:send("abc", -10))
            assert.are.equal("abc", p:receive(3))
        end)

        it("clamps i = 0 to 1 and j beyond the length to the length", function()
            local c, p = pair()
            assert.are.equal(3, c:send("abc", 0))
            assert.are.equal("abc", p:receive(3))
            assert.are.equal(3, c:send("abc", 2, 100))
            assert.are.equal("bc", p:receive(2))
        end)

        it("sends nothing and returns i - 1 when the range is empty", function()
            local c, p = pair()
            assert.are.equal(4, c:send("abcdef", 5, 2))
            assert.are.equal(9, c:send("abc", 10))
            p:settimeout(0.05)
            local r = net.pack(p:receive(1))
            assert.are.equal(nil, r[1])
            assert.are.equal("timeout", r[2])
            assert.are.equal("", r[3])
        end)

        it("returns 0 for an empty string", function()
            local c = pair()
            local r = net.pack(c:send(""))
            assert.are.equal(0, r[1])
            assert.are.equal(nil, r[2])
        end)

        it("sends a number as its string form", function()
            local c, p = pair()
            assert.are.equal(3, c:send(123))
            assert.are.equal("123", p:receive(3))
        end)

        it("raises a type error for a table", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'send' (string expected, got table)",
                raised(function() c:send({}) end))
        end)

        -- Strings of 128 KiB and more go to the kernel in one call each time
        -- the socket is writable, shorter ones in 16 KiB steps: either way the
        -- index returned at a timeout is exactly what the peer can read.
        for _, size in ipairs({ 100 * 1024, 32 * 1024 * 1024 }) do
            it("stops a " .. size .. "-byte send at the timeout with the index of the last byte the peer gets",
                function()
                    local c, p = pair()
                    local bytes = {}
                    for b = 0, 250 do bytes[#bytes + 1] = string.char(b) end
                    local data = string.rep(table.concat(bytes), math.ceil(size / 251)):sub(1, size)
                    -- Sends the string over and over until one send stops at
                    -- the timeout: the peer reads nothing, so its buffers fill.
                    c:settimeout(0.2)
                    local rounds, last, err = 0
                    repeat
                        rounds = rounds + 1
                        local r = net.pack(c:send(data))
                        last, err = r[1] or r[3], r[2]
                    until err or rounds == 1000
                    assert.are.equal("timeout", err)
                    assert.is_true(last >= 0 and last < #data, "partial index " .. tostring(last))
                    p:settimeout(10)
                    for _ = 1, rounds - 1 do
                        assert.is_true(p:receive(#data) == data, "a whole copy differs")
                    end
                    if last > 0 then
                        assert.is_true(p:receive(last) == data:sub(1, last), "the partial copy differs")
                    end
                    p:settimeout(0.05)
                    local r = net.pack(p:receive(1))
                    assert.are.same({ nil, "timeout", "" }, { r[1], r[2], r[3] })
                end)
        end

        it("counts bytes sent from a later i in the returned index", function()
            local c, p = pair()
            local data = string.rep("z", 1000)
            assert.are.equal(1000, c:send(data, 501))
            assert.are.equal(string.rep("z", 500), p:receive(500))
        end)
    end)

    describe(":settimeout() and :gettimeout()", function()
        it("gettimeout returns block and total as set, -1 when unset", function()
            local c = pair()
            c:settimeout(nil)
            assert.are.same({ n = 2, -1, -1 }, net.pack(c:gettimeout()))
            c:settimeout(0.5)
            assert.are.same({ n = 2, 0.5, -1 }, net.pack(c:gettimeout()))
            c:settimeout(2, "t")
            assert.are.same({ n = 2, 0.5, 2 }, net.pack(c:gettimeout()))
            c:settimeout(3, "r")
            assert.are.same({ n = 2, 0.5, 3 }, net.pack(c:gettimeout()))
            c:settimeout(1.5, "b")
            assert.are.same({ n = 2, 1.5, 3 }, net.pack(c:gettimeout()))
        end)

        it("settimeout(nil) resets a limit to -1", function()
            local c = pair()
            c:settimeout(1)
            c:settimeout(2, "t")
            c:settimeout(nil)
            assert.are.same({ n = 2, -1, 2 }, net.pack(c:gettimeout()))
            c:settimeout(nil, "t")
            assert.are.same({ n = 2, -1, -1 }, net.pack(c:gettimeout()))
        end)

        it("returns a negative value as given", function()
            local c = pair()
            c:settimeout(-5)
            assert.are.same({ n = 2, -5, -1 }, net.pack(c:gettimeout()))
        end)

        it("raises 'invalid timeout mode' for an unknown mode", function()
            local c = pair()
            assert.are.equal("bad argument #2 to 'settimeout' (invalid timeout mode)",
                raised(function() c:settimeout(1, "x") end))
        end)

        it("raises a type error for a non-number value", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'settimeout' (number expected, got table)",
                raised(function() c:settimeout({}) end))
        end)

        it("a block timeout ends a receive with nil, 'timeout', '' after about that long", function()
            local c = pair()
            c:settimeout(0.1)
            local r = net.timed(c.receive, c)
            assert.are.equal(nil, r[1])
            assert.are.equal("timeout", r[2])
            assert.are.equal("", r[3])
            assert.is_true(r.elapsed >= 0.05 and r.elapsed < 1.0, "elapsed " .. r.elapsed)
        end)

        it("returns the partial data on timeout", function()
            local c, p = pair()
            p:send("abc")
            c:settimeout(0.1)
            local r = net.pack(c:receive("*l"))
            assert.are.same({ nil, "timeout", "abc" }, { r[1], r[2], r[3] })
            p:send("def")
            r = net.pack(c:receive(10))
            assert.are.same({ nil, "timeout", "def" }, { r[1], r[2], r[3] })
        end)

        it("a zero timeout returns nil, 'timeout' at once", function()
            local c = pair()
            c:settimeout(0)
            local r = net.timed(c.receive, c)
            assert.are.equal(nil, r[1])
            assert.are.equal("timeout", r[2])
            assert.are.equal("", r[3])
            assert.is_true(r.elapsed < 0.1, "elapsed " .. r.elapsed)
        end)

        it("a total timeout ('t') ends a receive", function()
            local c = pair()
            c:settimeout(nil)
            c:settimeout(0.1, "t")
            local r = net.timed(c.receive, c, 5)
            assert.are.equal("timeout", r[2])
            assert.is_true(r.elapsed >= 0.05 and r.elapsed < 1.0, "elapsed " .. r.elapsed)
        end)

        it("'r' is a synonym for 't'", function()
            local c = pair()
            c:settimeout(nil)
            c:settimeout(0.1, "r")
            assert.are.same({ n = 2, -1, 0.1 }, net.pack(c:gettimeout()))
            local r = net.timed(c.receive, c, "*a")
            assert.are.equal("timeout", r[2])
            assert.is_true(r.elapsed >= 0.05 and r.elapsed < 1.0, "elapsed " .. r.elapsed)
        end)

        it("with both set, the smaller one applies", function()
            local c = pair()
            c:settimeout(5)
            c:settimeout(0.1, "t")
            local r = net.timed(c.receive, c)
            assert.are.equal("timeout", r[2])
            assert.is_true(r.elapsed >= 0.05 and r.elapsed < 1.0, "total: elapsed " .. r.elapsed)
            c:settimeout(0.1)
            c:settimeout(5, "t")
            r = net.timed(c.receive, c)
            assert.are.equal("timeout", r[2])
            assert.is_true(r.elapsed >= 0.05 and r.elapsed < 1.0, "block: elapsed " .. r.elapsed)
        end)

        it("a peer trickling a byte every 0.05s does not keep a receive past the block timeout", function()
            local s, port = server()
            local pid = net.trickle_peer(port)
            finally(function() net.kill(pid) end)
            local p = keep(assert(s:accept()))
            p:settimeout(0.3)
            local r = net.timed(p.receive, p, "*a")
            assert.are.equal(nil, r[1])
            assert.are.equal("timeout", r[2])
            assert.is_truthy(r[3]:match("^x+$"), "partial: " .. tostring(r[3]))
            assert.is_true(r.elapsed >= 0.25 and r.elapsed < 1.0, "elapsed " .. r.elapsed)
        end)
    end)

    describe(":connect()", function()
        it("connects a master and reports the server as its peer", function()
            local _, port = server()
            local m = keep(socket.tcp())
            m:settimeout(5)
            assert.are.equal(1, m:connect("127.0.0.1", port))
            local ip, pport, family = m:getpeername()
            assert.are.same({ "127.0.0.1", port, "inet" }, { ip, pport, family })
            assert.are.equal("inet4", m:getfamily())
        end)

        it("with timeout 0: nil, 'timeout', then 1 once writable, then 'already connected'", function()
            local s, port = server()
            local m = keep(socket.tcp4())
            m:settimeout(0)
            local r = net.pack(m:connect("127.0.0.1", port))
            assert.are.equal("tcp{client}", class_of(m))
            if r[1] == nil then
                assert.are.same({ n = 2, nil, "timeout" }, r)
                local _, writable, err = socket.select(nil, { m }, 1)
                assert.are.equal(nil, err)
                assert.are.equal(m, writable[1])
                assert.are.same({ n = 1, 1 }, net.pack(m:connect("127.0.0.1", port)))
            else
                assert.are.same({ n = 1, 1 }, r)
            end
            assert.are.same({ n = 2, nil, "already connected" }, net.pack(m:connect("127.0.0.1", port)))
            local p = keep(assert(s:accept()))
            assert.are.equal(3, m:send("abc"))
            assert.are.equal("abc", p:receive(3))
        end)

        it("returns nil, 'connection refused' for a closed port", function()
            local port = closed_port()
            local m = keep(socket.tcp())
            m:settimeout(5)
            assert.are.same({ n = 2, nil, "connection refused" }, net.pack(m:connect("127.0.0.1", port)))
        end)

        it("returns the resolver's message for an unknown host", function()
            local m = keep(socket.tcp())
            m:settimeout(5)
            assert.are.same({ n = 2, nil, "host or service not provided, or not known" },
                net.pack(m:connect("no such host", 80)))
        end)

        it("connects from the address a master was bound to", function()
            local _, port = server()
            local m = keep(socket.tcp4())
            m:settimeout(5)
            assert.are.equal(1, m:bind("127.0.0.1", 0))
            local _, lport = m:getsockname()
            assert.are.equal(1, m:connect("127.0.0.1", port))
            local ip, lport2 = m:getsockname()
            assert.are.equal("127.0.0.1", ip)
            assert.are.equal(lport, lport2)
        end)
    end)

    describe(":bind() and :listen()", function()
        it("returns nil, 'address already in use' for a port a server holds", function()
            local _, port = server()
            local m = keep(socket.tcp4())
            assert.are.same({ n = 2, nil, "address already in use" }, net.pack(m:bind("127.0.0.1", port)))
        end)

        it("bind and connect without a port raise 'string expected, got no value'", function()
            local m = keep(socket.tcp4())
            assert.are.equal("bad argument #2 to 'bind' (string expected, got no value)",
                raised(function() m:bind("127.0.0.1") end))
            assert.are.equal("bad argument #2 to 'connect' (string expected, got no value)",
                raised(function() m:connect("127.0.0.1") end))
        end)

        it("listen on a tcp() master with no descriptor returns nil, 'Bad file descriptor'", function()
            local m = keep(socket.tcp())
            assert.are.same({ n = 2, nil, "Bad file descriptor" }, net.pack(m:listen()))
            assert.are.equal("tcp{master}", class_of(m))
        end)

        it("a bound master reports its address", function()
            local m = keep(socket.tcp4())
            assert.are.equal(1, m:bind("127.0.0.1", 0))
            local ip, port, family = m:getsockname()
            assert.are.equal("127.0.0.1", ip)
            assert.are.equal("number", type(port))
            assert.is_true(port > 0)
            assert.are.equal("inet", family)
        end)
    end)

    describe(":accept()", function()
        it("returns nil, 'timeout' at once with timeout 0 and nothing pending", function()
            local s = server()
            s:settimeout(0)
            local r = net.timed(s.accept, s)
            assert.are.equal(nil, r[1])
            assert.are.equal("timeout", r[2])
            assert.is_true(r.elapsed < 0.1, "elapsed " .. r.elapsed)
        end)

        it("returns nil, 'timeout' after the block timeout", function()
            local s = server()
            s:settimeout(0.1)
            local r = net.timed(s.accept, s)
            assert.are.same({ nil, "timeout" }, { r[1], r[2] })
            assert.is_true(r.elapsed >= 0.05 and r.elapsed < 1.0, "elapsed " .. r.elapsed)
        end)

        it("returns a tcp{client} whose peer is the connecting client", function()
            local s, port = server()
            local c = keep(assert(socket.connect("127.0.0.1", port)))
            c:settimeout(5)
            local p = keep(s:accept())
            assert.are.equal("tcp{client}", class_of(p))
            local cip, cport = c:getsockname()
            local pip, pport, pfam = p:getpeername()
            assert.are.same({ cip, cport, "inet" }, { pip, pport, pfam })
            assert.are.equal("inet4", p:getfamily())
        end)

        it("gives the accepted socket no timeouts (-1, -1)", function()
            local s, port = server()
            keep(assert(socket.connect("127.0.0.1", port)))
            local p = keep(assert(s:accept()))
            assert.are.same({ n = 2, -1, -1 }, net.pack(p:gettimeout()))
        end)
    end)

    describe(":getsockname(), :getpeername(), :getfamily()", function()
        it("give '127.0.0.1', a numeric port and 'inet'", function()
            local c, p, s = pair()
            local _, sport = s:getsockname()
            local ip, port, family = c:getpeername()
            assert.are.same({ "127.0.0.1", sport, "inet" }, { ip, port, family })
            assert.are.equal("number", type(port))
            local lip, lport, lfamily = c:getsockname()
            assert.are.same({ lip, lport, lfamily }, { p:getpeername() })
            assert.are.equal("127.0.0.1", lip)
            assert.are.equal("inet", lfamily)
            assert.are.same({ "127.0.0.1", sport, "inet" }, { p:getsockname() })
        end)

        it("getfamily gives 'inet4' for every class over IPv4", function()
            local c, p, s = pair()
            assert.are.equal("inet4", c:getfamily())
            assert.are.equal("inet4", p:getfamily())
            assert.are.equal("inet4", s:getfamily())
        end)

        it("works over IPv6 on ::1", function()
            local s = keep(assert(socket.bind("::1", 0)))
            s:settimeout(5)
            local sip, port, sfam = s:getsockname()
            assert.are.same({ "::1", "inet6" }, { sip, sfam })
            local c = keep(assert(socket.connect("::1", port)))
            c:settimeout(5)
            local p = keep(assert(s:accept()))
            assert.are.equal("inet6", c:getfamily())
            assert.are.equal("inet6", p:getfamily())
            assert.are.equal("inet6", s:getfamily())
            assert.are.same({ "::1", port, "inet6" }, { c:getpeername() })
            assert.are.same({ c:getsockname() }, { p:getpeername() })
            assert.are.equal(4, c:send("six\n"))
            assert.are.equal("six", p:receive())
        end)

        it("tcp6():connect works against a tcp6 server", function()
            local s = keep(assert(socket.bind("::1", 0)))
            local _, port = s:getsockname()
            local m = keep(socket.tcp6())
            m:settimeout(5)
            assert.are.equal(1, m:connect("::1", port))
            assert.are.same({ "::1", port, "inet6" }, { m:getpeername() })
        end)

        it("on a closed socket return nil, 'Bad file descriptor'", function()
            local c = pair()
            c:close()
            assert.are.same({ n = 2, nil, "Bad file descriptor" }, net.pack(c:getsockname()))
            assert.are.same({ n = 2, nil, "Bad file descriptor" }, net.pack(c:getpeername()))
        end)

        it("getpeername on an unconnected socket returns nil and the OS message", function()
            local m = keep(socket.tcp4())
            assert.are.same({ n = 2, nil, "Transport endpoint is not connected" }, net.pack(m:getpeername()))
        end)
    end)

    describe(":getstats() and :setstats()", function()
        it("counts bytes received and sent", function()
            local c, p = pair()
            assert.are.equal(5, c:send("12345"))
            assert.are.equal(7, p:send("abcdefg"))
            assert.are.equal("abcdefg", c:receive(7))
            local received, sent, age = c:getstats()
            assert.are.equal(7, received)
            assert.are.equal(5, sent)
            assert.are.equal("number", type(age))
            assert.is_true(age >= 0 and age < 60)
        end)

        it("counts only bytes delivered to Lua, not buffered ones", function()
            local c, p = pair()
            p:send("0123456789")
            assert.are.equal("012", c:receive(3))
            local received = c:getstats()
            assert.are.equal(3, received)
            assert.are.equal("3456789", c:receive(7))
            received = c:getstats()
            assert.are.equal(10, received)
        end)

        it("counts line terminators as received", function()
            local c, p = pair()
            p:send("ab\r\n")
            assert.are.equal("ab", c:receive())
            assert.are.equal(4, (c:getstats()))
        end)

        it("setstats(10, 20, 5) sets the counters and the age", function()
            local c = pair()
            assert.are.same({ n = 1, 1 }, net.pack(c:setstats(10, 20, 5)))
            local received, sent, age = c:getstats()
            assert.are.equal(10, received)
            assert.are.equal(20, sent)
            assert.is_true(age >= 5 and age < 6, "age " .. age)
        end)

        it("setstats keeps counters it is not given", function()
            local c, p = pair()
            c:send("abc")
            p:send("xy")
            c:receive(2)
            c:setstats(nil, 100)
            local received, sent = c:getstats()
            assert.are.equal(2, received)
            assert.are.equal(100, sent)
        end)
    end)

    describe(":shutdown()", function()
        it("'send' makes the peer read nil, 'closed' while this end can still read", function()
            local c, p = pair()
            assert.are.equal(1, c:shutdown("send"))
            local r = net.pack(p:receive())
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
            assert.are.equal(5, p:send("back\n"))
            assert.are.equal("back", c:receive())
        end)

        it("'receive' leaves this end able to send", function()
            local c, p = pair()
            assert.are.equal(1, c:shutdown("receive"))
            assert.are.equal(4, c:send("out\n"))
            assert.are.equal("out", p:receive())
        end)

        it("defaults to 'both'", function()
            local c, p = pair()
            assert.are.equal(1, c:shutdown())
            local r = net.pack(p:receive())
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
            r = net.pack(c:send("late"))
            assert.are.same({ nil, "closed", 0 }, { r[1], r[2], r[3] })
        end)

        it("raises for an unknown mode", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'shutdown' (invalid option 'sideways')",
                raised(function() c:shutdown("sideways") end))
        end)
    end)

    describe(":setoption() and :getoption()", function()
        it("sets and gets tcp-nodelay", function()
            local c = pair()
            assert.are.equal(1, c:setoption("tcp-nodelay", true))
            assert.are.equal(true, c:getoption("tcp-nodelay"))
            assert.are.equal(1, c:setoption("tcp-nodelay", false))
            assert.are.equal(false, c:getoption("tcp-nodelay"))
        end)

        it("sets and gets keepalive", function()
            local c = pair()
            assert.are.equal(false, c:getoption("keepalive"))
            assert.are.equal(1, c:setoption("keepalive", true))
            assert.are.equal(true, c:getoption("keepalive"))
        end)

        it("sets and gets reuseaddr and reuseport", function()
            local m = keep(socket.tcp4())
            assert.are.equal(1, m:setoption("reuseaddr", true))
            assert.are.equal(true, m:getoption("reuseaddr"))
            assert.are.equal(1, m:setoption("reuseport", true))
            assert.are.equal(true, m:getoption("reuseport"))
            assert.are.equal(1, m:setoption("reuseport", false))
            assert.are.equal(false, m:getoption("reuseport"))
        end)

        it("sets linger from {on, timeout} and gets it back as a table", function()
            local c = pair()
            assert.are.equal(1, c:setoption("linger", { on = true, timeout = 3 }))
            assert.are.same({ on = true, timeout = 3 }, c:getoption("linger"))
            -- Turning it off keeps the kernel's timeout: only 'on' is checked.
            assert.are.equal(1, c:setoption("linger", { on = false, timeout = 0 }))
            assert.are.equal(false, c:getoption("linger").on)
        end)

        it("sets buffer sizes and gets at least what was set", function()
            local c = pair()
            assert.are.equal(1, c:setoption("recv-buffer-size", 65536))
            local rcv = c:getoption("recv-buffer-size")
            assert.are.equal("number", type(rcv))
            assert.is_true(rcv >= 65536, "recv-buffer-size " .. tostring(rcv))
            assert.are.equal(1, c:setoption("send-buffer-size", 32768))
            local snd = c:getoption("send-buffer-size")
            assert.are.equal("number", type(snd))
            assert.is_true(snd >= 32768, "send-buffer-size " .. tostring(snd))
        end)

        it("sets and gets tcp-keepidle, tcp-keepcnt and tcp-keepintvl", function()
            local c = pair()
            assert.are.equal(1, c:setoption("tcp-keepidle", 30))
            assert.are.equal(1, c:setoption("tcp-keepcnt", 4))
            assert.are.equal(1, c:setoption("tcp-keepintvl", 10))
            assert.are.equal(30, c:getoption("tcp-keepidle"))
            assert.are.equal(4, c:getoption("tcp-keepcnt"))
            assert.are.equal(10, c:getoption("tcp-keepintvl"))
        end)

        it("sets the set-only options tcp-defer-accept and ipv6-v6only", function()
            local s = server()
            assert.are.equal(1, s:setoption("tcp-defer-accept", 1))
            local m6 = keep(socket.tcp6())
            assert.are.equal(1, m6:setoption("ipv6-v6only", true))
        end)

        it("getoption('error') is nil on a healthy socket", function()
            local c = pair()
            local r = net.pack(c:getoption("error"))
            assert.are.equal(1, r.n)
            assert.are.equal(nil, r[1])
        end)

        it("raises \"unsupported option `bogus'\" for an unknown name", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'setoption' (unsupported option `bogus')",
                raised(function() c:setoption("bogus", true) end))
            assert.are.equal("bad argument #1 to 'getoption' (unsupported option `bogus')",
                raised(function() c:getoption("bogus") end))
        end)

        it("getoption('ipv6-v6only') is unsupported for tcp", function()
            local m = keep(socket.tcp6())
            assert.are.equal("bad argument #1 to 'getoption' (unsupported option `ipv6-v6only')",
                raised(function() m:getoption("ipv6-v6only") end))
        end)

        it("setoption('error') is unsupported", function()
            local c = pair()
            assert.are.equal("bad argument #1 to 'setoption' (unsupported option `error')",
                raised(function() c:setoption("error", true) end))
        end)

        it("a boolean option given a number raises 'boolean expected, got number'", function()
            local c = pair()
            assert.are.equal("bad argument #2 to 'setoption' (boolean expected, got number)",
                raised(function() c:setoption("tcp-nodelay", 1) end))
        end)

        it("a boolean option with no value raises 'boolean expected, got no value'", function()
            local c = pair()
            assert.are.equal("bad argument #2 to 'setoption' (boolean expected, got no value)",
                raised(function() c:setoption("keepalive") end))
        end)

        it("linger given a non-table raises 'table expected'", function()
            local c = pair()
            assert.are.equal("bad argument #2 to 'setoption' (table expected, got number)",
                raised(function() c:setoption("linger", 5) end))
        end)

        it("linger without a boolean 'on' raises \"boolean 'on' field expected\"", function()
            local c = pair()
            assert.are.equal("bad argument #2 to 'setoption' (boolean 'on' field expected)",
                raised(function() c:setoption("linger", { timeout = 3 }) end))
        end)

        it("linger without a numeric 'timeout' raises \"number 'timeout' field expected\"", function()
            local c = pair()
            assert.are.equal("bad argument #2 to 'setoption' (number 'timeout' field expected)",
                raised(function() c:setoption("linger", { on = true }) end))
        end)

        it("returns nil, 'setsockopt failed' / 'getsockopt failed' without a descriptor", function()
            local m = keep(socket.tcp())
            assert.are.same({ n = 2, nil, "setsockopt failed" }, net.pack(m:setoption("reuseaddr", true)))
            assert.are.same({ n = 2, nil, "getsockopt failed" }, net.pack(m:getoption("reuseaddr")))
        end)
    end)

    describe(":getfd() and :setfd()", function()
        it("getfd returns a number >= 0, and -1 after close", function()
            local c = pair()
            local fd = c:getfd()
            assert.are.equal("number", type(fd))
            assert.is_true(fd >= 0)
            c:close()
            assert.are.equal(-1, c:getfd())
        end)

        it("setfd(-1) detaches: close then leaves the connection open", function()
            local c, p = pair()
            local fd = c:getfd()
            assert.are.equal(0, select("#", c:setfd(-1)))
            assert.are.equal(-1, c:getfd())
            assert.are.equal(1, c:close())
            p:settimeout(0.1)
            local r = net.pack(p:receive())
            assert.are.same({ nil, "timeout", "" }, { r[1], r[2], r[3] })
            -- Adopt the still-open descriptor and close it for real.
            local m = keep(socket.tcp())
            m:setfd(fd)
            assert.are.equal(fd, m:getfd())
            assert.are.equal(1, m:close())
            p:settimeout(1)
            r = net.pack(p:receive())
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
        end)

        it("a detached object collected by the GC leaves the connection open", function()
            local s, port = server()
            local fd
            local p = keep((function()
                local c = assert(socket.connect("127.0.0.1", port))
                local peer = assert(s:accept())
                fd = c:getfd()
                c:setfd(-1)
                return peer
            end)())
            collectgarbage("collect")
            collectgarbage("collect")
            p:settimeout(0.1)
            local r = net.pack(p:receive())
            assert.are.same({ nil, "timeout", "" }, { r[1], r[2], r[3] })
            local m = keep(socket.tcp())
            m:setfd(fd)
            assert.are.equal(1, m:close())
            p:settimeout(1)
            r = net.pack(p:receive())
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
        end)

        it("setfd lets another object use a live connection", function()
            local c, p = pair()
            local fd = c:getfd()
            c:setfd(-1)
            local m = keep(socket.tcp4())
            local old = m:getfd()
            m:setfd(fd)
            assert.are.equal(fd, m:getfd())
            -- The master's own descriptor was not closed by setfd; close it.
            local other = keep(socket.tcp())
            other:setfd(old)
            other:close()
            -- A master cannot send, but it can read names through the fd.
            assert.are.same({ p:getsockname() }, { m:getpeername() })
        end)
    end)

    describe(":dirty()", function()
        it("is false when nothing is buffered", function()
            local c, p = pair()
            assert.is_false(c:dirty())
            p:send("ab")
            assert.are.equal("ab", c:receive(2))
            assert.is_false(c:dirty())
        end)

        it("is true after receive(1) when the peer sent more in one send", function()
            local c, p = pair()
            p:send("abcdef")
            assert.are.equal("a", c:receive(1))
            assert.is_true(c:dirty())
            assert.are.equal("bcdef", c:receive(5))
            assert.is_false(c:dirty())
        end)

        it("is true after a line when more lines are buffered", function()
            local c, p = pair()
            p:send("one\ntwo\n")
            assert.are.equal("one", c:receive())
            assert.is_true(c:dirty())
        end)
    end)

    describe("writing to a closed peer", function()
        it("eventually returns nil, 'closed' and the process survives (SIGPIPE ignored)", function()
            local c, p = pair()
            p:close()
            c:settimeout(1)
            local chunk = string.rep("x", 65536)
            local r
            for _ = 1, 100 do
                r = net.pack(c:send(chunk))
                if r[1] == nil then break end
            end
            assert.are.equal(nil, r[1])
            assert.are.equal("closed", r[2])
            assert.are.equal("number", type(r[3]))
            assert.is_true(r[3] >= 0 and r[3] <= 65536)
        end)
    end)

    describe("garbage collection", function()
        it("__gc closes an unclosed client: the peer reads nil, 'closed'", function()
            local s, port = server()
            local p = keep(drop_connected(s, port))
            collectgarbage("collect")
            collectgarbage("collect")
            p:settimeout(1)
            local r = net.pack(p:receive())
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
        end)

        if _VERSION == "Lua 5.4" then
            it("a <close> variable closes the socket (Lua 5.4)", function()
                local c, p = pair()
                local f = assert(load("local c = ...; do local x <close> = c end; return c:getfd()"))
                assert.are.equal(-1, f(c))
                p:settimeout(1)
                local r = net.pack(p:receive())
                assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
            end)
        end
    end)
end)

describe("socket.connect()", function()
    local opened = {}
    local function hold(s)
        if s then opened[#opened + 1] = s end
        return s
    end
    after_each(function()
        for i = #opened, 1, -1 do
            pcall(opened[i].close, opened[i])
            opened[i] = nil
        end
    end)

    it("returns a connected tcp{client} with no timeouts", function()
        local s, port = net.local_server()
        hold(s)
        local c = hold(socket.connect("127.0.0.1", port))
        assert.are.equal("tcp{client}", class_of(c))
        assert.are.same({ "127.0.0.1", port, "inet" }, { c:getpeername() })
        assert.are.same({ n = 2, -1, -1 }, net.pack(c:gettimeout()))
    end)

    it("binds the local address 127.0.0.1 port 0", function()
        local s, port = net.local_server()
        hold(s)
        local c = hold(socket.connect("127.0.0.1", port, "127.0.0.1", 0))
        assert.are.equal("tcp{client}", class_of(c))
        local ip, lport, family = c:getsockname()
        assert.are.equal("127.0.0.1", ip)
        assert.is_true(lport > 0)
        assert.are.equal("inet", family)
        c:settimeout(5)
        local p = hold(s:accept())
        assert.are.same({ ip, lport, "inet" }, { p:getpeername() })
    end)

    it("binds a given local port", function()
        local s, port = net.local_server()
        hold(s)
        local lport = closed_port()
        local c = hold(socket.connect("127.0.0.1", port, "127.0.0.1", lport))
        assert.are.equal("tcp{client}", class_of(c))
        local _, got = c:getsockname()
        assert.are.equal(lport, got)
    end)

    it("with family 'inet' connects over IPv4", function()
        local s, port = net.local_server()
        hold(s)
        local c = hold(socket.connect("127.0.0.1", port, nil, nil, "inet"))
        assert.are.equal("inet4", c:getfamily())
    end)

    -- As in LuaSocket, the family only chooses the local address.
    it("with family 'inet6' and no local address connects to 127.0.0.1", function()
        local s, port = net.local_server()
        hold(s)
        local c = hold(assert(socket.connect("127.0.0.1", port, nil, nil, "inet6")))
        assert.are.equal("inet4", c:getfamily())
    end)

    it("with family 'inet6' and a local ::1 fails to reach 127.0.0.1 with the resolver's message", function()
        local s, port = net.local_server()
        hold(s)
        local r = net.pack(socket.connect("127.0.0.1", port, "::1", 0, "inet6"))
        hold(r[1])
        assert.are.same({ n = 2, nil, "Address family for hostname not supported" }, r)
    end)

    it("connect6 reaches a server on ::1", function()
        local s = hold(assert(socket.bind("::1", 0)))
        local _, port = s:getsockname()
        local c = hold(socket.connect6("::1", port))
        assert.are.equal("inet6", c:getfamily())
        assert.are.same({ "::1", port, "inet6" }, { c:getpeername() })
    end)

    it("raises for an invalid family name", function()
        local ok, err = pcall(function() socket.connect("127.0.0.1", 1, nil, nil, "ipx") end)
        assert.is_false(ok)
        local rest = tostring(err):match("^[^\n]-tcp_spec%.lua:%d+: (.*)$")
        assert.are.equal("bad argument #5 to 'connect' (invalid option 'ipx')", rest)
    end)

    it("returns nil, 'connection refused' for a closed port", function()
        local port = closed_port()
        local r = net.pack(socket.connect("127.0.0.1", port))
        hold(r[1])
        assert.are.same({ n = 2, nil, "connection refused" }, r)
    end)

    it("returns nil, 'host or service not provided, or not known' for an unknown host", function()
        local r = net.pack(socket.connect("no such host", 80))
        hold(r[1])
        assert.are.same({ n = 2, nil, "host or service not provided, or not known" }, r)
    end)
end)
