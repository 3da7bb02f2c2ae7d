-- Injected system-call faults. A child process
-- (spec/fixtures/inject_child.lua) runs under `strace -e inject=...`, which
-- makes chosen recvfrom, sendto and poll/ppoll calls fail with EINTR,
-- ECONNRESET or ENOBUFS without running them; this process is its peer on
-- loopback. EINTR must never reach Lua and no byte may be lost or
-- duplicated; the other errors come back as LuaSocket's messages, with the
-- data so far. Some cases also run the child over Debian's C LuaSocket.
--
-- Without strace, or where ptrace is not allowed, every case is pending
-- (never passed), with the reason.
local socket = require("socket")
local net = require("support.net")

local unpack = table.unpack or unpack
local CHILD = "spec/fixtures/inject_child.lua"
local LINES = 300000 -- 3,000,000 bytes of numbered 10-byte lines
local lua_version = _VERSION:match("5%.%d")
local C_CORE = "/usr/lib/x86_64-linux-gnu/lua/" .. lua_version .. "/socket/core.so"

-- The stream the child checks against (as inject_child.lua builds it).
local function stream(lines)
    local parts = {}
    for i = 1, lines do parts[i] = ("%09d\n"):format(i) end
    return table.concat(parts)
end
local DATA = stream(LINES)

local shell_quote = require("support.proc").quote

-- Why strace cannot be used here, or nil when it can.
local function strace_problem()
    local p = io.popen("strace -f -qq -o /dev/null true 2>&1; echo \"rc=$?\"")
    local out = p:read("*a")
    p:close()
    if out:match("rc=0%s*$") then return nil end
    if out:match("rc=127%s*$") then return "strace is not installed" end
    return "strace cannot trace here (ptrace not permitted?): " .. out:gsub("%s*rc=%d+%s*$", ""):gsub("%s+", " ")
end

local problem = strace_problem()
if problem then io.stderr:write("inject_spec: every case pending: ", problem, "\n") end

local function file_exists(path)
    local f = io.open(path, "r")
    if f then f:close() end
    return f ~= nil
end
local has_c = file_exists(C_CORE)

-- `it`, or a pending entry naming the reason when the case cannot run.
local function case(name, f, needs_c)
    if problem then
        pending(name .. " (" .. problem .. ")")
    elseif needs_c and not has_c then
        pending(name .. " (C LuaSocket not installed: " .. C_CORE .. ")")
    else
        it(name, f)
    end
end


