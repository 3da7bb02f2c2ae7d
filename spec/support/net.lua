-- Loopback fixtures for the specs: a module, not globals.
local socket = require("socket")

local net = {}

--- A listening tcp{server} on 127.0.0.1 with an ephemeral port.
-- @return server, port
function net.local_server(backlog)
    local server = assert(socket.bind("127.0.0.1", 0, backlog))
    assert(server:settimeout(5))
    local _, port = server:getsockname()
    return server, port
end

--- A connected pair of tcp{client} objects: client side and server side.
-- Both have a 5-second timeout so a failing spec cannot hang.
-- @return client, peer, server
function net.tcp_pair()
    local server, port = net.local_server()
    local client = assert(socket.connect("127.0.0.1", port))
    local peer = assert(server:accept())
    assert(client:settimeout(5))
    assert(peer:settimeout(5))
    return client, peer, server
end

--- Closes every socket given (nil entries allowed).
function net.close(...)
    for i = 1, select("#", ...) do
        local s = select(i, ...)
        if s then s:close() end
    end
end

--- Packs arguments with their count (table.pack for Lua 5.1 too).
function net.pack(...)
    return { n = select("#", ...), ... }
end

--- Runs f and returns its results plus the seconds it took.
function net.timed(f, ...)
    local t0 = socket.gettime()
    local r = net.pack(f(...))
    r.elapsed = socket.gettime() - t0
    return r
end

--- Runs a shell command in the background; returns its pid.
function net.spawn(cmd)
    local p = assert(io.popen(cmd .. " >/dev/null 2>&1 & echo $!"))
    local pid = tonumber(p:read("*l"))
    p:close()
    return pid
end

--- Starts a child process (same interpreter) that connects to 127.0.0.1:port
-- and sends one byte every 0.05 s, 80 times, then closes; returns its pid.
function net.trickle_peer(port)
    local script = table.concat({
        'local socket = require("socket")',
        "local c = assert(socket.connect(\"127.0.0.1\", " .. port .. "))",
        "c:settimeout(5)",
        "for _ = 1, 80 do",
        '    if not c:send("x") then break end',
        "    socket.sleep(0.05)",
        "end",
        "c:close()",
    }, " ")
    return net.spawn("'" .. net.interpreter() .. "' -e '" .. script .. "'")
end

--- Stops a process started with spawn.
function net.kill(pid)
    if pid then os.execute("kill " .. pid .. " 2>/dev/null") end
end

--- Waits (up to `secs`) until something accepts connections on port.
function net.wait_port(port, secs)
    local deadline = socket.gettime() + (secs or 5)
    while socket.gettime() < deadline do
        local c = socket.connect("127.0.0.1", port)
        if c then c:close() return true end
        socket.sleep(0.05)
    end
    return false
end

--- The path of the Lua interpreter running this process (read from
-- /proc/<pid>/exe, so `lua` vs `lua5.4` cannot be confused), falling back
-- to the lowest negative index of `arg`, then $LUA.
function net.interpreter()
    local stat = io.open("/proc/self/stat", "r")
    if stat then
        local pid = (stat:read("*l") or ""):match("^(%d+)")
        stat:close()
        if pid then
            local p = io.popen("readlink /proc/" .. pid .. "/exe 2>/dev/null")
            local exe = p and p:read("*l")
            if p then p:close() end
            -- Under valgrind the exe is valgrind's tool: use arg instead.
            if exe and exe ~= "" and not exe:find("valgrind", 1, true) then return exe end
        end
    end
    local a = rawget(_G, "arg")
    if type(a) == "table" then
        local i = -1
        while a[i - 1] ~= nil do i = i - 1 end
        if a[i] then return a[i] end
    end
    return os.getenv("LUA") or "lua"
end

--- Shell text that makes a child interpreter load Debian's C LuaSocket
-- (Lua files and libraries from the system paths only) instead of ours, and
-- skip the LUA_INIT prelude that proves ours is loaded. `extra_path` is put
-- in front of the system's package.path (e.g. "./spec/?.lua;").
function net.c_luasocket_env(extra_path)
    local v = _VERSION:match("%d+%.%d+")
    return "env -u LUA_INIT -u LUA_INIT_5_2 -u LUA_INIT_5_3 -u LUA_INIT_5_4 -u LUASOCKET_TREE"
        .. " LUA_PATH='" .. (extra_path or "") .. "/usr/share/lua/" .. v .. "/?.lua;/usr/share/lua/"
        .. v .. "/?/init.lua' LUA_CPATH='/usr/lib/x86_64-linux-gnu/lua/" .. v .. "/?.so'"
end

--- Runs Lua `code` in a child interpreter (the same one as this process,
-- inheriting LUA_PATH/LUA_CPATH) and returns its stdout and stderr.
-- `prefix` is shell text put before the interpreter (e.g. "ulimit -n 4096;"
-- or "env --default-signal=PIPE"); `file` runs that script instead of `code`.
function net.run_lua(code, prefix, file)
    local script = file
    if not script then
        script = os.tmpname()
        local f = assert(io.open(script, "w"))
        f:write(code)
        f:close()
    end
    local cmd = (prefix or "") .. " '" .. net.interpreter() .. "' '" .. script .. "' 2>&1"
    local p = assert(io.popen(cmd, "r"))
    local out = p:read("*a")
    p:close()
    if not file then os.remove(script) end
    return out
end

return net
