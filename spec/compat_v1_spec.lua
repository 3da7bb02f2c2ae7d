-- LuaSocket 1.0-style scripts (global functions) after require("socket.compat").
local net = require("support.net")

describe("socket.compat", function()
    local saved = {}
    local names = { "connect", "bind", "listen", "accept", "send", "receive", "timeout", "close" }

    setup(function()
        for _, n in ipairs(names) do saved[n] = rawget(_G, n) end
        require("socket.compat")
    end)

    teardown(function()
        for _, n in ipairs(names) do rawset(_G, n, saved[n]) end
    end)

    it("installs the LuaSocket 1.0 global functions", function()
        for _, n in ipairs(names) do
            assert.is_function(rawget(_G, n), n)
        end
        assert.equal(require("socket").compat, require("socket.compat"))
    end)

    it("runs a 1.0-style echo server and client", function()
        -- written as a LuaSocket 1.0 script would be, through the globals
        local G = _G
        local server = assert(G.bind("127.0.0.1", 0))
        local _, port = server:getsockname()
        local client = assert(G.connect("127.0.0.1", port))
        G.timeout(client, 5)
        local conn = assert(G.accept(server))
        G.timeout(conn, 5)

        assert.is_nil(G.send(client, "first line\r\n", "second", " line\n", "12345"))
        local a, b, c, err = G.receive(conn, "*l", "*l", 5)
        assert.equal("first line", a)
        assert.equal("second line", b)
        assert.equal("12345", c)
        assert.is_nil(err)

        assert.is_nil(G.send(conn, a .. "\n"))
        assert.same({ "first line" }, { G.receive(client) })

        G.send(client, "raw\r\n")
        assert.equal("raw\r\n", (G.receive(conn, "*lu")))

        G.close(client)
        local line, e = G.receive(conn)
        assert.is_nil(line)
        assert.equal("closed", e)
        local x, y, e2 = G.receive(conn, "*l", "*a")
        assert.is_nil(x)
        assert.is_nil(y)
        assert.equal("closed", e2)
        G.close(conn)
        G.close(server)
    end)

    it("reports send failures as the error message", function()
        local client, peer, server = net.tcp_pair()
        peer:close()
        local err
        for _ = 1, 200 do
            err = _G.send(client, ("x"):rep(65536))
            if err then break end
        end
        assert.equal("closed", err)
        net.close(client, server)
    end)

    it("times out receive with the 1.0 timeout function", function()
        local client, peer, server = net.tcp_pair()
        _G.timeout(peer, 0.05)
        local line, err = _G.receive(peer)
        assert.is_nil(line)
        assert.equal("timeout", err)
        net.close(client, peer, server)
    end)
end)
