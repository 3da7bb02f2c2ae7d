-- socket.http: string and table forms, methods, bodies both ways (length and
-- chunked), redirects, proxies, authentication, broken responses, timeouts,
-- the low-level API. Each scenario starts its own spec/diff/peers/http_peer.py,
-- which records every request it read (request line, headers, body bytes).
--
-- Normalised in the records: the peer's port (the two runs talk to different
-- peers) and LuaSocket's version in User-Agent ("LuaSocket 3.0.0" in Debian's
-- package, "LuaSocket 3.1.0" in ours, as CONTRACT §2 requires). Request
-- headers are recorded sorted: their order is pairs() order in both
-- libraries, which varies from run to run.
local peer = require("diff.peers.peer")
local ltn12 = require("ltn12")

-- A fresh peer and helpers bound to it.
local function setup(t)
    local http = require("socket.http")
    local h = peer.start(t, "http_peer.py")
    local ports = { h.port }
    local seen = 0
    local env = {
        http = http,
        h = h,
        base = "http://127.0.0.1:" .. h.port,
    }
    http.TIMEOUT = 5
    t:defer(function()
        http.TIMEOUT = 60
        http.PROXY = nil
    end)
    -- Calls http.request(...) and records its normalised results.
    function env.request(label, ...)
        local args = peer.pack(...)
        return t:call(label, function()
            return peer.normall(ports, http.request((table.unpack or unpack)(args, 1, args.n)))
        end)
    end
    -- Like request, for the table form with a table sink: records
    -- the results and the body gathered.
    function env.trequest(label, reqt)
        local body = {}
        reqt.sink = reqt.sink or ltn12.sink.table(body)
        t:call(label, function()
            return peer.normall(ports, http.request(reqt))
        end)
        t:rec(label .. ": body", table.concat(body))
    end
    -- Records the requests the peer read since the last call.
    function env.received(label)
        local list = h.records()
        local out = {}
        for i = seen + 1, #list do
            local r = list[i]
            local hs = {}
            for j, line in ipairs(r.headers) do hs[j] = line end
            table.sort(hs, function(a, b) return a:lower() < b:lower() end)
            local e = { line = r.line, headers = hs, body = r.body }
            if r.raw ~= r.body then e.raw = r.raw end
            out[#out + 1] = peer.norm(e, ports)
        end
        seen = #list
        t:rec(label .. ": server got", out)
    end
    function env.norm(...) return peer.normall(ports, ...) end
    -- A port nothing listens on, normalised in the records.
    function env.dead()
        local s = assert(require("socket").bind("127.0.0.1", 0))
        local _, port = s:getsockname()
        s:close()
        ports[#ports + 1] = port
        t:port(port)
        return port
    end
    return env
end

return {
    {
        name = "module fields",
        run = function(t)
            local http = require("socket.http")
            t:rec("TIMEOUT", http.TIMEOUT)
            t:rec("USERAGENT", peer.norm(http.USERAGENT))
            t:rec("PROXY", http.PROXY)
            t:rec("schemes", type(http.schemes), http.schemes and http.schemes.http.port,
                http.schemes and http.schemes.https.port)
            t:rec("SCHEMES", type(http.SCHEMES))
            t:rec("request", type(http.request), type(http.open), type(http.genericform))
            t:rec("socket.http", require("socket").http == http)
            -- issue 19's opt-in additions; their defaults change nothing
            t:rec("pool, POOL, KEEPALIVE, REQUEST_TIMEOUT", type(http.pool), type(http.POOL), http.KEEPALIVE,
                http.REQUEST_TIMEOUT)
            local reqt = http.genericform("http://h/x")
            t:rec("genericform GET", reqt.url, type(reqt.sink), type(reqt.target), reqt.method, reqt.source,
                reqt.headers)
            reqt = http.genericform("http://h/x", "a=1&b=2")
            t:rec("genericform POST", reqt.url, reqt.method, type(reqt.source), reqt.headers)
            t:rec("sourcet/sinkt http-chunked", type(require("socket").sourcet["http-chunked"]),
                type(require("socket").sinkt["http-chunked"]))
        end,
    },
    {
        name = "GET, string form",
        run = function(t)
            local e = setup(t)
            e.request("GET /echo", e.base .. "/echo")
            e.received("GET /echo")
            e.request("GET a 5000-byte body", e.base .. "/len?n=5000")
            e.request("GET an empty body", e.base .. "/len?n=0")
            e.request("GET with a query", e.base .. "/echo?a=1&b=%20x&c")
            e.request("GET with params", e.base .. "/echo;type=a?q")
            e.request("GET without a path", e.base)
            e.received("query, params, no path")
            e.request("GET a 404", e.base .. "/missing")
            e.request("GET a 500", e.base .. "/status?code=500")
            e.request("GET a 204", e.base .. "/status?code=204")
            e.request("GET a 304", e.base .. "/status?code=304")
            e.request("GET with a fragment", e.base .. "/echo#frag")
            e.received("with a fragment")
            e.request("GET an escaped path", e.base .. "/a%20b/c%2Fd")
            e.received("escaped path")
        end,
    },
    {
        name = "POST, string form",
        run = function(t)
            local e = setup(t)
            e.request("POST a form", e.base .. "/echo", "a=1&b=two")
            e.received("POST a form")
            e.request("POST an empty body", e.base .. "/echo", "")
            e.received("POST an empty body")
            e.request("POST 3000 bytes", e.base .. "/echo", string.rep("0123456789", 300))
            e.received("POST 3000 bytes")
            e.request("POST binary", e.base .. "/echo", "\0\1\2\r\n\255")
            e.received("POST binary")
        end,
    },
    {
        name = "table form",
        run = function(t)
            local e = setup(t)
            e.trequest("GET to a sink", { url = e.base .. "/echo" })
            e.received("GET to a sink")
            e.trequest("HEAD", { url = e.base .. "/echo", method = "HEAD" })
            e.received("HEAD")
            e.trequest("HEAD a 1000-byte body", { url = e.base .. "/len?n=1000", method = "HEAD" })
            e.trequest("DELETE", { url = e.base .. "/echo", method = "DELETE" })
            e.trequest("OPTIONS", { url = e.base .. "/echo", method = "OPTIONS" })
            e.received("DELETE, OPTIONS")
            e.trequest("PUT with content-length", {
                url = e.base .. "/echo", method = "PUT",
                source = ltn12.source.string("put body"),
                headers = { ["content-length"] = 8, ["Content-Type"] = "text/plain" },
            })
            e.received("PUT with content-length")
            e.trequest("POST chunked (no length)", {
                url = e.base .. "/echo", method = "POST",
                source = ltn12.source.string("hello world"),
            })
            e.received("POST chunked")
            local parts = { "first,", "second,", string.rep("x", 300) }
            local i = 0
            e.trequest("POST chunked, three chunks", {
                url = e.base .. "/echo", method = "POST",
                source = function()
                    i = i + 1
                    return parts[i]
                end,
            })
            e.received("POST chunked, three chunks")
            local pieces = { "ab", "", "cde" }
            local k = 0
            e.trequest("POST chunked, an empty chunk in the middle", {
                url = e.base .. "/echo", method = "POST",
                source = function()
                    k = k + 1
                    return pieces[k]
                end,
            })
            e.received("POST chunked, an empty chunk in the middle")
            e.trequest("POST with transfer-encoding given", {
                url = e.base .. "/echo", method = "POST",
                source = ltn12.source.string("abc"),
                headers = { ["transfer-encoding"] = "chunked" },
            })
            e.received("POST with transfer-encoding given")
            e.trequest("custom headers", {
                url = e.base .. "/echo",
                headers = {
                    ["X-Custom"] = "one", ["accept"] = "text/*", ["user-agent"] = "tester/1",
                    ["www-authenticate"] = "x", ["x-lower"] = "two",
                },
            })
            e.received("custom headers")
            e.trequest("a number as a header value", { url = e.base .. "/echo", headers = { ["x-num"] = 5 } })
            e.received("a number as a header value")
            e.http.USERAGENT = "agent/1"
            e.trequest("http.USERAGENT changed", { url = e.base .. "/echo" })
            e.http.USERAGENT = require("socket")._VERSION
            e.received("http.USERAGENT changed")
            local made = 0
            e.trequest("create given", {
                url = e.base .. "/echo",
                create = function()
                    made = made + 1
                    return require("socket").tcp()
                end,
            })
            t:rec("create given: sockets made", made)
            e.trequest("host header overridden", { url = e.base .. "/echo", headers = { host = "example.test" } })
            e.received("host header overridden")
            e.trequest("fields override the url", { url = e.base .. "/nothing", path = "/echo", query = "z=1" })
            e.received("fields override the url")
            e.trequest("uri given", { url = e.base .. "/nothing", uri = "/echo?from=uri" })
            e.received("uri given")
            e.trequest("step pump.all-like", {
                url = e.base .. "/len?n=3000",
                step = ltn12.pump.step,
            })
            local collected = {}
            t:call("a sink that fails", function()
                return e.norm(e.http.request {
                    url = e.base .. "/len?n=100",
                    sink = function(chunk)
                        if chunk then collected[#collected + 1] = chunk end
                        return nil, "sink says no"
                    end,
                })
            end)
            t:call("a source that fails", function()
                return e.norm(e.http.request {
                    url = e.base .. "/echo", method = "POST",
                    source = function() return nil, "source says no" end,
                })
            end)
        end,
    },
    {
        name = "chunked responses",
        run = function(t)
            local e = setup(t)
            e.request("100 bytes in 10", e.base .. "/chunked?n=100&piece=10")
            e.request("5000 bytes in 1000", e.base .. "/chunked?n=5000&piece=1000")
            e.request("one big chunk", e.base .. "/chunked?n=70000&piece=70000")
            e.request("no data", e.base .. "/chunked?n=0")
            e.trequest("HEAD", { url = e.base .. "/chunked?n=100", method = "HEAD" })
            e.request("upper-case size", e.base .. "/raw?case=chunk-upper")
            e.request("identity transfer-encoding", e.base .. "/raw?case=identity")
            e.request("bad chunk size", e.base .. "/raw?case=bad-chunk")
            e.request("closed mid-chunk", e.base .. "/raw?case=mid-chunk")
            e.received("chunked")
            local sock = require("socket")
            t:rec("sinkt http-chunked",
                type(sock.sinkt["http-chunked"]), type(sock.sourcet["http-chunked"]))
        end,
    },
    {
        name = "redirects",
        run = function(t)
            local e = setup(t)
            e.request("302 relative", e.base .. "/redirect?to=/echo")
            e.received("302 relative")
            e.request("301 absolute", e.base .. "/redirect?code=301&to=" .. e.base .. "/len%3Fn%3D7")
            e.request("303", e.base .. "/redirect?code=303&to=/echo")
            e.request("307", e.base .. "/redirect?code=307&to=/echo")
            e.request("308 is not followed", e.base .. "/redirect?code=308&to=/echo")
            e.request("300 is not followed", e.base .. "/redirect?code=300&to=/echo")
            e.received("301, 303, 307, 308, 300")
            e.request("a loop ends after 5", e.base .. "/loop")
            e.received("a loop")
            e.trequest("hops within maxredirects", { url = e.base .. "/hops?n=2", maxredirects = 2 })
            e.trequest("hops past maxredirects", { url = e.base .. "/hops?n=3", maxredirects = 2 })
            e.trequest("maxredirects false", { url = e.base .. "/hops?n=7", maxredirects = false })
            e.trequest("redirect = false", { url = e.base .. "/hops?n=1", redirect = false })
            e.received("hops")
            e.request("POST is not redirected", e.base .. "/redirect?to=/echo", "x=1")
            e.received("POST is not redirected")
            e.trequest("HEAD redirected", { url = e.base .. "/redirect?to=/echo", method = "HEAD" })
            e.received("HEAD redirected")
            e.request("to an unknown scheme", e.base .. "/redirect?to=gopher://h/x")
            e.request("empty location", e.base .. "/redirect?to=")
            e.received("unknown scheme, empty location")
            e.request("to a dead port", e.base .. "/redirect?to=http://127.0.0.1:" .. e.dead() .. "/x")
            e.trequest("headers carried across", {
                url = e.base .. "/redirect?to=/echo", headers = { ["x-carry"] = "yes" },
            })
            e.received("headers carried across")
        end,
    },
    {
        name = "authentication and proxies",
        run = function(t)
            local e = setup(t)
            local hostport = "127.0.0.1:" .. e.h.port
            e.request("no credentials", e.base .. "/auth")
            e.request("basic from the url", "http://user:p%40ss%20word@" .. hostport .. "/auth")
            e.request("wrong password", "http://user:nope@" .. hostport .. "/auth")
            e.request("user without password", "http://user@" .. hostport .. "/auth")
            e.received("auth")
            e.request("escaped user name", "http://us%65r:p%40ss%20word@" .. hostport .. "/auth")
            e.received("escaped user name")
            e.trequest("user and password fields", {
                url = e.base .. "/auth", user = "user", password = "p@ss word",
            })
            e.received("user and password fields")
            e.trequest("through a proxy", { url = "http://example.test/echo?q=1", proxy = e.base })
            e.received("through a proxy")
            e.trequest("proxy with credentials", {
                url = "http://example.test:8080/echo", proxy = "http://pu:pp@" .. hostport,
            })
            e.received("proxy with credentials")
            e.http.PROXY = e.base
            e.request("http.PROXY", "http://example.test/echo")
            e.http.PROXY = nil
            e.received("http.PROXY")
        end,
    },
    {
        name = "odd responses",
        run = function(t)
            local e = setup(t)
            e.request("HTTP/0.9 (no status line)", e.base .. "/raw?case=http09")
            e.request("bad status line", e.base .. "/raw?case=bad-status")
            e.request("bad version", e.base .. "/raw?case=bad-version")
            e.request("two bytes then close", e.base .. "/raw?case=short")
            e.request("nothing then close", e.base .. "/raw?case=empty")
            e.request("header without colon", e.base .. "/raw?case=bad-header")
            e.request("closed mid-headers", e.base .. "/raw?case=mid-headers")
            e.request("closed mid-body", e.base .. "/raw?case=mid-body")
            e.request("folded header", e.base .. "/raw?case=folded")
            e.request("repeated headers", e.base .. "/raw?case=repeated")
            e.request("body until close", e.base .. "/raw?case=until-close")
            e.request("LF-only lines", e.base .. "/raw?case=lf-only")
            e.request("no reason phrase", e.base .. "/raw?case=no-reason")
            e.request("HTTP/1.0 301 without location", e.base .. "/raw?case=http10")
            e.request("header spacing", e.base .. "/raw?case=spaces")
            e.request("empty header value", e.base .. "/raw?case=empty-value")
            e.request("more bytes than content-length", e.base .. "/raw?case=length-and-close")
            e.request("100 Continue skipped", e.base .. "/continue")
            e.request("103 Early Hints", e.base .. "/interim")
            e.trequest("closed without an answer", { url = e.base .. "/close" })
        end,
    },
    {
        name = "errors and timeouts",
        run = function(t)
            local e = setup(t)
            e.request("connection refused", "http://127.0.0.1:" .. e.dead() .. "/")
            e.request("no host", "http:///path")
            e.request("empty url", "")
            e.request("unknown scheme", "gopher://127.0.0.1/")
            e.trequest("table without url or host", { path = "/x" })
            e.http.TIMEOUT = 0.3
            e.request("slow status line times out", e.base .. "/slow?secs=2")
            e.request("stalled body times out", e.base .. "/stall?secs=2")
            e.trequest("stalled body, table form", { url = e.base .. "/stall?secs=2" })
            e.http.TIMEOUT = 5
            e.received("timeouts")
            e.request("CR LF in the url", e.base .. "/echo\r\nX-Injected: 1")
            e.trequest("CR LF in a header value", {
                url = e.base .. "/echo", headers = { ["x-bad"] = "a\r\nX-Evil: 1" },
            })
            e.received("CR LF")
        end,
    },
    {
        name = "low-level API",
        run = function(t)
            local e = setup(t)
            local http = e.http
            local socket = require("socket")
            local get = socket.protect(function()
                -- Debian's open needs `create` (it calls it unchecked).
                local c = http.open("127.0.0.1", e.h.port, socket.tcp)
                t:rec("open", type(c), type(c.try))
                t:call("sendrequestline", function()
                    local n = c:sendrequestline("GET", "/len?n=12")
                    return n
                end)
                t:call("sendheaders", function()
                    return c:sendheaders({ host = "low.test", ["x-one"] = "1", connection = "close" })
                end)
                t:call("receivestatusline", function() return c:receivestatusline() end)
                local headers = t:call("receiveheaders", function() return c:receiveheaders() end)
                local body = {}
                t:call("receivebody", function() return c:receivebody(headers, (ltn12.sink.table(body))) end)
                t:rec("body", table.concat(body))
                t:call("close", function() return c:close() end)
                return "done"
            end)
            t:call("protected sequence", get)
            e.received("low-level")
            local refused = socket.protect(function()
                return http.open("127.0.0.1", e.dead(), socket.tcp)
            end)
            t:call("open refused", refused)
            local post = socket.protect(function()
                local c = http.open("127.0.0.1", e.h.port, socket.tcp)
                c:sendrequestline("POST", "/echo")
                c:sendheaders({ ["content-length"] = "5" })
                t:call("sendbody with length", function()
                    return c:sendbody({ ["content-length"] = "5" }, ltn12.source.string("12345"))
                end)
                local code, status = c:receivestatusline()
                c:close()
                return code, status
            end)
            t:call("POST by hand", post)
            local chunked = socket.protect(function()
                local c = http.open("127.0.0.1", e.h.port, socket.tcp)
                c:sendrequestline("POST", "/echo")
                c:sendheaders({ ["transfer-encoding"] = "chunked" })
                t:call("sendbody chunked", function()
                    return c:sendbody({}, ltn12.source.string("chunky"))
                end)
                local code = c:receivestatusline()
                c:close()
                return code
            end)
            t:call("chunked POST by hand", chunked)
            e.received("by hand")
        end,
    },
}
