-- The differential harness's runner: runs one area's scenarios in this
-- process, with whichever LuaSocket this process loaded, and prints one
-- line per compared step. spec/diff_spec.lua runs it twice, once over
-- Debian's C LuaSocket (the oracle) and once over ours, and compares the
-- two outputs line by line.
--
-- usage: lua spec/diff/harness.lua c|ours AREA
--
-- Output lines: "STEP<TAB>scenario<TAB>label<TAB>serialized results".
-- The first line says which library was loaded and where from
-- ("IMPL<TAB>c<TAB>..." or "IMPL<TAB>ours<TAB>..."); the runner refuses to
-- run over the wrong one.
--
-- A scenario is a function(t) that makes real sockets on loopback and
-- records each step through the recorder `t`:
--   t:call(label, f, ...)      pcall(f, ...): the results, or the raised message
--   t:io(label, f, ...)        the same for TCP/unix-stream send and receive,
--                              dropping the elapsed time that ours appends
--                              (socket._DEBUG)
--   t:rec(label, ...)          records values already computed
--   t:name(obj, "client")      names an object in the records (objects are
--                              otherwise named by first appearance)
--   t:port(n)                  marks n as an ephemeral port: it prints "PORT"
--   t:defer(f)                 runs f when the scenario ends, even on error
-- Values are serialized with their Lua type (1 and 1.0 differ on 5.3+),
-- objects by class ("tcp{client}") and name, tables with sorted keys, raised
-- messages without their "file.lua:N:" position.
local impl, area = arg[1], arg[2]
assert(impl == "c" or impl == "ours", "usage: harness.lua c|ours AREA")
assert(area, "usage: harness.lua c|ours AREA")

local socket = require("socket")

-- Proof of origin: the oracle must be the C library and ours must be ours,
-- or every comparison would be meaningless.
local function mapped(pattern)
    local f = assert(io.open("/proc/self/maps", "r"))
    local text = f:read("*a")
    f:close()
    return text:match(pattern)
end
local origin
if impl == "c" then
    if socket._IMPLEMENTATION ~= nil then
        error("harness: the C run loaded ours (" .. tostring(socket._IMPLEMENTATION) .. ")", 0)
    end
    origin = mapped("(/[^\n]-liblua5%.%d%-socket%.so[^\n]*)\n")
    if not origin then error("harness: the C run did not map Debian's liblua5.x-socket.so", 0) end
    local http_file = package.searchpath and package.searchpath("socket.http", package.path)
    if http_file and not http_file:match("^/usr/share/lua/") then
        error("harness: the C run finds socket.http at " .. http_file, 0)
    end
else
    if type(socket._IMPLEMENTATION) ~= "string" then
        error("harness: the ours run loaded a C LuaSocket", 0)
    end
    origin = mapped("(/[^\n]-luasocket_rs%.so)\n")
    if not origin then error("harness: the ours run did not map luasocket_rs.so", 0) end
end
io.write("IMPL\t", impl, "\t", origin, "\n")

local scenarios = dofile("spec/diff/scenarios/" .. area .. ".lua")

-- Serialization ------------------------------------------------------------

local Recorder = {}
Recorder.__index = Recorder

local function new_recorder(scenario)
    return setmetatable({
        scenario = scenario,
        names = {},      -- object -> name
        count = 0,       -- objects named so far
        ports = {},      -- port number -> true
        deferred = {},
        steps = 0,
    }, Recorder)
end

local function is_object(v)
    local ty = type(v)
    if ty ~= "userdata" and ty ~= "table" then return false end
    local ok, s = pcall(tostring, v)
    -- A plain table ("table: 0x...") is compared by its contents.
    if not ok or type(s) ~= "string" or s:match("^table: ") then return false end
    return s:match("^[%w_]+{?[%w_]*}?: 0x%x+$") ~= nil
end

function Recorder:name(obj, name)
    if obj ~= nil then self.names[obj] = name end
    return obj
end

