-- What bench/net_cases.lua and bench/lib_cases.lua share: the report
-- protocol bench/run reads, and the data check.
--
-- A case process prints, one per line:
--   IMPL <the module's _IMPLEMENTATION, or "C LuaSocket">
--   FROM <the shared object(s) mapped into the process for the module>
--   LUA <the .lua files the case went through> (lib cases only)
--   DIGEST <length:adler32 of the case's output> (when it has one)
--   RESULT <number>
-- and exits 3 when a data check fails, 4 when the case raised an error.
--
-- Loaded with dofile (package.path is left to the implementation under
-- test), so it requires no module itself.

local harness = {}

-- The shared objects of `kind` ("socket" or "mime") mapped into this
-- process: ours (one library for both), else C LuaSocket's, by the names
-- Debian gives them (liblua5.x-socket.so.N, liblua5.x-mime.so.N) or the
-- plain module layout (socket/core.so).
function harness.where_loaded(kind)
    local f = io.open("/proc/self/maps")
    if not f then return "?" end
    local maps = f:read("*a")
    f:close()
    return maps:match("(/[^\n]-luasocket_rs%.so)\n")
        or maps:match("(/[^\n]-" .. kind .. "/core%.so)\n")
        or maps:match("(/[^\n]-liblua[^\n]-" .. kind .. "%.so[^\n]*)\n")
        or "?"
end

function harness.check(cond, msg)
    if not cond then
        io.stderr:write("DATA CHECK FAILED: ", msg, "\n")
        os.exit(3)
    end
end

-- "length:adler32" of a string, in plain arithmetic (no bit library, so
-- the same on every Lua version). The sums are reduced once per block of
-- 4096 bytes, which keeps them well inside a double's exact range.
function harness.digest(s)
    local a, b = 1, 0
    for i = 1, #s, 4096 do
        local bytes = { s:byte(i, math.min(i + 4095, #s)) }
        for j = 1, #bytes do
            a = a + bytes[j]
            b = b + a
        end
        a, b = a % 65521, b % 65521
    end
    return ("%d:%08x"):format(#s, b * 65536 + a)
end

-- Prints the header lines, runs `f` and prints its result. `f` returns the
-- number and, optionally, the digest of its output.
function harness.run(impl, from, f, lua_files)
    print("IMPL " .. (impl or "C LuaSocket"))
    print("FROM " .. from)
    if lua_files then print("LUA " .. table.concat(lua_files, " ")) end
    local ok, value, digest = pcall(f)
    if not ok then
        io.stderr:write("case failed: ", tostring(value), "\n")
        os.exit(4)
    end
    if digest then print("DIGEST " .. digest) end
    print(("RESULT %.6g"):format(value))
end

return harness
