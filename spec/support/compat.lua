-- Loading the unmodified third-party libraries the compat specs run over our
-- sockets (copas, redis-lua, lua-soap, lua-xmlrpc, LuaSec). Whether a library
-- should load is decided by Debian's packaging, not by whether require
-- happens to work: a package whose Lua-Versions field lists this Lua
-- version must load, and a failure to load fails the spec; a version the
-- package is not built for gives a pending, which scripts/test checks
-- against spec/expected_pending.lua.
local compat = {}

-- "5.1" for Lua 5.1 and LuaJIT (which loads 5.1's modules), "5.4" ...
local lua_version = _VERSION:match("%d+%.%d+")

local function dpkg_field(package, field)
    local p = assert(io.popen("dpkg-query -W -f='${" .. field .. "}' " .. package .. " 2>/dev/null"))
    local out = p:read("*a")
    p:close()
    return out
end

--- True when Debian's `package` is installed and built for this Lua version.
function compat.packaged(package)
    local versions = dpkg_field(package, "Lua-Versions")
    for v in versions:gmatch("%S+") do
        if v == lua_version then return true end
    end
    return false
end

--- Loads `module` from Debian's `package`. Returns the module when the
-- package is built for this Lua version (raising if it is not installed or
-- fails to load: that is a failure, never a pending); returns nil and the
-- pending text when Debian does not build it for this version.
function compat.require(module, package)
    if not compat.packaged(package) then
        local installed = dpkg_field(package, "Status"):match("installed$")
        if not installed then
            error(package .. " is not installed (.ci/run installs it)", 0)
        end
        return nil, package .. " is not packaged for Lua " .. lua_version .. (rawget(_G, "jit") and " (LuaJIT)" or "")
    end
    local ok, mod = pcall(require, module)
    if not ok then
        error(package .. " is packaged for Lua " .. lua_version .. " but " .. module .. " fails to load: "
            .. tostring(mod), 0)
    end
    return mod
end

return compat
