-- Load: 2,000 concurrent loopback TCP connections echoed by one
-- socket.select loop, 200 MB moved in all, every byte checked. Server and
-- client are child processes (spec/fixtures/soak_server.lua and
-- soak_client.lua) with a raised descriptor limit, each bounded by its own
-- deadline and by timeout(1).
local socket = require("socket")
local net = require("support.net")

local CONNS = 2000
local BYTES = 50000 -- each way per connection: 100 MB up, 100 MB back
local SECS = 60     -- the loops' own deadline; timeout(1) kills at SECS + 30

local hard_nofile, fields = require("support.proc").hard_nofile, require("support.proc").fields

describe("soak: one select loop", function()
    it("echoes 200 MB over 2,000 concurrent connections, every byte checked", function()
        local limit = math.min(hard_nofile(), 8192)
        assert.is_true(limit >= CONNS + 100, "hard descriptor limit too low: " .. limit)
        local env = ("ulimit -n %d && SOAK_CONNS=%d SOAK_BYTES=%d SOAK_SECS=%d"):format(
            limit, CONNS, BYTES, SECS)
        local kill_after = " timeout -s KILL " .. (SECS + 30)

        local server = assert(io.popen(env .. " exec" .. kill_after .. " '" .. net.interpreter()
            .. "' spec/fixtures/soak_server.lua 2>&1", "r"))
        local server_pid
        finally(function()
            net.kill(server_pid)
            server:close()
        end)
        local ready = server:read("*l") or ""
        local port, pid = ready:match("^ready (%d+) (%d+)$")
        assert.is_truthy(port, "server did not start: " .. ready)
        server_pid = pid

        local t0 = socket.gettime()
        local client_out = net.run_lua(nil, env .. " SOAK_PORT=" .. port .. kill_after,
            "spec/fixtures/soak_client.lua")
        local wall = socket.gettime() - t0
        local cl = client_out:match("(client[^\n]*)") or ""
        -- a failed client leaves the server waiting for its deadline
        if not cl:match("^client conns") then net.kill(server_pid) end
        local server_out = server:read("*a")

        local sv = server_out:match("(server[^\n]*)") or ""
        assert.is_truthy(cl:match("^client conns"), "client: " .. client_out)
        assert.is_truthy(sv:match("^server accepted"), "server: " .. server_out)
        local c, s = fields(cl), fields(sv)
        local total = CONNS * BYTES
        assert.are.same(
            { CONNS, CONNS, total, total, 0 },
            { c.connected, c.done, c.sent, c.got, c.mismatches })
        assert.are.same(
            { CONNS, CONNS, CONNS, total, total },
            { s.accepted, s.peak, s.closed, s["in"], s.out })
        -- descriptors went past the select(2) ceiling on both sides
        assert.is_true(c.maxfd > 1024 and s.maxfd > 1024, cl .. "\n" .. sv)

        io.stderr:write(("\n[soak %s] %d connections, %.0f MB checked: connect %.2f s, transfer %.2f s"
            .. " (%.0f MB/s), client wall %.2f s; select rounds: client %d, server %d\n"):format(
            _VERSION .. (rawget(_G, "jit") and " (LuaJIT)" or ""), CONNS, 2 * total / 1e6,
            c.connect_s, c.transfer_s, 2 * total / 1e6 / c.transfer_s, wall, c.rounds, s.rounds))
    end)
end)
