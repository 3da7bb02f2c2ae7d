-- lua-xmlrpc (Debian lua-xmlrpc, unmodified; it parses with lua-expat)
-- calling Python's xmlrpc.server (spec/fixtures/rpc_server.py) on a loopback
-- port through our socket.http.
local socket = require("socket")
local servers = require("fixtures.servers")

local xmlrpc_http, not_packaged = require("support.compat").require("xmlrpc.http", "lua-xmlrpc")

describe("compat: lua-xmlrpc", function()
    if not xmlrpc_http then
        -- Debian installs lua-xmlrpc for Lua 5.1 only (LuaJIT loads it too);
        -- it is written with module(), which Lua 5.2+ lacks.
        pending(not_packaged)
        return
    end
    local xmlrpc = require("xmlrpc")
    local server, url

    local function call(method, ...)
        return xmlrpc_http.call(url, method, ...)
    end

    setup(function()
        server = servers.start("rpc_server.py")
        url = "http://127.0.0.1:" .. server.port .. "/RPC2"
    end)

    teardown(function()
        if server then server.stop() end
    end)

    it("runs on our socket.core and our socket.http", function()
        local impl = package.loaded.socket._IMPLEMENTATION
        assert.is_string(impl)
        assert.truthy(impl:match("^luasocket%-rust"))
        assert.equal(package.loaded.socket, package.loaded["socket.core"])
        -- xmlrpc.http keeps socket.http's request in an upvalue of call().
        local request
        for i = 1, math.huge do
            local name, value = debug.getupvalue(xmlrpc_http.call, i)
            if not name then break end
            if name == "request" then request = value end
        end
        local http = package.loaded["socket.http"]
        assert.equal(http.request, request)
        local tree = "@" .. assert(os.getenv("LUASOCKET_TREE"))
        local source = debug.getinfo(http.open, "S").source
        assert.equal(tree, source:sub(1, #tree), "socket.http came from " .. source)
    end)

    it("passes strings both ways", function()
        assert.same({ true, "hello" }, { call("echo", "hello") })
        local text = "h\195\169llo w\195\182rld, with spaces"
        assert.same({ true, text }, { call("echo", text) })
        assert.same({ true, "" }, { call("echo", "") })
    end)

    it("passes integers and doubles", function()
        assert.same({ true, 42 }, { call("add", 2, 40) })
        assert.same({ true, -7 }, { call("add", 3, -10) })
        assert.same({ true, 3.75 }, { call("add", 1.5, 2.25) })
        assert.equal("number", type(select(2, call("add", 2, 40))))
    end)

    it("passes booleans", function()
        assert.same({ true, true }, { call("echo", true) })
        assert.same({ true, false }, { call("echo", false) })
    end)

    it("encodes each Lua type as the XML-RPC type the server decodes", function()
        local array = xmlrpc.newTypedValue({ 1, 2, 3 }, xmlrpc.newArray("int"))
        assert.same({ true, { "str", "int", "float", "bool", "dict", "list" } },
            { call("kinds", "s", 1, 1.5, true, { a = 1 }, array) })
    end)

    it("passes arrays and structs, nested", function()
        local ints = xmlrpc.newTypedValue({ 1, 2, 3 }, xmlrpc.newArray("int"))
        assert.same({ true, { 1, 2, 3 } }, { call("echo", ints) })
        assert.same({ true, { "a", "b" } },
            { call("echo", xmlrpc.newTypedValue({ "a", "b" }, xmlrpc.newArray("string"))) })
        local struct = { a = 1, b = "two", c = { d = true } }
        assert.same({ true, { a = 1, b = "two", c = { d = true } } }, { call("echo", struct) })
        assert.same({ true, { "a", "b", "c" } }, { call("sorted_keys", { c = 3, a = 1, b = 2 }) })
    end)

    it("returns a fault as false, the fault string and the fault code", function()
        assert.same({ false, "the answer", 42 }, { call("fail", 42, "the answer") })
        local ok, message, code = call("no_such_method")
        assert.is_false(ok)
        assert.equal(1, code)
        assert.truthy(message:find('method "no_such_method" is not supported', 1, true), message)
    end)

    it("lists the server's methods (introspection)", function()
        local ok, methods = call("system.listMethods")
        assert.is_true(ok)
        local set = {}
        for _, m in ipairs(methods) do set[m] = true end
        local expected = { "echo", "add", "kinds", "repeat", "length", "sorted_keys", "fail", "system.listMethods" }
        for _, m in ipairs(expected) do
            assert.is_true(set[m], m)
        end
    end)

    it("sends and receives large values", function()
        local ok, text = call("repeat", "abc", 100000)
        assert.is_true(ok)
        assert.equal(300000, #text)
        assert.is_true(text == ("abc"):rep(100000))
        assert.same({ true, 300000 }, { call("length", ("x"):rep(300000)) })
    end)

    it("makes 200 calls in a row, one connection each", function()
        for i = 1, 200 do
            local ok, sum = call("add", i, i)
            if not ok or sum ~= 2 * i then assert.same({ true, 2 * i }, { ok, sum }) end
        end
    end)

    it("raises with the HTTP status and body when the path is wrong", function()
        local ok, err = pcall(xmlrpc_http.call, "http://127.0.0.1:" .. server.port .. "/nope", "echo", 1)
        assert.is_false(ok)
        -- request{} returns 1, 404, ...: lua-xmlrpc reports the 1 (the same
        -- happens over C LuaSocket) and the body.
        assert.truthy(tostring(err):find(": 1\n\nNo such page", 1, true), err)
    end)

    it("raises 'connection refused' when nothing listens", function()
        local probe = assert(socket.bind("127.0.0.1", 0))
        local _, port = probe:getsockname()
        probe:close()
        local ok, err = pcall(xmlrpc_http.call, "http://127.0.0.1:" .. port .. "/RPC2", "echo", 1)
        assert.is_false(ok)
        assert.truthy(tostring(err):find(": connection refused\n\n", 1, true), err)
    end)
end)
