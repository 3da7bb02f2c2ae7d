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

return net
