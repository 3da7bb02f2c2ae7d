-- socket.ftp: get, put and command against spec/diff/peers/ftp_peer.py
-- (pyftpdlib), which records every command line it read; what a put stored
-- is read back from the server's directory. Both runs start their own peer
-- over a fresh copy of the same files.
--
-- Normalised: the peer's port; PORT/EPRT arguments (they carry the
-- client's ephemeral port).
local peer = require("diff.peers.peer")
local ltn12 = require("ltn12")

local ALPHABET = "abcdefghijklmnopqrstuvwxyz"

local function pattern(n)
    return (ALPHABET:rep(math.floor(n / 26) + 1)):sub(1, n)
end

-- A directory with the files the scenarios read.
local function make_root(t)
    local dir = peer.tmpdir()
    t:defer(function() os.execute("rm -rf " .. peer.quote(dir)) end)
    os.execute("mkdir " .. peer.quote(dir .. "/sub") .. " " .. peer.quote(dir .. "/up"))
    os.execute("chmod 777 " .. peer.quote(dir .. "/up"))
    peer.write_file(dir .. "/hello.txt", "hello ftp\r\nsecond line\n")
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    peer.write_file(dir .. "/bin.dat", table.concat(bytes):rep(4))
    peer.write_file(dir .. "/big.txt", pattern(100000))
    peer.write_file(dir .. "/a b.txt", "spaced name\n")
    peer.write_file(dir .. "/empty.txt", "")
    peer.write_file(dir .. "/sub/nested.txt", "nested\n")
    return dir
end

