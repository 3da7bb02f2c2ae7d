-- A TCP echo server for many clients at once, on socket.poller(): every
-- line a client sends comes back to it. Non-blocking sockets throughout;
-- output a client cannot take yet waits until the poller says it is
-- writable.
--
-- usage: lua examples/poller_echo_server.lua [port [max_clients [idle_seconds]]]
-- Listens on 127.0.0.1; stops once max_clients clients have come and gone
-- (default: never), or after idle_seconds with nothing to do.
local socket = require("socket")

local port = tonumber(arg[1]) or 8080
local max_clients = tonumber(arg[2])
local idle = tonumber(arg[3])

local server = assert(socket.bind("127.0.0.1", port, 128))
server:settimeout(0)
local ip, bound = server:getsockname()
print(("poller echo server on %s:%d"):format(ip, bound))
io.stdout:flush()

local poller = socket.poller()
poller:add(server, "r")
local partial = {} -- client -> the start of a line not yet complete
local output = {}  -- client -> bytes not yet sent
local served = 0

local function drop(client)
    poller:remove(client)
    client:close()
    partial[client], output[client] = nil, nil
    served = served + 1
end

-- Sends what is waiting for `client`; false once the client is gone.
local function flush(client)
    local data = output[client]
    local last, err, sent = client:send(data)
    sent = last or sent
    if sent == #data then
        output[client] = nil
        poller:modify(client, "r")
        return true
    end
    if err ~= "timeout" then return false end
    output[client] = data:sub(sent + 1)
    poller:modify(client, "rw") -- wake up when it can take more
    return true
end

-- Reads one line (a line already buffered costs no system call; the
-- poller reports such a client readable again at once).
local function serve(client)
    local line, err, part = client:receive("*l", partial[client])
    if not line then
        if err ~= "timeout" then return false end
        partial[client] = part
        return true
    end
    partial[client] = nil
    output[client] = (output[client] or "") .. line .. "\n"
    return flush(client)
end

while not max_clients or served < max_clients do
    local ready, events = poller:wait(idle)
    if not ready then
        print(("idle for %s seconds, stopping"):format(idle))
        break
    end
    for i, obj in ipairs(ready) do
        if obj == server then
            local client = server:accept()
            if client then
                client:settimeout(0)
                poller:add(client, "r")
            end
        else
            local ok = true
            if events[i]:find("w", 1, true) and output[obj] then ok = flush(obj) end
            if ok and events[i]:find("r", 1, true) then ok = serve(obj) end
            if not ok then drop(obj) end
        end
    end
end
poller:close()
server:close()
print(("served %d clients"):format(served))
