-- A UDP echo client: sends each argument as a datagram and prints the
-- replies.
--
-- usage: lua examples/udp_echo_client.lua port message...
local socket = require("socket")

local port = assert(tonumber(arg[1]), "usage: udp_echo_client.lua port message...")
local client = assert(socket.udp())
-- A connected UDP socket: send/receive, and only this peer's datagrams.
assert(client:setpeername("127.0.0.1", port))
assert(client:settimeout(5))

for i = 2, #arg do
    assert(client:send(arg[i]))
    local reply, err = client:receive()
    if not reply then error("no reply: " .. err) end
    print(reply)
end
client:close()