-- Runs the child under strace with the `inject` expressions (a bare call
-- name is traced, not injected), "PORT" in
-- `args` replaced by a listening TCP port and "UPORT" by a bound UDP port;
-- `peer(server, udp)` plays the other side meanwhile and returns sockets to
-- close once the child is done. Returns the child's `key=value` results,
-- plus `out` (everything it printed), `injected[call]` (counts from the
-- trace) and `trace`.
local function run(inject, args, peer, impl)
    local server, port = net.local_server()
    local udp = assert(socket.udp())
    assert(udp:setsockname("127.0.0.1", 0))
    assert(udp:settimeout(5))
    local _, uport = udp:getsockname()
    local trace = os.tmpname()
    local calls = {}
    local cmd = { impl == "c" and net.c_luasocket_env() or "", "strace -f -qq -o", trace }
    for _, expr in ipairs(inject) do
        calls[#calls + 1] = expr:match("^([^:]+)")
        -- a bare name is only traced
        if expr:find(":") then cmd[#cmd + 1] = "-e inject=" .. expr end
    end
    cmd[#cmd + 1] = "-e trace=" .. table.concat(calls, ",")
    -- a child that hangs is stopped (its trace would grow without end)
    cmd[#cmd + 1] = "timeout 30"
    cmd[#cmd + 1] = shell_quote(net.interpreter())
    cmd[#cmd + 1] = CHILD
    cmd[#cmd + 1] = (args:gsub("UPORT", uport):gsub("PORT", port))
    cmd[#cmd + 1] = "2>&1"
    local pipe = assert(io.popen(table.concat(cmd, " "), "r"))
    local ok, held = pcall(peer, server, udp)
    local out = pipe:read("*a")
    pipe:close()
    if ok and held then net.close(unpack(held)) end
    net.close(server, udp)
    local f = io.open(trace, "r")
    local text = f and f:read("*a") or ""
    if f then f:close() end
    os.remove(trace)
    assert(ok, "peer: " .. tostring(held) .. "\nchild output:\n" .. out)
    local r = { out = out, trace = text, injected = {} }
    for line in out:gmatch("[^\n]+") do
        local k, v = line:match("^(%w+)=(.*)$")
        if k then r[k] = v end
    end
    for call in text:gmatch("(%w+)%([^\n]-%(INJECTED%)") do
        r.injected[call] = (r.injected[call] or 0) + 1
    end
    assert.are.equal("true", r.done, "child output:\n" .. out)
    assert.are.equal(impl or "rust", r.impl, out)
    return r
end

-- Peers. Each accepts the child's connection first.
local function accept(server)
    local conn = assert(server:accept())
    assert(conn:settimeout(20))
    assert.are.equal("go", conn:receive())
    return conn
end

-- Sends `data`; closes (EOF) unless `hold`, else keeps the connection open
-- until the child is done.
local function feed(data, hold)
    return function(server)
        local conn = accept(server)
        conn:send(data) -- may fail once the child gave up: the child reports
        if hold then return { conn } end
        conn:close()
    end
end

-- Reads the child's stream to EOF into `into.data`, after `wait` seconds
-- when given (the child's sends then fill the buffers and go no further).
local function drain(into, wait)
    return function(server)
        local conn = accept(server)
        if wait then socket.sleep(wait) end
        local data, err, partial = conn:receive("*a")
        into.data, into.err = data or partial, err
        conn:close()
    end
end

-- Collects datagrams until "end" into `into`.
local function collect(into)
    return function(_, udp)
        for _ = 1, 10000 do
            local d = udp:receive()
            if not d or d == "end" then break end
            into[#into + 1] = d
        end
    end
end

local function dgrams(from, to, skip)
    local list = {}
    for i = from, to do
        if i ~= skip then list[#list + 1] = ("dgram %d"):format(i) end
    end
    return list
end

local EINTR_RECV = { "recvfrom:error=EINTR:when=2+2", "ppoll:error=EINTR:when=1+3", "poll:error=EINTR:when=1+3" }
local EINTR_SEND = { "sendto:error=EINTR:when=2+2", "ppoll:error=EINTR:when=1+3", "poll:error=EINTR:when=1+3" }

describe("injected EINTR", function()
    describe("in every 2nd recvfrom and every 3rd poll during a 3 MB receive", function()
        case("receive('*a') returns every byte once, in order, and no error", function()
            local r = run(EINTR_RECV, "recv PORT a " .. LINES, feed(DATA))
            assert.are.same({ "nil", "true", tostring(#DATA) }, { r.err, r.complete, r.len })
            assert.is_true((r.injected.recvfrom or 0) > 0, r.trace:sub(1, 2000))
        end)

        case("receive('*l') returns every line once, in order; only EOF ends it", function()
            local r = run(EINTR_RECV, "recv PORT l " .. LINES, feed(DATA))
            assert.are.same({ "closed", "0", "true" }, { r.err, r.partial, r.complete })
            assert.is_true((r.injected.recvfrom or 0) > 0)
        end)

        case("receive(65543) returns every byte once, in order; only EOF ends it", function()
            local r = run(EINTR_RECV, "recv PORT 65543 " .. LINES, feed(DATA))
            assert.are.same({ "closed", "true" }, { r.err, r.complete })
            assert.are.equal(#DATA % 65543, tonumber(r.partial))
            assert.is_true((r.injected.recvfrom or 0) > 0)
        end)
    end)

    -- Not run over C LuaSocket: its wait loop retries EINTR without looking
    -- at the clock, so when every poll fails it never returns.
    describe("in every poll while the peer is silent", function()
        for _, mode in ipairs({ "b", "t" }) do
            case("settimeout(0.3, '" .. mode .. "'): receive still returns nil, 'timeout' after 0.3 s", function()
                -- the 1st poll is connect's
                local r = run({ "ppoll:error=EINTR:when=2+1", "poll:error=EINTR:when=2+1" },
                    "stall PORT " .. mode .. " 0.3", feed("", true))
                assert.are.same({ "nil", "timeout", "" }, { r.data, r.err, r.partial })
                local elapsed = tonumber(r.elapsed)
                assert.is_true(elapsed >= 0.29 and elapsed < 2, "elapsed " .. r.elapsed)
                -- the wait really was interrupted, many times
                assert.is_true((r.injected.ppoll or 0) > 10, r.trace:sub(1, 2000))
            end)
        end
    end)

    describe("in every 2nd sendto and every 3rd poll during a 3 MB send", function()
        for _, step in ipairs({ 0, 100000 }) do
            local how = step == 0 and "send(data)" or "send(data, i, i + 99999)"
            case(how .. " delivers every byte once and reports the last index", function()
                local got = {}
                local r = run(EINTR_SEND, "send PORT " .. LINES .. " " .. step, drain(got))
                assert.are.same({ "nil", #DATA }, { r.err, tonumber(r.last) })
                assert.are.equal(#DATA, #got.data)
                assert.is_true(got.data == DATA, "bytes lost, duplicated or reordered")
                assert.is_true((r.injected.sendto or 0) > 0)
                -- and no send can raise SIGPIPE
                for line in r.trace:gmatch("[^\n]*sendto%([^\n]*") do
                    assert.is_truthy(line:find("MSG_NOSIGNAL", 1, true), line)
                end
            end)
        end
    end)

    describe("in UDP", function()
        case("every 2nd sendto: each datagram arrives once", function()
            local got = {}
            local r = run({ "sendto:error=EINTR:when=2+2" }, "udpsend UPORT 100", collect(got))
            assert.are.same({ "100", "" }, { r.sent, r.errs })
            assert.are.same(dgrams(1, 100), got)
            assert.is_true((r.injected.sendto or 0) >= 50)
        end)

        case("every 2nd recvfrom and 3rd poll: each datagram is received once, in order", function()
            local function udp_feed(server)
                local conn = accept(server)
                local cport = tonumber((assert(conn:receive())))
                local u = assert(socket.udp())
                for i = 1, 100 do assert(u:sendto(("dgram %d"):format(i), "127.0.0.1", cport)) end
                assert(u:sendto("end", "127.0.0.1", cport))
                return { conn, u }
            end
            local r = run(EINTR_RECV, "udprecv PORT 100", udp_feed)
            assert.are.same({ "100", "true", "nil" }, { r.got, r.inorder, r.err })
            assert.is_true((r.injected.recvfrom or 0) >= 50)
        end)
    end)
end)

-- Cases run with our library and, where installed, with C LuaSocket, which
-- must give the same answers.
for _, impl in ipairs({ "rust", "c" }) do
    local who = impl == "c" and " (C LuaSocket)" or ""
    local needs_c = impl == "c"

    describe("injected ECONNRESET in recvfrom" .. who, function()
        -- 100 lines and the first 5 bytes of line 101, then the 2nd read fails
        local head = DATA:sub(1, 1005)
        local reset = { "recvfrom:error=ECONNRESET:when=2" }
        case("receive(2000): nil, 'closed' and the 1005 bytes read so far", function()
            local r = run(reset, "recv PORT 2000 101", feed(head, true), impl)
            assert.are.same({ "closed", "1005", "1005", "true" }, { r.err, r.partial, r.len, r.prefix })
            assert.are.equal(1, r.injected.recvfrom)
        end, needs_c)

        case("receive('*l'): the 100 lines, then nil, 'closed', '00000'", function()
            local r = run(reset, "recv PORT l 101", feed(head, true), impl)
            assert.are.same({ "closed", "5", "1005", "true" }, { r.err, r.partial, r.len, r.prefix })
        end, needs_c)

        case("receive('*a'): nil, 'closed' and the 1005 bytes", function()
            local r = run(reset, "recv PORT a 101", feed(head, true), impl)
            assert.are.same({ "closed", "1005", "1005", "true" }, { r.err, r.partial, r.len, r.prefix })
        end, needs_c)

        case("in the 20th read of a 3 MB stream: what came before, once, in order", function()
            local r = run({ "recvfrom:error=ECONNRESET:when=20" }, "recv PORT 65543 " .. LINES, feed(DATA), impl)
            assert.are.same({ "closed", "true", "false" }, { r.err, r.prefix, r.complete })
            assert.is_true(tonumber(r.len) > 0)
        end, needs_c)
    end)

    describe("injected ENOBUFS in sendto" .. who, function()
        -- The 3rd sendto is the 2nd of the data (the child's "go" line is the
        -- 1st). send(data) of a string of 128 KiB or more offers the kernel
        -- all that is left in each call, and over loopback one call can fill
        -- both this side's send buffer and the peer's receive buffer (4 and
        -- 6 MiB at most, tcp_wmem and tcp_rmem), and more while the peer
        -- reads. So that case sends 16 MB to a peer that waits a second
        -- before reading: the 1st call stops with bytes left and the 2nd
        -- fails. 100 KB slices go in 16 KiB steps, as C's do in 8 KiB ones.
        for _, step in ipairs({ 0, 100000 }) do
            local how = step == 0 and "send(data)" or "send(data, i, i + 99999)"
            local lines, wait = step == 0 and 1600000 or LINES, step == 0 and 1 or nil
            case("TCP " .. how .. ": nil, strerror text, and the peer got exactly the bytes up to `last`", function()
                local got = {}
                local data = lines == LINES and DATA or stream(lines)
                local r = run({ "sendto:error=ENOBUFS:when=3" }, "send PORT " .. lines .. " " .. step,
                    drain(got, wait), impl)
                assert.are.equal("No buffer space available", r.err)
                local last = tonumber(r.last)
                assert.is_true(last > 0 and last < #data, r.out)
                assert.are.equal(last, #got.data)
                assert.is_true(got.data == data:sub(1, last), "peer's bytes differ from data:sub(1, last)")
                assert.are.equal(1, r.injected.sendto)
            end, needs_c)
        end

        case("UDP sendto: the 3rd returns nil, strerror text; the others arrive once", function()
            local got = {}
            local r = run({ "sendto:error=ENOBUFS:when=3" }, "udpsend UPORT 20", collect(got), impl)
            assert.are.same({ "19", "3:No buffer space available" }, { r.sent, r.errs })
            assert.are.same(dgrams(1, 20, 3), got)
        end, needs_c)
    end)
end

-- What one send(data) offers each sendto (nothing injected; sendto only
-- traced), to a peer that reads as it comes: C LuaSocket 8 KiB a call at any
-- length; ours 16 KiB a call below 128 KiB, and from 128 KiB on all that is
-- left, so a 1 MB string is offered whole.
local OFFERED = { rust = { [100000] = 16384, [1000000] = 1000000 }, c = { [100000] = 8192, [1000000] = 8192 } }

for _, impl in ipairs({ "rust", "c" }) do
    describe("bytes offered to each sendto" .. (impl == "c" and " (C LuaSocket)" or ""), function()
        for _, size in ipairs({ 100000, 1000000 }) do
            case("send(data) of " .. size .. " bytes: the first call offers " .. OFFERED[impl][size], function()
                local got = {}
                local r = run({ "sendto" }, "send PORT " .. size / 10 .. " 0", drain(got), impl)
                assert.are.same({ "nil", size }, { r.err, tonumber(r.last) })
                assert.is_true(got.data == stream(size / 10), "bytes lost, duplicated or reordered")
                local offered, total = {}, 0
                for len, ret in r.trace:gmatch('sendto%(%d+, "[^\n]-"%.*, (%d+), [^\n]-%)%s+=%s+(%d+)') do
                    offered[#offered + 1] = tonumber(len)
                    total = total + tonumber(ret)
                end
                -- the child's "go" line, then the data
                assert.are.equal(3, offered[1], r.trace:sub(1, 2000))
                assert.are.equal(OFFERED[impl][size], offered[2], r.trace:sub(1, 2000))
                assert.are.equal(3 + size, total)
            end, impl == "c")
        end
    end)
end

-- What each recvfrom asks for while the child reads a 4 MB stream that a
-- peer sends as fast as it can (nothing injected; recvfrom only traced).
-- C LuaSocket reads into its 8 KiB buffer. Ours, once a read brings 8 KiB:
-- the whole 512 KiB buffer for lines, at most 64 KiB for counts under
-- 16 KiB (src/buffer.rs, COUNT_READ), so that the next bytes are waiting
-- when a program consumes a stream in small pieces.
local ASKED = {
    rust = { ["8192"] = { most = 65536 }, l = { over = 65536 } },
    c = { ["8192"] = { most = 8192 }, l = { most = 8192 } },
}

for _, impl in ipairs({ "rust", "c" }) do
    describe("bytes asked of each recvfrom" .. (impl == "c" and " (C LuaSocket)" or ""), function()
        for _, pattern in ipairs({ "8192", "l" }) do
            local want = ASKED[impl][pattern]
            local name = ("receive(%s) of a fast stream: %s"):format(pattern == "l" and '"*l"' or pattern,
                want.most and ("at most " .. want.most .. " a call") or ("more than " .. want.over))
            case(name, function()
                local lines = 400000
                local r = run({ "recvfrom" }, "recv PORT " .. pattern .. " " .. lines, feed(stream(lines)), impl)
                assert.are.same({ "closed", "true" }, { r.err, r.complete }, r.out)
                local most, calls = 0, 0
                for len in r.trace:gmatch("recvfrom%(%d+, [^\n]-, (%d+), %d+, NULL, NULL%)") do
                    most, calls = math.max(most, tonumber(len)), calls + 1
                end
                assert.is_true(calls > 0, r.trace:sub(1, 2000))
                if want.most then
                    assert.are.equal(want.most, most, r.trace:sub(1, 2000))
                else
                    assert.is_true(most > want.over, "largest read asked " .. most)
                end
            end, impl == "c")
        end
    end)
end

-- Reads that have to wait (nothing injected; recvfrom only traced). The
-- peer answers each byte 30 ms late, so a read that tries first finds
-- nothing. C LuaSocket tries first every time: recvfrom (EAGAIN), poll,
-- recvfrom. Ours, after a read found nothing, polls first for the next 8
-- reads (io::retry_read), then tries first again: of 18 round trips two
-- try first, the 2nd and the 11th (a connected socket's first read polls
-- first, see below).
local TRIPS = 18
local WAITED = { rust = { reads = 20, eagain = 2 }, c = { reads = 2 * TRIPS, eagain = TRIPS } }

local function late_echo_tcp(server)
    local conn = accept(server)
    assert(conn:setoption("tcp-nodelay", true))
    for _ = 1, TRIPS do
        local b = assert(conn:receive(1))
        socket.sleep(0.03)
        assert(conn:send(b))
    end
    return { conn }
end

local function late_echo_udp(_, udp)
    for _ = 1, TRIPS do
        local d, ip, p = assert(udp:receivefrom())
        socket.sleep(0.03)
        assert(udp:sendto(d, ip, p))
    end
end

local function count(text, pattern)
    local n = 0
    for _ in text:gmatch(pattern) do n = n + 1 end
    return n
end

-- The recvfrom calls in a strace log, and how many of them found nothing.
-- "<... resumed>" lines are the second half of a call already counted.
local function reads_in(trace)
    local calls = trace:gsub("[^\n]*resumed>[^\n]*", "")
    return { reads = count(calls, "recvfrom%("), eagain = count(calls, "recvfrom%([^\n]*EAGAIN") }
end

-- Sockets connected by the child, each awaiting one late answer (as an
-- HTTP, SMTP or FTP client's first read does).
local REQUESTS = 6

local function late_answers(server)
    for _ = 1, REQUESTS do
        local conn = accept(server)
        socket.sleep(0.03)
        assert(conn:send("x"))
        conn:close()
    end
end

local function late_datagrams(_, udp)
    for _ = 1, REQUESTS do
        local d, ip, p = assert(udp:receivefrom())
        assert.are.equal("go", d)
        socket.sleep(0.03)
        assert(udp:sendto("x", ip, p))
    end
end

-- A unixstream server on a fresh path (removed by the caller), and the
-- peer answering each of its connections late.
local function unix_answers()
    local path = os.tmpname()
    os.remove(path)
    local server = assert(require("socket.unix").stream())
    assert(server:bind(path))
    assert(server:listen())
    assert(server:settimeout(20))
    return path, server, function() late_answers(server) end
end

for _, impl in ipairs({ "rust", "c" }) do
    local who = impl == "c" and " (C LuaSocket)" or ""
    describe("reads that wait for a late answer" .. who, function()
        for _, kind in ipairs({ "tcp", "udp" }) do
            local want = WAITED[impl]
            local name = ("%s, %d round trips: %d recvfrom, %d of them EAGAIN"):format(
                kind, TRIPS, want.reads, want.eagain)
            case(name, function()
                local args = kind == "tcp" and "trips PORT tcp " or "trips UPORT udp "
                local r = run({ "recvfrom" }, args .. TRIPS, kind == "tcp" and late_echo_tcp or late_echo_udp, impl)
                assert.are.same({ tostring(TRIPS), "nil" }, { r.trips, r.err })
                assert.are.same(want, reads_in(r.trace), r.trace)
            end, impl == "c")
        end

        -- A socket the child connected (TCP, UDP or unix) polls before its
        -- first read (Sock::connected); C LuaSocket tries first, finds
        -- nothing, polls and tries again.
        local fresh = impl == "c" and { reads = 2 * REQUESTS, eagain = REQUESTS }
            or { reads = REQUESTS, eagain = 0 }
        for _, kind in ipairs({ "tcp", "udp", "unix" }) do
            local name = ("%s, %d fresh sockets' first reads: %d recvfrom, %d of them EAGAIN"):format(
                kind, REQUESTS, fresh.reads, fresh.eagain)
            case(name, function()
                local r
                if kind == "unix" then
                    local path, server, peer = unix_answers()
                    local ok, err = pcall(function()
                        r = run({ "recvfrom" }, "requests " .. path .. " unix " .. REQUESTS, peer, impl)
                    end)
                    server:close()
                    os.remove(path)
                    assert(ok, err)
                else
                    local args = kind == "tcp" and "requests PORT tcp " or "requests UPORT udp "
                    r = run({ "recvfrom" }, args .. REQUESTS, kind == "tcp" and late_answers or late_datagrams, impl)
                end
                assert.are.same({ tostring(REQUESTS), "nil" }, { r.requests, r.err })
                assert.are.same(fresh, reads_in(r.trace), r.trace)
            end, impl == "c")
        end
    end)
end
