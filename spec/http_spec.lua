-- socket.http against real servers on loopback ports, started in setup and
-- stopped in teardown: Python's http.server (spec/fixtures/http_server.py:
-- echo, chunked, redirect, auth and broken-response endpoints), nginx
-- (static files, SSI chunked responses, redirects, basic auth, WebDAV PUT,
-- a proxied upstream, TLS) and `openssl s_server` (HTTPS through LuaSec,
-- with certificates made by the spec). A server that is not installed makes
-- its block fail, never skip.
local socket = require("socket")
local http = require("socket.http")
local ltn12 = require("ltn12")
local mime = require("mime")
local httpd = require("fixtures.httpd")

-- The bytes /chunked?size=N sends.
local function pattern(n)
    local alphabet = "abcdefghijklmnopqrstuvwxyz"
    return (alphabet:rep(math.floor(n / 26) + 1)):sub(1, n)
end

-- Deterministic binary data.
local bytes = require("support.proc").bytes

-- Parses what /echo returns.
local function parse_echo(body)
    assert.is_string(body)
    local head, rest = body:match("^(.-)\n\n(.*)$")
    assert.is_truthy(head, "not an echo: " .. body)
    local e = { headers = {}, names = {}, body = rest }
    for line in (head .. "\n"):gmatch("(.-)\n") do
        local k, v = line:match("^(%w[%w-]*): (.*)$")
        if k == "header" then
            local name, value = v:match("^(.-): (.*)$")
            e.names[#e.names + 1] = name
            e.headers[name:lower()] = value
        elseif k == "method" then
            e.method = v
        elseif k == "target" then
            e.target = v
        elseif k == "body-length" then
            e.length = tonumber(v)
        end
    end
    return e
end

-- A `create` hook that fails the spec if the request ever connects.
local function no_connect()
    error("the request should not have been sent", 0)
end

describe("socket.http", function()
    local dir, www, py, ngx, certs, good, wrong, selfsigned
    local timeout = http.TIMEOUT
    local hello = "hello from nginx\n"
    local data = bytes(3 * 1024 * 1024 + 17, 7)
    local function pyurl(path) return "http://127.0.0.1:" .. py.port .. path end
    local function ngxurl(path) return "http://127.0.0.1:" .. ngx.port .. path end

    setup(function()
        dir = httpd.tmpdir()
        www = dir .. "/www"
        httpd.run("mkdir -p " .. httpd.quote(www))
        httpd.write_file(www .. "/hello.txt", hello)
        httpd.write_file(www .. "/data.bin", data)
        httpd.write_file(www .. "/ssi.html", '<!--# set var="v" value="spec" -->[<!--# echo var="v" -->]\n')
        httpd.write_file(www .. "/big-ssi.html", pattern(300000) .. '<!--# echo var="uri" -->\n')
        certs = httpd.certs(dir)
        py = httpd.python(www)
        ngx = httpd.nginx(dir, { upstream = py.port, cert = certs.good })
        good = httpd.s_server(www, certs.good)
        wrong = httpd.s_server(www, certs.wrong)
        selfsigned = httpd.s_server(www, certs.self)
        http.TIMEOUT = 10
    end)

    teardown(function()
        http.TIMEOUT = timeout
        for _, server in ipairs { py, ngx, good, wrong, selfsigned } do
            if server then server.stop() end
        end
        httpd.rmdir(dir)
    end)

    describe("module", function()
        it("has LuaSocket's constants and tables", function()
            assert.are.equal(60, timeout)
            assert.are.equal(socket._VERSION, http.USERAGENT)
            assert.is_nil(http.PROXY)
            assert.are.equal(80, http.SCHEMES.http.port)
            assert.are.equal(443, http.SCHEMES.https.port)
            assert.are.equal(http.SCHEMES, http.schemes)
            assert.are.equal(http, socket.http)
            assert.is_function(http.request)
            assert.is_function(http.open)
            assert.is_function(http.genericform)
        end)

        it("adds http-chunked to socket.sourcet and socket.sinkt", function()
            assert.is_function(socket.sourcet["http-chunked"])
            assert.is_function(socket.sinkt["http-chunked"])
        end)
    end)

    describe("chunked sources and sinks", function()
        local net = require("support.net")

        it("socket.sink('http-chunked') writes the chunked coding", function()
            local a, b, s = net.tcp_pair()
            finally(function() net.close(a, b, s) end)
            local sink = socket.sink("http-chunked", a)
            assert.is_truthy(sink("hello"))
            assert.is_truthy(sink(""))
            assert.is_truthy(sink(string.rep("x", 300)))
            assert.is_truthy(sink(nil))
            local expected = "5\r\nhello\r\n12C\r\n" .. string.rep("x", 300) .. "\r\n0\r\n\r\n"
            assert.are.equal(expected, b:receive(#expected))
        end)

        it("socket.source('http-chunked') reads it back, trailers into the table", function()
            local a, b, s = net.tcp_pair()
            finally(function() net.close(a, b, s) end)
            a:send("3;x=y\r\nabc\r\n0a\r\n0123456789\r\n0\r\nX-Sum: 13\r\n\r\n")
            local trailers = {}
            local got = {}
            assert.is_truthy(ltn12.pump.all(socket.source("http-chunked", b, trailers), (ltn12.sink.table(got))))
            assert.are.equal("abc0123456789", table.concat(got))
            assert.are.equal("13", trailers["x-sum"])
        end)

        it("socket.source('http-chunked') refuses a bad chunk size", function()
            local a, b, s = net.tcp_pair()
            finally(function() net.close(a, b, s) end)
            a:send("xyz\r\n")
            local src = socket.source("http-chunked", b)
            assert.are.same({ nil, "invalid chunk size" }, { src() })
        end)
    end)

    describe("request(url [, body]) against Python's http.server", function()
        it("GETs a file: body, code, headers, status", function()
            local body, code, headers, status = http.request(pyurl("/hello.txt"))
            assert.are.equal(hello, body)
            assert.are.equal(200, code)
            assert.are.equal(tostring(#hello), headers["content-length"])
            assert.are.equal("HTTP/1.1 200 OK", status)
        end)

        it("returns the body of an error response with its code", function()
            local body, code, _, status = http.request(pyurl("/missing.txt"))
            assert.are.equal(404, code)
            assert.is_truthy(body:find("404", 1, true))
            assert.are.equal("HTTP/1.1 404 File not found", status)
        end)

        it("sends LuaSocket's default headers, canonically capitalised", function()
            local e = parse_echo(http.request(pyurl("/echo?a=1&b=%20")))
            assert.are.equal("GET", e.method)
            assert.are.equal("/echo?a=1&b=%20", e.target)
            assert.are.equal(http.USERAGENT, e.headers["user-agent"])
            assert.are.equal("127.0.0.1:" .. py.port, e.headers["host"])
            assert.are.equal("close, TE", e.headers["connection"])
            assert.are.equal("trailers", e.headers["te"])
            table.sort(e.names)
            assert.are.same({ "Connection", "Host", "TE", "User-Agent" }, e.names)
        end)

        it("does not send the URL's fragment", function()
            local e = parse_echo(http.request(pyurl("/echo?q#frag")))
            assert.are.equal("/echo?q", e.target)
        end)

        it("POSTs a body as a form", function()
            local body, code = http.request(pyurl("/echo"), "a=1&b=2")
            assert.are.equal(200, code)
            local e = parse_echo(body)
            assert.are.equal("POST", e.method)
            assert.are.equal("application/x-www-form-urlencoded", e.headers["content-type"])
            assert.are.equal("7", e.headers["content-length"])
            assert.is_nil(e.headers["transfer-encoding"])
            assert.are.equal("a=1&b=2", e.body)
        end)

        it("sends basic authentication from the URL, unescaped", function()
            local body, code = http.request("http://user:p%40ss%20word@127.0.0.1:" .. py.port .. "/auth")
            assert.are.equal(200, code)
            assert.are.equal("welcome user", body)
            local e = parse_echo(http.request("http://us%3Aer:pw@127.0.0.1:" .. py.port .. "/echo"))
            assert.are.equal("Basic " .. mime.b64("us:er:pw"), e.headers["authorization"])
        end)

        it("gets 401 with a wrong password", function()
            local body, code = http.request("http://user:nope@127.0.0.1:" .. py.port .. "/auth")
            assert.are.equal(401, code)
            assert.are.equal("who are you?", body)
        end)

        it("reads a chunked response, chunk extensions and trailers included", function()
            local body, code, headers = http.request(pyurl("/chunked?size=100000&piece=777"))
            assert.are.equal(200, code)
            assert.are.equal("chunked", headers["transfer-encoding"])
            assert.are.equal(pattern(100000), body)
        end)

        it("reads a body delimited by the end of the connection", function()
            local body, code, _, status = http.request(pyurl("/raw?case=until-close"))
            assert.are.equal(200, code)
            assert.are.equal("HTTP/1.0 200 OK", status)
            assert.are.equal("read me to the end\n", body)
        end)

        it("accepts LF-only line ends", function()
            local body, code, headers = http.request(pyurl("/raw?case=lf-only"))
            assert.are.equal(200, code)
            assert.are.equal("yes", headers["x-lf"])
            assert.are.equal("hello", body)
        end)

        it("unfolds folded headers and joins repeated ones", function()
            local _, code, headers = http.request(pyurl("/raw?case=folded"))
            assert.are.equal(200, code)
            assert.are.equal("one  two\tthree", headers["x-folded"])
            _, code, headers = http.request(pyurl("/raw?case=repeated"))
            assert.are.equal(200, code)
            assert.are.equal("a=1, b=2", headers["set-cookie"])
            assert.are.equal("1", headers["x-one"])
        end)

        -- Heads read from our own sockets go through one native call; from
        -- any other object (here a table forwarding to a socket, as a
        -- wrapper library's would), through the Lua loop. Both must give
        -- the same answer, errors included.
        it("reads a head the same from our sockets and from any other object", function()
            local function forwarding()
                local s = socket.tcp()
                return setmetatable({}, { __index = function(_, name)
                    local f = s[name]
                    return function(_, ...) return f(s, ...) end
                end })
            end
            local cases = { "folded", "repeated", "lf-only", "spacing", "bad-header", "mid-headers",
                "until-close", "endless-headers", "endless-fold", "endless-line" }
            for _, case in ipairs(cases) do
                local results = {}
                for i, create in ipairs({ socket.tcp, forwarding }) do
                    local t = {}
                    local r = { http.request { url = pyurl("/raw?case=" .. case), create = create,
                        headerlist = true, sink = ltn12.sink.table(t) } }
                    r.body = table.concat(t)
                    results[i] = r
                end
                assert.are.same(results[1], results[2], case)
            end
            -- and the answers are the expected ones, not merely equal
            local _, code, headers, _, list = http.request { url = pyurl("/raw?case=repeated"), create = forwarding,
                headerlist = true }
            assert.are.equal(200, code)
            assert.are.equal("a=1, b=2", headers["set-cookie"])
            assert.are.same({ "Set-Cookie", "a=1" }, list[1])
            assert.are.same({ "set-cookie", "b=2" }, list[2])
            local r = { http.request { url = pyurl("/raw?case=endless-fold"), create = forwarding } }
            assert.are.same({ nil, "oversized" }, r)
        end)

        it("drops the white space between colon and value, and only that", function()
            local _, code, headers = http.request(pyurl("/raw?case=spacing"))
            assert.are.equal(200, code)
            assert.are.same({ "v", "v", "v", "v", "v", "", "", "a: b", "v  " }, {
                headers["x-a"], headers["x-b"], headers["x-c"], headers["x-d"], headers["x-e"],
                headers["x-f"], headers["x-g"], headers["x-h"], headers["x-i"],
            })
        end)

        it("reads to the end when Content-Length is not a decimal number", function()
            local body, code = http.request(pyurl("/raw?case=bad-length"))
            assert.are.equal(200, code)
            assert.are.equal("read to the end", body)
        end)

        it("skips 100 Continue and other interim responses", function()
            local body, code, _, status = http.request(pyurl("/interim"))
            assert.are.equal(200, code)
            assert.are.equal("final", body)
            assert.are.equal("HTTP/1.1 200 OK", status)
        end)

        it("reads no body for 204 and 304", function()
            for _, c in ipairs { 204, 304 } do
                local body, code = http.request(pyurl("/status?code=" .. c))
                assert.are.equal(c, code)
                assert.are.equal("", body)
            end
            -- a 204 claiming a length: reading it would fail with "closed"
            local body, code = http.request(pyurl("/raw?case=head-body"))
            assert.are.equal(204, code)
            assert.are.equal("", body)
        end)

        it("reads a response without a status line as HTTP/0.9", function()
            local body, code, headers = http.request(pyurl("/raw?case=http09"))
            assert.are.equal(200, code)
            assert.is_nil(headers)
            assert.are.equal("no status line, just a body\n", body)
        end)
    end)

    describe("request{...} against Python's http.server", function()
        it("returns 1, code, headers, status and fills the sink", function()
            local t = {}
            local r, code, headers, status = http.request { url = pyurl("/hello.txt"), sink = ltn12.sink.table(t) }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            assert.are.equal("text/plain", headers["content-type"])
            assert.are.equal("HTTP/1.1 200 OK", status)
            assert.are.equal(hello, table.concat(t))
        end)

        it("sends a source of unknown length chunked", function()
            local t = {}
            local parts = { "first,", "", "second,", string.rep("z", 100000) }
            local r, code = http.request {
                url = pyurl("/echo"),
                method = "PUT",
                source = ltn12.source.table(parts),
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            local e = parse_echo(table.concat(t))
            assert.are.equal("PUT", e.method)
            assert.are.equal("chunked", e.headers["transfer-encoding"])
            assert.is_nil(e.headers["content-length"])
            assert.are.equal(table.concat(parts), e.body)
        end)

        it("sends a source as it is when Content-Length is given", function()
            local t = {}
            local r = http.request {
                url = pyurl("/echo"),
                method = "POST",
                headers = { ["Content-Length"] = 11, ["X-Extra"] = "yes" },
                source = ltn12.source.string("hello world"),
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(1, r)
            local e = parse_echo(table.concat(t))
            assert.are.equal("11", e.headers["content-length"])
            assert.is_nil(e.headers["transfer-encoding"])
            assert.are.equal("yes", e.headers["x-extra"])
            assert.are.equal("hello world", e.body)
        end)

        it("lets request headers replace the defaults, and false remove them", function()
            local t = {}
            http.request {
                url = pyurl("/echo"),
                headers = { ["USER-AGENT"] = "spec/1", te = false },
                sink = ltn12.sink.table(t),
            }
            local e = parse_echo(table.concat(t))
            assert.are.equal("spec/1", e.headers["user-agent"])
            assert.is_nil(e.headers["te"])
        end)

        it("builds the request from its parts when there is no url", function()
            local t = {}
            local r, code = http.request {
                host = "127.0.0.1",
                port = py.port,
                path = "/echo",
                query = "x=1",
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            assert.are.equal("/echo?x=1", parse_echo(table.concat(t)).target)
        end)

        it("HEAD reads no body", function()
            local t = {}
            local r, code, headers = http.request {
                url = pyurl("/hello.txt"),
                method = "HEAD",
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            assert.are.equal(tostring(#hello), headers["content-length"])
            assert.are.same({}, t)
        end)

        it("uses `step` to move the body", function()
            local steps = 0
            local t = {}
            http.request {
                url = pyurl("/hello.txt"),
                sink = ltn12.sink.table(t),
                step = function(src, snk)
                    steps = steps + 1
                    return ltn12.pump.step(src, snk)
                end,
            }
            assert.is_true(steps > 0)
            assert.are.equal(hello, table.concat(t))
        end)

        it("connects through `create`, and sets tcp-nodelay to send a body", function()
            local calls, options = 0, {}
            local r, code = http.request {
                url = pyurl("/echo"),
                method = "POST",
                source = ltn12.source.string("body"),
                create = function()
                    calls = calls + 1
                    local tcp = socket.tcp()
                    return setmetatable({
                        setoption = function(_, name, value)
                            options[name] = value
                            return tcp:setoption(name, value)
                        end,
                    }, {
                        __index = function(_, k)
                            return function(_, ...) return tcp[k](tcp, ...) end
                        end,
                    })
                end,
            }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            assert.are.equal(1, calls)
            assert.is_true(options["tcp-nodelay"])
        end)

        it("returns the sink's error", function()
            local r, err = http.request { url = pyurl("/hello.txt"), sink = ltn12.sink.error("sink says no") }
            assert.is_nil(r)
            assert.are.equal("sink says no", err)
        end)

        it("returns the source's error", function()
            local r, err = http.request {
                url = pyurl("/echo"),
                method = "POST",
                source = ltn12.source.error("source says no"),
            }
            assert.is_nil(r)
            assert.are.equal("source says no", err)
        end)

        it("talks to a proxy with the absolute URL and Proxy-Authorization", function()
            local t = {}
            local r, code = http.request {
                url = "http://example.invalid/echo?x=1",
                proxy = "http://pu:pp@127.0.0.1:" .. py.port,
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            local e = parse_echo(table.concat(t))
            -- The default port written out, as LuaSocket sends it.
            assert.are.equal("http://example.invalid:80/echo?x=1", e.target)
            assert.are.equal("example.invalid", e.headers["host"])
            assert.are.equal("Basic " .. mime.b64("pu:pp"), e.headers["proxy-authorization"])
        end)

        it("uses http.PROXY when the request gives no proxy", function()
            http.PROXY = "http://127.0.0.1:" .. py.port
            finally(function() http.PROXY = nil end)
            local e = parse_echo(http.request("http://example.invalid:8080/echo"))
            assert.are.equal("http://example.invalid:8080/echo", e.target)
            assert.are.equal("example.invalid:8080", e.headers["host"])
        end)
    end)

    describe("redirects", function()
        it("follows one, telling where the answer came from in Location", function()
            local body, code, headers = http.request(pyurl("/redirect?to=/hello.txt"))
            assert.are.equal(200, code)
            assert.are.equal(hello, body)
            assert.are.equal("/hello.txt", headers.location)
        end)

        it("follows a relative Location", function()
            local body, code = http.request(pyurl("/redirect?to=hello.txt&code=301"))
            assert.are.equal(200, code)
            assert.are.equal(hello, body)
        end)

        it("follows 303 and 307, to another server", function()
            for _, c in ipairs { 303, 307 } do
                local body, code = http.request(pyurl("/redirect?code=" .. c .. "&to=" .. ngxurl("/hello.txt")))
                assert.are.equal(200, code)
                assert.are.equal(hello, body)
            end
        end)

        it("keeps HEAD a HEAD", function()
            local r, code, headers = http.request { url = pyurl("/redirect?to=/echo"), method = "HEAD" }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            assert.are.equal("HEAD", headers["x-method"])
        end)

        it("does not redirect a request with a body", function()
            local _, code, headers = http.request(pyurl("/redirect?to=/echo"), "x=1")
            assert.are.equal(302, code)
            assert.are.equal("/echo", headers.location)
        end)

        it("does not redirect when redirect = false", function()
            local r, code = http.request { url = pyurl("/redirect?to=/hello.txt"), redirect = false }
            assert.are.equal(1, r)
            assert.are.equal(302, code)
        end)

        it("follows at most 5 by default, then returns the redirect, as LuaSocket does", function()
            local body, code = http.request(pyurl("/hops?n=5"))
            assert.are.equal(200, code)
            assert.are.equal("arrived", body)
            local _, code6, headers = http.request(pyurl("/hops?n=6"))
            assert.are.equal(302, code6)
            assert.are.equal("/hops?n=0", headers.location)
        end)

        it("follows maxredirects hops, any number with false", function()
            local t = {}
            local _, code = http.request { url = pyurl("/hops?n=8"), maxredirects = 8, sink = ltn12.sink.table(t) }
            assert.are.equal(200, code)
            _, code = http.request { url = pyurl("/hops?n=8"), maxredirects = 7 }
            assert.are.equal(302, code)
            _, code = http.request { url = pyurl("/hops?n=30"), maxredirects = false }
            assert.are.equal(200, code)
        end)

        it("stops a redirect loop", function()
            local t0 = socket.gettime()
            local body, code, headers = http.request(pyurl("/loop"))
            assert.are.equal(302, code)
            assert.are.equal("again\n", body)
            assert.are.equal("/loop", headers.location)
            assert.is_true(socket.gettime() - t0 < 5)
        end)
    end)

    describe("bad responses give nil and a message", function()
        local function fails(case, message)
            local t0 = socket.gettime()
            local body, err = http.request(pyurl("/raw?case=" .. case))
            assert.is_nil(body, case)
            assert.are.equal(message, err, case)
            assert.is_true(socket.gettime() - t0 < 5, case .. " took too long")
        end

        it("a malformed status line: the line itself", function()
            fails("bad-status", "HTTP/1.1 abc")
        end)

        it("a connection closed before or inside the status line", function()
            fails("empty", "closed")
            fails("short", "closed")
        end)

        it("a malformed header", function()
            fails("bad-header", "malformed reponse headers")
        end)

        it("a connection closed inside the headers", function()
            fails("mid-headers", "closed")
        end)

        it("a bad chunk size", function()
            fails("bad-chunk", "invalid chunk size")
            fails("negative-chunk", "invalid chunk size")
            fails("huge-chunk", "invalid chunk size")
        end)

        it("a server closing mid-body", function()
            fails("mid-body", "closed")
            fails("mid-chunk", "closed")
        end)

        it("an endless line or header section: 'oversized', in bounded memory", function()
            fails("endless-status", "oversized")
            fails("endless-line", "oversized")
            fails("endless-headers", "oversized")
            fails("endless-fold", "oversized")
            fails("endless-chunk-line", "oversized")
        end)

        it("a server that stalls: 'timeout'", function()
            http.TIMEOUT = 0.3
            finally(function() http.TIMEOUT = 10 end)
            fails("stall&secs=2", "timeout")
        end)

        it("nothing listening: 'connection refused'", function()
            local s = assert(socket.bind("127.0.0.1", 0))
            local _, port = s:getsockname()
            s:close()
            assert.are.same({ nil, "connection refused" }, { http.request("http://127.0.0.1:" .. port .. "/") })
        end)
    end)

    describe("bad requests are refused before anything is sent", function()
        local function refused(reqt, message)
            reqt.create = reqt.create or no_connect
            local r, err = http.request(reqt)
            assert.is_nil(r)
            assert.are.equal(message, err)
        end

        it("CR or LF in a header value", function()
            refused({ url = pyurl("/echo"), headers = { ["x-evil"] = "a\r\nInjected: yes" } },
                "invalid value for header 'x-evil'")
            refused({ url = pyurl("/echo"), headers = { ["x-evil"] = "a\nb" } }, "invalid value for header 'x-evil'")
            refused({ url = pyurl("/echo"), headers = { ["x-evil"] = true } }, "invalid value for header 'x-evil'")
        end)

        it("a header name that is not a token", function()
            refused({ url = pyurl("/echo"), headers = { ["bad name"] = "v" } }, "invalid header name 'bad name'")
            refused({ url = pyurl("/echo"), headers = { ["x\r\ny"] = "v" } }, "invalid header name 'x??y'")
        end)

        it("CR or LF in the URL", function()
            refused({ url = pyurl("/echo\r\nX-Injected: yes") }, "invalid url")
            refused({ url = pyurl("/echo?a=\n") }, "invalid url")
            refused({ url = pyurl("/"), uri = "/x\r\n" }, "invalid url")
        end)

        it("a host with CR or LF", function()
            refused({ url = "http://exa\r\nmple/" }, "invalid value for header 'host'")
        end)

        it("a method that is not a token", function()
            refused({ url = pyurl("/echo"), method = "GET /x HTTP/1.1\r\n" }, "invalid method 'GET /x HTTP/1.1??'")
        end)

        it("an unknown scheme, no host, a bad proxy", function()
            refused({ url = "gopher://127.0.0.1/" }, "invalid scheme 'gopher'")
            refused({ url = "http:///path" }, "invalid host 'nil'")
            refused({ url = "" }, "invalid host 'nil'")
            refused({ url = pyurl("/"), proxy = "proxy.example:3128" }, "invalid proxy 'proxy.example:3128'")
        end)

        it("no string form escapes as an error", function()
            assert.are.same({ nil, "invalid scheme 'gopher'" }, { http.request("gopher://x/") })
        end)
    end)

    describe("against nginx", function()
        it("GETs a static file over HTTP/1.1", function()
            local body, code, headers, status = http.request(ngxurl("/hello.txt"))
            assert.are.equal(hello, body)
            assert.are.equal(200, code)
            assert.are.equal("HTTP/1.1 200 OK", status)
            assert.is_truthy(headers.server:find("^nginx"))
        end)

        it("GETs 3 MiB of binary data intact", function()
            local body, code = http.request(ngxurl("/data.bin"))
            assert.are.equal(200, code)
            assert.are.equal(#data, #body)
            assert.is_true(body == data)
        end)

        it("reads chunked responses (SSI)", function()
            local body, code, headers = http.request(ngxurl("/ssi/ssi.html"))
            assert.are.equal(200, code)
            assert.are.equal("chunked", headers["transfer-encoding"])
            assert.are.equal("[spec]\n", body)
            body, code, headers = http.request(ngxurl("/ssi/big-ssi.html"))
            assert.are.equal(200, code)
            assert.are.equal("chunked", headers["transfer-encoding"])
            assert.are.equal(pattern(300000) .. "/ssi/big-ssi.html\n", body)
        end)

        it("HEAD gets headers only", function()
            local r, code, headers = http.request { url = ngxurl("/data.bin"), method = "HEAD" }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            assert.are.equal(tostring(#data), headers["content-length"])
        end)

        it("follows return 301 and a relative 302", function()
            local body, code, headers = http.request(ngxurl("/moved"))
            assert.are.equal(200, code)
            assert.are.equal(hello, body)
            assert.is_truthy(headers.location:find("/hello.txt$"))
            body, code = http.request(ngxurl("/moved-relative"))
            assert.are.equal(200, code)
            assert.are.equal(hello, body)
        end)

        it("stops its redirect loop", function()
            local _, code = http.request(ngxurl("/loop"))
            assert.are.equal(302, code)
        end)

        it("passes basic auth from the URL", function()
            local body, code = http.request("http://user:p%40ss%20word@127.0.0.1:" .. ngx.port .. "/private/hello.txt")
            assert.are.equal(200, code)
            assert.are.equal(hello, body)
            local _, code2 = http.request("http://user:wrong@127.0.0.1:" .. ngx.port .. "/private/hello.txt")
            assert.are.equal(401, code2)
            local _, code3 = http.request(ngxurl("/private/hello.txt"))
            assert.are.equal(401, code3)
        end)

        it("PUTs a chunked body (WebDAV) and reads it back", function()
            local payload = bytes(1024 * 1024 + 3, 11)
            local r, code = http.request {
                url = ngxurl("/dav/chunked.bin"),
                method = "PUT",
                source = ltn12.source.string(payload),
            }
            assert.are.equal(1, r)
            assert.is_truthy(code == 201 or code == 204, tostring(code))
            assert.is_true(http.request(ngxurl("/dav/chunked.bin")) == payload)
        end)

        it("PUTs a body with Content-Length", function()
            local r, code = http.request {
                url = ngxurl("/dav/sized.txt"),
                method = "PUT",
                headers = { ["content-length"] = 5 },
                source = ltn12.source.string("sized"),
            }
            assert.are.equal(1, r)
            assert.is_truthy(code == 201 or code == 204, tostring(code))
            assert.are.equal("sized", (http.request(ngxurl("/dav/sized.txt"))))
        end)

        it("sends a chunked POST nginx passes to an upstream", function()
            local t = {}
            local r, code = http.request {
                url = ngxurl("/upload"),
                method = "POST",
                source = ltn12.source.table { "part one, ", "part two" },
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            local e = parse_echo(table.concat(t))
            assert.are.equal("POST", e.method)
            assert.are.equal("part one, part two", e.body)
        end)
    end)

    describe("https through the built-in transport (tls = 'builtin', socket.tls on rustls)", function()
        local function get(server, extra, host)
            local t = {}
            local reqt = { url = "https://" .. (host or "127.0.0.1") .. ":" .. server.port .. "/hello.txt",
                tls = "builtin", sink = ltn12.sink.table(t) }
            for k, v in pairs(extra or {}) do reqt[k] = v end
            local r, code = http.request(reqt)
            if not r then return nil, code end
            return r, code, table.concat(t)
        end

        it("verifies by default: an unknown CA fails with the reason", function()
            local r, err = get(good)
            assert.is_nil(r)
            assert.is_truthy(err:find("^certificate verify failed: "), err)
        end)

        it("succeeds with the test CA, checks host names and wildcards", function()
            local r, code, body = get(good, { cafile = certs.ca })
            assert.are.same({ 1, 200, hello }, { r, code, body })
            assert.are.same({ nil, "certificate does not match host name '127.0.0.1'" },
                { get(wrong, { cafile = certs.ca }) })
            assert.are.equal(200, select(2, get(good, { cafile = certs.ca }, "localhost")))
            assert.are.equal(200, select(2, get(good, { cafile = certs.ca, servername = "a.wild.test" })))
            assert.are.same({ nil, "certificate does not match host name 'a.b.wild.test'" },
                { get(good, { cafile = certs.ca, servername = "a.b.wild.test" }) })
        end)

        it("refuses a self-signed certificate unless verify = 'none'", function()
            local r, err = get(selfsigned, { cafile = certs.ca })
            assert.is_nil(r)
            assert.is_truthy(err:find("^certificate verify failed: "), err)
            assert.are.same({ 1, 200, hello }, { get(selfsigned, { verify = "none" }) })
        end)

        it("refuses a LuaSec parameter it cannot honour, and an unknown transport", function()
            local r, err = get(good, { cafile = certs.ca, ciphers = "ALL" })
            assert.is_nil(r)
            assert.are.equal("the built-in TLS transport does not support 'ciphers' (use tls = \"luasec\")", err)
            r, err = get(good, { cafile = certs.ca, tls = "gnutls" })
            assert.is_nil(r)
            assert.are.equal("invalid tls 'gnutls' (\"builtin\" or \"luasec\" expected)", err)
        end)

        it("GETs, POSTs and follows redirects through nginx over TLS", function()
            local base = "https://127.0.0.1:" .. ngx.tls_port
            local t = {}
            local _, code = http.request { url = base .. "/data.bin", tls = "builtin", cafile = certs.ca,
                sink = ltn12.sink.table(t) }
            assert.are.equal(200, code)
            assert.is_true(table.concat(t) == data)
            t = {}
            _, code = http.request { url = base .. "/upload", method = "POST", tls = "builtin", cafile = certs.ca,
                source = ltn12.source.string("over rustls"), sink = ltn12.sink.table(t) }
            assert.are.equal(200, code)
            assert.are.equal("over rustls", parse_echo(table.concat(t)).body)
            t = {}
            _, code = http.request { url = base .. "/to-https", tls = "builtin", cafile = certs.ca,
                sink = ltn12.sink.table(t) }
            assert.are.equal(200, code)
            assert.are.equal(hello, table.concat(t))
        end)

        it("keeps connections alive in a pool: one handshake for many requests", function()
            local p = http.pool()
            finally(function() p:close() end)
            local base = "https://127.0.0.1:" .. ngx.tls_port
            for _ = 1, 5 do
                local t = {}
                local _, code = http.request { url = base .. "/hello.txt", tls = "builtin", cafile = certs.ca,
                    pool = p, sink = ltn12.sink.table(t) }
                assert.are.equal(200, code)
                assert.are.equal(hello, table.concat(t))
                assert.are.equal(1, p:count())
            end
        end)

        it("goes through a proxy's CONNECT tunnel, verifying the origin", function()
            local target = "https://a.wild.test:" .. good.port .. "/hello.txt"
            local t = {}
            local r, code = http.request { url = target, tls = "builtin", proxy = "http://pu:pp@127.0.0.1:" .. py.port,
                cafile = certs.ca, sink = ltn12.sink.table(t) }
            assert.are.same({ 1, 200, hello }, { r, code, table.concat(t) })
            local err
            r, err = http.request { url = target, tls = "builtin", proxy = "http://pu:pp@127.0.0.1:" .. py.port }
            assert.is_nil(r)
            assert.is_truthy(err:find("^certificate verify failed: "), err)
        end)
    end)

    describe("https through LuaSec", function()
        local function tlsurl(server, path, host)
            return "https://" .. (host or "127.0.0.1") .. ":" .. server.port .. (path or "/hello.txt")
        end

        it("finds LuaSec (lua-sec) installed", function()
            local ok, ssl = pcall(require, "ssl")
            assert.is_true(ok, "LuaSec is not installed for " .. _VERSION .. " (.ci/run installs lua-sec)")
            assert.is_function(ssl.wrap)
        end)

        it("verifies the certificate by default: an unknown CA fails", function()
            assert.are.same({ nil, "certificate verify failed" }, { http.request(tlsurl(good)) })
        end)

        it("succeeds with the test CA as cafile", function()
            local t = {}
            local r, code, _, status = http.request {
                url = tlsurl(good),
                cafile = certs.ca,
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            assert.is_truthy(status:find("^HTTP/1%.0 200"))
            assert.are.equal(hello, table.concat(t))
        end)

        it("checks the host name: the certificate's names must cover it", function()
            local r, err = http.request { url = tlsurl(wrong), cafile = certs.ca }
            assert.is_nil(r)
            assert.are.equal("certificate does not match host name '127.0.0.1'", err)
            local _, code = http.request { url = tlsurl(good, "/hello.txt", "localhost"), cafile = certs.ca }
            assert.are.equal(200, code)
        end)

        it("matches a wildcard name for one label only", function()
            local _, code = http.request { url = tlsurl(good), cafile = certs.ca, servername = "a.wild.test" }
            assert.are.equal(200, code)
            local r, err = http.request { url = tlsurl(good), cafile = certs.ca, servername = "a.b.wild.test" }
            assert.is_nil(r)
            assert.are.equal("certificate does not match host name 'a.b.wild.test'", err)
            r, err = http.request { url = tlsurl(good), cafile = certs.ca, servername = "wild.test" }
            assert.is_nil(r)
            assert.are.equal("certificate does not match host name 'wild.test'", err)
        end)

        it("refuses a self-signed certificate, unless verify = 'none'", function()
            local r, err = http.request { url = tlsurl(selfsigned), cafile = certs.ca }
            assert.is_nil(r)
            assert.are.equal("certificate verify failed", err)
            local t = {}
            local ok, code = http.request { url = tlsurl(selfsigned), verify = "none", sink = ltn12.sink.table(t) }
            assert.are.equal(1, ok)
            assert.are.equal(200, code)
            assert.are.equal(hello, table.concat(t))
        end)

        it("takes LuaSec's protocol and options parameters", function()
            local _, code = http.request {
                url = tlsurl(good),
                cafile = certs.ca,
                protocol = "tlsv1_2",
                options = { "all", "no_sslv3" },
            }
            assert.are.equal(200, code)
            local r, err = http.request { url = tlsurl(good), cafile = certs.ca, protocol = "nonsense" }
            assert.is_nil(r)
            assert.is_string(err)
        end)

        it("GETs and POSTs through nginx over TLS", function()
            local base = "https://127.0.0.1:" .. ngx.tls_port
            local t = {}
            local _, code = http.request { url = base .. "/data.bin", cafile = certs.ca, sink = ltn12.sink.table(t) }
            assert.are.equal(200, code)
            assert.is_true(table.concat(t) == data)
            t = {}
            _, code = http.request {
                url = base .. "/ssi/ssi.html",
                cafile = certs.ca,
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(200, code)
            assert.are.equal("[spec]\n", table.concat(t))
            t = {}
            _, code = http.request {
                url = base .. "/upload",
                method = "POST",
                cafile = certs.ca,
                source = ltn12.source.string("over tls"),
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(200, code)
            assert.are.equal("over tls", parse_echo(table.concat(t)).body)
        end)

        it("follows https to https and http to https, never https to http", function()
            local base = "https://127.0.0.1:" .. ngx.tls_port
            local t = {}
            local _, code = http.request { url = base .. "/to-https", cafile = certs.ca, sink = ltn12.sink.table(t) }
            assert.are.equal(200, code)
            assert.are.equal(hello, table.concat(t))
            t = {}
            _, code = http.request { url = ngxurl("/to-https"), cafile = certs.ca, sink = ltn12.sink.table(t) }
            assert.are.equal(200, code)
            assert.are.equal(hello, table.concat(t))
            local headers
            _, code, headers = http.request { url = base .. "/to-http", cafile = certs.ca }
            assert.are.equal(302, code)
            assert.are.equal("http://127.0.0.1:" .. ngx.port .. "/hello.txt", headers.location)
        end)

        it("goes through a proxy's CONNECT tunnel, verifying the origin", function()
            -- "a.wild.test" resolves nowhere but in the proxy (the fixture),
            -- so only a tunnel can reach it; the certificate covers *.wild.test.
            local target = "https://a.wild.test:" .. good.port .. "/hello.txt"
            local t = {}
            local r, code = http.request {
                url = target,
                proxy = "http://pu:pp@127.0.0.1:" .. py.port,
                cafile = certs.ca,
                sink = ltn12.sink.table(t),
            }
            assert.are.equal(1, r)
            assert.are.equal(200, code)
            assert.are.equal(hello, table.concat(t))
            local err
            r, err = http.request { url = target, proxy = "http://127.0.0.1:" .. py.port }
            assert.is_nil(r)
            assert.are.equal("certificate verify failed", err)
            r, err = http.request { url = target, proxy = "http://pu:bad@127.0.0.1:" .. py.port, cafile = certs.ca }
            assert.is_nil(r)
            assert.are.equal("proxy refused the tunnel: HTTP/1.1 407 Proxy Authentication Required", err)
        end)

        describe("socket.transport.luasec, the transport under https", function()
            local luasec = require("socket.transport.luasec")

            local function connected(server)
                local sock = assert(socket.tcp())
                sock:settimeout(5)
                assert(sock:connect("127.0.0.1", server.port))
                return sock
            end

            it("has the transport interface: PARAMS, available(), wrap()", function()
                assert.is_table(luasec.PARAMS)
                local names = {}
                for _, name in ipairs(luasec.PARAMS) do names[name] = true end
                assert.is_true(names.verify and names.cafile and names.capath and names.protocol and true)
                assert.are.same({ true }, { luasec.available() })
                assert.is_function(luasec.wrap)
            end)

            it("wraps a connected socket into a verified stream whose receive honours maxsize", function()
                local stream = assert(luasec.wrap(connected(good), "localhost", { cafile = certs.ca }, 5))
                finally(function() stream:close() end)
                assert.are.equal(1, stream:settimeout(5))
                assert.is_truthy(stream:send("GET /hello.txt HTTP/1.0\r\n\r\n"))
                assert.are.same({ nil, "oversized", "HTTP/1.0 2" }, { stream:receive("*l", nil, 10) })
                assert.is_truthy(stream:getpeercertificate())
                assert.is_number(stream:getfd())
                assert.is_boolean(stream:dirty())
            end)

            it("fails with the host name message and leaves nothing open", function()
                local sock = connected(good)
                assert.are.same({ nil, "certificate does not match host name 'wrong.example'" },
                    { luasec.wrap(sock, "wrong.example", { cafile = certs.ca }, 5) })
                assert.are.equal(-1, sock:getfd())
                sock = connected(good)
                assert.are.same({ nil, "certificate verify failed" }, { luasec.wrap(sock, "localhost", {}, 5) })
                assert.are.equal(-1, sock:getfd())
            end)

            it("is unavailable without LuaSec, with the message http returns", function()
                local saved_loaded, saved_preload = package.loaded.ssl, package.preload.ssl
                package.loaded.ssl = nil
                package.preload.ssl = function() error("module 'ssl' not found", 0) end
                finally(function()
                    package.loaded.ssl, package.preload.ssl = saved_loaded, saved_preload
                end)
                assert.are.same({ nil, "LuaSec not found: https needs the 'ssl' module" }, { luasec.available() })
            end)
        end)

        it("without LuaSec, goes through the built-in transport; tls = 'luasec' says LuaSec is missing", function()
            local saved_loaded, saved_preload = package.loaded.ssl, package.preload.ssl
            package.loaded.ssl = nil
            package.preload.ssl = function() error("module 'ssl' not found", 0) end
            finally(function()
                package.loaded.ssl, package.preload.ssl = saved_loaded, saved_preload
            end)
            local body, code = http.request { url = tlsurl(good), cafile = certs.ca }
            assert.are.equal(200, code)
            assert.are.equal(1, body)
            assert.are.same({ nil, "LuaSec not found: https needs the 'ssl' module" },
                { http.request { url = tlsurl(good), cafile = certs.ca, tls = "luasec" } })
            -- LuaSec was never loaded (Lua 5.1 leaves require's sentinel, not a module)
            assert.is_not_table(package.loaded.ssl)
        end)

        it("serves LuaSec's own ssl.https over this socket.http", function()
            local https = require("ssl.https")
            local body, code = https.request(tlsurl(selfsigned))
            assert.are.equal(200, code)
            assert.are.equal(hello, body)
        end)
    end)
end)
