-- A unix-domain echo server: sends every line it receives back to the
-- client.
--
-- usage: lua examples/unix_echo_server.lua [path [max_clients]]
-- Listens on `path` (default: a fresh name in the temporary directory,
-- printed at start; a path starting with "@" names a Linux abstract socket),
-- serves clients one at a time, stops after max_clients (default 1) and
-- removes the socket file.
local unix = require("socket.unix")

local path = arg[1]
if not path then
    path = os.tmpname()
    os.remove(path)
end
local max_clients = tonumber(arg[2]) or 1
-- "@name" is the usual way to write an abstract name: a leading NUL byte.
local address = path:gsub("^@", "\0")

local server = assert(unix.stream())
assert(server:bind(address))
assert(server:listen())
assert(server:settimeout(30))
print("unix echo server on " .. path)
io.stdout:flush()

for _ = 1, max_clients do
    local client, err = server:accept()
    if not client then
        print("accept failed: " .. err)
        break
    end
    client:settimeout(30)
    while true do
        local line, rerr = client:receive("*l")
        if not line then
            if rerr ~= "closed" then print("receive failed: " .. rerr) end
            break
        end
        client:send(line .. "\n")
    end
    client:close()
end
server:close()
if address:sub(1, 1) ~= "\0" then os.remove(path) end
