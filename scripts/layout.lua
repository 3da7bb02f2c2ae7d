-- Prints the files the rockspec installs, one "SOURCE<TAB>DESTINATION" per
-- line, destinations relative to a LuaRocks tree (lib/lua/V, share/lua/V).
-- scripts/test copies exactly these, so the tested layout is the rock's.
--
-- usage: lua scripts/layout.lua ROCKSPEC LUA_VERSION RUST_TARGET_DIR
local rockspec_path, version, target = arg[1], arg[2], arg[3]
assert(rockspec_path and version and target, "usage: layout.lua ROCKSPEC LUA_VERSION TARGET_DIR")

local env = {}
local chunk
if setfenv then
    chunk = assert(loadfile(rockspec_path))
    setfenv(chunk, env)
else
    chunk = assert(loadfile(rockspec_path, "t", env))
end
chunk()

local build = assert(env.build, "rockspec has no build table")
assert(build.type == "rust-mlua", "rockspec build type is not rust-mlua")

local lines = {}
-- Native modules: key -> lib/lua/V/<key>.so, from <target>/release/lib<name>.so
-- (the rust-mlua backend copies them to "<key>.so" in the lib dir, without
-- turning dots into folders).
for key, name in pairs(build.modules or {}) do
    if type(key) == "number" then key = name end
    assert(not key:find("[./]"), "native module names must be flat: " .. key)
    lines[#lines + 1] = target .. "/release/lib" .. name .. ".so\tlib/lua/" .. version .. "/" .. key .. ".so"
end
-- Lua modules: key "a.b" -> share/lua/V/a/b.lua
for key, file in pairs((build.install or {}).lua or {}) do
    lines[#lines + 1] = file .. "\tshare/lua/" .. version .. "/" .. key:gsub("%.", "/") .. ".lua"
end
table.sort(lines)
io.write(table.concat(lines, "\n"), "\n")
