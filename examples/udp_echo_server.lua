-- A UDP echo server: sends every datagram back to whoever sent it.
--
-- usage: lua examples/udp_echo_server.lua [port [count]]
-- Listens on 127.0.0.1 (port 0, the default, picks a free one and prints
-- it); stops after echoing `count` datagrams (default 10), or after 30
-- seconds without one. Datagrams of any size come back whole.
local socket = require("socket")

local port = tonumber(arg[1]) or 0
local count = tonumber(arg[2]) or 10

local server = assert(socket.udp4())
assert(server:setsockname("127.0.0.1", port))
assert(server:settimeout(30))
local ip, bound = server:getsockname()
print(("udp echo server on %s:%d"):format(ip, bound))
io.stdout:flush()

for _ = 1, count do
    local data, from, from_port = server:receivefrom()
    if not data then
        print("receive failed: " .. from)
        break
    end
    assert(server:sendto(data, from, from_port))
end
server:close()
