-- url.escape and url.unescape: calls per second, ours (native, see
-- src/url.rs) beside the C LuaSocket's (Debian's lua-socket, whose url.lua
-- does them in Lua with string.gsub), in one run.
--
-- Ours comes from package.path/cpath (run it through bench/run_http_bench);
-- the C one is loaded from its own file by path, so it cannot shadow ours.
-- Rates are calls per second of CPU time (os.clock), best of 3 runs.
--
-- usage: lua bench/url_bench.lua [seconds-per-measure]
local socket = require("socket")
local url = require("socket.url")
assert(socket._IMPLEMENTATION, "socket is not ours: run through bench/run_http_bench")

local budget = tonumber(arg and arg[1]) or 0.3
local version = _VERSION:match("5%.%d")
local saved = socket.url
local curl = assert(loadfile("/usr/share/lua/" .. version .. "/socket/url.lua"))()
socket.url = saved -- LuaSocket's url.lua sets socket.url
assert(curl ~= url and curl.escape ~= url.escape)

-- Inputs: what HTTP code escapes and unescapes (form fields, path parts).
local inputs = {
    { "word", "hello" },
    { "form field", "name=J. Smith & Co/Ltd?" },
    { "UTF-8 text", "caf\195\169 cr\195\168me br\195\187l\195\169e" },
    { "256 bytes", (function()
        local t = {}
        for i = 0, 255 do t[#t + 1] = string.char(i) end
        return table.concat(t)
    end)() },
}

local function rate(f, s)
    local best = 0
    for _ = 1, 3 do
        local n, t0 = 0, os.clock()
        local elapsed
        repeat
            for _ = 1, 1000 do f(s) end
            n = n + 1000
            elapsed = os.clock() - t0
        until elapsed >= budget
        best = math.max(best, n / elapsed)
    end
    return best
end

local lua = rawget(_G, "jit") and jit.version or _VERSION
print(("url.escape / url.unescape on %s, calls per second of CPU time"):format(lua))
print(("%-24s %14s %14s %8s"):format("function, input", "C LuaSocket", "ours", "ours/C"))
for _, name in ipairs { "escape", "unescape" } do
    for _, input in ipairs(inputs) do
        local s = input[2]
        if name == "unescape" then s = curl.escape(s) end
        assert(url[name](s) == curl[name](s), name .. " differs on " .. input[1])
        local c, ours = rate(curl[name], s), rate(url[name], s)
        print(("%-24s %14.0f %14.0f %7.1fx"):format(name .. ", " .. input[1], c, ours, ours / c))
    end
end
