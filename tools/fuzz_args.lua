-- Hostile-arguments fuzzer (issue 7): calls every public function and method
-- of every module with random argument lists drawn from hostile values, each
-- call under pcall, and prints one summary line:
--
--   fuzz: N calls, E lua errors, 0 crashes
--
-- followed by "fuzz: K non-string errors, P panics" (both must be 0). A crash
-- kills the process instead, so run it in a child process (spec/fuzz_spec.lua
-- does) and judge the exit status.
--
-- usage: lua tools/fuzz_args.lua SEED CALLS [-v]
--   -v prints every call that raised a non-string error or a Rust panic;
--   FUZZ_TRACE=1 in the environment prints every call before it is made
--   (the last line names the culprit of a crash or hang).
--
-- Functions and callable objects the library returns (filters, sources,
-- sinks, try, protect, choose...) join the pool and are fuzzed in turn.
-- Errors must be strings, except try-exceptions (socket.try, newtry) and
-- the hostile metamethods' own errors, which are strings too.
--
-- Safety rules, so the fuzzer cannot reach past loopback or block:
--   * host arguments (by position, per function) only come from HOSTS below;
--     names with spaces fail inside the resolver without any query;
--   * unix-socket paths only name files in a private temporary directory,
--     removed at the end;
--   * every fuzz socket's timeouts are reset to 0 before every call;
--     sleep/select/tp.connect/poller:wait timeouts are capped at 0.01 s; SO_LINGER
--     timeouts are forced to 0; setfd never adopts a real descriptor;
--   * callbacks handed to the library stop after a few calls, so pumps end;
--   * socket.http.request, smtp and ftp are not fuzzed (they need servers);
--     socket.tls objects are shaken hands over loopback with a certificate
--     made here.
local seed = tonumber(arg and arg[1]) or os.time()
local total = tonumber(arg and arg[2]) or 2000
local verbose = arg and arg[3] == "-v"
local trace = os.getenv("FUZZ_TRACE") == "1"

local socket = require("socket")
local unix = require("socket.unix")
local mime = require("mime")
local ltn12 = require("ltn12")
local url = require("socket.url")
local headers = require("socket.headers")
local tp = require("socket.tp")
local mbox = require("mbox")
local tls = require("socket.tls")

math.randomseed(seed)
local random = math.random

local HOSTS = { "127.0.0.1", "::1", "localhost", "*", "", "no such host", "\0", "a b" }

local tmpdir
do
    local p = assert(io.popen("mktemp -d 2>/dev/null"))
    tmpdir = p:read("*l")
    p:close()
    assert(tmpdir and tmpdir ~= "", "mktemp -d failed")
end
-- A self-signed certificate for the TLS objects of the pool.
local tls_cert, tls_key = tmpdir .. "/tls.pem", tmpdir .. "/tls.key"
os.execute("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost"
    .. " -keyout '" .. tls_key .. "' -out '" .. tls_cert .. "' >/dev/null 2>&1")
local path_seq = 0
local function fresh_path()
    path_seq = path_seq + 1
    return tmpdir .. "/s" .. path_seq
end
local PATHS = { "", "\0", "\0luasocket-fuzz", tmpdir .. "/no such dir/x", tmpdir .. "/p1", tmpdir .. "/p2" }

-- Hostile values ----------------------------------------------------------

local HUGE = string.rep("a b\0\r\n", 1024 * 1024 / 8) -- 1 MiB, spaces and NULs
local maxint = math.maxinteger or 2 ^ 53
local minint = math.mininteger or -2 ^ 53

