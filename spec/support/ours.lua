-- Proof of origin: fails loudly unless the native library and every Lua
-- module the rockspec installs come from the tree under test
-- ($LUASOCKET_TREE), never from Debian's C LuaSocket (whose Lua files sit in
-- /usr/share/lua/5.x and whose socket/core.so is a link to
-- liblua5.x-socket.so).
--
-- It runs in every Lua process of a test run: scripts/test sets
-- LUA_INIT=@<this file>, so busted and every child interpreter a spec starts
-- (servers, clients, examples, soak and fuzz children) run it before their
-- own code; busted also loads it as --helper. It does three things:
--   1. checks that each module the rockspec installs resolves (through
--      package.path/cpath) to the tree's copy;
--   2. puts a searcher in front of package.searchers that refuses to load
--      any of those modules from anywhere else, for the life of the process;
--   3. as busted's helper, or run as `lua spec/support/ours.lua --report`:
--      loads socket.core, mime.core and socket.unix and checks, in
--      /proc/self/maps, that the mapped library is the tree's
--      luasocket_rs.so and that no C LuaSocket library is mapped.
-- Child processes get 1 and 2 only, so that loading the library stays
-- their own business (a spec checks what loading it changes, SIGPIPE).
local tree = os.getenv("LUASOCKET_TREE")
if not tree or tree == "" then
    error("LUASOCKET_TREE is not set: run the specs through scripts/test", 0)
end

local function fail(msg)
    error("proof of origin: " .. msg, 0)
end

-- The repository root: two levels above this file.
local source = debug.getinfo(1, "S").source
local root = source:match("^@(.-)/?spec/support/ours%.lua$")
if not root then fail("cannot tell where spec/support/ours.lua is (" .. source .. ")") end
if root == "" then root = "." end

-- The Lua version directory: LuaJIT uses 5.1's.
local version = _VERSION:match("%d+%.%d+")

-- The modules the rockspec installs, read from the rockspec itself.
local function rockspec_modules()
    local env = {}
    local chunk, err
    if setfenv then
        chunk, err = loadfile(root .. "/luasocket-scm-1.rockspec")
        if chunk then setfenv(chunk, env) end
    else
        chunk, err = loadfile(root .. "/luasocket-scm-1.rockspec", "t", env)
    end
    if not chunk then fail("cannot read the rockspec: " .. tostring(err)) end
    chunk()
    local lua, native = {}, {}
    for key in pairs(((env.build or {}).install or {}).lua or {}) do
        lua[key] = tree .. "/share/lua/" .. version .. "/" .. key:gsub("%.", "/") .. ".lua"
    end
    for key, name in pairs((env.build or {}).modules or {}) do
        if type(key) == "number" then key = name end
        native[key] = tree .. "/lib/lua/" .. version .. "/" .. key .. ".so"
    end
    return lua, native
end

local lua_modules, native_modules = rockspec_modules()
if next(lua_modules) == nil or next(native_modules) == nil then
    fail("the rockspec lists no modules")
end

-- package.searchpath, which Lua 5.1 lacks.
local function searchpath(name, path)
    local file = name:gsub("%.", "/")
    for template in path:gmatch("[^;]+") do
        local candidate = template:gsub("%?", file)
        local f = io.open(candidate, "r")
        if f then
            f:close()
            return candidate
        end
    end
end

-- The names LuaSocket's packages install (Debian's included): a module of
-- that family that the rockspec does not install must not come from
-- anywhere either, or a module dropped from the rockspec would silently
-- load Debian's copy.
local function luasocket_family(name)
    return name == "socket" or name == "mime" or name == "ltn12" or name == "mbox"
        or name:match("^socket%.") ~= nil or name:match("^mime%.") ~= nil
end

local function resolves(name)
    if lua_modules[name] then return lua_modules[name], searchpath(name, package.path) end
    if native_modules[name] then return native_modules[name], searchpath(name, package.cpath) end
    if luasocket_family(name) then
        local got = searchpath(name, package.path) or searchpath(name, package.cpath)
        return "(not installed by the rockspec)", got
    end
