-- redis-lua (Debian lua-redis, unmodified) over our sockets, against a real
-- redis-server started on a free loopback port for this spec.
local socket = require("socket")
local net = require("support.net")

local redis, not_packaged = require("support.compat").require("redis", "lua-redis")

describe("compat: redis-lua", function()
    if not redis then
        -- Debian packages lua-redis for Lua 5.1-5.3 only.
        pending(not_packaged)
        return
    end

    local pid, port, client, dir

    setup(function()
        assert(io.open("/usr/bin/redis-server"), "redis-server is not installed (apt-get install redis-server)")
        local probe = assert(socket.bind("127.0.0.1", 0))
        local _
        _, port = probe:getsockname()
        probe:close()
        dir = os.tmpname()
        os.remove(dir)
        assert(os.execute("mkdir -p " .. dir))
        pid = net.spawn(("/usr/bin/redis-server --port %d --bind 127.0.0.1 --save '' --appendonly no --dir %s")
            :format(port, dir))
        assert(net.wait_port(port, 10), "redis-server did not start")
        client = redis.connect("127.0.0.1", port)
    end)

    teardown(function()
        if client then pcall(client.quit, client) end
        net.kill(pid)
        if dir then os.execute("rm -rf " .. dir) end
    end)

    it("runs on our socket.core", function()
        assert.is_string(package.loaded.socket._IMPLEMENTATION)
        assert.truthy(package.loaded.socket._IMPLEMENTATION:match("^luasocket%-rust"))
        assert.equal(package.loaded.socket, package.loaded["socket.core"])
    end)

    it("answers PING", function()
        assert.is_true(client:ping())
    end)

    it("sets and gets 3000 keys, every value checked", function()
        for i = 1, 3000 do
            assert.is_true(client:set("key:" .. i, "value " .. i))
        end
        for i = 1, 3000 do
            local v = client:get("key:" .. i)
            if v ~= "value " .. i then assert.equal("value " .. i, v) end
        end
        assert.equal(3000, client:dbsize())
    end)

    it("stores binary values byte for byte", function()
        local bytes = {}
        for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
        local blob = table.concat(bytes):rep(400) .. "\r\n\0end"
        assert.is_true(client:set("blob", blob))
        assert.equal(blob, client:get("blob"))
        assert.equal(#blob, client:strlen("blob"))
    end)

    it("pipelines 2000 commands and matches every reply to its command", function()
        for i = 2, 2000, 2 do client:set("p:" .. i, "v") end
        -- Only commands with a reply parser (EXISTS): this redis-lua
        -- version's pipeline calls table.insert(parsers, n, nil) for the
        -- others, which Lua 5.2+ rejects, whatever the socket library.
        local replies = client:pipeline(function(p)
            for i = 1, 2000 do p:exists("p:" .. i) end
        end)
        assert.equal(2000, #replies)
        for i = 1, 2000 do
            local want = i % 2 == 0
            if replies[i] ~= want then assert.equal(want, replies[i], "reply " .. i) end
        end
    end)

    it("reports server errors as Lua errors carrying redis' message", function()
        client:set("plain", "x")
        local ok, err = pcall(client.lpush, client, "plain", "y")
        assert.is_false(ok)
        assert.truthy(tostring(err):find("WRONGTYPE", 1, true))
    end)

    it("sees the connection closed when the server drops it", function()
        local other = redis.connect("127.0.0.1", port)
        assert.is_true(other:ping())
        -- CLIENT is not among this old redis-lua's commands: define it.
        redis.define_command("client")
        local _, lport = other.network.socket:getsockname()
        client:client("KILL", "127.0.0.1:" .. lport)
        local ok, err = pcall(other.ping, other)
        assert.is_false(ok)
        assert.truthy(tostring(err):find("closed", 1, true))
    end)
end)
