-- Starts the differential harness's fixture servers (spec/diff/peers/*.py)
-- for the protocol scenarios, and normalises what varies between the two
-- runs (ports, LuaSocket's version in User-Agent and X-Mailer).
--
-- Every peer binds 127.0.0.1 on an ephemeral port, writes the port to its
-- --ready file, records what it received in its --out file as Lua
-- statements `R{...}`, and exits by itself after --lifetime seconds (60),
-- even when the run that started it was killed.
local socket = require("socket")

local peer = {}

local proc = require("support.proc")
local quote, read_file, tmpdir, python = proc.quote, proc.read_file, proc.tmpdir, proc.python
peer.quote, peer.read_file, peer.write_file, peer.tmpdir = quote, read_file, proc.write_file, tmpdir

--- Starts spec/diff/peers/<script> with `args` (shell text); waits until
-- it listens. Registers its stop with t:defer and its port with t:port.
-- @return a handle: port, dir, records() (the list of R{...} entries),
--   stop()
function peer.start(t, script, args)
    local dir = tmpdir()
    local ready, out = dir .. "/ready", dir .. "/out"
    local cmd = python() .. " spec/diff/peers/" .. script .. " --ready " .. quote(ready) .. " --out " .. quote(out)
        .. " --lifetime 60 " .. (args or "") .. " >" .. quote(dir .. "/log") .. " 2>&1 & echo $!"
    local p = assert(io.popen(cmd))
    local pid = tonumber(p:read("*l"))
    p:close()
    local h = { pid = pid, dir = dir }
    function h.stop()
        if h.pid then
            os.execute("kill " .. h.pid .. " 2>/dev/null")
            h.pid = nil
        end
        os.execute("rm -rf " .. quote(dir))
    end
    function h.records()
        local text = read_file(out) or ""
        local list = {}
        local env = { R = function(x) list[#list + 1] = x end }
        local chunk
        if setfenv then
            chunk = assert(loadstring(text))
            setfenv(chunk, env)
        else
            chunk = assert(load(text, "records", "t", env))
        end
        chunk()
        return list
    end
    t:defer(h.stop)
    local deadline = socket.gettime() + 15
    while socket.gettime() < deadline do
        local text = read_file(ready)
        if text and text:match("^%d+\n") then
            h.port = tonumber(text:match("^(%d+)"))
            t:port(h.port)
            return h
        end
        socket.sleep(0.01)
    end
    error("peer " .. script .. " did not start: " .. (read_file(dir .. "/log") or ""), 0)
end

-- Replaces in string `s` what differs between the two runs: the ports
-- given, and LuaSocket's version ("LuaSocket 3.0.0" in Debian's package,
-- "LuaSocket 3.1.0" in ours: it goes into User-Agent and X-Mailer).
local function norm_string(s, ports)
    s = s:gsub("LuaSocket 3%.%d%.%d", "LuaSocket VERSION")
    for _, port in ipairs(ports) do
        s = s:gsub("([^%d])" .. port .. "([^%d])", "%1PORT%2")
        s = s:gsub("([^%d])" .. port .. "$", "%1PORT")
    end
    return s
end

--- A deep copy of `v` with every string normalised (see norm_string);
-- `ports` is a list of port numbers.
function peer.norm(v, ports)
    ports = ports or {}
    if type(v) == "string" then return (norm_string(v, ports)) end
    if type(v) ~= "table" then return v end
    local out = {}
    for k, x in pairs(v) do out[peer.norm(k, ports)] = peer.norm(x, ports) end
    return out
end

--- Packs results with their count.
function peer.pack(...)
    return { n = select("#", ...), ... }
end

--- Normalises each of the results of a pcall-free call.
function peer.normall(ports, ...)
    local r = peer.pack(...)
    for i = 1, r.n do r[i] = peer.norm(r[i], ports) end
    return (table.unpack or unpack)(r, 1, r.n)
end

return peer
