-- socket.tp: connect, check (patterns, numbers, lists, functions; one-line
-- and multi-line replies; bad replies), command, the raw I/O methods and
-- getcontrol. The server side is a plain socket in this process: what it
-- sends is written before the client reads, what it received is read after
-- the client wrote.

-- A tp connection and the server's end of it.
local function pair(t, socket, timeout)
    local tp = require("socket.tp")
    local server = assert(socket.bind("127.0.0.1", 0))
    t:defer(function() server:close() end)
    local _, port = server:getsockname()
    t:port(port)
    local c = t:call("connect", tp.connect, "127.0.0.1", port, timeout or 2)
    t:defer(function() c:close() end)
    server:settimeout(2)
    local conn = assert(server:accept())
    t:defer(function() conn:close() end)
    conn:settimeout(2)
    return c, conn, port
end

-- The lines the server end has received, up to `n` of them.
local function lines(conn, n)
    local out = {}
    for i = 1, n do
        local line, err = conn:receive("*l")
        out[i] = line or ("<" .. tostring(err) .. ">")
        if not line then break end
    end
    return out
end

return {
    {
        name = "module",
        run = function(t, socket)
            local tp = require("socket.tp")
            t:rec("TIMEOUT", tp.TIMEOUT)
            t:rec("socket.tp", socket.tp == tp)
            t:rec("connect", type(tp.connect))
        end,
    },
    {
        name = "connect",
        run = function(t, socket)
            local tp = require("socket.tp")
            local s = assert(socket.bind("127.0.0.1", 0))
            local _, port = s:getsockname()
            s:close()
            t:call("refused", tp.connect, "127.0.0.1", port, 1)
            t:call("no port", function() return tp.connect("127.0.0.1") end)
            local made
            local create = function()
                made = socket.tcp()
                return made
            end
            local server = assert(socket.bind("127.0.0.1", 0))
            t:defer(function() server:close() end)
            _, port = server:getsockname()
            t:port(port)
            local c = t:call("with create", tp.connect, "127.0.0.1", port, 1, create)
            t:rec("create's socket is the control", c and c:getcontrol() == made)
            t:call("timeout set", function() return c:getcontrol():gettimeout() end)
            if c then c:close() end
            c = tp.connect("127.0.0.1", port)
            t:call("default timeout", function() return c:getcontrol():gettimeout() end)
            c:close()
            t:call("create failing", tp.connect, "127.0.0.1", port, 1, function() return nil, "no socket for you" end)
        end,
    },
    {
        name = "check",
        run = function(t, socket)
            local c, conn = pair(t, socket)
            local function reply(text, label, ok)
                conn:send(text)
                return t:call(label, c.check, c, ok)
            end
            reply("220 ready\r\n", "one line, pattern", "2..")
            reply("250 ok\r\n", "number", 250)
            reply("250 ok\r\n", "wrong number", 251)
            reply("550 no\r\n", "pattern does not match", "2..")
            reply("331 more\r\n", "list", { "2..", "3.." })
            reply("421 bye\r\n", "list none match", { "2..", "3.." })
            reply("250-first\r\n250-second\r\n250 last\r\n", "multi-line", "2..")
            reply("250-first\r\nfree text\r\n 250 not yet\r\n250 last\r\n", "multi-line with free text", "2..")
            reply("250-first\r\n251 other code\r\n250 end\r\n", "multi-line, another code inside", "2..")
            reply("230 done\r\n", "function", function(code, text) return "got", code, text end)
            reply("230\r\n", "code alone", "2..")
            reply("230-\r\n230 \r\n", "multi-line, empty texts", "2..")
            reply("2300 long code\r\n", "four digits", "2..")
            reply("hello\r\n", "not a reply", "2..")
            reply("\r\n", "empty line", "2..")
            reply("25 short\r\n", "two digits", "2..")
            reply("250 lf only\n", "LF only", "2..")
            reply("250 no pattern\r\n", "nil pattern", nil)
            reply("250-open\r\n", "multi-line cut by a timeout", "2..")
            conn:send("250 end\r\n")
            c:getcontrol():settimeout(0.1)
            t:call("timeout", c.check, c, "2..")
            conn:send("220 pa")
            t:call("partial line, timeout", c.check, c, "2..")
            conn:close()
            t:call("closed", c.check, c, "2..")
        end,
    },
    {
        name = "command",
        run = function(t, socket)
            local c, conn = pair(t, socket)
            t:call("command with argument", function() return (c:command("helo", "example.test")) end)
            t:call("command alone", function() return (c:command("quit")) end)
            t:call("mixed case", function() return (c:command("MaIl", "FROM:<a@b>")) end)
            t:call("number argument", function() return (c:command("port", 21)) end)
            t:call("empty argument", function() return (c:command("noop", "")) end)
            t:rec("server got", lines(conn, 5))
            t:call("CR LF in the argument", function() return (c:command("rcpt", "TO:<x>\r\nDATA")) end)
            t:call("LF in the command", function() return (c:command("no\nop")) end)
            conn:settimeout(0.2)
            t:rec("server got after CR LF", lines(conn, 3))
        end,
    },
    {
        name = "raw I/O and control",
        run = function(t, socket)
            local c, conn = pair(t, socket)
            t:rec("getcontrol class", tostring(c:getcontrol()):match("^[^:]+"))
            t:rec("getfd", type(c:getfd()), c:getfd() == c:getcontrol():getfd())
            t:rec("dirty", c:dirty())
            t:call("getpeername", function()
                local ip = c:getpeername()
                return ip
            end)
            t:call("getsockname", function()
                local ip, port = c:getsockname()
                local _, server_port = conn:getsockname()
                return ip, tonumber(port) == tonumber(server_port)
            end)
            t:call("send", function() return (c:send("raw bytes\r\n")) end)
            t:rec("server got", lines(conn, 1))
            conn:send("line one\r\nline two\r\nrest")
            t:call("receive", function() return (c:receive()) end)
            t:rec("dirty with data buffered", c:dirty())
            local got = {}
            t:call("sink", c.sink, c, function(chunk, err)
                got[#got + 1] = tostring(chunk) .. "/" .. tostring(err)
                return 1
            end, "*l")
            t:rec("sink got", got)
            t:call("receive a count", function() return (c:receive(4)) end)
            t:call("source", c.source, c, require("ltn12").source.string("from a source"))
            t:rec("server got from source", (conn:receive(13)))
            local failing = function() return nil, "source failed" end
            t:call("failing source", c.source, c, failing)
            t:call("close", c.close, c)
            t:rec("control closed", tostring(c:getcontrol()):match("^[^:]+"), c:getfd())
            t:call("close twice", c.close, c)
            t:io("command after close", c.command, c, "noop")
            t:call("check after close", c.check, c, "2..")
        end,
    },
}