function Recorder:port(n)
    -- LuaSocket 3.0 (Debian's) gives ports as strings, 3.1 as numbers.
    local v = tonumber(n)
    if v then self.ports[v] = true end
    return n
end

function Recorder:defer(f)
    self.deferred[#self.deferred + 1] = f
end

local function number_text(v)
    if math.type then
        return math.type(v) .. ":" .. tostring(v)
    end
    return "number:" .. tostring(v)
end

-- Strips "path/file.lua:123: " (a raised message's position) so that errors
-- raised from different Lua files compare by their text.
local function strip_position(msg)
    local out = msg:gsub("^[^\n]-%.lua:%d+: ", "")
    out = out:gsub("^%[string [^\n]-%]:%d+: ", "")
    return out
end

function Recorder:value(v, depth)
    local ty = type(v)
    if ty == "nil" then return "nil" end
    if ty == "boolean" then return tostring(v) end
    if ty == "number" then
        if self.ports[v] then
            -- the port's number type still counts (5.3+: integer or float)
            return math.type and (math.type(v) .. ":PORT") or "PORT"
        end
        return number_text(v)
    end
    if ty == "string" then
        -- LuaSocket 3.0 (Debian's) gives ports as strings, 3.1 as numbers.
        if self.ports[tonumber(v)] and v:match("^%d+$") then return '"PORT"' end
        if #v > 200 then
            -- Long strings compare by length and a checksum of every byte.
            local sum = 0
            for i = 1, #v do sum = (sum * 31 + v:byte(i)) % 2147483647 end
            return string.format("string[%d]#%d", #v, sum)
        end
        return string.format("%q", v):gsub("\\\n", "\\n")
    end
    if is_object(v) then
        local class = tostring(v):match("^(.-): 0x")
        local name = self.names[v]
        if not name then
            self.count = self.count + 1
            name = "obj" .. self.count
            self.names[v] = name
        end
        return "<" .. class .. " " .. name .. ">"
    end
    if ty == "table" then
        depth = (depth or 0) + 1
        if depth > 4 then return "{...}" end
        local keys = {}
        for k in pairs(v) do keys[#keys + 1] = { k, self:value(k, depth) } end
        table.sort(keys, function(a, b) return a[2] < b[2] end)
        local parts = {}
        for _, kv in ipairs(keys) do
            parts[#parts + 1] = "[" .. kv[2] .. "]=" .. self:value(v[kv[1]], depth)
        end
        return "{" .. table.concat(parts, ",") .. "}"
    end
    return ty
end

function Recorder:values(n, ...)
    local parts = {}
    for i = 1, n do parts[i] = self:value((select(i, ...))) end
    return n .. ":" .. table.concat(parts, ", ")
end

function Recorder:emit(label, text)
    self.steps = self.steps + 1
    io.write("STEP\t", self.scenario, "\t", label, "\t", (text:gsub("[\t\n]", " ")), "\n")
end

--- Records values already computed.
function Recorder:rec(label, ...)
    self:emit(label, self:values(select("#", ...), ...))
    return ...
end

local function pack(...)
    return { n = select("#", ...), ... }
end

-- The results of a pcall, without its status.
local function unpack_results(r)
    return (table.unpack or unpack)(r, 2, r.n)
end

-- Records a pcall's outcome: the results, or "error: <message>".
function Recorder:outcome(label, r)
    if r[1] then
        self:emit(label, self:values(r.n - 1, unpack_results(r)))
        return unpack_results(r)
    end
    local msg = r[2]
    if type(msg) == "string" then msg = strip_position(msg) end
    self:emit(label, "error: " .. self:value(msg))
    return nil, msg
end

--- pcall(f, ...) and records its results, or "error: message".
function Recorder:call(label, f, ...)
    return self:outcome(label, pack(pcall(f, ...)))
end

--- Like call, for TCP and unix-stream send/receive: ours appends the call's
-- elapsed seconds when socket._DEBUG is true (the rock's debug build), a
-- difference listed in spec/diff/accepted.lua; the timing is never compared.
function Recorder:io(label, f, ...)
    local r = pack(pcall(f, ...))
    if r[1] and socket._DEBUG and r.n >= 2 and type(r[r.n]) == "number" then
        r[r.n] = nil
        r.n = r.n - 1
    end
    return self:outcome(label, r)
end

-- Running ---------------------------------------------------------------

local total = 0
for _, sc in ipairs(scenarios) do
    local t = new_recorder(sc.name)
    local ok, err = pcall(sc.run, t, socket)
    if not ok then
        t:emit("<scenario raised>", "error: " .. t:value(type(err) == "string" and strip_position(err) or err))
    end
    for i = #t.deferred, 1, -1 do pcall(t.deferred[i]) end
    total = total + t.steps
end
io.write("END\t", total, "\n")
