-- A unix-domain echo client: sends each argument as a line and prints the
-- replies.
--
-- usage: lua examples/unix_echo_client.lua path message...
-- ("@name" connects to the Linux abstract socket "\0name".)
local unix = require("socket.unix")

local path = assert(arg[1], "usage: unix_echo_client.lua path message...")
local client = assert(unix())
assert(client:settimeout(5))
assert(client:connect((path:gsub("^@", "\0"))))

for i = 2, #arg do
    assert(client:send(arg[i] .. "\n"))
    local reply, err = client:receive("*l")
    if not reply then error("no reply: " .. err) end
    print(reply)
end
client:close()
