-- socket.http against a local nginx: small-request rate and large-body
-- MB/s, ours beside the C LuaSocket (Debian's lua-socket) in one run.
--
-- Each measure runs in a child process: ours with the rock's tree on
-- package.path/cpath (run this through bench/run_http_bench), the C one with
-- only the system directories, so neither can load the other. Rounds
-- alternate which implementation goes first; the best result of each is
-- kept, and the table gives ours / C.
--
--   small  requests per second: GET of a 13-byte file, one connection each
--          (as socket.http always does), for `seconds` per round
--   large  MB/s: GET of a 50 MiB file into a string (request(url) form)
--
-- usage: lua bench/http_bench.lua [rounds [seconds]]
--        lua bench/http_bench.lua child ours|c PORT small|large SECONDS
package.path = "./spec/?.lua;" .. package.path

local socket = require("socket")

local MIB = 1024 * 1024
local BIG = 50 * MIB
local SMALL_BODY = "hello, world\n"

local function child(port, what, seconds)
    local http = require("socket.http")
    local base = "http://127.0.0.1:" .. port
    if what == "small" then
        local n, t0 = 0, socket.gettime()
        local deadline = t0 + seconds
        while socket.gettime() < deadline do
            for _ = 1, 20 do
                local body, code = http.request(base .. "/small.txt")
                assert(body == SMALL_BODY and code == 200, tostring(code))
            end
            n = n + 20
        end
        print(n / (socket.gettime() - t0))
    else
        local best = 0
        for _ = 1, 3 do
            local t0 = socket.gettime()
            local body, code = http.request(base .. "/big.bin")
            local dt = socket.gettime() - t0
            assert(code == 200 and #body == BIG, tostring(code))
            body = nil -- luacheck: ignore
            collectgarbage()
            best = math.max(best, BIG / MIB / dt)
        end
        print(best)
    end
end

if arg[1] == "child" then
    local impl = arg[2]
    local http = require("socket.http")
    assert((socket._IMPLEMENTATION ~= nil) == (impl == "ours"), "wrong LuaSocket loaded for " .. impl)
    assert(http.request)
    child(tonumber(arg[3]), arg[4], tonumber(arg[5]))
    return
end

local httpd = require("fixtures.httpd")
local net = require("support.net")
assert(socket._IMPLEMENTATION, "socket is not ours: run through bench/run_http_bench")

local rounds = tonumber(arg[1]) or 3
local seconds = tonumber(arg[2]) or 2
local version = _VERSION:match("5%.%d")
local interp = net.interpreter()
local c_env = "LUA_PATH=" .. httpd.quote("/usr/share/lua/" .. version .. "/?.lua;/usr/share/lua/" .. version
    .. "/?/init.lua") .. " LUA_CPATH=" .. httpd.quote("/usr/lib/x86_64-linux-gnu/lua/" .. version .. "/?.so")

local dir = httpd.tmpdir()
local server
local ok, err = pcall(function()
    os.execute("mkdir -p " .. dir .. "/www")
    httpd.write_file(dir .. "/www/small.txt", SMALL_BODY)
    os.execute("head -c " .. BIG .. " /dev/urandom > " .. dir .. "/www/big.bin")
    server = httpd.nginx(dir, { workers = 2 })

    local function measure(impl, what)
        local env = impl == "c" and c_env or ""
        local cmd = env .. " " .. httpd.quote(interp) .. " bench/http_bench.lua child " .. impl .. " " .. server.port
            .. " " .. what .. " " .. seconds
        local p = assert(io.popen(cmd .. " 2>&1"))
        local out = p:read("*a")
        p:close()
        local v = tonumber(out:match("^%s*(%S+)%s*$"))
        if not v then error(impl .. " " .. what .. " failed:\n" .. out) end
        return v
    end

    local best = { small = {}, large = {} }
    for r = 1, rounds do
        local order = r % 2 == 1 and { "c", "ours" } or { "ours", "c" }
        for _, what in ipairs { "small", "large" } do
            for _, impl in ipairs(order) do
                local v = measure(impl, what)
                best[what][impl] = math.max(best[what][impl] or 0, v)
            end
        end
    end
    local lua = rawget(_G, "jit") and jit.version or _VERSION
    print(("socket.http on %s, nginx on loopback, best of %d rounds"):format(lua, rounds))
    print(("%-34s %12s %12s %8s"):format("measure", "C LuaSocket", "ours", "ours/C"))
    local rows = {
        { "small GET, requests/s", "small" },
        { "50 MiB GET, MB/s", "large" },
    }
    for _, row in ipairs(rows) do
        local c, ours = best[row[2]].c, best[row[2]].ours
        print(("%-34s %12.0f %12.0f %7.2fx"):format(row[1], c, ours, ours / c))
    end
end)
if server then server.stop() end
httpd.rmdir(dir)
if not ok then error(err, 0) end
