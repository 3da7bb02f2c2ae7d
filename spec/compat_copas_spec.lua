-- copas (Debian lua-copas, unmodified) driving our non-blocking sockets and
-- our select: an echo server and many concurrent clients in one process.
local socket = require("socket")

local original_protect, original_newtry = socket.protect, socket.newtry
local copas, not_packaged = require("support.compat").require("copas", "lua-copas")
-- Loading copas replaces socket.protect and socket.newtry with coxpcall-based
-- versions that rely on globals busted removes when this file ends (on Lua
-- 5.1); the socket table outlives the file, so put ours back.
socket.protect, socket.newtry = original_protect, original_newtry

describe("compat: copas", function()
    if not copas then
        -- Debian packages lua-copas for Lua 5.1 and 5.2 (LuaJIT uses 5.1's).
        pending(not_packaged)
        return
    end

    it("runs on our socket.core", function()
        assert.truthy(tostring(package.loaded.socket._IMPLEMENTATION):match("^luasocket%-rust"))
    end)

    it("serves an echo server to 50 concurrent clients, every line checked", function()
        local server = assert(socket.bind("127.0.0.1", 0))
        local _, port = server:getsockname()
        local served = 0
        copas.addserver(server, function(raw)
            local conn = copas.wrap(raw)
            while true do
                local line = conn:receive("*l")
                if not line then break end
                conn:send(line .. "\n")
            end
            served = served + 1
        end)

        local clients, done, failures = 50, 0, {}
        for c = 1, clients do
            copas.addthread(function()
                local raw = socket.tcp()
                local ok, err = copas.connect(raw, "127.0.0.1", port)
                local conn = copas.wrap(raw)
                if not ok then
                    failures[#failures + 1] = "connect: " .. tostring(err)
                    return
                end
                for i = 1, 20 do
                    local msg = ("client %d line %d %s"):format(c, i, ("x"):rep(i * 10))
                    conn:send(msg .. "\n")
                    local reply = conn:receive("*l")
                    if reply ~= msg then
                        failures[#failures + 1] = ("client %d: got %s"):format(c, tostring(reply))
                        break
                    end
                end
                raw:close()
                done = done + 1
            end)
        end

        local deadline = socket.gettime() + 20
        while (done < clients or served < clients) and socket.gettime() < deadline and #failures == 0 do
            copas.step(0.1)
        end
        server:close()
        assert.same({}, failures)
        assert.equal(clients, done)
        assert.equal(clients, served)
    end)

    it("tells TCP from UDP by tostring, as copas does", function()
        local t = socket.tcp()
        assert.equal("tcp", tostring(t):sub(1, 3))
        t:close()
    end)
end)
