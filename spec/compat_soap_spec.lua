-- lua-soap (Debian lua-soap, unmodified; it parses with lua-expat) calling
-- a SOAP endpoint (spec/fixtures/rpc_server.py, Python's http.server) on a
-- loopback port: over HTTP through our socket.http, and over HTTPS through
-- LuaSec's ssl.https (soap.client.https), which also uses our socket.http.
local socket = require("socket")
local servers = require("fixtures.servers")
local httpd = require("fixtures.httpd")

local client, not_packaged = require("support.compat").require("soap.client", "lua-soap")

-- The elements of a LuaExpat (lom) list, text between them left out.
local function elements(list)
    local out = {}
    for _, e in ipairs(list) do
        if type(e) == "table" then out[#out + 1] = e end
    end
    return out
end

-- The entries of a response as a table: tag = text, and headers[name] = text.
local function fields(entries)
    local t = { headers = {} }
    for _, e in ipairs(elements(entries)) do
        local name = e.tag:match(":(.*)$") or e.tag
        if name == "header" then
            t.headers[e.attr.name:lower()] = e[1]
        else
            t[name] = e[1] or ""
        end
    end
    return t
end

describe("compat: lua-soap", function()
    if not client then
        -- Debian installs lua-soap for Lua 5.1 only (LuaJIT loads it too).
        pending(not_packaged)
        return
    end
    local plain, tls, certdir

    setup(function()
        plain = servers.start("rpc_server.py")
        certdir = httpd.tmpdir()
        local certs = httpd.certs(certdir)
        tls = servers.start("rpc_server.py", "--cert " .. httpd.quote(certs.good.cert) .. " --key "
            .. httpd.quote(certs.good.key))
    end)

    teardown(function()
        for _, server in ipairs { plain, tls } do
            if server then server.stop() end
        end
        httpd.rmdir(certdir)
    end)

    local function soapurl(server, scheme)
        return (scheme or "http") .. "://127.0.0.1:" .. server.port .. "/soap"
    end

    it("runs on our socket.core and our socket.http", function()
        local impl = package.loaded.socket._IMPLEMENTATION
        assert.is_string(impl)
        assert.truthy(impl:match("^luasocket%-rust"))
        assert.equal(package.loaded.socket, package.loaded["socket.core"])
        assert.equal(package.loaded["socket.http"], client.http)
        local tree = "@" .. assert(os.getenv("LUASOCKET_TREE"))
        local source = debug.getinfo(client.http.open, "S").source
        assert.equal(tree, source:sub(1, #tree), "socket.http came from " .. source)
    end)

    it("calls a SOAP 1.1 method, with SOAPAction and escaped text", function()
        local namespace, method, entries = client.call {
            url = soapurl(plain),
            soapaction = "urn:test#Sum",
            namespace = "urn:test",
            method = "Sum",
            entries = { { tag = "a", "2" }, { tag = "b", "40 & <forty>" } },
        }
        assert.equal("urn:test", namespace)
        assert.equal("SumResponse", method)
        local f = fields(entries)
        assert.equal('"urn:test#Sum"', f.action)
        assert.equal("text/xml", f.contentType)
        assert.equal("2", f.a)
        assert.equal("40 & <forty>", f.b)
    end)

    it("calls a SOAP 1.2 method (no SOAPAction, application/soap+xml)", function()
        local namespace, method, entries = client.call {
            url = soapurl(plain),
            soapversion = 1.2,
            namespace = "urn:twelve",
            method = "Echo",
            entries = { { tag = "text", "hello" } },
        }
        assert.equal("urn:twelve", namespace)
        assert.equal("EchoResponse", method)
        local f = fields(entries)
        assert.equal("", f.action)
        assert.equal("application/soap+xml", f.contentType)
        assert.equal("hello", f.text)
    end)

    it("sends extra headers given in the call", function()
        local _, _, entries = client.call {
            url = soapurl(plain),
            soapaction = "urn:test#Echo",
            namespace = "urn:test",
            method = "Echo",
            headers = { ["X-Trace"] = "trace-123" },
            entries = {},
        }
        assert.equal("trace-123", fields(entries).headers["x-trace"])
    end)

    it("sends and receives a large envelope", function()
        local big = ("soap "):rep(60000)
        local _, _, entries = client.call {
            url = soapurl(plain),
            soapaction = "urn:test#Echo",
            namespace = "urn:test",
            method = "Echo",
            entries = { { tag = "big", big } },
        }
        assert.is_true(fields(entries).big == big)
    end)

    it("makes 100 calls in a row", function()
        for i = 1, 100 do
            local _, _, entries = client.call {
                url = soapurl(plain),
                soapaction = "urn:test#Echo",
                namespace = "urn:test",
                method = "Echo",
                entries = { { tag = "n", tostring(i) } },
            }
            local n = fields(entries).n
            if n ~= tostring(i) then assert.equal(tostring(i), n) end
        end
    end)

    it("raises with the fault envelope when the server answers 500", function()
        local ok, err = pcall(client.call, {
            url = soapurl(plain),
            soapaction = "urn:test#Fail",
            namespace = "urn:test",
            method = "Fail",
            entries = { { tag = "why", "broken" } },
        })
        assert.is_false(ok)
        -- request{} returns 1, 500, ...: lua-soap reports the 1 (the same
        -- happens over C LuaSocket) and the body.
        assert.truthy(tostring(err):find("Error on request: 1\n\n", 1, true), err)
        assert.truthy(tostring(err):find("<faultstring>broken</faultstring>", 1, true), err)
    end)

    it("raises 'connection refused' when nothing listens", function()
        local probe = assert(socket.bind("127.0.0.1", 0))
        local _, port = probe:getsockname()
        probe:close()
        local ok, err = pcall(client.call, {
            url = "http://127.0.0.1:" .. port .. "/soap",
            soapaction = "x",
            namespace = "urn:test",
            method = "Echo",
            entries = {},
        })
        assert.is_false(ok)
        assert.truthy(tostring(err):find("Error on request: connection refused", 1, true), err)
    end)

    it("calls over HTTPS through soap.client.https (LuaSec's ssl.https)", function()
        local has_ssl = pcall(require, "ssl")
        assert.is_true(has_ssl, "LuaSec is not installed (.ci/run installs lua-sec)")
        require("soap.client.https")
        assert.equal(require("ssl.https"), client.https)
        local namespace, method, entries = client.call {
            url = soapurl(tls, "https"),
            soapaction = "urn:test#Sum",
            namespace = "urn:test",
            method = "Sum",
            entries = { { tag = "a", "over tls" } },
        }
        assert.equal("urn:test", namespace)
        assert.equal("SumResponse", method)
        assert.equal("over tls", fields(entries).a)
    end)
end)
