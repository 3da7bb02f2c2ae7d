-- Fails loudly unless socket.core (and every native module) was loaded from
-- the tree under test ($LUASOCKET_TREE), not from a C LuaSocket installed in
-- the system paths. Run directly by scripts/test, and as busted's --helper,
-- so that every spec run checks it first.
local tree = os.getenv("LUASOCKET_TREE")
if not tree or tree == "" then
    error("LUASOCKET_TREE is not set: run the specs through scripts/test", 0)
end

local core = require("socket.core")
local socket = require("socket")
assert(socket == core, "require('socket') must extend the socket.core table")
if type(core._IMPLEMENTATION) ~= "string" or not core._IMPLEMENTATION:match("^luasocket%-rust ") then
    error("socket.core is not ours (no _IMPLEMENTATION field): a C LuaSocket was loaded", 0)
end

local mime_core = require("mime.core")
if mime_core._VERSION ~= "MIME 1.0.3" then
    error("mime.core has the wrong _VERSION: " .. tostring(mime_core._VERSION), 0)
end
if mime_core._IMPLEMENTATION ~= core._IMPLEMENTATION then
    error("mime.core is not ours (no _IMPLEMENTATION field): a C LuaSocket was loaded", 0)
end
assert(require("mime") == mime_core, "require('mime') must extend the mime.core table")

local unix = require("socket.unix")
local stream = unix.stream()
if not tostring(stream):match("^unixstream{master}: ") then
    error("socket.unix did not make a unixstream{master}: " .. tostring(stream), 0)
end
stream:close()

-- The shared object really mapped into this process must be the tree's.
local maps = assert(io.open("/proc/self/maps", "r"))
local text = maps:read("*a")
maps:close()
local want = tree .. "/lib/lua/"
local found = false
for path in text:gmatch("(/[^\n]-luasocket_rs%.so)\n") do
    if path:sub(1, #want) ~= want then
        error("luasocket_rs.so mapped from outside the tree: " .. path, 0)
    end
    found = true
end
if not found then error("luasocket_rs.so is not mapped from " .. want, 0) end
for path in text:gmatch("(/[^\n]-/socket/core%.so)\n") do
    error("a C socket/core.so is loaded: " .. path, 0)
end
for path in text:gmatch("(/[^\n]-/mime/core%.so)\n") do
    error("a C mime/core.so is loaded: " .. path, 0)
end
for path in text:gmatch("(/[^\n]-/socket/unix%.so)\n") do
    error("a C socket/unix.so is loaded: " .. path, 0)
end

if ... == nil then
    -- Run as a script: report.
    print("socket.core: " .. core._IMPLEMENTATION .. " from " .. tree)
    print("mime.core: " .. mime_core._IMPLEMENTATION .. " from " .. tree)
    print("socket.unix: " .. tostring(unix) .. " from " .. tree)
end
return true
