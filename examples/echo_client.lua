-- A TCP echo client: sends each argument as a line and prints the replies.
--
-- usage: lua examples/echo_client.lua port message...
local socket = require("socket")

local port = tonumber(arg[1]) or 8080
local client = assert(socket.connect("127.0.0.1", port))
client:settimeout(5)

for i = 2, #arg do
    assert(client:send(arg[i] .. "\n"))
    local reply, err = client:receive("*l")
    if not reply then error("no reply: " .. err) end
    print(reply)
end
client:close()
