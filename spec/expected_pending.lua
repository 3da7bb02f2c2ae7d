-- The pending specs scripts/test accepts, per interpreter, each with its
-- reason. Any other pending spec fails the run: a pending must never hide a
-- failure. `name` is a Lua pattern matched against busted's full name of
-- the pending spec (describe blocks and the pending's text; for a pending()
-- inside an `it`, the it's full name, a space and the message), anchored
-- at both ends.
return {
    {
        name = "name lookups that do not block the loop keeps running while a name resolves copas %(Debian's, "
            .. "unmodified%) ticks on time while one coroutine connects to a slow name "
            .. "spec/dns_async_spec%.lua:%d+: lua%-copas is not packaged for Lua 5%.[34]",
        interpreters = { "lua5.3", "lua5.4" },
        reason = "Debian builds lua-copas for Lua 5.1 and 5.2 only (the select-loop spec beside it runs everywhere)",
    },
    {
        name = "compat: copas lua%-copas is not packaged for Lua 5%.[34]",
        interpreters = { "lua5.3", "lua5.4" },
        reason = "Debian builds lua-copas for Lua 5.1 and 5.2 only",
    },
    {
        name = "compat: redis%-lua lua%-redis is not packaged for Lua 5%.4",
        interpreters = { "lua5.4" },
        reason = "Debian builds lua-redis for Lua 5.1 to 5.3 only",
    },
    {
        name = "compat: lua%-soap lua%-soap is not packaged for Lua 5%.[234]",
        interpreters = { "lua5.2", "lua5.3", "lua5.4" },
        reason = "Debian builds lua-soap for Lua 5.1 only (LuaJIT loads it too)",
    },
    {
        name = "compat: lua%-xmlrpc lua%-xmlrpc is not packaged for Lua 5%.[234]",
        interpreters = { "lua5.2", "lua5.3", "lua5.4" },
        reason = "Debian builds lua-xmlrpc for Lua 5.1 only; it uses module(), which 5.2+ lack",
    },
    {
        name = "socket .- works across coroutine yields %(Lua 5%.1 cannot yield across pcall%)",
        interpreters = { "lua5.1" },
        reason = "Lua 5.1 cannot yield across pcall (LuaJIT and 5.2+ can, and run the spec)",
    },
    {
        name = "socket%.tcp .- tables have no __gc on Lua 5%.1 and LuaJIT",
        interpreters = { "lua5.1", "luajit" },
        reason = "the spec resurrects a socket through a table's __gc, which Lua 5.1 and LuaJIT lack",
    },
}