local function setup(t, extra)
    local ftp = require("socket.ftp")
    local root = make_root(t)
    local h = peer.start(t, "ftp_peer.py", "--root " .. peer.quote(root) .. " " .. (extra or ""))
    ftp.TIMEOUT = 5
    t:defer(function() ftp.TIMEOUT = 60 end)
    local e = { ftp = ftp, h = h, root = root, base = "ftp://127.0.0.1:" .. h.port }
    local ports = { h.port }
    -- Records the command lines the peer read since the last call.
    function e.received(label)
        local list = h.records()
        local out = {}
        for i = (e.seen or 0) + 1, #list do
            local line = list[i].c .. ": " .. list[i].l
            line = line:gsub("^(%d+: PORT ).*$", "%1<address>")
            line = line:gsub("^(%d+: EPRT |1|127%.0%.0%.1|)%d+|$", "%1<port>|")
            out[#out + 1] = peer.norm(line, ports)
        end
        e.seen = #list
        t:rec(label .. ": server got", out)
    end
    -- The content of a file in the server's directory (nil when missing).
    function e.file(label, name)
        t:rec(label .. ": stored", peer.read_file(root .. "/" .. name))
    end
    function e.call(label, f, ...)
        local args = peer.pack(...)
        return t:call(label, function()
            return peer.normall(ports, f((table.unpack or unpack)(args, 1, args.n)))
        end)
    end
    return e
end

return {
    {
        name = "module",
        run = function(t, socket)
            local ftp = require("socket.ftp")
            t:rec("constants", ftp.TIMEOUT, ftp.PORT, ftp.USER, ftp.PASSWORD)
            t:rec("socket.ftp", socket.ftp == ftp)
            t:rec("functions", type(ftp.get), type(ftp.put), type(ftp.command), type(ftp.open))
            t:call("genericform", ftp.genericform, "ftp://u:p@h:2121/dir/f.txt;type=a")
            t:call("genericform, no path", ftp.genericform, "ftp://h")
            t:call("genericform, wrong scheme", socket.protect(ftp.genericform), "http://h/x")
            t:call("genericform, no host", socket.protect(ftp.genericform), "ftp:///x")
            t:call("genericform, bad type", socket.protect(ftp.genericform), "ftp://h/x;type=x")
        end,
    },
    {
        name = "get",
        run = function(t)
            local e = setup(t)
            local ftp = e.ftp
            e.call("anonymous text", ftp.get, e.base .. "/hello.txt")
            e.received("anonymous text")
            e.call("binary, type=i", ftp.get, e.base .. "/bin.dat;type=i")
            e.call("type=a", ftp.get, e.base .. "/hello.txt;type=a")
            e.received("types")
            e.call("100000 bytes", ftp.get, e.base .. "/big.txt")
            e.call("empty file", ftp.get, e.base .. "/empty.txt")
            e.call("nested path", ftp.get, e.base .. "/sub/nested.txt")
            e.call("escaped name", ftp.get, e.base .. "/a%20b.txt")
            e.call("with a user", ftp.get, "ftp://alice:secret@127.0.0.1:" .. e.h.port .. "/hello.txt")
            e.received("big, empty, nested, escaped, user")
            e.call("missing file", ftp.get, e.base .. "/nothing.txt")
            e.call("wrong password", ftp.get, "ftp://alice:nope@127.0.0.1:" .. e.h.port .. "/hello.txt")
            e.call("a directory", ftp.get, e.base .. "/sub")
            e.received("refusals")
            local chunks = {}
            e.call("table form", ftp.get, {
                host = "127.0.0.1", port = e.h.port, path = "/hello.txt", sink = ltn12.sink.table(chunks),
            })
            t:rec("table form: data", table.concat(chunks))
            chunks = {}
            e.call("table form, user and type", ftp.get, {
                host = "127.0.0.1", port = e.h.port, user = "alice", password = "secret", type = "i",
                argument = "bin.dat", sink = ltn12.sink.table(chunks),
            })
            t:rec("table form, user and type: data", table.concat(chunks))
            chunks = {}
            e.call("table form, NLST", ftp.get, {
                host = "127.0.0.1", port = e.h.port, command = "nlst", argument = "sub",
                sink = ltn12.sink.table(chunks),
            })
            t:rec("table form, NLST: data", table.concat(chunks))
            chunks = {}
            e.call("table form with url", ftp.get, {
                url = e.base .. "/sub/nested.txt", sink = ltn12.sink.table(chunks),
            })
            t:rec("table form with url: data", table.concat(chunks))
            e.received("table forms")
            e.call("table form, no host", ftp.get, { path = "/x", sink = ltn12.sink.null() })
        end,
    },
    {
        name = "put",
        run = function(t)
            local e = setup(t)
            local ftp = e.ftp
            local auth = "ftp://alice:secret@127.0.0.1:" .. e.h.port
            e.call("string form", ftp.put, auth .. "/up/one.txt", "uploaded text\r\n")
            e.file("string form", "up/one.txt")
            e.received("string form")
            e.call("type=i", ftp.put, auth .. "/up/two.bin;type=i", "\0\1\2\255")
            e.file("type=i", "up/two.bin")
            e.call("empty", ftp.put, auth .. "/up/empty.txt", "")
            e.file("empty", "up/empty.txt")
            e.call("70000 bytes", ftp.put, auth .. "/up/big.txt", pattern(70000))
            e.file("70000 bytes", "up/big.txt")
            e.received("type=i, empty, big")
            e.call("anonymous may not write", ftp.put, e.base .. "/up/no.txt", "x")
            e.call("wrong password", ftp.put, "ftp://alice:nope@127.0.0.1:" .. e.h.port .. "/up/no.txt", "x")
            e.call("into a missing directory", ftp.put, auth .. "/nowhere/x.txt", "x")
            e.received("refusals")
            e.call("table form", ftp.put, {
                host = "127.0.0.1", port = e.h.port, user = "alice", password = "secret",
                argument = "up/three.txt", source = ltn12.source.string("from a table"),
            })
            e.file("table form", "up/three.txt")
            e.call("table form, APPE", ftp.put, {
                host = "127.0.0.1", port = e.h.port, user = "alice", password = "secret", command = "appe",
                argument = "up/three.txt", source = ltn12.source.string(" and more"),
            })
            e.file("table form, APPE", "up/three.txt")
            e.call("table form, failing source", ftp.put, {
                host = "127.0.0.1", port = e.h.port, user = "alice", password = "secret",
                path = "/up/four.txt", source = ltn12.source.error("source broke"),
            })
            e.received("table forms")
        end,
    },
    {
        name = "command",
        run = function(t)
            local e = setup(t)
            local ftp = e.ftp
            local auth = "ftp://alice:secret@127.0.0.1:" .. e.h.port
            e.call("MKD", ftp.command, { url = auth, command = "mkd", argument = "up/newdir", check = "2.." })
            t:rec("MKD: made", os.execute("test -d " .. peer.quote(e.root .. "/up/newdir")) == true
                or os.execute("test -d " .. peer.quote(e.root .. "/up/newdir")) == 0)
            e.call("DELE", ftp.command, { url = auth, command = "dele", argument = "up/missing", check = "2.." })
            e.call("NOOP without check", ftp.command, { url = auth, command = "noop" })
            e.call("a list", ftp.command, {
                url = auth, command = { "cwd", "cwd", "pwd" }, argument = { "up", "..", nil },
                check = { 250, 250, 257 },
            })
            e.call("host and user fields", ftp.command, {
                host = "127.0.0.1", port = e.h.port, user = "alice", password = "secret", command = "rmd",
                argument = "up/newdir", check = 250,
            })
            e.call("no command", ftp.command, { url = auth })
            e.call("no host", ftp.command, { command = "noop" })
            e.call("wrong check", ftp.command, { url = auth, command = "syst", check = "5.." })
            e.received("command")
        end,
    },
    {
        name = "step by step",
        run = function(t, socket)
            local e = setup(t)
            local ftp = e.ftp
            local chunks = {}
            local active = socket.protect(function()
                local f = ftp.open("127.0.0.1", e.h.port)
                t:rec("open", type(f), type(f.try), tostring(f.tp:getcontrol()):match("^[^:]+"))
                t:call("greet", function() return f:greet() end)
                t:call("login", function() return f:login("alice", "secret") end)
                t:call("type", function() return f:type("i") end)
                t:call("cwd", function() return f:cwd("sub") end)
                t:call("epsv", function()
                    local ip, port = f:epsv()
                    return ip, type(port)
                end)
                t:call("receive", function()
                    return f:receive { path = "nested.txt", sink = ltn12.sink.table(chunks) }
                end)
                t:call("cwd back", function() return f:cwd("/up") end)
                t:call("epsv again", function()
                    local ip = f:epsv()
                    return ip
                end)
                t:call("send", function()
                    return f:send { argument = "stepped.txt", source = ltn12.source.string("12345") }
                end)
                t:call("receive without pasv", function()
                    return f:receive { path = "stepped.txt", sink = ltn12.sink.null() }
                end)
                t:call("quit", function() return f:quit() end)
                return f:close()
            end)
            t:call("a session", active)
            t:rec("received", table.concat(chunks))
            e.file("sent", "up/stepped.txt")
            e.received("a session")
            -- PASV, in a session of its own: on Lua 5.3, Debian's ftp.lua
            -- computes the port as a float (see accepted.lua).
            local pasv_chunks = {}
            t:call("a PASV session", socket.protect(function()
                local f = ftp.open("127.0.0.1", e.h.port)
                f:greet()
                f:login("alice", "secret")
                t:call("pasv", function()
                    local ip, port = f:pasv()
                    return ip, type(port)
                end)
                t:call("receive after PASV", function()
                    return f:receive { path = "hello.txt", sink = ltn12.sink.table(pasv_chunks) }
                end)
                f:quit()
                return f:close()
            end))
            t:rec("received after PASV", table.concat(pasv_chunks))
            e.received("a PASV session")
            -- Active mode: EPRT, then PORT, each in a session of its own.
            local active_chunks = {}
            t:call("an EPRT session", socket.protect(function()
                local f = ftp.open("127.0.0.1", e.h.port)
                f:greet()
                f:login("alice", "secret")
                t:call("eprt", function() return f:eprt(1) end)
                t:call("receive after EPRT", function()
                    return f:receive { path = "hello.txt", sink = ltn12.sink.table(active_chunks) }
                end)
                f:quit()
                return f:close()
            end))
            t:rec("received after EPRT", table.concat(active_chunks))
            e.received("an EPRT session")
            active_chunks = {}
            -- Debian's port() fails on Lua 5.2+ and LuaJIT (math.mod), after
            -- which its receive waits for a connection: not for long.
            ftp.TIMEOUT = 1
            t:call("a PORT session", socket.protect(function()
                local f = ftp.open("127.0.0.1", e.h.port)
                f:greet()
                f:login("alice", "secret")
                t:call("port", function() return f:port() end)
                t:call("receive after PORT", function()
                    return f:receive { path = "sub/nested.txt", sink = ltn12.sink.table(active_chunks) }
                end)
                f:quit()
                return f:close()
            end))
            ftp.TIMEOUT = 5
            t:rec("received after PORT", table.concat(active_chunks))
            e.received("a PORT session")
            local bad = socket.protect(function()
                local f = ftp.open("127.0.0.1", e.h.port)
                f:greet()
                f:login("alice", "secret")
                t:call("cwd to a missing directory", function() return f:cwd("nowhere") end)
                return f:close()
            end)
            t:call("a failing session", bad)
            t:call("open refused", socket.protect(function()
                local s = assert(socket.bind("127.0.0.1", 0))
                local _, dead = s:getsockname()
                s:close()
                return ftp.open("127.0.0.1", dead)
            end))
            e.received("a failing session")
        end,
    },
    {
        name = "differences",
        run = function(t)
            local e = setup(t)
            local ftp = e.ftp
            e.call("bad type", ftp.get, e.base .. "/hello.txt;type=x")
            e.call("params not a type", ftp.get, e.base .. "/hello.txt;mode=x")
            e.received("bad types")
            e.call("escaped user", ftp.get, "ftp://al%69ce:secret@127.0.0.1:" .. e.h.port .. "/hello.txt")
            e.received("escaped user")
            e.call("escaped password", ftp.get, "ftp://alice:s%65cret@127.0.0.1:" .. e.h.port .. "/hello.txt")
            e.received("escaped password")
            e.call("CR LF in the path", ftp.get, e.base .. "/nothing%0D%0ANOOP")
            -- the server reads what follows the RETR line a little later
            require("socket").sleep(0.3)
            e.received("CR LF in the path")
            local chunks = {}
            e.call("table form with url and type", ftp.get, {
                url = e.base .. "/bin.dat;type=i", sink = ltn12.sink.table(chunks),
            })
            e.received("table form with url and type")
        end,
    },
    {
        name = "server without EPSV",
        run = function(t)
            local e = setup(t, "--no-epsv")
            e.call("get", e.ftp.get, e.base .. "/hello.txt")
            e.call("put", e.ftp.put, "ftp://alice:secret@127.0.0.1:" .. e.h.port .. "/up/x.txt", "data")
            e.received("without EPSV")
        end,
    },
}