end

-- 1. Everything resolves to the tree.
for name, want in pairs(lua_modules) do
    local _, got = resolves(name)
    if got ~= want then
        fail(string.format("module %s resolves to %s, not to the tree's %s", name, tostring(got), want))
    end
end
for name, want in pairs(native_modules) do
    local _, got = resolves(name)
    if got ~= want then
        fail(string.format("native library %s resolves to %s, not to the tree's %s", name, tostring(got), want))
    end
end

-- Every Lua file the project ships (lua/) must be installed by the rockspec.
if (...) == "--report" then
    local p = assert(io.popen("cd '" .. root .. "/lua' && find . -name '*.lua' | sort"))
    for file in p:lines() do
        local name = file:gsub("^%./", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
        if not lua_modules[name] then
            fail("lua/" .. file:gsub("^%./", "") .. " is not installed by the rockspec (module " .. name .. ")")
        end
    end
    p:close()
end

-- 2. A searcher ahead of the others: a module of ours that would load from
-- anywhere but the tree (package.path changed later, a file removed) raises.
local searchers = package.searchers or package.loaders
if not rawget(_G, "__luasocket_origin_guard") then
    table.insert(searchers, 2, function(name)
        local want, got = resolves(name)
        if want and got ~= want then
            fail(string.format("require(%q) would load %s, not the tree's %s", name, tostring(got), want))
        end
        return "\n\tno check needed for '" .. name .. "'"
    end)
    rawset(_G, "__luasocket_origin_guard", true)
end

-- 3. Load the native modules and look at what is really mapped.
local report = (...) == "--report"
if not (report or package.loaded["busted"]) then return true end
local core = require("socket.core")
local socket = require("socket")
if socket ~= core then fail("require('socket') must extend the socket.core table") end
if type(core._IMPLEMENTATION) ~= "string" or not core._IMPLEMENTATION:match("^luasocket%-rust ") then
    fail("socket.core is not ours (no _IMPLEMENTATION field): a C LuaSocket was loaded")
end
local mime_core = require("mime.core")
if mime_core._IMPLEMENTATION ~= core._IMPLEMENTATION then
    fail("mime.core is not ours (no _IMPLEMENTATION field): a C LuaSocket was loaded")
end
if require("mime") ~= mime_core then fail("require('mime') must extend the mime.core table") end
local unix = require("socket.unix")
local stream = unix.stream()
if not tostring(stream):match("^unixstream{master}: ") then
    fail("socket.unix did not make a unixstream{master}: " .. tostring(stream))
end
stream:close()

local maps = assert(io.open("/proc/self/maps", "r"))
local text = maps:read("*a")
maps:close()
local want_dir = tree .. "/lib/lua/"
local found = false
for path in text:gmatch("(/[^\n]-luasocket_rs%.so)\n") do
    if path:sub(1, #want_dir) ~= want_dir then fail("luasocket_rs.so mapped from outside the tree: " .. path) end
    found = true
end
if not found then fail("luasocket_rs.so is not mapped from " .. want_dir) end
-- Debian's C LuaSocket: socket/core.so, mime/core.so and socket/unix.so are
-- links to these libraries, and maps shows the link's target.
for _, pattern in ipairs({
    "(/[^\n]-liblua5%.%d%-socket[%w%-]*%.so[%.%d]*)\n",
    "(/[^\n]-liblua5%.%d%-mime%.so[%.%d]*)\n",
    "(/[^\n]-/socket/core%.so)\n",
    "(/[^\n]-/mime/core%.so)\n",
    "(/[^\n]-/socket/unix%.so)\n",
}) do
    local path = text:match(pattern)
    if path then fail("a C LuaSocket library is mapped: " .. path) end
end

if report then
    local n = 0
    for _ in pairs(lua_modules) do n = n + 1 end
    print("socket.core: " .. core._IMPLEMENTATION .. " from " .. tree)
    print(string.format("%d Lua modules of the rockspec resolve to %s/share/lua/%s", n, tree, version))
    print("luasocket_rs.so mapped from " .. want_dir .. version)
end
return true
