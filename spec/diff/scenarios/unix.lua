-- Unix-domain sockets (socket.unix): stream and datagram classes, paths in
-- a fresh temporary directory (recorded as DIR), abstract names, errors.

local util = require("diff.util")
local class, kind = util.class, util.kind

-- A fresh directory for socket files, removed when the scenario ends;
-- returns the directory and a function that writes it as DIR in a string.
local function tmpdir(t)
    local p = assert(io.popen("mktemp -d /tmp/lsdiff.XXXXXX"))
    local dir = p:read("*l")
    p:close()
    t:defer(function() os.execute("rm -rf '" .. dir .. "'") end)
    local escaped = dir:gsub("%p", "%%%0")
    local function hide(v)
        if type(v) == "string" then return (v:gsub(escaped, "DIR")) end
        return v
    end
    return dir, function(...)
        local n = select("#", ...)
        local out = { ... }
        for i = 1, n do out[i] = hide(out[i]) end
        return (table.unpack or unpack)(out, 1, n)
    end
end

-- A listening unix stream server at dir/name, a connected client and the
-- accepted end, all with a 1 s timeout.
local function stream_pair(t, unix, path)
    local server = t:name(assert(unix.stream()), "server")
    t:defer(function() server:close() end)
    assert(server:bind(path))
    assert(server:listen())
    server:settimeout(1)
    local client = t:name(assert(unix.stream()), "client")
    t:defer(function() client:close() end)
    client:settimeout(1)
    assert(client:connect(path))
    local conn = t:name(assert(server:accept()), "conn")
    t:defer(function() conn:close() end)
    conn:settimeout(1)
    return client, conn, server
end

