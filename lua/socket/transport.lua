---
-- socket.transport: the TLS transports socket.http and socket.smtp can
-- use, and the choice between them. Internal: programs name a transport
-- with `tls = "builtin"` or `tls = "luasec"` in an https request (in
-- socket.smtp, `transport` in the `tls` table).
--
-- Without a choice, LuaSec is used when it is installed, so that programs
-- written for LuaSocket and LuaSec see no change; otherwise the built-in
-- transport (socket.tls, on rustls), which is part of this rock.
-- @module socket.transport

local ipairs, tostring = ipairs, tostring

local transport = {}

--- The transports by name, and their order of preference.
transport.ORDER = { "luasec", "builtin" }
transport.BY_NAME = {
    luasec = require("socket.transport.luasec"),
    builtin = require("socket.transport.builtin"),
}

--- Every request-table key some transport reads, once each.
transport.PARAMS = {}
do
    local seen = {}
    for _, name in ipairs(transport.ORDER) do
        for _, param in ipairs(transport.BY_NAME[name].PARAMS) do
            if not seen[param] then
                seen[param] = true
                transport.PARAMS[#transport.PARAMS + 1] = param
            end
        end
    end
end

--- The transport named `name` ("luasec" or "builtin"), or with `name` nil
-- the first available one. Returns the transport and its name, or nil and
-- a message (why the named one cannot work, or an invalid name).
function transport.choose(name)
    if name == nil then
        local first_err
        for _, n in ipairs(transport.ORDER) do
            local ok, err = transport.BY_NAME[n].available()
            if ok then return transport.BY_NAME[n], n end
            first_err = first_err or err
        end
        return nil, first_err
    end
    local chosen = transport.BY_NAME[name]
    if not chosen then
        return nil, "invalid tls '" .. tostring(name) .. "' (\"builtin\" or \"luasec\" expected)"
    end
    local ok, err = chosen.available()
    if not ok then return nil, err end
    return chosen, name
end

return transport
