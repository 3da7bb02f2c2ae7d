-- TCP: classes, connect/accept, receive patterns, send ranges, timeouts,
-- closed and reset peers, wrong-class calls.
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
            t:io("receive l", conn.receive, conn, "l")
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
}
