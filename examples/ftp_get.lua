-- Downloads a file over FTP and writes it to a local file (or stdout).
--
-- usage: lua examples/ftp_get.lua [--active] url [file]
--   url: ftp://[user[:password]@]host[:port]/path[;type=a|i]
--   --active: the server connects to us (PORT) instead of the default
--             passive mode (EPSV, or PASV when the server has no EPSV)
--
-- Try it against a local anonymous server:
--   python3 -m pyftpdlib -i 127.0.0.1 -p 2121 -d . &
--   lua examples/ftp_get.lua 'ftp://anonymous@127.0.0.1:2121/README.md;type=i' copy.md
local ftp = require("socket.ftp")
local ltn12 = require("ltn12")
local socket = require("socket")

local active = false
if arg[1] == "--active" then
    active = true
    table.remove(arg, 1)
end
local address, output = arg[1], arg[2]
if not address then
    io.stderr:write("usage: lua examples/ftp_get.lua [--active] url [file]\n")
    os.exit(2)
end

local sink
if output then
    sink = ltn12.sink.file(assert(io.open(output, "wb")))
else
    sink = ltn12.sink.file(io.stdout)
end

local ok, err
if not active then
    -- The high-level form: one call does it all.
    ok, err = ftp.get({ url = address, sink = sink })
else
    -- The low-level session, step by step, to choose active mode.
    ok, err = socket.protect(function()
        local t = ftp.genericform(address)
        local f = ftp.open(t.host, t.port)
        f:greet()
        f:login(t.user, t.password)
        if t.type then f:type(t.type) end
        f:port()
        f:receive({ path = t.path, sink = sink })
        f:quit()
        return f:close()
    end)()
end
if not ok then
    io.stderr:write("download failed: ", tostring(err), "\n")
    os.exit(1)
end
if output then io.stderr:write("saved ", output, "\n") end
