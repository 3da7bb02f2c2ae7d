-- Helpers the differential scenarios share: connected TCP pairs, ports
-- nobody listens on, and small value summaries that are the same for both
-- libraries (a class name, the sign of a descriptor).
local util = {}

--- The class part of tostring(obj): "tcp{client}".
function util.class(o)
    return (tostring(o):match("^[^:]+"))
end

--- A value's type, and for numbers only their sign (descriptor numbers and
-- byte counts differ between runs; their sign does not).
function util.kind(v)
    if type(v) ~= "number" then return type(v) end
    if v < 0 then return "negative" end
    return "non-negative"
end

--- A listening server on 127.0.0.1 (ephemeral port, marked with t:port), a
-- client connected to it and the accepted end, named "server", "client"
-- and "conn" (plus `opts.suffix`), with `opts.timeout` (default 2 s) on
-- each, and all closed when the scenario ends. The server is closed at once
-- unless `opts.keep_server`.
-- @return client, conn, server, port
function util.pair(t, socket, opts)
    opts = opts or {}
    local suffix, timeout = opts.suffix or "", opts.timeout or 2
    local server = t:name(assert(socket.bind("127.0.0.1", 0)), "server" .. suffix)
    t:defer(function() server:close() end)
    local _, port = server:getsockname()
    t:port(port)
    local client = t:name(assert(socket.tcp()), "client" .. suffix)
    t:defer(function() client:close() end)
    client:settimeout(timeout)
    assert(client:connect("127.0.0.1", port))
    server:settimeout(timeout)
    local conn = t:name(assert(server:accept()), "conn" .. suffix)
    t:defer(function() conn:close() end)
    conn:settimeout(timeout)
    if not opts.keep_server then server:close() end
    return client, conn, server, port
end

--- A port nothing listens on (`new` is socket.tcp, the default, or
-- socket.udp: it was bound on 127.0.0.1, then closed), marked with t:port.
function util.dead_port(t, socket, new)
    local s = assert((new or socket.tcp)())
    if s.bind then assert(s:bind("127.0.0.1", 0)) else assert(s:setsockname("127.0.0.1", 0)) end
    local _, port = s:getsockname()
    s:close()
    return t:port(tonumber(port))
end

return util
