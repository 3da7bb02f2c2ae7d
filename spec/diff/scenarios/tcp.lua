-- TCP: classes, connect/accept, receive patterns, send ranges, timeouts,
-- closed and reset peers, wrong-class calls, options, descriptors.

local util = require("diff.util")
local class, kind = util.class, util.kind
local function pair(t, socket) return util.pair(t, socket, { keep_server = true }) end
local function dead_port(t, socket) return util.dead_port(t, socket) end

-- Receives what a peer got so far (up to n bytes, 0.05 s).
local function drain(t, label, conn, n)
    conn:settimeout(0.05)
    t:io(label, function() return conn:receive(n or 100) end)
    conn:settimeout(2)
end

return {
    {
        name = "a connected pair and its classes",
        run = function(t, socket)
            local server = t:name(t:call("bind", socket.bind, "127.0.0.1", 0), "server")
            t:defer(function() server:close() end)
            local _, port = server:getsockname()
            t:port(port)
            t:rec("server getsockname", server:getsockname())
            local client = t:name(socket.tcp(), "client")
            t:defer(function() client:close() end)
            t:rec("master class", tostring(client):match("^[^:]+"))
            t:call("settimeout", client.settimeout, client, 2)
            t:call("connect", client.connect, client, "127.0.0.1", port)
            local conn = t:name(t:call("accept", server.accept, server), "conn")
            t:defer(function() conn:close() end)
            t:call("conn settimeout", conn.settimeout, conn, 2)
            t:call("getpeername", function() local ip = client:getpeername() return ip end)
            t:io("send line", client.send, client, "hello\r\nworld\n")
            t:io("receive *l", conn.receive, conn)
            t:io("receive *l again", conn.receive, conn, "*l")
            t:call("settimeout 0.05", conn.settimeout, conn, 0.05)
            t:io("receive 10 times out", conn.receive, conn, 10)
            t:io("send 3 of abcdef", client.send, client, "abcdef", 2, 4)
            t:io("receive 3 with prefix", conn.receive, conn, 5, "xy")
            t:call("accept on client", function() return client:accept() end)
            t:call("accept via dot", function() return client.accept(client) end)
            t:call("bad pattern", function() return conn:receive("*x") end)
            t:call("close", client.close, client)
            t:io("receive after peer close", conn.receive, conn, "*a")
            t:io("send on closed", client.send, client, "x")
            t:call("close twice", client.close, client)
            t:rec("closed class", tostring(client):match("^[^:]+"))
        end,
    },
    {
        name = "classes follow listen, connect and accept",
        run = function(t, socket)
            local m = t:name(socket.tcp(), "m")
            t:defer(function() m:close() end)
            t:rec("tcp() class", class(m))
            local m4 = socket.tcp4()
            t:defer(function() m4:close() end)
            t:rec("tcp4() class", class(m4))
            t:call("getfamily tcp4", function() return m4:getfamily() end)
            local m6 = socket.tcp6()
            t:defer(function() m6:close() end)
            t:rec("tcp6() class", class(m6))
            t:call("getfamily tcp", function() return m:getfamily() end)
            t:call("getfamily tcp6", function() return m6:getfamily() end)
            t:call("bind", function() return m:bind("127.0.0.1", 0) end)
            t:rec("bound class", class(m))
            t:call("listen default backlog", function() return m:listen() end)
            t:rec("listening class", class(m))
            t:call("listen again", function() return m:listen() end)
            t:call("listen again via dot", function() return m.listen(m) end)
            local _, port = m:getsockname()
            t:port(port)
            local c = t:name(socket.tcp(), "c")
            t:defer(function() c:close() end)
            c:settimeout(2)
            t:call("connect", function() return c:connect("127.0.0.1", port) end)
            t:rec("client class", class(c))
            m:settimeout(2)
            local a = t:name(m:accept(), "a")
            t:defer(function() a:close() end)
            t:rec("accepted class", class(a))
            t:call("accepted getfamily", function() return a:getfamily() end)
            t:call("accepted getsockname", function() return a:getsockname() end)
            t:call("client getpeername", function() return c:getpeername() end)
            t:call("server getpeername", function() return m:getpeername() end)
            t:rec("metatable __index is a table", type(getmetatable(c).__index))
            t:rec("__index.class", getmetatable(c).__index.class)
            t:rec("server __index.class", getmetatable(m).__index.class)
            t:rec("__index.settimeout", type(getmetatable(m).__index.settimeout))
            t:rec("client has accept", type(c.accept))
            t:rec("server has send", type(m.send))
            t:rec("server has receive", type(m.receive))
            t:rec("server has connect", type(m.connect))
            t:rec("client has listen", type(c.listen))
            t:rec("client has shutdown", type(c.shutdown))
            t:rec("master has shutdown", type(socket.tcp().shutdown))
        end,
    },
    {
        name = "wrong-class calls name the class the method needs",
        run = function(t, socket)
            local client, conn, server = pair(t, socket)
            local m = socket.tcp()
            t:defer(function() m:close() end)
            t:call("master:accept()", function() return m:accept() end)
            t:call("master.accept(master)", function() return m.accept(m) end)
            t:call("client:listen()", function() return client:listen() end)
            t:call("client.listen(client)", function() return client.listen(client) end)
            t:call("server.send via client metatable", function()
                return getmetatable(client).__index.send(server, "x")
            end)
            t:call("a table as self, method form", function()
                local obj = setmetatable({}, { __index = { send = getmetatable(conn).__index.send } })
                return obj:send("x")
            end)
            t:call("receive on a number", function()
                return getmetatable(conn).__index.receive(42)
            end)
            t:call("receive on nil", function()
                return getmetatable(conn).__index.receive(nil)
            end)
            t:call("receive on a table", function()
                return getmetatable(conn).__index.receive({})
            end)
            t:call("close on a string", function()
                return getmetatable(conn).__index.close("x")
            end)
            t:call("settimeout on a udp", function()
                local u = socket.udp()
                local ok, err = pcall(getmetatable(conn).__index.settimeout, u, 1)
                u:close()
                if not ok then error(err, 0) end
                return err
            end)
            t:call("getfd on a udp", function()
                local u = socket.udp()
                local f = getmetatable(conn).__index.getfd
                local ok, err = pcall(f, u)
                u:close()
                if not ok then error(err, 0) end
                return type(err)
            end)
        end,
    },
    {
        name = "receive *l drops every CR and stops at LF",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:io("send", function() return client:send("a\rb\r\r\nc\rd\n\r\n\nlast\r") end)
            t:io("*l with CRs", function() return conn:receive("*l") end)
            t:io("*l CR in middle", function() return conn:receive() end)
            t:io("*l only CR", function() return conn:receive("*l") end)
            t:io("*l empty line", function() return conn:receive("*l") end)
            conn:settimeout(0.05)
            t:io("*l partial times out", function() return conn:receive("*l") end)
            t:io("*l with prefix times out", function() return conn:receive("*l", "pre") end)
            t:io("send rest", function() return client:send("ine\n") end)
            t:io("*l with prefix", function() return conn:receive("*l", "L") end)
            t:io("*line accepted as *l", function()
                client:send("x\n")
                return conn:receive("*line")
            end)
            t:io("*all is *a", function()
                client:send("y\n")
                return conn:receive("*all")
            end)
            client:close()
            t:io("*a after close got the rest", function() return conn:receive("*a") end)
            t:io("*l after close", function() return conn:receive("*l") end)
            t:io("*a again after close", function() return conn:receive("*a") end)
            t:io("count after close", function() return conn:receive(1) end)
        end,
    },
    {
        name = "*l at end of stream gives the partial line",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:io("send", function() return client:send("one\ntw\ro") end)
            client:close()
            t:io("first line", function() return conn:receive() end)
            t:io("partial line", function() return conn:receive() end)
            t:io("nothing left", function() return conn:receive() end)
        end,
    },
    {
        name = "*a reads to end of stream",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local big = string.rep("0123456789abcdef", 2048)
            t:io("send 32k", function() return client:send(big) end)
            t:io("send tail", function() return client:send("\r\ntail") end)
            client:close()
            t:io("*a", function() return conn:receive("*a") end)
            t:io("*a with prefix at eof", function() return conn:receive("*a", "P") end)
        end,
    },
    {
        name = "*a with prefix when the peer times out",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:io("send", function() return client:send("part") end)
            conn:settimeout(0.05)
            t:io("*a times out with partial", function() return conn:receive("*a") end)
            t:io("*a times out with prefix", function() return conn:receive("*a", "pre-") end)
        end,
    },
    {
        name = "byte counts, numeric strings and prefixes",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:io("send", function() return client:send("abcdefghijklmnopqrstuvwxyz") end)
            t:io("receive 3", function() return conn:receive(3) end)
            t:io("receive '2'", function() return conn:receive("2") end)
            t:io("receive 2.7", function() return conn:receive(2.7) end)
            t:io("receive 0 with data pending", function() return conn:receive(0) end)
            t:io("receive 4 with prefix xy", function() return conn:receive(4, "xy") end)
            t:io("receive 2 with longer prefix", function() return conn:receive(2, "prefix") end)
            t:io("receive 0 with prefix", function() return conn:receive(0, "p") end)
            t:io("receive 1 with empty prefix", function() return conn:receive(1, "") end)
            t:io("receive with numeric prefix", function() return conn:receive(3, 12) end)
            conn:settimeout(0.05)
            t:io("receive 100 gets the rest and times out", function() return conn:receive(100) end)
            t:io("receive 5 times out empty", function() return conn:receive(5) end)
            t:io("receive 5 times out with prefix", function() return conn:receive(5, "ab") end)
            t:io("receive 5 with a 5-byte prefix", function() return conn:receive(5, "abcde") end)
        end,
    },
    {
        name = "bad receive patterns raise",
        run = function(t, socket)
            local _, conn = pair(t, socket)
            t:call("*x", function() return conn:receive("*x") end)
            t:call("empty string", function() return conn:receive("") end)
            t:call("x", function() return conn:receive("x") end)
            t:call("-1", function() return conn:receive(-1) end)
            t:call("'-1'", function() return conn:receive("-1") end)
            t:call("table", function() return conn:receive({}) end)
            t:call("boolean", function() return conn:receive(true) end)
            t:call("prefix table", function() return conn:receive(1, {}) end)
            t:call("*x via dot", function() return conn.receive(conn, "*x") end)
        end,
    },
    {
        name = "receive l without the star (3.1)",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send("a\r\nb\n")
            t:io("receive l", function() return conn:receive("l") end)
        end,
    },
    {
        name = "receive a without the star (3.1)",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send("all of it\n")
            client:close()
            t:io("receive a", function() return conn:receive("a") end)
        end,
    },
    {
        name = "receive maxsize (3.1 master)",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send("0123456789\n")
            client:close()
            t:io("*a over maxsize", function() return conn:receive("*a", nil, 4) end)
        end,
    },
    {
        name = "receive maxsize on a line (3.1 master)",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send("0123456789\n")
            t:io("*l over maxsize", function() return conn:receive("*l", nil, 4) end)
        end,
    },
    {
        name = "receive maxsize not reached (3.1 master)",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send("0123\n")
            t:io("*l under maxsize", function() return conn:receive("*l", nil, 100) end)
        end,
    },
    {
        name = "receive 0 with nothing pending",
        run = function(t, socket)
            local _, conn = pair(t, socket)
            conn:settimeout(0.05)
            t:io("receive 0", function() return conn:receive(0) end)
        end,
    },
    {
        name = "send ranges follow string.sub",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local cases = {
                { "whole" },
                { "i=2", 2 },
                { "i=-2", -2 },
                { "i=0", 0 },
                { "i=-100", -100 },
                { "i=10 (past end)", 10 },
                { "i=7 (just past end)", 7 },
                { "i=2 j=4", 2, 4 },
                { "i=2 j=-2", 2, -2 },
                { "i=4 j=2 (i>j)", 4, 2 },
                { "i=-100 j=100", -100, 100 },
                { "i=3 j=3", 3, 3 },
                { "i=1 j=0", 1, 0 },
                { "i=2.5 j=4.9", 2.5, 4.9 },
                { "i='2' j='3'", "2", "3" },
                { "j=-7", 1, -7 },
            }
            for _, case in ipairs(cases) do
                t:io("send " .. case[1], function()
                    if #case == 1 then return client:send("abcdef") end
                    return client:send("abcdef", case[2], case[3])
                end)
                drain(t, "peer got after " .. case[1], conn)
            end
            t:io("send empty string", function() return client:send("") end)
            t:io("send a number", function() return client:send(12.5) end)
            drain(t, "peer got the number", conn)
            t:call("send nil", function() return client:send(nil) end)
            t:call("send a table", function() return client:send({}) end)
            t:call("send i a string", function() return client:send("abc", "x") end)
            t:call("send j a table", function() return client:send("abc", 1, {}) end)
        end,
    },
    {
        name = "block and total timeouts",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:call("gettimeout after settimeout(2)", function() return client:gettimeout() end)
            t:call("fresh gettimeout", function()
                local s = socket.tcp()
                local a, b = s:gettimeout()
                s:close()
                return a, b
            end)
            t:call("settimeout(0)", function() return conn:settimeout(0) end)
            t:io("receive with timeout 0", function() return conn:receive() end)
            t:io("receive 5 with timeout 0", function() return conn:receive(5) end)
            t:call("gettimeout", function() return conn:gettimeout() end)
            t:call("settimeout(0.05, 't')", function() return conn:settimeout(0.05, "t") end)
            t:call("settimeout(nil, 'b')", function() return conn:settimeout(nil, "b") end)
            t:call("gettimeout total", function() return conn:gettimeout() end)
            t:io("receive in total mode times out", function() return conn:receive() end)
            t:call("settimeout(0.25, 'r')", function() return conn:settimeout(0.25, "r") end)
            t:call("gettimeout r", function() return conn:gettimeout() end)
            t:call("settimeout(-3)", function() return conn:settimeout(-3) end)
            t:call("settimeout(nil)", function() return conn:settimeout(nil) end)
            t:call("settimeout(-1, 't')", function() return conn:settimeout(-1, "t") end)
            t:call("gettimeout unset", function() return conn:gettimeout() end)
            t:call("settimeout('0.5')", function() return conn:settimeout("0.5") end)
            t:call("gettimeout string", function() return conn:gettimeout() end)
            t:call("settimeout mode x", function() return conn:settimeout(1, "x") end)
            t:call("settimeout mode total", function() return conn:settimeout(1, "total") end)
            t:call("settimeout mode block", function() return conn:settimeout(3, "block") end)
            t:call("gettimeout after words", function() return conn:gettimeout() end)
            t:call("settimeout table", function() return conn:settimeout({}) end)
            t:call("settimeout mode number", function() return conn:settimeout(1, 5) end)
            conn:settimeout(0.05)
            t:io("send then receive with block 0.05", function()
                client:send("abc")
                return conn:receive(5)
            end)
            t:call("server settimeout 0", function()
                return select(3, pair(t, socket)):settimeout(0)
            end)
        end,
    },
    {
        name = "accept with timeout 0 times out",
        run = function(t, socket)
            local server = t:name(assert(socket.bind("127.0.0.1", 0)), "server")
            t:defer(function() server:close() end)
            t:call("settimeout 0", function() return server:settimeout(0) end)
            t:call("accept", function() return server:accept() end)
            server:settimeout(0.05)
            t:call("accept 0.05", function() return server:accept() end)
            server:close()
            t:call("accept closed", function() return server:accept() end)
        end,
    },
    {
        name = "a closed peer gives closed and partial results",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:io("send abc", function() return client:send("abc") end)
            t:call("close client", function() return client:close() end)
            t:io("receive 10 partial", function() return conn:receive(10) end)
            t:io("receive again", function() return conn:receive(10) end)
            t:io("receive *l", function() return conn:receive() end)
            t:io("receive with prefix", function() return conn:receive(3, "pp") end)
            t:io("send to closed peer", function()
                conn:send("x")
                -- the first send after the peer closed may still succeed
                -- (the RST comes back later); the second never does
                socket.sleep(0.05)
                return conn:send(string.rep("y", 10))
            end)
        end,
    },
    {
        name = "a closed socket keeps its class and fails with closed",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:call("close", function() return conn:close() end)
            t:rec("class", class(conn))
            t:io("receive", function() return conn:receive() end)
            t:io("receive 5", function() return conn:receive(5) end)
            t:io("receive *a", function() return conn:receive("*a") end)
            t:io("send", function() return conn:send("x") end)
            t:io("send range", function() return conn:send("abc", 2) end)
            t:call("getfd", function() return conn:getfd() end)
            t:call("dirty", function() return conn:dirty() end)
            t:call("settimeout", function() return conn:settimeout(1) end)
            t:call("gettimeout", function() return conn:gettimeout() end)
            t:call("getfamily", function() return conn:getfamily() end)
            t:call("getstats", function()
                local r, s, age = conn:getstats()
                return r, s, type(age)
            end)
            t:call("close again", function() return conn:close() end)
            t:call("closed master connect", function()
                local m = socket.tcp()
                m:close()
                local a, b = m:connect("127.0.0.1", 1)
                return a, b, class(m)
            end)
            t:call("closed master bind", function()
                local m = socket.tcp()
                m:close()
                return m:bind("127.0.0.1", 0)
            end)
            t:call("closed master listen", function()
                local m = socket.tcp()
                m:close()
                return m:listen()
            end)
            t:io("peer sees closed", function() return client:receive() end)
        end,
    },
    {
        name = "a reset peer gives closed",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:call("linger 0", function() return conn:setoption("linger", { on = true, timeout = 0 }) end)
            t:call("getoption linger", function() return conn:getoption("linger") end)
            t:io("client sends", function() return client:send("pending") end)
            t:call("close with RST", function() return conn:close() end)
            socket.sleep(0.02)
            t:io("receive after reset", function() return client:receive() end)
            t:io("receive again", function() return client:receive() end)
            t:io("send after reset", function() return client:send("x") end)
            t:call("getoption error", function() return client:getoption("error") end)
        end,
    },
    {
        name = "a reset peer with data gives the data first",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            conn:setoption("linger", { on = true, timeout = 0 })
            t:io("peer sends", function() return conn:send("line one\nrest") end)
            conn:close()
            socket.sleep(0.02)
            t:io("receive after reset", function() return client:receive() end)
        end,
    },
    {
        name = "half-closed with shutdown",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:io("send", function() return client:send("request\n") end)
            t:call("shutdown send", function() return client:shutdown("send") end)
            t:rec("class after shutdown", class(client))
            t:io("peer reads everything", function() return conn:receive("*a") end)
            t:io("peer replies", function() return conn:send("reply\n") end)
            t:io("client still reads", function() return client:receive() end)
            t:io("client send after shutdown", function() return client:send("more") end)
            t:call("shutdown receive", function() return conn:shutdown("receive") end)
            t:call("shutdown both", function() return conn:shutdown("both") end)
            t:call("shutdown default", function() return client:shutdown() end)
            t:call("shutdown bad mode", function() return client:shutdown("sideways") end)
            t:call("shutdown bad mode via dot", function() return client.shutdown(client, "sideways") end)
            t:call("shutdown on server", function()
                local _, _, server = pair(t, socket)
                return server:shutdown()
            end)
            client:close()
            t:call("shutdown after close", function() return client:shutdown() end)
        end,
    },
    {
        name = "connection refused",
        run = function(t, socket)
            local port = dead_port(t, socket)
            local c = t:name(socket.tcp(), "c")
            t:defer(function() c:close() end)
            c:settimeout(2)
            t:call("connect to a closed port", function() return c:connect("127.0.0.1", port) end)
            t:rec("class after failed connect", class(c))
            t:io("receive after failed connect", function() return c:receive() end)
            t:call("socket.connect refused", function() return socket.connect("127.0.0.1", port) end)
            t:call("socket.connect4 refused", function() return socket.connect4("127.0.0.1", port) end)
            t:call("connect with string port", function()
                local s = socket.tcp()
                local a, b = s:connect("127.0.0.1", tostring(port))
                s:close()
                return a, b
            end)
        end,
    },
    {
        name = "connect argument errors",
        run = function(t, socket)
            local c = t:name(socket.tcp(), "c")
            t:defer(function() c:close() end)
            t:call("connect no address", function() return c:connect() end)
            t:call("connect no port", function() return c:connect("127.0.0.1") end)
            t:call("connect table address", function() return c:connect({}, 80) end)
            t:call("connect bad port text", function() return c:connect("127.0.0.1", "notaport") end)
            t:call("connect port out of range", function() return c:connect("127.0.0.1", 70000) end)
            t:call("bind no address", function()
                local s = socket.tcp()
                local ok, err = pcall(s.bind, s)
                s:close()
                if not ok then error(err, 0) end
                return err
            end)
            t:call("socket.connect no args", function() return socket.connect() end)
            t:call("socket.connect bad family", function()
                return socket.connect("127.0.0.1", 80, nil, nil, "ipx")
            end)
            t:call("socket.bind no args", function() return socket.bind() end)
            t:call("listen with string backlog", function()
                local s = socket.tcp()
                s:bind("127.0.0.1", 0)
                local a, b = s:listen("5")
                s:close()
                return a, b
            end)
            t:call("listen with bad backlog", function()
                local s = socket.tcp()
                s:bind("127.0.0.1", 0)
                local ok, a = pcall(s.listen, s, {})
                s:close()
                if not ok then error(a, 0) end
                return a
            end)
        end,
    },
    {
        name = "bind errors",
        run = function(t, socket)
            local server = t:name(assert(socket.bind("127.0.0.1", 0)), "server")
            t:defer(function() server:close() end)
            local _, port = server:getsockname()
            t:port(port)
            local s = t:name(socket.tcp(), "s")
            t:defer(function() s:close() end)
            t:call("bind a port in use", function() return s:bind("127.0.0.1", port) end)
            t:call("socket.bind a port in use", function()
                local s2 = socket.tcp()
                local a, b = s2:bind("127.0.0.1", port)
                s2:close()
                return a, b
            end)
            t:call("bind twice", function()
                local s2 = socket.tcp()
                s2:bind("127.0.0.1", 0)
                local a, b = s2:bind("127.0.0.1", 0)
                s2:close()
                return a, b
            end)
            t:call("bind a non-local address", function() return s:bind("192.0.2.1", 0) end)
            t:call("bind a privileged port", function()
                local s2 = socket.tcp()
                local a, b = s2:bind("127.0.0.1", 1)
                s2:close()
                -- root may bind it; then both give 1
                return a and "bound" or b
            end)
            t:call("socket.bind '*'", function()
                local s2, e = socket.bind("*", 0)
                if not s2 then return nil, e end
                local ip = s2:getsockname()
                s2:close()
                return ip, class(s2)
            end)
            t:call("socket.bind with backlog", function()
                local s2, e = socket.bind("127.0.0.1", 0, 5)
                if not s2 then return nil, e end
                local reuse = s2:getoption("reuseaddr")
                s2:close()
                return class(s2), reuse
            end)
            t:call("bind to an invalid name", function() return s:bind("no.such.host.invalid", 0) end)
        end,
    },
    {
        name = "a non-blocking connect completes",
        run = function(t, socket)
            local server = t:name(assert(socket.bind("127.0.0.1", 0)), "server")
            t:defer(function() server:close() end)
            local _, port = server:getsockname()
            t:port(port)
            local c = t:name(socket.tcp(), "c")
            t:defer(function() c:close() end)
            t:call("settimeout 0", function() return c:settimeout(0) end)
            t:call("first connect", function() return c:connect("127.0.0.1", port) end)
            t:rec("class", class(c))
            t:call("select writable", function()
                local _, w, e = socket.select(nil, { c }, 2)
                return #w, w[c], e
            end)
            t:call("connect after writable", function() return c:connect("127.0.0.1", port) end)
            t:call("connect once more", function() return c:connect("127.0.0.1", port) end)
            t:call("getoption error", function() return c:getoption("error") end)
            t:call("getpeername", function() return c:getpeername() end)
        end,
    },
    {
        name = "a non-blocking connect refused",
        run = function(t, socket)
            local port = dead_port(t, socket)
            local c = t:name(socket.tcp(), "c")
            t:defer(function() c:close() end)
            c:settimeout(0)
            t:call("first connect", function() return c:connect("127.0.0.1", port) end)
            t:call("select", function()
                local r, w, e = socket.select({ c }, { c }, 2)
                return #r, #w, e
            end)
            t:call("connect again", function() return c:connect("127.0.0.1", port) end)
        end,
    },
    {
        name = "getstats and setstats",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local function stats(s)
                local r, sent, age = s:getstats()
                return r, sent, type(age), age >= 0
            end
            t:call("fresh stats", function() return stats(client) end)
            client:send("hello\n")
            conn:receive()
            conn:send("12345")
            conn:settimeout(0.05)
            conn:receive(100)
            t:call("client stats", function() return stats(client) end)
            t:call("conn stats", function() return stats(conn) end)
            t:call("setstats", function() return client:setstats(10, 20, 0) end)
            t:call("stats after setstats", function() return stats(client) end)
            t:call("setstats partial", function() return client:setstats(1) end)
            t:call("stats after partial", function() return stats(client) end)
            t:call("setstats age", function()
                client:setstats(0, 0, 100)
                local _, _, age = client:getstats()
                return age >= 100 and age < 110
            end)
            t:call("setstats strings", function() return client:setstats("3", "4") end)
            t:call("stats after strings", function() return stats(client) end)
            t:call("setstats table", function() return client:setstats({}) end)
            t:call("server getstats", function()
                local _, _, server = pair(t, socket)
                return stats(server)
            end)
            t:call("master getstats", function()
                local m = socket.tcp()
                local a, b, c = stats(m)
                m:close()
                return a, b, c
            end)
        end,
    },
    {
        name = "getfd, setfd and dirty",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:call("getfd", function() return kind(client:getfd()) end)
            t:call("dirty empty", function() return conn:dirty() end)
            client:send("a\nb\n")
            t:io("receive one line", function() return conn:receive() end)
            t:call("dirty with a buffered line", function() return conn:dirty() end)
            t:io("receive the other", function() return conn:receive() end)
            t:call("dirty drained", function() return conn:dirty() end)
            t:call("server getfd", function()
                local _, _, server = pair(t, socket)
                return kind(server:getfd()), server:dirty()
            end)
            t:call("master getfd", function()
                local m = socket.tcp()
                local a = kind(m:getfd())
                m:close()
                return a, kind(m:getfd())
            end)
            local fd = client:getfd()
            t:call("setfd -1", function() return client:setfd(-1) end)
            t:call("getfd after setfd", function() return client:getfd() end)
            t:io("receive after setfd -1", function() return client:receive() end)
            t:call("close after setfd -1", function() return client:close() end)
            t:call("setfd back on a fresh master", function()
                local m = socket.tcp()
                local old = m:getfd()
                m:setfd(fd)
                local same = m:getfd() == fd
                local ip = m:getpeername()
                -- give the old descriptor back and close the one we took
                m:close()
                local m2 = socket.tcp()
                m2:setfd(old)
                m2:close()
                return same, ip, class(m)
            end)
            t:call("setfd string", function()
                local m = socket.tcp()
                local old = m:getfd()
                local ok, err = pcall(m.setfd, m, "x")
                m:setfd(old)
                m:close()
                if not ok then error(err, 0) end
                return err
            end)
            t:call("setfd no arg", function()
                local m = socket.tcp()
                local ok, err = pcall(m.setfd, m)
                m:close()
                if not ok then error(err, 0) end
                return err
            end)
            t:call("dirty via dot on udp", function()
                local u = socket.udp()
                local ok, err = pcall(client.dirty, u)
                u:close()
                if not ok then error(err, 0) end
                return err
            end)
        end,
    },
    {
        name = "setoption and getoption",
        run = function(t, socket)
            local client = pair(t, socket)
            local function both(label, name, value)
                t:call("set " .. label, function() return client:setoption(name, value) end)
                t:call("get " .. label, function() return client:getoption(name) end)
            end
            both("keepalive true", "keepalive", true)
            both("keepalive false", "keepalive", false)
            both("tcp-nodelay true", "tcp-nodelay", true)
            both("tcp-nodelay false", "tcp-nodelay", false)
            both("reuseaddr true", "reuseaddr", true)
            both("reuseport true", "reuseport", true)
            both("reuseport false", "reuseport", false)
            both("tcp-keepidle 30", "tcp-keepidle", 30)
            both("tcp-keepcnt 4", "tcp-keepcnt", 4)
            both("tcp-keepintvl 7", "tcp-keepintvl", 7)
            both("tcp-keepidle '45'", "tcp-keepidle", "45")
            both("linger on 5", "linger", { on = true, timeout = 5 })
            both("linger off", "linger", { on = false, timeout = 0 })
            t:call("set recv-buffer-size", function() return client:setoption("recv-buffer-size", 65536) end)
            t:call("get recv-buffer-size", function()
                local v = client:getoption("recv-buffer-size")
                return type(v), v >= 65536
            end)
            t:call("set send-buffer-size", function() return client:setoption("send-buffer-size", 65536) end)
            t:call("get send-buffer-size", function()
                local v = client:getoption("send-buffer-size")
                return type(v), v >= 65536
            end)
            t:call("get error", function() return client:getoption("error") end)
            t:call("set ipv6-v6only on inet", function() return client:setoption("ipv6-v6only", true) end)
            t:call("get ipv6-v6only", function() return client:getoption("ipv6-v6only") end)
            t:call("set tcp-defer-accept", function() return client:setoption("tcp-defer-accept", 1) end)
            t:call("get tcp-defer-accept", function() return client:getoption("tcp-defer-accept") end)
            t:call("set tcp-fastopen", function() return client:setoption("tcp-fastopen", 5) end)
            t:call("get tcp-fastopen", function() return client:getoption("tcp-fastopen") end)
            t:call("set tcp-fastopen-connect", function() return client:setoption("tcp-fastopen-connect", true) end)
            t:call("set error", function() return client:setoption("error", true) end)
            t:call("set bindtodevice lo", function() return client:setoption("bindtodevice", "lo") end)
            t:call("set unknown", function() return client:setoption("bogus", true) end)
            t:call("get unknown", function() return client:getoption("bogus") end)
            t:call("set unknown via dot", function() return client.setoption(client, "bogus", true) end)
            t:call("set long unknown name", function()
                return client:setoption(string.rep("x", 60), true)
            end)
            t:call("set no name", function() return client:setoption() end)
            t:call("get no name", function() return client:getoption() end)
            t:call("set name a number", function() return client:setoption(5, true) end)
            t:call("set keepalive a string", function() return client:setoption("keepalive", "yes") end)
            t:call("set keepalive a number", function() return client:setoption("keepalive", 1) end)
            t:call("set keepalive nil", function() return client:setoption("keepalive") end)
            t:call("set linger a number", function() return client:setoption("linger", 5) end)
            t:call("set linger without on", function() return client:setoption("linger", { timeout = 1 }) end)
            t:call("set linger without timeout", function() return client:setoption("linger", { on = true }) end)
            t:call("set linger on a number", function() return client:setoption("linger", { on = 1, timeout = 1 }) end)
            t:call("set tcp-keepidle a string", function() return client:setoption("tcp-keepidle", "abc") end)
            t:call("set tcp-keepidle nil", function() return client:setoption("tcp-keepidle") end)
            t:call("set tcp-keepidle -1", function() return client:setoption("tcp-keepidle", -1) end)
            t:call("get multicast option on tcp", function() return client:getoption("ip-multicast-loop") end)
            t:call("set broadcast on tcp", function() return client:setoption("broadcast", true) end)
            t:call("server getoption reuseaddr", function()
                local _, _, server = pair(t, socket)
                return server:getoption("reuseaddr"), server:getoption("keepalive")
            end)
            t:call("master setoption", function()
                local m = socket.tcp()
                local a, b = m:setoption("reuseaddr", true)
                local c = m:getoption("reuseaddr")
                m:close()
                return a, b, c
            end)
            t:call("closed socket getoption", function()
                local m = socket.tcp()
                m:close()
                return m:getoption("keepalive")
            end)
            t:call("closed socket setoption", function()
                local m = socket.tcp()
                m:close()
                return m:setoption("keepalive", true)
            end)
        end,
    },
    {
        name = "getsockname and getpeername shapes",
        run = function(t, socket)
            local client, conn, server, port = pair(t, socket)
            t:call("client getpeername", function() return client:getpeername() end)
            t:call("conn getsockname", function() return conn:getsockname() end)
            t:call("client getsockname ip and family", function()
                local ip, p, fam = client:getsockname()
                return ip, type(p), fam
            end)
            t:call("conn getpeername matches", function()
                local ip, p = conn:getpeername()
                local _, cp = client:getsockname()
                return ip, p == tonumber(cp), type(p)
            end)
            t:call("master getsockname", function()
                local m = socket.tcp()
                local a, b, c = m:getsockname()
                m:close()
                return a, b, c
            end)
            t:call("master getpeername", function()
                local m = socket.tcp()
                local a, b, c = m:getpeername()
                m:close()
                return a, b, c
            end)
            t:call("closed getsockname", function()
                local m = socket.tcp()
                m:close()
                return m:getsockname()
            end)
            t:call("setsockname on master", function()
                local m = socket.tcp()
                local a, b = m:setsockname("127.0.0.1", 0)
                local ip = m:getsockname()
                m:close()
                return a, b, ip
            end)
            t:call("setpeername on master", function()
                local m = socket.tcp()
                m:settimeout(2)
                local a, b = m:setpeername("127.0.0.1", port)
                local ip = m:getpeername()
                local c = class(m)
                m:close()
                server:settimeout(2)
                local extra = server:accept()
                if extra then extra:close() end
                return a, b, ip, c
            end)
        end,
    },
    {
        name = "IPv6 loopback",
        run = function(t, socket)
            local server = t:name(socket.tcp6(), "server")
            t:defer(function() server:close() end)
            t:call("bind ::1", function() return server:bind("::1", 0) end)
            t:call("listen", function() return server:listen() end)
            t:call("getfamily", function() return server:getfamily() end)
            local _, port = server:getsockname()
            t:port(port)
            t:call("getsockname", function() return server:getsockname() end)
            local c = t:name(socket.tcp6(), "c")
            t:defer(function() c:close() end)
            c:settimeout(2)
            t:call("connect ::1", function() return c:connect("::1", port) end)
            t:call("getpeername", function() return c:getpeername() end)
            server:settimeout(2)
            local a = t:name(server:accept(), "a")
            t:defer(function() if a then a:close() end end)
            t:call("accepted getfamily", function() return a:getfamily() end)
            t:io("send", function() return c:send("six\n") end)
            t:io("receive", function() return a:receive() end)
            t:call("tcp6 connect to an IPv4 address", function()
                local s = socket.tcp6()
                s:settimeout(2)
                local x, y = s:connect("127.0.0.1", port)
                s:close()
                return x, y
            end)
            t:call("tcp6 get ipv6-v6only", function() return c:getoption("ipv6-v6only") end)
            t:call("tcp6 set ipv6-v6only", function()
                local s = socket.tcp6()
                local x, y = s:setoption("ipv6-v6only", true)
                s:close()
                return x, y
            end)
            t:call("socket.connect6", function()
                local s, e = socket.connect6("::1", port)
                if not s then return nil, e end
                local fam = s:getfamily()
                s:close()
                local extra = server:accept()
                if extra then extra:close() end
                return class(s), fam
            end)
            t:call("socket.connect to ::1", function()
                local s, e = socket.connect("::1", port)
                if not s then return nil, e end
                local fam = s:getfamily()
                s:close()
                local extra = server:accept()
                if extra then extra:close() end
                return class(s), fam
            end)
            t:call("socket.connect6 to an IPv4 address", function()
                return socket.connect6("127.0.0.1", port)
            end)
            t:call("socket.bind ::1", function()
                local s, e = socket.bind("::1", 0)
                if not s then return nil, e end
                local fam = s:getfamily()
                local ip = s:getsockname()
                s:close()
                return class(s), fam, ip
            end)
        end,
    },
    {
        name = "socket.connect helpers",
        run = function(t, socket)
            local server = t:name(assert(socket.bind("127.0.0.1", 0)), "server")
            t:defer(function() server:close() end)
            local _, port = server:getsockname()
            t:port(port)
            server:settimeout(2)
            local function try(label, ...)
                local args = { n = select("#", ...), ... }
                t:call(label, function()
                    local c, e = socket.connect((table.unpack or unpack)(args, 1, args.n))
                    if not c then return nil, e end
                    local ip = c:getpeername()
                    local lip = c:getsockname()
                    local fam = c:getfamily()
                    local tm1, tm2 = c:gettimeout()
                    c:close()
                    local a = server:accept()
                    if a then a:close() end
                    return class(c), ip, lip, fam, tm1, tm2
                end)
            end
            try("connect", "127.0.0.1", port)
            try("connect string port", "127.0.0.1", tostring(port))
            try("connect localhost", "localhost", port)
            try("connect with local address", "127.0.0.1", port, "127.0.0.1")
            try("connect with local address and port 0", "127.0.0.1", port, "127.0.0.1", 0)
            try("connect family inet", "127.0.0.1", port, nil, nil, "inet")
            try("connect family inet6 to IPv4", "127.0.0.1", port, nil, nil, "inet6")
            try("connect with a bad local address", "127.0.0.1", port, "no.such.host.invalid")
            try("connect4", "127.0.0.1", port)
            t:call("connect4 helper", function()
                local c, e = socket.connect4("127.0.0.1", port)
                if not c then return nil, e end
                local fam = c:getfamily()
                c:close()
                local a = server:accept()
                if a then a:close() end
                return class(c), fam
            end)
            t:call("connect4 to ::1", function() return socket.connect4("::1", port) end)
            t:call("connect to an invalid name", function()
                return socket.connect("no.such.host.invalid", port)
            end)
            t:call("connect port 0", function() return socket.connect("127.0.0.1", 0) end)
        end,
    },
    {
        name = "tostring and type shapes",
        run = function(t, socket)
            local client, conn, server = pair(t, socket)
            local function shape(o)
                return (tostring(o):gsub("0x%x+", "0xADDR"))
            end
            t:rec("client tostring", shape(client))
            t:rec("conn tostring", shape(conn))
            t:rec("server tostring", shape(server))
            t:rec("master tostring", shape(socket.tcp()))
            t:rec("type", type(client))
            t:rec("tostring starts with tcp", tostring(client):sub(1, 3))
            t:rec("__name", getmetatable(client).__name)
            t:rec("__gc", type(getmetatable(client).__gc))
            t:rec("__tostring", type(getmetatable(client).__tostring))
            t:rec("metatables differ by class", getmetatable(client) ~= getmetatable(server))
            t:rec("same class shares", getmetatable(client) == getmetatable(conn))
        end,
    },
    {
        name = "methods on the wrong state",
        run = function(t, socket)
            local client, _, server = pair(t, socket)
            t:call("connect on a connected client", function()
                local _, port = server:getsockname()
                return client:connect("127.0.0.1", port)
            end)
            t:rec("client class", class(client))
            t:call("bind on a client", function() return client:bind("127.0.0.1", 0) end)
            t:call("connect on a server", function()
                local a, b = server:connect("127.0.0.1", 1)
                return a, b, class(server)
            end)
            t:call("gettimeout after settimeout(-3)", function()
                client:settimeout(-3)
                return client:gettimeout()
            end)
            t:call("settimeout(1e9)", function()
                client:settimeout(1e9)
                return client:gettimeout()
            end)
        end,
    },
    {
        name = "__close on Lua 5.4",
        run = function(t, socket)
            local s = socket.tcp()
            t:defer(function() s:close() end)
            t:rec("__close", type(getmetatable(s).__close))
        end,
    },
    {
        name = "long lines and many lines",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local long = string.rep("L", 40000)
            t:io("send a 40000-byte line and three short ones", function()
                return client:send(long .. "\r\n" .. "a\nb\r\nc\n")
            end)
            t:io("the long line", function() return conn:receive() end)
            t:io("a", function() return conn:receive() end)
            t:io("b", function() return conn:receive("*l") end)
            t:call("dirty before c", function() return conn:dirty() end)
            t:io("c", function() return conn:receive() end)
            t:io("send 5000 bytes", function() return client:send(string.rep("z", 5000)) end)
            t:io("receive 4999", function() return conn:receive(4999) end)
            t:call("one byte buffered", function() return conn:dirty() end)
            t:io("receive 1", function() return conn:receive(1) end)
        end,
    },
    {
        name = "pattern and count spellings",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send("one\ntwo\n0123456789abcdefghijklmnopqrstuvwxyz")
            t:io("*lfoo reads a line", function() return conn:receive("*lfoo") end)
            t:io("*l2 reads a line", function() return conn:receive("*l2") end)
            t:io("' 3 ' is a count", function() return conn:receive(" 3 ") end)
            t:io("'0x10' is a count", function() return conn:receive("0x10") end)
            t:io("'0' is a count", function() return conn:receive("0") end)
            t:io("'1e1' is a count", function() return conn:receive("1e1") end)
            t:call("** raises", function() return conn:receive("**") end)
            t:call("prefix boolean raises", function() return conn:receive(1, true) end)
            conn:settimeout(0.05)
            t:io("*aXYZ reads all and times out", function() return conn:receive("*aXYZ") end)
        end,
    },
    {
        name = "odd option values",
        run = function(t, socket)
            local client = pair(t, socket)
            t:call("recv-buffer-size 'x'", function() return client:setoption("recv-buffer-size", "x") end)
            t:call("linger timeout as a string", function()
                local r = client:setoption("linger", { on = true, timeout = "5" })
                return r, client:getoption("linger")
            end)
            t:call("linger timeout 2.9", function()
                local _, c2 = pair(t, socket)
                local r = c2:setoption("linger", { on = true, timeout = 2.9 })
                return r, c2:getoption("linger")
            end)
            t:call("linger timeout -1", function()
                local _, c2 = pair(t, socket)
                local r = c2:setoption("linger", { on = true, timeout = -1 })
                return r, c2:getoption("linger")
            end)
            t:call("linger timeout 70000", function()
                local _, c2 = pair(t, socket)
                local r = c2:setoption("linger", { on = true, timeout = 70000 })
                return r, c2:getoption("linger")
            end)
            t:call("fresh linger", function()
                local _, c2 = pair(t, socket)
                return c2:getoption("linger")
            end)
            t:call("tcp-keepcnt 2.7", function()
                local r = client:setoption("tcp-keepcnt", 2.7)
                return r, client:getoption("tcp-keepcnt")
            end)
            t:call("tcp-nodelay on a server", function()
                local _, _, server = pair(t, socket)
                local r = server:setoption("tcp-nodelay", true)
                return r, server:getoption("tcp-nodelay")
            end)
            t:call("keepalive read on a fresh socket", function() return client:getoption("keepalive") end)
            t:call("reuseaddr read on an accepted socket", function()
                local _, c2 = pair(t, socket)
                return c2:getoption("reuseaddr")
            end)
        end,
    },
    {
        name = "address and port spellings",
        run = function(t, socket)
            local server = t:name(assert(socket.bind("127.0.0.1", 0)), "server")
            t:defer(function() server:close() end)
            local _, port = server:getsockname()
            t:port(port)
            server:settimeout(1)
            local function try_connect(label, host, p)
                t:call(label, function()
                    local c = socket.tcp()
                    c:settimeout(1)
                    local a, e = c:connect(host, p)
                    local ip = a and c:getpeername()
                    c:close()
                    if a then
                        local x = server:accept()
                        if x then x:close() end
                    end
                    return a, e, ip
                end)
            end
            try_connect("127.1", "127.1", port)
            try_connect("port as a float", "127.0.0.1", port + 0.0)
            try_connect("port with spaces", "127.0.0.1", " " .. port)
            try_connect("port -1", "127.0.0.1", -1)
            try_connect("port 65536", "127.0.0.1", 65536)
            try_connect("empty host", "", port)
            try_connect("host with a trailing dot", "127.0.0.1.", port)
            local function try_bind(label, host, p)
                t:call(label, function()
                    local s = socket.tcp()
                    local a, e = s:bind(host, p)
                    local ip = a and s:getsockname()
                    s:close()
                    return a, e, ip
                end)
            end
            try_bind("bind 0", "0", 0)
            try_bind("bind localhost", "localhost", 0)
            try_bind("bind *", "*", 0)
            try_bind("bind port '0'", "127.0.0.1", "0")
            try_bind("bind port -1", "127.0.0.1", -1)
            try_bind("bind port 'http'", "127.0.0.1", "http")
            try_bind("bind empty host", "", 0)
            t:call("tcp6 bind *", function()
                local s = socket.tcp6()
                local a, e = s:bind("*", 0)
                local ip, _, fam = s:getsockname()
                s:close()
                return a, e, ip, fam
            end)
            t:call("tcp6 bind ::ffff:127.0.0.1", function()
                local s = socket.tcp6()
                local a, e = s:bind("::ffff:127.0.0.1", 0)
                s:close()
                return a, e
            end)
        end,
    },
    {
        name = "an IPv6 server on :: refuses IPv4 clients",
        run = function(t, socket)
            local s6 = t:name(socket.tcp6(), "s6")
            t:defer(function() s6:close() end)
            t:call("bind ::", function() return s6:bind("::", 0) end)
            t:call("listen", function() return s6:listen() end)
            local _, port = s6:getsockname()
            t:port(port)
            t:call("IPv4 client", function()
                local c = socket.tcp()
                c:settimeout(1)
                local a, e = c:connect("127.0.0.1", port)
                c:close()
                return a, e
            end)
            t:call("IPv6 client", function()
                local c = socket.tcp6()
                c:settimeout(1)
                local a, e = c:connect("::1", port)
                c:close()
                return a, e
            end)
            t:call("mapped client", function()
                local c = socket.tcp6()
                c:settimeout(1)
                local a, e = c:connect("::ffff:127.0.0.1", port)
                c:close()
                return a, e
            end)
        end,
    },
    {
        name = "a send that fills the peer's buffers times out with a partial index",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:settimeout(0)
            local big = string.rep("x", 16 * 1024 * 1024)
            local a, e, n = client:send(big)
            t:rec("send", a, e, type(n), n and n > 0 and n < #big)
            t:call("getstats sent matches", function()
                local _, sent = client:getstats()
                return sent == n
            end)
            t:call("a ranged send reports an index past i", function()
                local a2, e2, n2 = client:send(big, 100)
                return a2, e2, type(n2), n2 and n2 >= 99
            end)
            conn:settimeout(0.05)
            t:call("the peer reads the first bytes", function()
                local d = conn:receive(10)
                return d
            end)
        end,
    },
    {
        -- receiveany is this library's addition: C has no such method, and
        -- nothing else of a client changes with it.
        name = "receiveany, an addition",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:rec("client has receiveany", type(client.receiveany))
            t:io("send", client.send, client, "abc\n")
            t:io("receive *l still reads the line", conn.receive, conn)
        end,
    },
}
