-- socket.dns on a loopback-only host: localhost, 127.0.0.1, ::1 and a name
-- that cannot resolve. gethostname is recorded by type only.

return {
    {
        name = "the dns table",
        run = function(t, socket)
            t:rec("type", type(socket.dns))
            for _, f in ipairs({ "toip", "tohostname", "gethostname", "getaddrinfo", "getnameinfo" }) do
                t:rec(f, type(socket.dns[f]))
            end
            t:call("gethostname type", function() return type(socket.dns.gethostname()) end)
            t:call("gethostname is not empty", function() return #socket.dns.gethostname() > 0 end)
        end,
    },
    {
        name = "toip",
        run = function(t, socket)
            t:call("localhost", function() return socket.dns.toip("localhost") end)
            t:call("127.0.0.1", function() return socket.dns.toip("127.0.0.1") end)
            t:call("no argument", function() return socket.dns.toip() end)
            t:call("a table", function() return socket.dns.toip({}) end)
            t:call("a number", function()
                local ip = socket.dns.toip(2130706433)
                return type(ip)
            end)
        end,
    },
    {
        name = "toip of ::1",
        run = function(t, socket)
            t:call("::1", function() return socket.dns.toip("::1") end)
        end,
    },
    {
        name = "toip of a name that does not resolve",
        run = function(t, socket)
            t:call("invalid name", function() return socket.dns.toip("no.such.host.invalid") end)
        end,
    },
    {
        name = "tohostname",
        run = function(t, socket)
            t:call("127.0.0.1", function() return socket.dns.tohostname("127.0.0.1") end)
            t:call("localhost", function() return socket.dns.tohostname("localhost") end)
            t:call("no argument", function() return socket.dns.tohostname() end)
        end,
    },
    {
        name = "tohostname of ::1",
        run = function(t, socket)
            t:call("::1", function() return socket.dns.tohostname("::1") end)
        end,
    },
    {
        name = "tohostname of a name that does not resolve",
        run = function(t, socket)
            t:call("invalid name", function() return socket.dns.tohostname("no.such.host.invalid") end)
        end,
    },
    {
        name = "getaddrinfo",
        run = function(t, socket)
            t:call("localhost", function() return socket.dns.getaddrinfo("localhost") end)
            t:call("127.0.0.1", function() return socket.dns.getaddrinfo("127.0.0.1") end)
            t:call("::1", function() return socket.dns.getaddrinfo("::1") end)
            t:call("::ffff:127.0.0.1", function() return socket.dns.getaddrinfo("::ffff:127.0.0.1") end)
            t:call("invalid name", function() return socket.dns.getaddrinfo("no.such.host.invalid") end)
            t:call("no argument", function() return socket.dns.getaddrinfo() end)
            t:call("a table", function() return socket.dns.getaddrinfo({}) end)
            t:call("a bad address literal", function() return socket.dns.getaddrinfo("1.2.3.4.5") end)
        end,
    },
    {
        name = "getnameinfo",
        run = function(t, socket)
            t:call("127.0.0.1", function() return socket.dns.getnameinfo("127.0.0.1") end)
            t:call("localhost", function() return socket.dns.getnameinfo("localhost") end)
            t:call("127.0.0.1 and 80", function() return socket.dns.getnameinfo("127.0.0.1", "80") end)
            t:call("127.0.0.1 and port number 22", function() return socket.dns.getnameinfo("127.0.0.1", 22) end)
            t:call("service only", function() return socket.dns.getnameinfo(nil, "80") end)
            t:call("service by name", function() return socket.dns.getnameinfo(nil, "http") end)
            t:call("an unknown service name", function()
                return socket.dns.getnameinfo(nil, "no-such-service")
            end)
            t:call("an unnamed port", function() return socket.dns.getnameinfo(nil, "47811") end)
            t:call("both nil", function() return socket.dns.getnameinfo() end)
            t:call("both nil explicitly", function() return socket.dns.getnameinfo(nil, nil) end)
            t:call("invalid name", function() return socket.dns.getnameinfo("no.such.host.invalid") end)
            t:call("a table", function() return socket.dns.getnameinfo({}) end)
        end,
    },
    {
        name = "getnameinfo of ::1",
        run = function(t, socket)
            -- with no reverse name for ::1, C ignores getnameinfo's failure
            -- and returns an uninitialized buffer: only the types are stable
            t:call("::1", function()
                local names = socket.dns.getnameinfo("::1")
                return type(names), #names, type(names[1])
            end)
            t:call("::1 and 443", function()
                local names, serv = socket.dns.getnameinfo("::1", "443")
                return type(names), #names, type(serv)
            end)
        end,
    },
    {
        name = "empty and odd names",
        run = function(t, socket)
            t:call("getaddrinfo empty", function() return socket.dns.getaddrinfo("") end)
            t:call("getnameinfo empty host", function() return socket.dns.getnameinfo("") end)
            t:call("getaddrinfo 0.0.0.0", function() return socket.dns.getaddrinfo("0.0.0.0") end)
            t:call("getaddrinfo ::", function() return socket.dns.getaddrinfo("::") end)
            t:call("getnameinfo localhost and 0", function() return socket.dns.getnameinfo("localhost", "0") end)
        end,
    },
    {
        name = "toip of an empty name",
        run = function(t, socket)
            t:call("toip empty", function() return socket.dns.toip("") end)
        end,
    },
    {
        name = "toip of an address with no reverse name",
        run = function(t, socket)
            t:call("toip 0.0.0.0", function() return socket.dns.toip("0.0.0.0") end)
        end,
    },
    {
        -- Ours looks such a name up off the calling thread when the socket's
        -- timeout is finite (docs/dns.md, "Lookups that do not block"); at
        -- timeout 0 the first call returns "timeout" where C waits for the
        -- resolver. A blocking call gives the same answer in both.
        name = "a name the resolver must ask a server about, at timeout 0",
        run = function(t, socket)
            local name = "no.such.host.invalid"
            t:call("tcp connect", function()
                local c = socket.tcp()
                c:settimeout(0)
                local ok, err = c:connect(name, 80)
                c:close()
                return ok, err
            end)
            t:call("tcp bind", function()
                local c = socket.tcp()
                c:settimeout(0)
                local ok, err = c:bind(name, 0)
                c:close()
                return ok, err
            end)
            t:call("udp setpeername", function()
                local u = socket.udp()
                u:settimeout(0)
                local ok, err = u:setpeername(name, 80)
                u:close()
                return ok, err
            end)
            t:call("udp sendto", function()
                local u = socket.udp()
                u:settimeout(0)
                local ok, err = u:sendto("x", name, 80)
                u:close()
                return ok, err
            end)
            t:call("blocking tcp connect", function()
                local c = socket.tcp()
                local ok, err = c:connect(name, 80)
                c:close()
                return ok, err
            end)
        end,
    },
}
