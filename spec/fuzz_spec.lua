-- Hostile arguments: tools/fuzz_args.lua calls every public
-- function and method with random hostile argument lists. Each batch runs in
-- a child interpreter, so a crash shows as death by signal (or an abort from
-- a failed allocation) rather than taking busted down. The short run here
-- is ~20,000 calls; run the tool by hand for longer:
--   lua tools/fuzz_args.lua SEED CALLS -v
local net = require("support.net")

local function fuzz(seed, calls)
    -- `timeout` turns a hang into a failure; the child inherits LUA_PATH
    -- and LUA_CPATH, so it loads the tree under test.
    -- It runs in a scratch directory: a path the fuzzer makes up (a number
    -- taken as a unix-socket name, say) lands there, not in the checkout.
    local cmd = "d=$(mktemp -d) && tool=$(pwd)/tools/fuzz_args.lua && cd \"$d\" && timeout 60 '"
        .. net.interpreter() .. "' \"$tool\" " .. seed .. " " .. calls
        .. " -v 2>&1; echo \"exit:$?\"; rm -rf \"$d\""
    local p = assert(io.popen(cmd, "r"))
    local out = p:read("*a")
    p:close()
    return out
end

describe("fuzzing every function with hostile arguments", function()
    -- Two fixed seeds (reproducible) and two fresh ones (new ground each run).
    local t = os.time()
    for _, seed in ipairs({ 1, 7, t % 100000, t % 100000 + 1 }) do
        it("seed " .. seed .. ": no crash, no hang, no panic, only string errors", function()
            local out = fuzz(seed, 5000)
            local status = out:match("exit:(%d+)%s*$")
            assert.are.equal("0", status, "child died (seed " .. seed .. "):\n" .. out:sub(-2000))
            local calls = out:match("fuzz: (%d+) calls, %d+ lua errors, 0 crashes")
            assert.are.equal("5000", calls, out:sub(-2000))
            assert.is_truthy(out:find("fuzz: 0 non-string errors, 0 panics", 1, true), out:sub(-2000))
        end)
    end
end)

describe("fuzz findings, kept as regressions", function()
    local socket = require("socket")

    it("receive(n) with a huge n returns what arrives instead of reserving n bytes", function()
        local client, peer, server = net.tcp_pair()
        finally(function() net.close(client, peer, server) end)
        assert(peer:send("abc"))
        peer:close()
        -- Each count is accepted: the first call returns the three bytes as
        -- the partial result of a closed stream, and no byte is lost or
        -- made up; later calls find nothing more.
        local partials = {}
        for i, n in ipairs({ 2 ^ 53, 2 ^ 62, 2 ^ 63, 1e300, 1 / 0 }) do
            local data, err, partial = client:receive(n)
            assert.are.equal(nil, data)
            assert.are.equal("closed", err)
            partials[i] = partial
        end
        assert.are.same({ "abc", "", "", "", "" }, partials)
        assert.are.equal(socket._VERSION, "LuaSocket 3.1.0")
    end)
end)
