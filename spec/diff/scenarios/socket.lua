-- The socket namespace: constants, skip, try/newtry/protect, choose,
-- gettime/sleep shapes, sources and sinks, bind/connect helpers.

local util = require("diff.util")
local class, kind = util.class, util.kind
local function pair(t, socket) return util.pair(t, socket, { timeout = 1 }) end

local function sorted_keys(t)
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    return table.concat(keys, ",")
end

return {
    {
        name = "constants",
        run = function(t, socket)
            t:rec("_VERSION", socket._VERSION)
            t:rec("_DEBUG", socket._DEBUG)
            t:rec("_SETSIZE", socket._SETSIZE)
            t:rec("_DATAGRAMSIZE", socket._DATAGRAMSIZE)
            t:rec("_SOCKETINVALID", socket._SOCKETINVALID)
            t:rec("BLOCKSIZE", socket.BLOCKSIZE)
        end,
    },
    {
        name = "the namespace's functions",
        run = function(t, socket)
            for _, f in ipairs({ "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "connect", "connect4",
                "connect6", "bind", "select", "sleep", "gettime", "skip", "try", "newtry", "protect",
                "choose", "source", "sink" }) do
                t:rec(f, type(socket[f]))
            end
            t:rec("sourcet", type(socket.sourcet))
            t:rec("sinkt", type(socket.sinkt))
            t:rec("dns", type(socket.dns))
            t:rec("sourcet keys", sorted_keys(socket.sourcet))
            t:rec("sinkt keys", sorted_keys(socket.sinkt))
            t:rec("sourcet default is until-closed", socket.sourcet.default == socket.sourcet["until-closed"])
            t:rec("sinkt default is keep-open", socket.sinkt.default == socket.sinkt["keep-open"])
            t:rec("socket.core is socket", require("socket.core") == socket)
            -- monotime is this library's addition: C has none.
            t:rec("monotime", type(socket.monotime))
        end,
    },
    {
        name = "skip",
        run = function(t, socket)
            t:call("skip(1, a, b, c)", socket.skip, 1, "a", "b", "c")
            t:call("skip(0, a, b)", socket.skip, 0, "a", "b")
            t:call("skip(5, a)", socket.skip, 5, "a")
            t:call("skip('x')", function() return (socket.skip("x")) end)
            t:call("skip(2, nil, nil, c)", function() return socket.skip(2, nil, nil, "c") end)
            t:call("skip('1', a, b)", function() return socket.skip("1", "a", "b") end)
            t:call("skip(3)", function() return socket.skip(3) end)
            t:call("skip()", function() local r = { socket.skip() } return #r end)
        end,
    },
    {
        name = "skip with a fraction",
        run = function(t, socket)
            t:call("skip(1.5, a, b)", function() local r = { socket.skip(1.5, "a", "b") } return r[1], #r end)
        end,
    },
    {
        name = "skip with a negative count",
        run = function(t, socket)
            t:call("skip(-1, a)", function() return socket.skip(-1, "a") end)
        end,
    },
    {
        name = "try and protect",
        run = function(t, socket)
            t:call("try passes everything through", function() return socket.try(1, 2, nil, 4) end)
            t:call("try with true", function() return socket.try(true) end)
            t:call("try with 0 (truthy)", function() return socket.try(0, "x") end)
            t:call("protect returns the results", function()
                return socket.protect(function(a, b) return a + b, "ok" end)(2, 3)
            end)
            t:call("protect catches try(nil, msg)", function()
                return socket.protect(function() socket.try(nil, "boom") return "not reached" end)()
            end)
            t:call("protect catches try(false, msg)", function()
                return socket.protect(function() socket.try(false, "bad", "extra") end)()
            end)
            t:call("protect catches try(nil)", function()
                return socket.protect(function() socket.try(nil) end)()
            end)
            t:call("protect catches try()", function()
                return socket.protect(function() socket.try() end)()
            end)
            t:call("protect catches try(nil, table)", function()
                local v = { code = 7 }
                local a, b = socket.protect(function() socket.try(nil, v) end)()
                return a, b == v
            end)
            t:call("protect catches try(nil, 42)", function()
                return socket.protect(function() socket.try(nil, 42) end)()
            end)
            t:call("a string error is re-raised unchanged", function()
                return socket.protect(function() error("plain", 0) end)()
            end)
            t:call("a string error keeps its position", function()
                local ok, e = pcall(socket.protect(function() error("where") end))
                return ok, type(e), e:match("where$") ~= nil, e:match("^[^:]+:%d+: ") ~= nil
            end)
            t:call("a table error is re-raised unchanged", function()
                local v = {}
                local ok, e = pcall(socket.protect(function() error(v) end))
                return ok, e == v
            end)
            t:call("a nil error is re-raised", function()
                local ok, e = pcall(socket.protect(function() error() end))
                return ok, e
            end)
            t:call("a runtime error is re-raised", function()
                local ok, e = pcall(socket.protect(function() local x = nil; return x.y end))
                return ok, type(e)
            end)
            t:call("protect of a non-function", function()
                local ok, e = pcall(socket.protect(5))
                return ok, type(e)
            end)
            t:call("nested protect", function()
                return socket.protect(function()
                    local a, b = socket.protect(function() socket.try(nil, "inner") end)()
                    socket.try(nil, "outer " .. tostring(a) .. " " .. tostring(b))
                end)()
            end)
        end,
    },
    {
        name = "an uncaught try raises a wrapped value",
        run = function(t, socket)
            t:call("pcall(try, nil, msg)", function()
                local ok, e = pcall(socket.try, nil, "msg")
                return ok, type(e)
            end)
            t:call("the wrapped value's text", function()
                local _, e = pcall(socket.try, nil, "msg")
                if type(e) == "table" then return e[1] end
                return e
            end)
        end,
    },
    {
        name = "newtry runs the finalizer",
        run = function(t, socket)
            local calls = 0
            local try = socket.newtry(function() calls = calls + 1 end)
            t:call("success does not finalize", function() return try(1, "a") end)
            t:rec("calls after success", calls)
            t:call("failure finalizes and protect catches", function()
                return socket.protect(function() try(nil, "failed") end)()
            end)
            t:rec("calls after failure", calls)
            t:call("the finalizer gets no arguments", function()
                local got
                local try2 = socket.newtry(function(...) got = select("#", ...) end)
                socket.protect(function() try2(nil, "x") end)()
                return got
            end)
            t:call("a finalizer error propagates as an ordinary error", function()
                local try3 = socket.newtry(function() error("finalizer broke", 0) end)
                local ok, e = pcall(socket.protect(function() try3(nil, "x") end))
                return ok, e
            end)
            t:call("newtry(nil)", function()
                local try4 = socket.newtry(nil)
                return socket.protect(function() try4(nil, "nil finalizer") end)()
            end)
            t:call("newtry()", function()
                local try5 = socket.newtry()
                return socket.protect(function() try5(false, "no finalizer") end)()
            end)
            t:call("a finalizer that closes a socket", function()
                local s = socket.tcp()
                local try6 = socket.newtry(function() s:close() end)
                local a, b = socket.protect(function() try6(s:connect("127.0.0.1", 0)) end)()
                return a, b, kind(s:getfd())
            end)
        end,
    },
    {
        name = "protect across a coroutine yield",
        run = function(t, socket)
            t:call("yield inside protect", function()
                local p = socket.protect(function(x)
                    local y = coroutine.yield(x + 1)
                    socket.try(y > 10, "too small")
                    return y * 2
                end)
                local co = coroutine.create(function(x) return p(x) end)
                local r1 = { coroutine.resume(co, 1) }
                local r2 = { coroutine.resume(co, 20) }
                return r1[1], r1[2], r2[1], r2[2]
            end)
        end,
    },
    {
        name = "choose",
        run = function(t, socket)
            local f = socket.choose({
                a = function(x, y) return "A", x, y end,
                default = function(x, y) return "D", x, y end,
            })
            t:call("a named key", function() return f("a", 1, 2) end)
            t:call("default for a non-string", function() return f(1, 2) end)
            t:call("default for nil", function() return f(nil, 5) end)
            t:call("default with no arguments", function() return f() end)
            t:call("explicit default", function() return f("default", "x") end)
            t:call("an unknown key", function() return f("zz") end)
            t:call("a table as the name goes to default", function() return f({}, 3) end)
            local g = socket.choose({ only = function() return "only" end })
            t:call("no default: non-string", function() return g(1) end)
            t:call("no default: unknown", function() return g("other") end)
            t:call("only", function() return g("only") end)
            local tab = {}
            local h = socket.choose(tab)
            tab.late = function() return "added later" end
            t:call("entries added after choose", function() return h("late") end)
        end,
    },
    {
        name = "gettime and sleep shapes",
        run = function(t, socket)
            t:call("gettime type", function()
                local n = select("#", socket.gettime())
                local v = socket.gettime()
                return n, type(v), math.type and math.type(v) or "number", v > 1e9
            end)
            t:call("gettime increases", function()
                local a = socket.gettime()
                socket.sleep(0.01)
                return socket.gettime() > a
            end)
            t:call("sleep(0)", function() local r = { socket.sleep(0) } return #r end)
            t:call("sleep(-1)", function() local r = { socket.sleep(-1) } return #r end)
            t:call("sleep(0.001)", function() local r = { socket.sleep(0.001) } return #r end)
            t:call("sleep('0.001')", function() local r = { socket.sleep("0.001") } return #r end)
            t:call("sleep('x')", function() local r = { socket.sleep("x") } return #r end)
            t:call("sleep()", function() local r = { socket.sleep() } return #r end)
            t:call("sleep({})", function() local r = { socket.sleep({}) } return #r end)
        end,
    },
    {
        name = "an error named through pcall",
        run = function(t, socket)
            -- Lua 5.2+ name the function by searching package.loaded, where
            -- it sits as both socket.sleep and socket.core.sleep (one table):
            -- which comes first follows the hash order, in either library.
            t:call("pcall(socket.sleep, 'x')", function()
                local ok, err = pcall(socket.sleep, "x")
                return ok, (tostring(err):gsub("'socket%.core%.", "'socket."))
            end)
        end,
    },
    {
        name = "sources read by length and until closed",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local src = socket.source("by-length", conn, 10)
            t:rec("source type", type(src))
            t:call("source getfd", function() return kind(src:getfd()) end)
            t:call("source dirty", function() return src:dirty() end)
            client:send("0123456789abc")
            t:call("by-length chunk", function() return src() end)
            t:call("by-length done", function() return src() end)
            t:call("by-length done again", function() return src() end)
            local src2 = socket.source("by-length", conn, 10)
            conn:settimeout(0.05)
            t:call("by-length times out", function() return src2() end)
            conn:settimeout(1)
            client:send("defg")
            client:close()
            local all = socket.source("until-closed", conn)
            t:call("until-closed chunk", function() return all() end)
            t:call("until-closed then nil", function() return all() end)
            t:call("until-closed closed the socket", function() return kind(conn:getfd()) end)
            t:call("by-length of 0", function()
                return socket.source("by-length", conn, 0)()
            end)
        end,
    },
    {
        name = "a default source reads until closed",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send(string.rep("x", 3000))
            client:close()
            local src = socket.source(conn)
            t:call("first chunk is BLOCKSIZE", function()
                local c = src()
                return #c
            end)
            t:call("second chunk is the rest", function()
                local c = src()
                return #c
            end)
            t:call("then nil", function() return src() end)
            t:call("a default named source", function()
                return type(socket.source("default", conn))
            end)
            t:call("an unknown source mode", function() return socket.source("bogus", conn) end)
        end,
    },
    {
        name = "an until-closed source that times out",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            conn:settimeout(0.05)
            client:send("tiny")
            local src = socket.source("until-closed", conn)
            t:call("timeout", function() return src() end)
        end,
    },
    {
        name = "sinks keep the socket open or close it",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local keep = socket.sink("keep-open", client)
            t:rec("sink type", type(keep))
            t:call("sink getfd", function() return kind(keep:getfd()) end)
            t:call("sink dirty", function() return keep:dirty() end)
            t:io("keep-open sends", function() return keep("one ") end)
            t:call("keep-open end returns 1", function() return keep(nil) end)
            t:call("socket still open", function() return kind(client:getfd()) end)
            local close = socket.sink("close-when-done", client)
            t:io("close-when-done sends", function() return close("two") end)
            t:call("close-when-done end returns 1", function() return close(nil) end)
            t:call("socket closed", function() return kind(client:getfd()) end)
            t:io("peer got both", function() return conn:receive("*a") end)
            t:io("a sink on a closed socket", function() return keep("three") end)
            t:call("default sink", function()
                local c2, k2 = pair(t, socket)
                local s = socket.sink(c2)
                local r = { s("x") }
                s(nil)
                return r[1], kind(c2:getfd()), (k2:receive(1))
            end)
            t:call("an unknown sink mode", function() return socket.sink("bogus", client) end)
        end,
    },
    {
        name = "sinkt and sourcet take new entries",
        run = function(t, socket)
            socket.sinkt["diff-test"] = function(sock) return function(chunk) return "custom", sock, chunk end end
            t:defer(function() socket.sinkt["diff-test"] = nil end)
            t:call("a custom sink", function() return socket.sink("diff-test", "S")("c") end)
            socket.sourcet["diff-test"] = function(sock, n) return function() return "src", sock, n end end
            t:defer(function() socket.sourcet["diff-test"] = nil end)
            t:call("a custom source", function() return socket.source("diff-test", "S", 3)() end)
        end,
    },
    {
        name = "sources and sinks in select",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local src = t:name(socket.source("by-length", conn, 3), "src")
            local snk = t:name(socket.sink("keep-open", client), "snk")
            t:call("nothing to read", function() return socket.select({ src }, nil, 0) end)
            client:send("abc")
            t:call("readable source, writable sink", function()
                local r, w = socket.select({ src }, { snk }, 1)
                return #r, r[1] == src, #w, w[1] == snk
            end)
            t:call("through ltn12", function()
                local ltn12 = require("ltn12")
                local out = {}
                local ok, e = ltn12.pump.all(src, (ltn12.sink.table(out)))
                return ok, e, table.concat(out)
            end)
        end,
    },
    {
        name = "bind and connect helpers",
        run = function(t, socket)
            t:call("bind *", function()
                local s, e = socket.bind("*", 0)
                if not s then return nil, e end
                local ip = s:getsockname()
                s:close()
                return class(s), ip
            end)
            t:call("bind localhost", function()
                local s, e = socket.bind("localhost", 0)
                if not s then return nil, e end
                local ip = s:getsockname()
                s:close()
                return class(s), ip, s:getfamily()
            end)
            t:call("bind with backlog 1", function()
                local s, e = socket.bind("127.0.0.1", 0, 1)
                if not s then return nil, e end
                s:close()
                return class(s)
            end)
            t:call("bind an unresolvable name", function() return socket.bind("no.such.host.invalid", 0) end)
            t:call("bind a bad port", function() return socket.bind("127.0.0.1", "nope") end)
            t:call("bind a non-local address", function() return socket.bind("192.0.2.1", 0) end)
            t:call("bind in use", function()
                local s = assert(socket.bind("127.0.0.1", 0))
                local _, port = s:getsockname()
                t:port(port)
                local a, b = socket.bind("127.0.0.1", port)
                local reuse = s:getoption("reuseaddr")
                s:close()
                return a, b, reuse
            end)
            t:call("connect", function()
                local s = assert(socket.bind("127.0.0.1", 0))
                local _, port = s:getsockname()
                local c, e = socket.connect("127.0.0.1", port)
                local cls = c and class(c)
                if c then c:close() end
                s:close()
                return cls, e
            end)
            t:call("connect4", function()
                local s = assert(socket.bind("127.0.0.1", 0))
                local _, port = s:getsockname()
                local c, e = socket.connect4("127.0.0.1", port)
                local fam = c and c:getfamily()
                if c then c:close() end
                s:close()
                return fam, e
            end)
            t:call("connect6", function()
                local s = assert(socket.bind("::1", 0))
                local _, port = s:getsockname()
                local c, e = socket.connect6("::1", port)
                local fam = c and c:getfamily()
                if c then c:close() end
                s:close()
                return fam, e
            end)
            t:call("connect with a local port in use", function()
                local s = assert(socket.bind("127.0.0.1", 0))
                local _, port = s:getsockname()
                t:port(port)
                return socket.connect("127.0.0.1", port, "127.0.0.1", port)
            end)
        end,
    },
    {
        name = "more try and protect shapes",
        run = function(t, socket)
            t:call("protect of a function returning nothing", function()
                return select("#", socket.protect(function() end)())
            end)
            t:call("protect passes nils through", function()
                return socket.protect(function() return nil, nil, 3 end)()
            end)
            t:call("try(false, a, b) carries a only", function()
                return socket.protect(function() socket.try(false, "a", "b") end)()
            end)
            t:call("newtry with a non-function finalizer", function()
                local try = socket.newtry(5)
                local ok, e = pcall(socket.protect(function() try(nil, "x") end))
                return ok, type(e)
            end)
            t:call("newtry's finalizer is not called on success", function()
                local n = 0
                local try = socket.newtry(function() n = n + 1 end)
                try(1)
                try("x", nil)
                return n
            end)
            t:call("protect of a table", function()
                local ok, e = pcall(socket.protect({}))
                return ok, type(e)
            end)
            t:call("protect() with no function", function()
                local ok, e = pcall(function() return socket.protect()() end)
                return ok, type(e)
            end)
        end,
    },
    {
        name = "a by-length source when the peer closes early",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            client:send("abc")
            client:close()
            local src = socket.source("by-length", conn, 10)
            t:call("first call", function() return src() end)
            t:call("second call", function() return src() end)
        end,
    },
    {
        name = "a close-when-done sink given an error",
        run = function(t, socket)
            local client, conn = pair(t, socket)
            local snk = socket.sink("close-when-done", client)
            t:io("send", function() return snk("data") end)
            t:call("end with an error", function() return snk(nil, "upstream failed") end)
            t:call("closed", function() return kind(client:getfd()) end)
            t:io("peer reads", function() return conn:receive("*a") end)
        end,
    },
}
