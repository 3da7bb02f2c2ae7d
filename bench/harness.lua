-- What bench/net_cases.lua and bench/lib_cases.lua share: the report
-- protocol bench/run reads, and the data check.
--
-- A case process prints, one per line:
--   IMPL <the module's _IMPLEMENTATION, or "C LuaSocket">
--   FROM <the shared object(s) mapped into the process for the module>
--   LUA <the .lua files the case went through> (lib cases only)
--   DIGEST <length:adler32 of the case's output> (when it has one)
--   CPU <CPU seconds> <wall seconds> (when it has a timed region, below)
--   RESULT <number>
-- and exits 3 when a data check fails, 4 when the case raised an error.
--
-- Wall time is never read from the library under test (nor from any Lua
-- library): harness.start() and harness.stop() mark the timed region for
-- bench/stopwatch.c, a separate process that reads CLOCK_MONOTONIC (see
-- there), through the two pipes bench/run hands the process, named in
-- BENCH_STOPWATCH as "<marks fd> <replies fd>". Both implementations are
-- timed by the same two writes and reads. CPU time, where a case means it,
-- is os.clock.
--
-- The CPU line is the process's CPU time (os.clock: user and system) and
-- the wall time of the last timed region, the one a rate comes from (an
-- earlier one only sizes the run): bench/run shows from it what a unit of
-- work cost the client, beside how fast it went.
--
-- Loaded with dofile (package.path is left to the implementation under
-- test), so it requires no module itself.

local harness = {}

local marks, replies
local cpu_at_start, last_region

local function stopwatch()
    if not marks then
        local w, r = (os.getenv("BENCH_STOPWATCH") or ""):match("^(%d+) (%d+)$")
        if not w then
            io.stderr:write("case failed: BENCH_STOPWATCH not set (run the cases through bench/run)\n")
            os.exit(4)
        end
        marks = assert(io.open("/dev/fd/" .. w, "wb"))
        marks:setvbuf("no")
        replies = assert(io.open("/dev/fd/" .. r, "rb"))
    end
    return marks, replies
end

-- Starts the stopwatch; returns once it has taken the time, so the work
-- that follows is all inside the region.
function harness.start()
    local m, r = stopwatch()
    m:write("s")
    assert(r:read(1) == "s", "stopwatch did not answer")
    cpu_at_start = os.clock()
end

-- Stops it and returns the seconds since harness.start().
function harness.stop()
    local m, r = stopwatch()
    local cpu = os.clock() - cpu_at_start
    m:write("e")
    local seconds = tonumber(r:read("*l"))
    assert(seconds, "stopwatch did not answer")
    last_region = { cpu, seconds }
    return seconds
end

-- Times `f()` and returns the seconds it took and f's first result.
function harness.time(f)
    harness.start()
    local out = f()
    return harness.stop(), out
end

-- The shared objects of `kind` ("socket", "mime" or "ssl") mapped into this
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
        or maps:match("(/[^\n]-/" .. kind .. "%.so)\n") -- LuaSec's ssl.so
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
    if last_region then print(("CPU %.6g %.6g"):format(last_region[1], last_region[2])) end
    print(("RESULT %.6g"):format(value))
end

return harness
