-- A chat server driven by socket.select: one thread, many clients. Every
-- line a client sends goes to all the others as "client N: line".
--
-- usage: lua examples/chat_server.lua [port [max_clients [idle_seconds]]]
-- Listens on 127.0.0.1 (port 0, the default, picks a free one and prints
-- it). After max_clients (default 10) have joined it takes no more, and it
-- stops once they have all left, or after idle_seconds (default 30) without
-- any activity. Try it with two terminals running `nc 127.0.0.1 PORT`.
local socket = require("socket")

local port = tonumber(arg[1]) or 0
local max_clients = tonumber(arg[2]) or 10
local idle = tonumber(arg[3]) or 30

local server = assert(socket.bind("127.0.0.1", port))
local ip, bound = server:getsockname()
print(("chat server on %s:%d"):format(ip, bound))
io.stdout:flush()

local clients = {} -- in joining order: { sock = ..., name = ..., partial = ... }
local joined = 0
local listening = true

local function log(text)
    print(text)
    io.stdout:flush()
end

local function drop(client)
    for i, c in ipairs(clients) do
        if c == client then
            table.remove(clients, i)
            break
        end
    end
    client.gone = true
    client.sock:close()
end

-- Sends `text` to every client but `from`. Sockets are non-blocking: a
-- client too slow to take a line (or gone) is dropped rather than allowed
-- to stall everyone.
local function broadcast(from, text)
    local gone = {}
    for _, c in ipairs(clients) do
        if c ~= from and not c.sock:send(text .. "\n") then gone[#gone + 1] = c end
    end
    for _, c in ipairs(gone) do
        drop(c)
        log(c.name .. " dropped")
    end
end

local function welcome()
    local sock = server:accept()
    if not sock then return end
    sock:settimeout(0)
    joined = joined + 1
    local client = { sock = sock, name = "client " .. joined }
    clients[#clients + 1] = client
    sock:send(("welcome, %s (%d online)\n"):format(client.name, #clients))
    log(client.name .. " joined")
    broadcast(client, "* " .. client.name .. " joined")
    if joined >= max_clients then
        -- Full: stop listening; new connections are refused from now on.
        server:close()
        listening = false
    end
end

-- Reads every complete line the client has sent; keeps a partial one.
local function serve(client)
    while true do
        local line, err, partial = client.sock:receive("*l", client.partial)
        client.partial = nil
        if line then
            log(client.name .. ": " .. line)
            broadcast(client, client.name .. ": " .. line)
        elseif err == "timeout" then
            client.partial = partial
            return
        else
            drop(client)
            log(client.name .. " left")
            broadcast(client, "* " .. client.name .. " left")
            return
        end
    end
end

while listening or #clients > 0 do
    local watch = {}
    if listening then watch[1] = server end
    for _, c in ipairs(clients) do watch[#watch + 1] = c.sock end
    local readable, _, err = socket.select(watch, nil, idle)
    if err == "timeout" then
        log(("idle for %g seconds, stopping"):format(idle))
        break
    end
    if listening and readable[server] then welcome() end
    -- A copy: serve() may drop clients from the list.
    local current = {}
    for i, c in ipairs(clients) do current[i] = c end
    for _, c in ipairs(current) do
        if readable[c.sock] and not c.gone then serve(c) end
    end
end

for _, c in ipairs(clients) do c.sock:close() end
server:close()
log("bye")
