-- socket.unix: the module table, unixstream{master|client|server} and
-- unixdgram{unconnected|connected}: method sets, class transitions,
-- argument errors, paths in temporary directories, Linux abstract names,
-- "path too long", datagram sizes, timeouts, options, closed sockets.
local socket = require("socket")
local unix = require("socket.unix")
local net = require("support.net")
local objects = require("support.objects")

local keep = objects.tracker()
local dirs = objects.tmpdirs()
local tmpdir = dirs.new
local raised, class_of, sorted_keys = objects.raised, objects.class_of, objects.sorted_keys

local function exists(path)
    local p = io.popen("test -S '" .. path .. "' && echo yes")
    local out = p:read("*a")
    p:close()
    return out:match("yes") ~= nil
end

-- An abstract name no other run uses.
local counter = 0
local function abstract()
    counter = counter + 1
    return "\0luasocket-rs-spec-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e9)) .. "-" .. counter
end

-- A listening unixstream{server} on path (5 s timeout).
local function server(path)
    local s = keep(assert(unix.stream()))
    assert(s:bind(path))
    assert(s:listen())
    assert(s:settimeout(5))
    return s
end

-- A connected client and its accepted peer, both with 5 s timeouts.
local function stream_pair(path)
    local srv = server(path)
    local c = keep(assert(unix.stream()))
    assert(c:settimeout(5))
    assert(c:connect(path))
    local p = keep(assert(srv:accept()))
    assert(p:settimeout(5))
    return c, p, srv
end

-- A bound unixdgram{unconnected} (5 s timeout).
local function dgram_at(path)
    local d = keep(assert(unix.dgram()))
    assert(d:bind(path))
    assert(d:settimeout(5))
    return d
end

