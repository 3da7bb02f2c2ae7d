-- A TCP echo server: sends every line it receives back to the client.
--
-- usage: lua examples/echo_server.lua [port [max_clients]]
-- Serves clients one at a time on 127.0.0.1; stops after max_clients
-- (default: serve forever).
local socket = require("socket")

local port = tonumber(arg[1]) or 8080
local max_clients = tonumber(arg[2])

local server = assert(socket.bind("127.0.0.1", port))
local ip, bound = server:getsockname()
print(("echo server on %s:%d"):format(ip, bound))
io.stdout:flush()

local served = 0
while not max_clients or served < max_clients do
    local client = server:accept()
    if client then
        client:settimeout(30)
        while true do
            local line, err = client:receive("*l")
            if not line then
                if err ~= "closed" then print("receive failed: " .. err) end
                break
            end
            client:send(line .. "\n")
        end
        client:close()
        served = served + 1
    end
end
server:close()