return {
    {
        name = "the socket.unix table",
        run = function(t)
            local unix = require("socket.unix")
            t:rec("type", type(unix))
            t:rec("stream", type(unix.stream))
            t:rec("dgram", type(unix.dgram))
            t:rec("tcp alias", unix.tcp == unix.stream)
            t:rec("udp alias", unix.udp == unix.dgram)
            t:rec("require again is the same", require("socket.unix") == unix)
            t:call("socket.unix() makes a stream", function()
                local s = unix()
                local c = class(s)
                s:close()
                return c
            end)
            t:call("stream class", function()
                local s = unix.stream()
                local c = class(s)
                s:close()
                return c, kind(s:getfd())
            end)
            t:call("dgram class", function()
                local s = unix.dgram()
                local c = class(s)
                local fd = kind(s:getfd())
                s:close()
                return c, fd
            end)
            t:call("tostring shape", function()
                local s = unix.stream()
                local text = tostring(s):gsub("0x%x+", "0xADDR")
                s:close()
                return text
            end)
        end,
    },
    {
        name = "a unix stream pair",
        run = function(t)
            local unix = require("socket.unix")
            local dir, hide = tmpdir(t)
            local path = dir .. "/s"
            local server = t:name(unix.stream(), "server")
            t:defer(function() server:close() end)
            t:call("bind", function() return server:bind(path) end)
            t:rec("class after bind", class(server))
            t:call("getsockname", function() return hide(server:getsockname()) end)
            t:call("listen", function() return server:listen() end)
            t:rec("class after listen", class(server))
            local client = t:name(unix.stream(), "client")
            t:defer(function() client:close() end)
            client:settimeout(1)
            server:settimeout(1)
            t:call("connect", function() return client:connect(path) end)
            t:rec("client class", class(client))
            local conn = t:name(t:call("accept", function() return server:accept() end), "conn")
            t:defer(function() if conn then conn:close() end end)
            conn:settimeout(0.05)
            t:call("client getsockname", function() return client:getsockname() end)
            t:call("conn getsockname", function() return hide(conn:getsockname()) end)
            t:io("send", function() return client:send("line\r\none\rtwo\nabcdefg") end)
            t:io("*l", function() return conn:receive() end)
            t:io("*l drops CRs", function() return conn:receive("*l") end)
            t:io("count", function() return conn:receive(3) end)
            t:io("count with prefix", function() return conn:receive(3, "p") end)
            t:io("count times out with partial", function() return conn:receive(10) end)
            t:io("send range", function() return conn:send("0123456789", 3, -3) end)
            t:io("client receives", function() return client:receive(6) end)
            t:call("dirty", function() return client:dirty() end)
            t:call("getstats", function()
                local r, s, age = conn:getstats()
                return r, s, type(age)
            end)
            t:call("setstats", function() return conn:setstats(1, 2, 0) end)
            t:call("getstats after setstats", function()
                local r, s = conn:getstats()
                return r, s
            end)
            t:call("shutdown send", function() return client:shutdown("send") end)
            t:io("peer reads to end", function() return conn:receive("*a") end)
            t:io("send after shutdown", function() return client:send("x") end)
            t:call("close client", function() return client:close() end)
            t:io("receive after close", function() return conn:receive() end)
            t:io("receive on closed", function() return client:receive() end)
            t:io("send on closed", function() return client:send("x") end)
            t:call("getfd on closed", function() return client:getfd() end)
            t:rec("closed class", class(client))
        end,
    },
    {
        name = "a unix stream peer closes mid-line",
        run = function(t)
            local unix = require("socket.unix")
            local dir = tmpdir(t)
            local client, conn = stream_pair(t, unix, dir .. "/s")
            client:send("complete\npartial")
            client:close()
            t:io("line", function() return conn:receive() end)
            t:io("partial line", function() return conn:receive() end)
            t:io("then closed", function() return conn:receive(1) end)
            t:io("*a on closed", function() return conn:receive("*a") end)
        end,
    },
    {
        name = "unix stream timeouts",
        run = function(t)
            local unix = require("socket.unix")
            local dir = tmpdir(t)
            local client, conn, server = stream_pair(t, unix, dir .. "/s")
            t:call("settimeout 0", function() return conn:settimeout(0) end)
            t:io("receive times out", function() return conn:receive() end)
            t:call("settimeout total", function() return conn:settimeout(0.05, "t") end)
            t:io("receive 4 times out", function() return conn:receive(4) end)
            t:call("settimeout bad mode", function() return conn:settimeout(1, "z") end)
            server:settimeout(0)
            t:call("accept times out", function() return server:accept() end)
            t:io("send ok", function() return client:send("a") end)
        end,
    },
    {
        name = "unix stream errors",
        run = function(t)
            local unix = require("socket.unix")
            local dir, hide = tmpdir(t)
            local path = dir .. "/s"
            local server = t:name(assert(unix.stream()), "server")
            t:defer(function() server:close() end)
            assert(server:bind(path))
            assert(server:listen())
            t:call("bind a path in use", function()
                local s = unix.stream()
                local a, b = s:bind(path)
                local c = class(s)
                s:close()
                return a, b, c
            end)
            t:call("connect to a missing path", function()
                local s = unix.stream()
                local a, b = s:connect(dir .. "/missing")
                local c = class(s)
                s:close()
                return a, b, c
            end)
            t:call("connect to a directory", function()
                local s = unix.stream()
                local a, b = s:connect(dir)
                s:close()
                return a, b
            end)
            t:call("path too long", function()
                local s = unix.stream()
                local a, b = s:bind(dir .. "/" .. string.rep("x", 120))
                s:close()
                return a, b
            end)
            t:call("connect path too long", function()
                local s = unix.stream()
                local a, b = s:connect(string.rep("y", 200))
                s:close()
                return a, b
            end)
            t:call("connect to a dead socket file", function()
                local d = unix.stream()
                d:bind(dir .. "/dead")
                d:listen()
                d:close()
                local s = unix.stream()
                local a, b = s:connect(dir .. "/dead")
                s:close()
                return a, b
            end)
            t:call("bind no path", function()
                local s = unix.stream()
                local ok, e = pcall(function() return s:bind() end)
                s:close()
                if not ok then error(e, 0) end
                return e
            end)
            t:call("connect a table", function()
                local s = unix.stream()
                local ok, e = pcall(function() return s:connect({}) end)
                s:close()
                if not ok then error(e, 0) end
                return e
            end)
            t:call("accept on master", function()
                local s = unix.stream()
                local ok, e = pcall(function() return s:accept() end)
                s:close()
                if not ok then error(e, 0) end
                return e
            end)
            t:call("accept via dot on master", function()
                local s = unix.stream()
                local ok, e = pcall(s.accept, s)
                s:close()
                if not ok then error(e, 0) end
                return e
            end)
            t:call("listen on server", function() return server:listen() end)
            t:call("send on server", function() return server:send("x") end)
            t:call("receive via dot on server", function() return server.receive(server) end)
            t:call("unix method on a tcp", function()
                local tcp = require("socket").tcp()
                local ok, e = pcall(getmetatable(server).__index.close, tcp)
                tcp:close()
                if not ok then error(e, 0) end
                return e
            end)
            t:call("getsockname after failed bind", function()
                local s = unix.stream()
                s:bind(path)
                local a, b = s:getsockname()
                s:close()
                return hide(a), b
            end)
            t:call("setoption reuseaddr", function() return server:setoption("reuseaddr", true) end)
            t:call("setoption keepalive", function() return server:setoption("keepalive", true) end)
            t:call("setoption linger", function()
                return server:setoption("linger", { on = true, timeout = 1 })
            end)
            t:call("setoption unknown", function() return server:setoption("tcp-nodelay", true) end)
        end,
    },
    {
        name = "unix stream optional methods",
        run = function(t)
            local unix = require("socket.unix")
            local s = unix.stream()
            t:defer(function() s:close() end)
            t:rec("getpeername", type(s.getpeername))
            t:rec("getoption", type(s.getoption))
            t:rec("gettimeout", type(s.gettimeout))
            t:rec("getfamily", type(s.getfamily))
        end,
    },
    {
        name = "unix datagrams",
        run = function(t)
            local unix = require("socket.unix")
            local dir, hide = tmpdir(t)
            local a = t:name(unix.dgram(), "a")
            t:defer(function() a:close() end)
            local b = t:name(unix.dgram(), "b")
            t:defer(function() b:close() end)
            a:settimeout(0.05)
            b:settimeout(0.05)
            t:call("bind a", function() return a:bind(dir .. "/a") end)
            t:call("setsockname b", function() return b:setsockname(dir .. "/b") end)
            t:call("getsockname", function() return hide(b:getsockname()) end)
            t:call("sendto", function() return a:sendto("hello", dir .. "/b") end)
            t:call("receivefrom", function() return hide(b:receivefrom()) end)
            t:call("sendto empty", function() return a:sendto("", dir .. "/b") end)
            t:call("receive empty", function() return b:receive() end)
            t:call("times out", function() return b:receive() end)
            t:call("receivefrom times out", function() return b:receivefrom() end)
            a:sendto("0123456789", dir .. "/b")
            t:call("receive 4 truncates", function() return b:receive(4) end)
            t:call("the rest is gone", function() return b:receive() end)
            a:sendto("abcdef", dir .. "/b")
            t:call("receivefrom 2", function() return hide(b:receivefrom(2)) end)
            t:call("from an unbound sender", function()
                local c = unix.dgram()
                c:sendto("anon", dir .. "/b")
                c:close()
                return b:receivefrom()
            end)
            t:call("sendto a missing path", function() return a:sendto("x", dir .. "/missing") end)
            t:call("sendto path too long", function() return a:sendto("x", string.rep("p", 200)) end)
            t:call("send on unconnected", function() return a:send("x") end)
            t:call("setpeername", function() return a:setpeername(dir .. "/b") end)
            t:rec("class", class(a))
            t:call("send", function() return a:send("connected") end)
            t:call("peer receives", function() return hide(b:receivefrom()) end)
            t:call("sendto on connected", function() return a:sendto("x", dir .. "/b") end)
            t:call("receivefrom on connected", function() return a:receivefrom() end)
            t:call("receive on connected times out", function() return a:receive() end)
            t:call("gettimeout", function() return a:gettimeout() end)
            t:call("dirty", function() return a:dirty() end)
            t:call("getfd", function() return kind(a:getfd()) end)
            t:call("setoption reuseaddr", function() return a:setoption("reuseaddr", true) end)
            t:call("setoption broadcast", function() return a:setoption("broadcast", true) end)
            t:call("bind twice", function() return b:bind(dir .. "/b2") end)
            t:call("bind a path in use", function()
                local c = unix.dgram()
                local x, y = c:bind(dir .. "/b")
                c:close()
                return x, y
            end)
            t:call("close", function() return a:close() end)
            t:rec("class after close", class(a))
            t:call("send on closed", function() return a:send("x") end)
            t:call("close b", function() return b:close() end)
            t:call("sendto on closed", function() return b:sendto("x", dir .. "/a") end)
        end,
    },
    {
        name = "unix datagram receive on a closed socket",
        run = function(t)
            local unix = require("socket.unix")
            local u = t:name(unix.dgram(), "u")
            u:close()
            t:call("receive", function() return u:receive() end)
        end,
    },
    {
        name = "unix datagram receivefrom on a closed socket",
        run = function(t)
            local unix = require("socket.unix")
            local u = t:name(unix.dgram(), "u")
            u:close()
            t:call("receivefrom", function() return u:receivefrom() end)
        end,
    },
    {
        name = "unix datagram setpeername to a missing path",
        run = function(t)
            local unix = require("socket.unix")
            local dir = tmpdir(t)
            local u = t:name(unix.dgram(), "u")
            t:defer(function() u:close() end)
            t:call("setpeername", function() return u:setpeername(dir .. "/missing") end)
            t:rec("class", class(u))
        end,
    },
    {
        name = "unix datagram setpeername *",
        run = function(t)
            local unix = require("socket.unix")
            local dir = tmpdir(t)
            local b = t:name(unix.dgram(), "b")
            t:defer(function() b:close() end)
            b:bind(dir .. "/b")
            local u = t:name(unix.dgram(), "u")
            t:defer(function() u:close() end)
            u:setpeername(dir .. "/b")
            t:call("setpeername *", function() return u:setpeername("*") end)
            t:rec("class", class(u))
        end,
    },
    {
        name = "abstract unix stream names",
        run = function(t)
            local unix = require("socket.unix")
            local name = "\0luasocket-diff-" .. tostring({}):match("0x(%x+)")
            local server = t:name(unix.stream(), "server")
            t:defer(function() server:close() end)
            t:call("bind", function() return server:bind(name) end)
            t:call("listen", function() return server:listen() end)
            t:call("getsockname", function()
                local n = server:getsockname()
                return n == name, n and #n > 0
            end)
            local c = t:name(unix.stream(), "c")
            t:defer(function() c:close() end)
            c:settimeout(1)
            t:call("connect", function() return c:connect(name) end)
        end,
    },
    {
        name = "abstract unix datagram names",
        run = function(t)
            local unix = require("socket.unix")
            local name = "\0luasocket-diff-d-" .. tostring({}):match("0x(%x+)")
            local b = t:name(unix.dgram(), "b")
            t:defer(function() b:close() end)
            b:settimeout(0.05)
            t:call("bind", function() return b:bind(name) end)
            local a = t:name(unix.dgram(), "a")
            t:defer(function() a:close() end)
            t:call("sendto", function() return a:sendto("abs", name) end)
            t:call("receive", function() return b:receive() end)
        end,
    },
    {
        name = "unix stream wrong-state calls",
        run = function(t)
            local unix = require("socket.unix")
            local dir = tmpdir(t)
            local client, _, server = stream_pair(t, unix, dir .. "/s")
            t:call("connect on a client", function() return client:connect(dir .. "/s") end)
            t:call("bind on a client", function() return client:bind(dir .. "/x") end)
            t:call("bind on a server", function() return server:bind(dir .. "/y") end)
            t:call("bind twice on a master", function()
                local m = unix.stream()
                m:bind(dir .. "/m1")
                local a, b = m:bind(dir .. "/m2")
                m:close()
                return a, b
            end)
            t:call("listen with a backlog", function()
                local m = unix.stream()
                m:bind(dir .. "/m3")
                local a, b = m:listen(1)
                local c = class(m)
                m:close()
                return a, b, c
            end)
            t:call("listen unbound", function()
                local m = unix.stream()
                local a, b = m:listen()
                local c = class(m)
                m:close()
                return a, b, c
            end)
            t:call("shutdown bad mode", function() return client:shutdown("x") end)
            t:call("shutdown receive", function() return client:shutdown("receive") end)
            t:call("settimeout on server", function() return server:settimeout(0.5) end)
            t:call("getfd on server", function() return kind(server:getfd()) end)
            t:call("dirty on server", function() return server:dirty() end)
            t:call("setfd -1 then close", function()
                local m = unix.stream()
                local fd = m:getfd()
                m:setfd(-1)
                local r = { m:getfd(), m:close() }
                local m2 = unix.stream()
                m2:setfd(fd)
                m2:close()
                return r[1], r[2]
            end)
        end,
    },
    {
        name = "an empty unix stream path",
        run = function(t)
            local unix = require("socket.unix")
            local m = t:name(unix.stream(), "m")
            t:defer(function() m:close() end)
            t:call("bind empty", function() return m:bind("") end)
        end,
    },
    {
        name = "an empty unix datagram path",
        run = function(t)
            local unix = require("socket.unix")
            local u = t:name(unix.dgram(), "u")
            t:defer(function() u:close() end)
            t:call("sendto empty", function() return u:sendto("x", "") end)
        end,
    },
    {
        name = "unix datagram wrong-state calls",
        run = function(t)
            local unix = require("socket.unix")
            local dir = tmpdir(t)
            local b = t:name(unix.dgram(), "b")
            t:defer(function() b:close() end)
            b:bind(dir .. "/b")
            local u = t:name(unix.dgram(), "u")
            t:defer(function() u:close() end)
            u:settimeout(0.05)
            t:call("connect (alias of setpeername)", function() return u:connect(dir .. "/b") end)
            t:rec("class", class(u))
            t:call("settimeout bad mode", function() return u:settimeout(1, "k") end)
            t:call("send a number", function() return u:send(12) end)
            t:call("peer gets it", function()
                b:settimeout(0.05)
                return b:receive()
            end)
            t:call("send nothing", function() return u:send() end)
            t:call("setpeername a table", function() return u:setpeername({}) end)
            t:call("setoption unknown", function() return u:setoption("linger", {}) end)
            t:call("getsockname of an unbound socket", function() return u:getsockname() end)
            t:call("udp method on a unix dgram", function()
                local socket = require("socket")
                local x = socket.udp()
                local ok, e = pcall(getmetatable(x).__index.close, u)
                x:close()
                if not ok then error(e, 0) end
                return e
            end)
        end,
    },
}