local NUMBERS = {
    0 / 0, 1 / 0, -1 / 0, 1e308, -1e308, 2 ^ 31, 2 ^ 31 - 1, -2 ^ 31, 2 ^ 32, 2 ^ 53, 2 ^ 63, -2 ^ 63,
    -1, 0, 1, 2, 0.5, -0.5, 1e-300, 8192, 65535, 65536, 1e6, maxint, minint,
}
if math.tointeger then
    NUMBERS[#NUMBERS + 1] = math.tointeger(-1)
    NUMBERS[#NUMBERS + 1] = math.tointeger(0)
end

local STRINGS = {
    "", HUGE, "\0", "a\0b", "\0\0\0\0", "*a", "*l", "*", "b", "t", "r", "keep-open", "close-when-done",
    "until-closed", "by-length", "default", "base64", "quoted-printable", "text", "binary", "CRLF", "\r\n",
    "\n", "=\r\n", ".", "\r\n.\r\n", "%", "%%", "%zz", "%0", "http://a b/%zz?x#y", "//", ";;;", "?", "#",
    "From a b\n\nbody", "a: b\r\n\r\n", "\255\254", string.rep("=", 300), string.rep("\n", 1000),
    "keepalive", "linger", "reuseaddr", "reuseport", "tcp-nodelay", "ipv6-v6only", "broadcast",
    "recv-buffer-size", "send-buffer-size", "error", "dontroute", "ip-multicast-ttl", "ip-multicast-loop",
    "ip-add-membership", "ip-multicast-if", "bindtodevice", "tcp-keepidle", "both", "send", "receive",
    "inet", "inet6", "unspec", "no such option",
}

local function erroring_table()
    local mt = {}
    for _, k in ipairs({ "__index", "__newindex", "__len", "__tostring", "__call", "__concat", "__eq", "__lt",
        "__le", "__pairs", "__ipairs", "__unm", "__add" }) do
        mt[k] = function() error("hostile " .. k) end
    end
    return setmetatable({}, mt)
end

-- Callbacks that stop (return nil) after a few calls, so no pump runs forever.
local function bounded(f)
    local n = 0
    return function(...)
        n = n + 1
        if n > 4 then return nil end
        return f(...)
    end
end

local pool_sockets = {}   -- every fuzz socket, live or closed
-- Functions and callable objects the library returned (filters, sources,
-- sinks, try, protect, choose...), fuzzed in turn; origin[f] names the
-- call that made it.
local derived, origin = {}, setmetatable({}, { __mode = "k" })
local by_class = {}       -- class name -> { sockets of that class }
local other_userdata = io.tmpfile()

local function hostile_table()
    local k = random(12)
    if k == 1 then return {} end
    if k == 2 then return { 1, 2, 3, "x", n = 1 / 0 } end
    if k == 3 then return erroring_table() end
    if k == 4 then return { on = random(2) == 1, timeout = NUMBERS[random(#NUMBERS)] } end
    if k == 5 then return { multiaddr = HOSTS[random(#HOSTS)], interface = HOSTS[random(#HOSTS)] } end
    if k == 6 then
        -- select() over duck-typed objects with hostile getfd/dirty
        local v = ({ 0 / 0, 1 / 0, -5, 2 ^ 53, maxint, "x", {}, 1 })[random(8)]
        return { { getfd = function() return v end, dirty = function() return random(2) == 1 end } }
    end
    if k == 7 or k == 8 then
        local t = {}
        for i = 1, random(4) do t[i] = pool_sockets[random(#pool_sockets)] end
        return t
    end
    if k == 9 then return { getfd = function() error("hostile getfd") end } end
    if k == 10 then return setmetatable({}, { __index = function() return 0 / 0 end }) end
    if k == 11 then return { [1] = HUGE, [2] = false, [1e300] = 1 } end
    local t = {}
    t[1] = t
    t.self = t
    return t
end

local function hostile_function()
    local k = random(6)
    if k == 1 then return bounded(function() end) end
    if k == 2 then return bounded(function() error("hostile function") end) end
    if k == 3 then return bounded(function(...) return ... end) end
    if k == 4 then return bounded(function() return "chunk\r\n" end) end
    if k == 5 then return bounded(function() return nil, "hostile failure" end) end
    return bounded(function() return coroutine.yield() end)
end

local function hostile_coroutine()
    local co = coroutine.create(function() end)
    if random(2) == 1 then coroutine.resume(co) end
    return co
end

local function hostile()
    local k = random(21)
    if k == 21 then
        if #derived == 0 then return nil end
        local v = derived[random(#derived)]
        if type(v) == "function" then
            -- as an argument it is a callback: bounded like ours (a try
            -- function as ltn12.pump.all's step would loop forever, as
            -- upstream's would)
            local w = bounded(v)
            origin[w] = origin[v]
            return w
        end
        return v
    end
    if k <= 1 then return nil end
    if k == 2 then return random(2) == 1 end
    if k <= 6 then return NUMBERS[random(#NUMBERS)] end
    if k <= 10 then return STRINGS[random(#STRINGS)] end
    if k == 11 then return HOSTS[random(#HOSTS)] end
    if k == 12 then return hostile_table() end
    if k == 13 then return hostile_function() end
    if k == 14 then return hostile_coroutine() end
    if k == 15 then return other_userdata end
    return pool_sockets[random(#pool_sockets)]
end

-- The socket pool ---------------------------------------------------------

local function add(s)
    if not s then return end
    pool_sockets[#pool_sockets + 1] = s
    local class = tostring(s):match("^(.-):")
    by_class[class] = by_class[class] or {}
    table.insert(by_class[class], s)
end


local function build_pool()
    for _, s in ipairs(pool_sockets) do pcall(s.close, s) end
    pool_sockets, by_class = {}, {}
    derived = {}
    collectgarbage()
    collectgarbage()
    local server = assert(socket.bind("127.0.0.1", 0))
    local _, port = server:getsockname()
    local client = assert(socket.connect("127.0.0.1", port))
    local peer = assert(server:accept())
    add(server); add(client); add(peer); add(socket.tcp()); add(socket.tcp6())
    local u1 = socket.udp()
    assert(u1:setsockname("127.0.0.1", 0))
    local _, uport = u1:getsockname()
    local u2 = socket.udp()
    assert(u2:setpeername("127.0.0.1", uport))
    add(u1); add(u2); add(socket.udp6())
    local spath = fresh_path()
    local us = unix.stream()
    assert(us:bind(spath))
    assert(us:listen())
    local uc = unix.stream()
    assert(uc:connect(spath))
    add(us); add(uc); add((us:accept())); add(unix.stream())
    local dpath = fresh_path()
    local ud = unix.dgram()
    assert(ud:bind(dpath))
    local udc = unix.dgram()
    assert(udc:connect(dpath))
    add(ud); add(udc)
    -- pollers (one per backend), holding some of these sockets
    for _, backend in ipairs({ "epoll", "poll" }) do
        local p = socket.poller(backend)
        p:add(client, "rw")
        p:add(peer, "r")
        p:add(server, "r")
        add(p)
    end
    -- TLS objects: a shaken pair and the server's certificate, one before
    -- its handshake, a closed one; and the two contexts
    local sctx = assert(tls.newcontext({ mode = "server", certificate = tls_cert, key = tls_key }))
    local cctx = assert(tls.newcontext({ verify = "none", alpn = "x" }))
    local ta = assert(tls.wrap(assert(socket.connect("127.0.0.1", port)), cctx))
    local tb = assert(tls.wrap(assert(server:accept()), sctx))
    ta:settimeout(0)
    tb:settimeout(0)
    for _ = 1, 50 do
        local x, y = ta:dohandshake(), tb:dohandshake()
        if x and y then break end
        socket.select({ ta, tb }, nil, 0.05)
    end
    add(ta); add(tb); add(ta:getpeercertificate()); add(sctx); add(cctx)
    add(tls.wrap(assert(socket.connect("127.0.0.1", port)), cctx))
    add((server:accept()))
    local tclosed = tls.wrap(assert(socket.connect("127.0.0.1", port)), sctx)
    tclosed:close()
    add(tclosed)
    add((server:accept()))
    -- closed sockets of every class
    for _, class in ipairs({ "tcp{master}", "tcp{client}", "tcp{server}", "udp{unconnected}", "udp{connected}",
        "unixstream{master}", "unixstream{client}", "unixstream{server}", "unixdgram{unconnected}",
        "unixdgram{connected}" }) do
        local list = by_class[class]
        if class == "tcp{client}" then
            local c = socket.connect("127.0.0.1", port)
            if c then c:close(); add(c) end
        elseif class == "tcp{server}" then
            local s = socket.bind("127.0.0.1", 0)
            if s then s:close(); add(s) end
        elseif list then
            local maker = ({ ["tcp{master}"] = socket.tcp, ["udp{unconnected}"] = socket.udp,
                ["unixstream{master}"] = unix.stream, ["unixdgram{unconnected}"] = unix.dgram })[class]
            if maker then
                local s = maker()
                s:close()
                add(s)
            end
        end
    end
    NUMBERS[#NUMBERS + 1] = port
    NUMBERS[#NUMBERS + 1] = uport
    if #NUMBERS > 60 then table.remove(NUMBERS, 27); table.remove(NUMBERS, 27) end
end

local function reset_timeouts()
    for _, s in ipairs(pool_sockets) do
        pcall(s.settimeout, s, 0)
        pcall(s.settimeout, s, 0, "t")
    end
end

-- The targets -------------------------------------------------------------

-- Argument positions (1-based, after self for methods) that name a host.
local HOST_ARGS = {
    ["socket.connect"] = { 1, 3 }, ["socket.connect4"] = { 1, 3 }, ["socket.connect6"] = { 1, 3 },
    ["socket.bind"] = { 1 }, ["socket.dns.toip"] = { 1 }, ["socket.dns.tohostname"] = { 1 },
    ["socket.dns.getaddrinfo"] = { 1 }, ["socket.dns.getnameinfo"] = { 1, 2 }, ["socket.tp.connect"] = { 1 },
    connect = { 1 }, bind = { 1 }, setsockname = { 1 }, setpeername = { 1 }, sendto = { 2 },
}
-- Argument positions that are timeouts (capped at 0.01 s).
local TIMEOUT_ARGS = { ["socket.sleep"] = 1, ["socket.select"] = 3, ["socket.tp.connect"] = 3, wait = 1 }

local targets = {}

local function add_module(name, t, seen)
    seen = seen or {}
    if seen[t] then return end
    seen[t] = true
    local keys = {}
    for k in pairs(t) do
        if type(k) == "string" then keys[#keys + 1] = k end
    end
    table.sort(keys)
    for _, k in ipairs(keys) do
        local v = t[k]
        local full = name .. "." .. k
        if k:sub(1, 1) == "_" then -- luacheck: ignore 542
            -- _test_panic and friends: not public
        elseif type(v) == "function" then
            targets[#targets + 1] = { name = full, f = v }
        elseif type(v) == "table" and name:match("^[%w_]+$") or (type(v) == "table" and k == "dns") then
            add_module(full, v, seen)
        end
    end
end

add_module("socket", socket)
add_module("socket.unix", unix)
targets[#targets + 1] = { name = "socket.unix()", f = function(...) return unix(...) end }
add_module("mime", mime)
add_module("ltn12", ltn12)
add_module("socket.url", url)
add_module("socket.headers", headers)
add_module("socket.tp", tp)
add_module("mbox", mbox)
-- the native helpers behind socket.url and socket.http (internal, but reachable)
local native = require("luasocket_rs")
add_module("luasocket_rs.socket_url()", native.socket_url())
add_module("luasocket_rs.socket_http()", native.socket_http())
add_module("socket.tls", tls)

build_pool()
local methods = {}
for class, list in pairs(by_class) do
    local index = getmetatable(list[1]).__index
    for k, v in pairs(index) do
        if type(v) == "function" then
            methods[#methods + 1] = { name = class .. ":" .. k, method = k, class = class, f = v }
        end
    end
end
table.sort(methods, function(a, b) return a.name < b.name end)
for _, m in ipairs(methods) do targets[#targets + 1] = m end

-- Make one call -----------------------------------------------------------

local function pack(...) return { n = select("#", ...), ... } end

local function sanitize(target, args)
    local key = target.method or target.name
    local unix_like = target.class and target.class:match("^unix")
    for _, i in ipairs(HOST_ARGS[key] or {}) do
        local v = args[i]
        if type(v) == "string" or type(v) == "number" then
            if unix_like then
                args[i] = (random(3) == 1) and fresh_path() or PATHS[random(#PATHS)]
            else
                args[i] = HOSTS[random(#HOSTS)]
            end
        end
    end
    local ti = TIMEOUT_ARGS[key]
    if ti then
        local v = tonumber(args[ti])
        if (key == "socket.select" or key == "wait") and (v == nil or v ~= v or v < 0) then
            args[ti] = 0.005 -- nil/negative/NaN means wait forever: not here
        elseif v and v > 0.01 then
            args[ti] = 0.01
        end
    end
    if key == "setfd" and tonumber(args[1]) then
        args[1] = (random(10) == 1) and -1 or "x"
    end
    if key == "setoption" and args[1] == "linger" and type(args[2]) == "table" then
        local t = args[2]
        local ok, tmo = pcall(function() return rawget(t, "timeout") end)
        if ok and type(tmo) == "number" and tmo > 0 then rawset(t, "timeout", 0) end
    end
    if (key == "add" or key == "modify") and random(2) == 1 then
        -- valid events half the time, so members really join
        args[2] = ({ "r", "w", "rw" })[random(3)]
        args.n = math.max(args.n, 2)
    end
    if key == "wait" then args.n = math.max(args.n, 1) end
    if key == "socket.select" then
        -- getfd callbacks on stdin/stdout are fine; nothing else to cap
        args.n = math.max(args.n, 3)
    end
end

local calls, errors, nonstring, panics = 0, 0, 0, 0

-- socket.try and the try functions newtry makes raise a table by contract
-- (also when reached through a filter or source built over one): protect
-- turns exactly those into nil, msg.
local function is_try_exception(e)
    local ok, first = pcall(socket.protect(function() error(e, 0) end))
    return ok and first == nil
end

local function callable(v)
    if type(v) == "function" then return true end
    if type(v) == "table" then
        local mt = getmetatable(v)
        return type(mt) == "table" and rawget(mt, "__call") ~= nil
    end
    return false
end

local function keep_derived(name, r)
    for i = 2, r.n do
        local v = r[i]
        if callable(v) and not origin[v] and #derived < 64 then
            derived[#derived + 1] = v
            origin[v] = name
        end
    end
end

local derived_target = { name = "derived" }

local function one_call()
    local target = targets[random(#targets)]
    if #derived > 0 and random(8) == 1 then
        local f = derived[random(#derived)]
        derived_target.f = f
        derived_target.name = "derived from " .. origin[f]
        target = derived_target
    end
    local nargs = random(0, 5)
    local args = { n = nargs }
    for i = 1, nargs do args[i] = hostile() end
    if target.class then
        -- self: mostly a socket of the right class, sometimes anything
        local own = by_class[target.class]
        local r = random(10)
        if r <= 7 and own then
            table.insert(args, 1, own[random(#own)])
        else
            table.insert(args, 1, hostile())
        end
        args.n = nargs + 1
        local rest = { n = nargs }
        for i = 1, nargs do rest[i] = args[i + 1] end
        sanitize(target, rest)
        for i = 1, nargs do args[i + 1] = rest[i] end
    else
        sanitize(target, args)
    end
    reset_timeouts()
    calls = calls + 1
    if trace then
        local d = {}
        for i = 1, args.n do d[i] = origin[args[i]] or type(args[i]) end
        io.stderr:write(calls, " ", target.name, "(", table.concat(d, ", "), ")\n")
    end
    local r = pack(pcall(target.f, (table.unpack or unpack)(args, 1, args.n)))
    if r[1] then
        keep_derived(target.name, r)
    else
        errors = errors + 1
        local e = r[2]
        if type(e) ~= "string" then
            -- socket.try raises its exception table by contract
            if not is_try_exception(e) then
                nonstring = nonstring + 1
                if verbose then io.stderr:write("non-string error from ", target.name, ": ", tostring(e), "\n") end
            end
        elseif e:find("luasocket internal error", 1, true) then
            panics = panics + 1
            if verbose then io.stderr:write("panic in ", target.name, ": ", e, "\n") end
        end
    end
end

for i = 1, total do
    if i % 300 == 0 then build_pool() end
    one_call()
end

for _, s in ipairs(pool_sockets) do pcall(s.close, s) end
os.execute("rm -rf '" .. tmpdir .. "'")
print(string.format("fuzz: %d calls, %d lua errors, 0 crashes", calls, errors))
print(string.format("fuzz: %d non-string errors, %d panics, %d targets, seed %d", nonstring, panics, #targets, seed))