describe("socket.unix", function()
    after_each(function()
        keep.close_all()
        dirs.remove_all()
    end)

    describe("the module", function()
        it("is a callable table with stream, dgram and the tcp/udp aliases", function()
            assert.are.equal("table", type(unix))
            assert.are.equal(unix, getmetatable(unix))
            assert.are.equal("function", type(unix.stream))
            assert.are.equal("function", type(unix.dgram))
            assert.are.equal(unix.stream, unix.tcp)
            assert.are.equal(unix.dgram, unix.udp)
        end)

        it("socket.unix() makes a unixstream{master}", function()
            local s = keep(unix())
            assert.are.equal("unixstream{master}", class_of(s))
            assert.is_true(s:getfd() >= 0)
        end)

        it("require('socket.unix') gives the same table each time", function()
            assert.are.equal(unix, require("socket.unix"))
        end)
    end)

    describe("unixstream", function()
        it("has LuaSocket's method set, and no gettimeout/getpeername/getoption", function()
            local s = keep(unix.stream())
            local mt = getmetatable(s)
            assert.are.same({
                "accept", "bind", "class", "close", "connect", "dirty", "getfd", "getsockname",
                "getstats", "listen", "receive", "receiveany", "send", "setfd", "setoption", "setpeername",
                "setsockname", "setstats", "settimeout", "shutdown",
            }, sorted_keys(mt.__index))
            assert.are.equal("unixstream{master}", mt.__name)
            assert.is_true(mt["unixstream{any}"])
            assert.is_nil(mt["select{able}"])
            assert.is_truthy(tostring(s):match("^unixstream{master}: 0x%x+$"))
        end)

        it("bind, listen, connect and accept move through the classes", function()
            local path = tmpdir() .. "/sock"
            local srv = keep(unix.stream())
            assert.are.same({ n = 1, 1 }, net.pack(srv:bind(path)))
            assert.is_true(exists(path))
            assert.are.equal(path, srv:getsockname())
            assert.are.equal("unixstream{master}", class_of(srv))
            assert.are.equal(1, srv:listen())
            assert.are.equal("unixstream{server}", class_of(srv))
            local c = keep(unix.stream())
            assert.are.same({ n = 1, 1 }, net.pack(c:connect(path)))
            assert.are.equal("unixstream{client}", class_of(c))
            srv:settimeout(5)
            local p = keep(srv:accept())
            assert.are.equal("unixstream{client}", class_of(p))
            assert.are.equal(path, p:getsockname())
            assert.are.equal("", c:getsockname())
        end)

        it("setsockname and setpeername are bind and connect", function()
            local path = tmpdir() .. "/sock"
            local srv = keep(unix.stream())
            assert.are.equal(1, srv:setsockname(path))
            assert(srv:listen())
            local c = keep(unix.stream())
            assert.are.equal(1, c:setpeername(path))
            assert.are.equal("unixstream{client}", class_of(c))
        end)

        it("send and receive are buffered, with the _DEBUG elapsed time", function()
            local c, p = stream_pair(tmpdir() .. "/sock")
            local r = net.pack(c:send("hello\r\nworld\nrest"))
            assert.are.equal(4, r.n)
            assert.are.same({ 17, nil, nil }, { r[1], r[2], r[3] })
            assert.are.equal("number", type(r[4]))
            assert.are.equal("hello", (p:receive()))
            assert.are.equal("world", (p:receive("*l")))
            assert.are.equal("re", (p:receive(2)))
            assert.is_true(p:dirty())
            c:close()
            local all = net.pack(p:receive("*a"))
            assert.are.equal("st", all[1])
        end)

        it("receive reports nil, 'timeout', partial", function()
            local c, p = stream_pair(tmpdir() .. "/sock")
            c:send("abc")
            p:settimeout(0.1)
            local r = net.pack(p:receive(10))
            assert.are.same({ nil, "timeout", "abc" }, { r[1], r[2], r[3] })
        end)

        it("a closed peer reads as nil, 'closed'", function()
            local c, p = stream_pair(tmpdir() .. "/sock")
            p:close()
            local r = net.pack(c:receive())
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
        end)

        it("getstats and setstats count bytes", function()
            local c, p = stream_pair(tmpdir() .. "/sock")
            c:send("12345")
            p:receive(5)
            local received, sent, age = p:getstats()
            assert.are.equal(5, received)
            assert.are.equal(0, sent)
            assert.is_true(age >= 0)
            assert.are.equal(5, (select(2, c:getstats())))
            assert.are.equal(1, p:setstats(1, 2, 3))
            local r2, s2 = p:getstats()
            assert.are.same({ 1, 2 }, { r2, s2 })
        end)

        it("shutdown('send') ends the peer's stream", function()
            local c, p = stream_pair(tmpdir() .. "/sock")
            assert.are.equal(1, c:shutdown("send"))
            local r = net.pack(p:receive())
            assert.are.same({ nil, "closed" }, { r[1], r[2] })
            assert.are.equal("bad argument #1 to 'shutdown' (invalid option 'bogus')",
                raised(function() c:shutdown("bogus") end))
        end)

        it("accept times out with nil, 'timeout'", function()
            local srv = server(tmpdir() .. "/sock")
            srv:settimeout(0.1)
            assert.are.same({ n = 2, nil, "timeout" }, net.pack(srv:accept()))
        end)

        it("methods check their class", function()
            local path = tmpdir() .. "/sock"
            local c = stream_pair(path)
            local m = keep(unix.stream())
            assert.are.equal("calling 'accept' on bad self (unixstream{server} expected)",
                raised(function() c:accept() end))
            assert.are.equal("calling 'send' on bad self (unixstream{client} expected)",
                raised(function() m:send("x") end))
            assert.are.equal("calling 'listen' on bad self (unixstream{master} expected)",
                raised(function() c:listen() end))
            assert.are.equal("calling 'connect' on bad self (unixstream{master} expected)",
                raised(function() c:connect(path) end))
            assert.are.equal("bad argument #1 to 'close' (unixstream{any} expected)",
                raised(function() m.close(keep(socket.tcp4())) end))
        end)

        it("bind and connect want a string path", function()
            local m = keep(unix.stream())
            assert.are.equal("bad argument #1 to 'bind' (string expected, got no value)",
                raised(function() m:bind() end))
            assert.are.equal("bad argument #1 to 'connect' (string expected, got table)",
                raised(function() m:connect({}) end))
        end)

        it("setoption takes keepalive, reuseaddr and linger only", function()
            local m = keep(unix.stream())
            assert.are.equal(1, m:setoption("keepalive", true))
            assert.are.equal(1, m:setoption("reuseaddr", true))
            assert.are.equal(1, m:setoption("linger", { on = true, timeout = 1 }))
            assert.are.equal("bad argument #1 to 'setoption' (unsupported option `tcp-nodelay')",
                raised(function() m:setoption("tcp-nodelay", true) end))
        end)

        it("a failed bind returns the error and closes the descriptor, as upstream", function()
            local path = tmpdir() .. "/sock"
            server(path)
            local m = keep(unix.stream())
            assert.are.same({ n = 2, nil, "address already in use" }, net.pack(m:bind(path)))
            assert.are.equal(-1, m:getfd())
            assert.are.equal("unixstream{master}", class_of(m))
        end)

        it("a failed connect returns the error and closes the descriptor", function()
            local m = keep(unix.stream())
            assert.are.same({ n = 2, nil, "No such file or directory" },
                net.pack(m:connect(tmpdir() .. "/nobody")))
            assert.are.equal(-1, m:getfd())
            assert.are.equal("unixstream{master}", class_of(m))
            local refused = keep(unix.stream())
            assert.are.same({ n = 2, nil, "connection refused" }, net.pack(refused:connect(abstract())))
        end)

        it("a path of 108 bytes or more is nil, 'path too long'; 107 fit", function()
            local m = keep(unix.stream())
            assert.are.same({ n = 2, nil, "path too long" }, net.pack(m:bind(string.rep("x", 108))))
            assert.are.same({ n = 2, nil, "path too long" }, net.pack(m:connect(string.rep("x", 200))))
            assert.is_true(m:getfd() >= 0, "a path that does not fit leaves the socket open")
            local dir = tmpdir()
            local path = dir .. "/" .. string.rep("p", 107 - #dir - 1)
            assert.are.equal(107, #path)
            assert.are.equal(1, m:bind(path))
            assert.are.equal(path, m:getsockname())
        end)

        it("abstract names (a leading NUL) bind and connect without a file", function()
            local name = abstract()
            local srv = keep(unix.stream())
            assert.are.equal(1, srv:bind(name))
            assert.are.equal(name, srv:getsockname())
            assert(srv:listen())
            local c = keep(unix.stream())
            assert.are.equal(1, c:connect(name))
            srv:settimeout(5)
            local p = keep(srv:accept())
            c:send("over abstract\n")
            p:settimeout(5)
            assert.are.equal("over abstract", (p:receive()))
        end)

        it("closed sockets keep their class and fail with nil, 'closed'", function()
            local c = stream_pair(tmpdir() .. "/sock")
            assert.are.equal(1, c:close())
            assert.are.equal(1, c:close())
            assert.are.equal(-1, c:getfd())
            assert.are.equal("unixstream{client}", class_of(c))
            local r = net.pack(c:send("x"))
            assert.are.same({ nil, "closed", 0 }, { r[1], r[2], r[3] })
            r = net.pack(c:receive())
            assert.are.same({ nil, "closed", "" }, { r[1], r[2], r[3] })
        end)

        it("socket.select waits on unix stream sockets", function()
            local c, p, srv = stream_pair(tmpdir() .. "/sock")
            local r, _, err = socket.select({ p, srv }, nil, 0.05)
            assert.are.equal("timeout", err)
            assert.are.same({}, r)
            c:send("x")
            r = socket.select({ p, srv }, nil, 2)
            assert.are.equal(p, r[1])
        end)
    end)

    describe("unixdgram", function()
        it("has LuaSocket's method set and classes", function()
            local d = keep(unix.dgram())
            local mt = getmetatable(d)
            assert.are.same({
                "bind", "class", "close", "connect", "dirty", "getfd", "getsockname", "gettimeout",
                "receive", "receivefrom", "send", "sendto", "setfd", "setoption", "setpeername",
                "setsockname", "settimeout",
            }, sorted_keys(mt.__index))
            assert.are.equal("unixdgram{unconnected}", mt.__name)
            assert.is_true(mt["unixdgram{any}"])
            assert.is_true(mt["select{able}"])
            assert.is_truthy(tostring(d):match("^unixdgram{unconnected}: 0x%x+$"))
        end)

        it("sendto a path; receivefrom gives the data and the sender's path", function()
            local dir = tmpdir()
            local a = dgram_at(dir .. "/a")
            local b = dgram_at(dir .. "/b")
            assert.are.same({ n = 1, 5 }, net.pack(b:sendto("hello", dir .. "/a")))
            assert.are.same({ n = 2, "hello", dir .. "/b" }, net.pack(a:receivefrom()))
            assert.are.equal(dir .. "/a", a:getsockname())
        end)

        it("an unbound sender's path is ''", function()
            local dir = tmpdir()
            local a = dgram_at(dir .. "/a")
            local b = keep(unix.dgram())
            b:sendto("anon", dir .. "/a")
            assert.are.same({ n = 2, "anon", "" }, net.pack(a:receivefrom()))
        end)

        it("zero-length datagrams arrive as empty strings", function()
            local dir = tmpdir()
            local a = dgram_at(dir .. "/a")
            local b = keep(unix.dgram())
            assert.are.equal(0, b:sendto("", dir .. "/a"))
            assert.are.same({ n = 1, "" }, net.pack(a:receive()))
        end)

        it("returns datagrams larger than 64 KiB whole (LuaSocket cuts at 8192)", function()
            local dir = tmpdir()
            local a = dgram_at(dir .. "/a")
            local b = keep(unix.dgram())
            local data = string.rep("0123456789", 10000)
            assert.are.equal(100000, b:sendto(data, dir .. "/a"))
            local got = a:receive()
            assert.are.equal(100000, #got)
            assert.are.equal(data, got)
            b:sendto(data, dir .. "/a")
            local from = a:receivefrom()
            assert.are.equal(100000, #from)
        end)

        it("an explicit size truncates", function()
            local dir = tmpdir()
            local a = dgram_at(dir .. "/a")
            local b = keep(unix.dgram())
            b:sendto("0123456789", dir .. "/a")
            b:sendto("next", dir .. "/a")
            assert.are.equal("0123", a:receive(4))
            assert.are.equal("next", a:receive(100000))
        end)

        it("connect makes it unixdgram{connected}; send and receive work", function()
            local dir = tmpdir()
            local a = dgram_at(dir .. "/a")
            local c = dgram_at(dir .. "/c")
            assert.are.same({ n = 1, 1 }, net.pack(c:connect(dir .. "/a")))
            assert.are.equal("unixdgram{connected}", class_of(c))
            assert.are.same({ n = 1, 3 }, net.pack(c:send("abc")))
            assert.are.same({ n = 2, "abc", dir .. "/c" }, net.pack(a:receivefrom()))
            a:sendto("back", dir .. "/c")
            assert.are.equal("back", c:receive())
            -- connect is allowed again on a connected socket, as upstream.
            assert.are.equal(1, c:setpeername(dir .. "/a"))
        end)

        it("sending to a peer that went away is nil, 'connection refused'", function()
            local dir = tmpdir()
            local a = dgram_at(dir .. "/a")
            local c = keep(unix.dgram())
            assert(c:connect(dir .. "/a"))
            a:close()
            assert.are.same({ n = 2, nil, "connection refused" }, net.pack(c:send("x")))
        end)

        it("sendto reports a missing path and a path too long", function()
            local dir = tmpdir()
            local b = keep(unix.dgram())
            assert.are.same({ n = 2, nil, "No such file or directory" }, net.pack(b:sendto("x", dir .. "/none")))
            assert.are.same({ n = 2, nil, "path too long" }, net.pack(b:sendto("x", string.rep("z", 108))))
        end)

        it("methods check their class", function()
            local dir = tmpdir()
            dgram_at(dir .. "/a")
            local c = keep(unix.dgram())
            local u = keep(unix.dgram())
            assert.are.equal("calling 'send' on bad self (unixdgram{connected} expected)",
                raised(function() u:send("x") end))
            assert(c:connect(dir .. "/a"))
            assert.are.equal("calling 'sendto' on bad self (unixdgram{unconnected} expected)",
                raised(function() c:sendto("x", dir .. "/a") end))
            assert.are.equal("calling 'receivefrom' on bad self (unixdgram{unconnected} expected)",
                raised(function() c:receivefrom() end))
            assert.are.equal("calling 'bind' on bad self (unixdgram{unconnected} expected)",
                raised(function() c:bind(dir .. "/b") end))
            assert.are.equal("bad argument #2 to 'sendto' (string expected, got no value)",
                raised(function() u:sendto("x") end))
        end)

        it("abstract names work for datagrams", function()
            local name = abstract()
            local a = keep(unix.dgram())
            assert.are.equal(1, a:bind(name))
            a:settimeout(5)
            assert.are.equal(name, a:getsockname())
            local b = keep(unix.dgram())
            local bname = abstract()
            assert(b:bind(bname))
            assert.are.equal(2, b:sendto("hi", name))
            assert.are.same({ n = 2, "hi", bname }, net.pack(a:receivefrom()))
        end)

        it("setoption takes reuseaddr only", function()
            local d = keep(unix.dgram())
            assert.are.equal(1, d:setoption("reuseaddr", true))
            assert.are.equal("bad argument #1 to 'setoption' (unsupported option `broadcast')",
                raised(function() d:setoption("broadcast", true) end))
        end)

        it("times out with nil, 'timeout' and reports its timeouts", function()
            local a = dgram_at(tmpdir() .. "/a")
            a:settimeout(0.1)
            assert.are.same({ n = 2, nil, "timeout" }, net.pack(a:receive()))
            assert.are.same({ n = 2, 0.1, -1 }, net.pack(a:gettimeout()))
            assert.is_false(a:dirty())
        end)

        it("I/O on a closed socket gives nil, 'refused'", function()
            local dir = tmpdir()
            dgram_at(dir .. "/a")
            local d = keep(unix.dgram())
            d:close()
            assert.are.equal("unixdgram{unconnected}", class_of(d))
            assert.are.same({ n = 2, nil, "refused" }, net.pack(d:sendto("x", dir .. "/a")))
            assert.are.same({ n = 2, nil, "refused" }, net.pack(d:receive()))
            assert.are.same({ n = 2, nil, "refused" }, net.pack(d:receivefrom()))
        end)

        it("socket.select reports a datagram waiting", function()
            local dir = tmpdir()
            local a = dgram_at(dir .. "/a")
            local b = keep(unix.dgram())
            b:sendto("x", dir .. "/a")
            local r = socket.select({ a }, nil, 2)
            assert.are.equal(a, r[1])
        end)
    end)

    describe("examples", function()
        it("unix_echo_server.lua and unix_echo_client.lua echo over a temporary path", function()
            local lua = "'" .. net.interpreter() .. "' "
            local path = tmpdir() .. "/echo"
            local srv = assert(io.popen(lua .. "examples/unix_echo_server.lua '" .. path .. "' 1", "r"))
            assert.are.equal("unix echo server on " .. path, srv:read("*l"))
            local client = assert(io.popen(lua .. "examples/unix_echo_client.lua '" .. path .. "' hello unix 2>&1"))
            local out = client:read("*a")
            client:close()
            srv:close()
            assert.are.equal("hello\nunix\n", out)
            assert.is_false(exists(path), "the server removes its socket file")
        end)
    end)
end)
