-- socket.select: readable and writable sets with both [i] = sock and
-- [sock] = i, dirty sockets first, closed and non-socket entries ignored,
-- empty sets with a timeout, argument errors.

local util = require("diff.util")
local function pair(t, socket, suffix) return util.pair(t, socket, { suffix = suffix }) end

-- The results of select, with the sets listed in their [i] order and the
-- [sock] = i entries checked against it.
local function shaped(r, w, e)
    local function list(set)
        if type(set) ~= "table" then return set end
        local out = {}
        for i, s in ipairs(set) do
            out[i] = s
            if set[s] ~= i then out[i] = "missing [sock] = i" end
        end
        local n = 0
        for _ in pairs(set) do n = n + 1 end
        out.n = n
        return out
    end
    return list(r), list(w), e
end

return {
    {
        name = "readable and writable sets have both shapes",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            t:call("nothing to read, timeout 0", function() return socket.select({ conn }, nil, 0) end)
            t:call("writable at once", function() return socket.select(nil, { client }, 1) end)
            client:send("data\n")
            t:call("readable and writable", function() return socket.select({ conn }, { client }, 1) end)
            t:call("the [sock] = i value", function()
                local r = socket.select({ conn }, nil, 1)
                return r[conn], r[1] == conn, #r
            end)
            t:call("both sets hold the same socket", function()
                return socket.select({ conn }, { conn }, 1)
            end)
            t:call("a socket listed twice comes back once", function()
                return shaped(socket.select({ conn, conn }, nil, 1))
            end)
            conn:receive()
            t:call("drained, times out", function() return socket.select({ conn }, nil, 0.01) end)
        end,
    },
    {
        name = "empty sets with a timeout",
        run = function(t, socket)
            t:call("{} {} 0", function() return socket.select({}, {}, 0) end)
            t:call("nil nil 0.01", function() return socket.select(nil, nil, 0.01) end)
            t:call("{} nil 0", function() return socket.select({}, nil, 0) end)
            t:call("nil {} 0", function() return socket.select(nil, {}, 0) end)
            t:call("timeout as a string", function() return socket.select({}, {}, "0") end)
            t:call("negative timeout with a writable socket", function()
                local c = pair(t, socket)
                return shaped(socket.select(nil, { c }, -1))
            end)
            t:call("nil timeout with a writable socket", function()
                local c = pair(t, socket, "2")
                return shaped(socket.select(nil, { c }))
            end)
        end,
    },
    {
        name = "dirty sockets come first without waiting",
        run = function(t, socket)
            local c1, conn1 = pair(t, socket, "1")
            local c2, conn2 = pair(t, socket, "2")
            c1:send("a\nb\n")
            t:io("read one line", function() return conn1:receive() end)
            t:call("dirty", function() return conn1:dirty() end)
            c2:send("x")
            t:call("select sees both", function() return shaped(socket.select({ conn2, conn1 }, nil, 1)) end)
            t:call("dirty alone", function() return shaped(socket.select({ conn1 }, nil, 5)) end)
            t:call("dirty with a writable", function() return shaped(socket.select({ conn1 }, { c1 }, 5)) end)
            t:io("read the other line", function() return conn1:receive() end)
            t:call("no longer dirty", function() return conn1:dirty() end)
            t:call("select sees only the ready one", function()
                return shaped(socket.select({ conn1, conn2 }, nil, 1))
            end)
        end,
    },
    {
        name = "readable order follows the descriptors",
        run = function(t, socket)
            local c1, conn1 = pair(t, socket, "1")
            local c2, conn2 = pair(t, socket, "2")
            local c3, conn3 = pair(t, socket, "3")
            c1:send("1")
            c2:send("2")
            c3:send("3")
            t:call("given in reverse", function()
                return shaped(socket.select({ conn3, conn2, conn1 }, nil, 1))
            end)
            t:call("all writable given in reverse", function()
                return shaped(socket.select(nil, { c3, c2, c1 }, 1))
            end)
        end,
    },
    {
        name = "closed sockets and entries without getfd are ignored",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send("ready")
            local closed = t:name(socket.tcp(), "closed")
            closed:close()
            t:call("a closed socket alone", function() return socket.select({ closed }, { closed }, 0) end)
            t:call("a closed socket beside a ready one", function()
                return shaped(socket.select({ closed, conn }, nil, 1))
            end)
            t:call("a string entry", function() return shaped(socket.select({ "x", conn }, nil, 1)) end)
            t:call("a plain table entry", function() return shaped(socket.select({ {}, conn }, nil, 1)) end)
            t:call("a getfd returning -1", function()
                local fake = { getfd = function() return -1 end, dirty = function() return false end }
                return shaped(socket.select({ fake, conn }, nil, 1))
            end)
            t:call("a getfd returning a word", function()
                local fake = { getfd = function() return "none" end, dirty = function() return false end }
                return shaped(socket.select({ fake, conn }, nil, 1))
            end)
            t:call("a getfd returning nil", function()
                local fake = { getfd = function() return nil end }
                return shaped(socket.select({ fake, conn }, nil, 1))
            end)
            t:call("a hole ends the set", function()
                return shaped(socket.select({ closed, nil, conn }, nil, 0))
            end)
            t:call("a master socket (no descriptor yet)", function()
                local m = socket.tcp()
                local r, w, e = socket.select({ m }, { m }, 0)
                m:close()
                return r, w, e
            end)
            t:call("a socket after setfd(-1)", function()
                local c, k = pair(t, socket, "x")
                c:send("y")
                local fd = k:getfd()
                k:setfd(-1)
                local r, w, e = socket.select({ k }, nil, 0.01)
                k:setfd(fd)
                return r, w, e
            end)
        end,
    },
    {
        name = "a wrapper object with getfd and dirty",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local wrapper = t:name(setmetatable({}, {
                __index = {
                    getfd = function() return conn:getfd() end,
                    dirty = function() return conn:dirty() end,
                },
                __tostring = function() return "wrapper: 0x1" end,
            }), "wrapper")
            t:call("not ready", function() return socket.select({ wrapper }, nil, 0) end)
            client:send("z")
            t:call("ready", function() return shaped(socket.select({ wrapper }, nil, 1)) end)
            t:call("the wrapper is the key", function()
                local r = socket.select({ wrapper }, nil, 1)
                return r[wrapper], r[conn]
            end)
            local dirty_fake = t:name(setmetatable({}, {
                __index = {
                    getfd = function() return client:getfd() end,
                    dirty = function() return true end,
                },
                __tostring = function() return "dirtyfake: 0x2" end,
            }), "dirtyfake")
            t:call("a fake that says dirty", function() return shaped(socket.select({ dirty_fake }, nil, 5)) end)
            t:call("a dirty fake with fd -1", function()
                local f = { getfd = function() return -1 end, dirty = function() return true end }
                return socket.select({ f }, nil, 0)
            end)
            t:call("getfd raises", function()
                local f = { getfd = function() error("boom", 0) end }
                return socket.select({ f }, nil, 0)
            end)
            t:call("dirty raises", function()
                local f = { getfd = function() return conn:getfd() end, dirty = function() error("bang", 0) end }
                return socket.select({ f }, nil, 0)
            end)
            t:call("getfd is not a function", function()
                local f = { getfd = 5 }
                return socket.select({ f }, nil, 0)
            end)
        end,
    },
    {
        name = "select argument errors",
        run = function(t, socket)
            t:call("recvt a number", function() return socket.select(5, nil, 0) end)
            t:call("sendt a string", function() return socket.select(nil, "x", 0) end)
            t:call("timeout a table", function() return socket.select(nil, nil, {}) end)
            t:call("timeout a word", function() return socket.select(nil, nil, "soon") end)
            t:call("a number entry", function() return socket.select({ 5 }, nil, 0) end)
            t:call("a boolean entry", function() return socket.select({ true }, nil, 0) end)
        end,
    },
    {
        name = "a socket numbered beyond FD_SETSIZE",
        run = function(t, socket)
            -- open sockets until one's descriptor is 1024 or more
            local all = {}
            t:defer(function() for _, u in ipairs(all) do u:close() end end)
            local high
            for _ = 1, 1100 do
                local u = assert(socket.udp4())
                all[#all + 1] = u
                if u:getfd() >= 1024 then high = u break end
            end
            t:name(high, "high")
            t:call("bind it", function() return high:setsockname("127.0.0.1", 0) end)
            local _, port = high:getsockname()
            local peer = socket.udp()
            all[#all + 1] = peer
            peer:sendto("hi", "127.0.0.1", port)
            t:call("select", function() return shaped(socket.select({ high }, nil, 1)) end)
        end,
    },
    {
        name = "an entry whose descriptor is not open",
        run = function(t, socket)
            -- the number of a descriptor just closed
            local s = assert(socket.udp4())
            local fd = s:getfd()
            s:close()
            local f = { getfd = function() return fd end, dirty = function() return false end }
            t:call("select", function() return socket.select({ f }, nil, 0) end)
        end,
    },
    {
        name = "servers, closed peers and udp in select",
        run = function(t, socket)
            local server = t:name(assert(socket.bind("127.0.0.1", 0)), "server")
            t:defer(function() server:close() end)
            local _, port = server:getsockname()
            t:call("idle server", function() return socket.select({ server }, nil, 0) end)
            local c = t:name(socket.tcp(), "c")
            t:defer(function() c:close() end)
            c:settimeout(2)
            c:connect("127.0.0.1", port)
            t:call("server with a pending client", function() return shaped(socket.select({ server }, nil, 1)) end)
            server:settimeout(1)
            local a = t:name(server:accept(), "a")
            t:defer(function() a:close() end)
            c:close()
            t:call("a peer that closed reads as readable", function()
                return shaped(socket.select({ a }, nil, 1))
            end)
            t:io("and receive says closed", function() return a:receive() end)
            local u1 = t:name(socket.udp(), "u1")
            t:defer(function() u1:close() end)
            u1:setsockname("127.0.0.1", 0)
            local _, uport = u1:getsockname()
            local u2 = t:name(socket.udp(), "u2")
            t:defer(function() u2:close() end)
            t:call("idle udp", function() return socket.select({ u1 }, nil, 0) end)
            u2:sendto("d", "127.0.0.1", uport)
            t:call("udp with a datagram", function() return shaped(socket.select({ u1 }, { u2 }, 1)) end)
        end,
    },
    {
        name = "unix sockets in select",
        run = function(t)
            local socket = require("socket")
            local unix = require("socket.unix")
            local p = assert(io.popen("mktemp -d /tmp/lsdiff.XXXXXX"))
            local dir = p:read("*l")
            p:close()
            t:defer(function() os.execute("rm -rf '" .. dir .. "'") end)
            local server = t:name(unix.stream(), "server")
            t:defer(function() server:close() end)
            server:bind(dir .. "/s")
            server:listen()
            local c = t:name(unix.stream(), "c")
            t:defer(function() c:close() end)
            c:settimeout(1)
            c:connect(dir .. "/s")
            t:call("server readable", function() return shaped(socket.select({ server }, nil, 1)) end)
            server:settimeout(1)
            local a = t:name(server:accept(), "a")
            t:defer(function() a:close() end)
            t:call("client writable", function() return shaped(socket.select({ a }, { c }, 0.01)) end)
            c:send("u\n")
            t:call("accepted readable", function() return shaped(socket.select({ a }, nil, 1)) end)
            local d = t:name(unix.dgram(), "d")
            t:defer(function() d:close() end)
            t:call("idle dgram", function() return socket.select({ d }, nil, 0) end)
        end,
    },
    {
        name = "dirty and duplicate entries",
        run = function(t, socket)
            local c1, conn1 = pair(t, socket, "1")
            local c2, conn2 = pair(t, socket, "2")
            local c3, conn3 = pair(t, socket, "3")
            c2:send("a\nb\n")
            conn2:receive()
            c1:send("x")
            c3:send("y")
            t:call("the dirty one first, then by descriptor", function()
                return shaped(socket.select({ conn3, conn2, conn1 }, nil, 1))
            end)
            t:call("a dirty socket only in sendt", function()
                return shaped(socket.select(nil, { conn2 }, 1))
            end)
            t:call("a dirty socket in both sets", function()
                return shaped(socket.select({ conn2 }, { conn2 }, 1))
            end)
            local wrapper = t:name(setmetatable({}, {
                __index = {
                    getfd = function() return conn1:getfd() end,
                    dirty = function() return false end,
                },
                __tostring = function() return "wrapper: 0x3" end,
            }), "wrapper")
            t:call("a socket and a wrapper of the same descriptor", function()
                return shaped(socket.select({ conn1, wrapper }, nil, 1))
            end)
            t:call("the wrapper first, then the socket", function()
                return shaped(socket.select({ wrapper, conn1 }, nil, 1))
            end)
            t:call("writable: a socket and a wrapper of the same descriptor", function()
                return shaped(socket.select(nil, { conn1, wrapper }, 1))
            end)
        end,
    },
}
