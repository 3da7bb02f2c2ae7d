-- The client side of the socket benchmarks. One process runs one case
-- against one implementation (whichever `socket` package.path/cpath give),
-- checks every byte it received, and prints IMPL, FROM and RESULT lines
-- (see bench/harness.lua).
-- bench/run starts the peer (bench/peer.c) and passes its port, and the
-- stopwatch (bench/stopwatch.c) that times each case's region: the library
-- under test is never asked the time.
--
-- usage: lua bench/net_cases.lua CASE PORT SCALE
--   SCALE multiplies the work (1 = full, smaller in quick mode).

local socket = require("socket")
local harness = dofile((arg[0]:match("^(.*)/") or ".") .. "/harness.lua")

local case_name, port, scale = arg[1], tonumber(arg[2]), tonumber(arg[3]) or 1
local check = harness.check

local function connect()
    local c = assert(socket.connect("127.0.0.1", port))
    c:settimeout(30)
    return c
end

-- The timed region: harness.start() and harness.stop() (an external
-- stopwatch, see bench/harness.lua); the library's own clock is not used.
local start, stop = harness.start, harness.stop

local function count(n)
    return math.max(1, math.floor(n * scale))
end

-- Reads `n` lines of `len` bytes (end of line included) from the peer.
local function lines(n, len, crlf)
    local c = connect()
    local want = {}
    for i = 1, len - (crlf and 2 or 1) do want[i] = string.char(97 + (i - 1) % 26) end
    want = table.concat(want)
    start()
    for _ = 1, n do
        local l = c:receive("*l")
        if l ~= want then check(false, "line differs: " .. tostring(l and #l)) end
    end
    local dt = stop()
    c:close()
    return n * len / dt / 1e6
end

local function block(blen)
    local t = {}
    for i = 0, blen - 1 do t[#t + 1] = string.char(i * 7 % 251) end
    return table.concat(t)
end

-- receive(size) until `total` bytes, each chunk compared with the pattern.
local function recv_sized(total, size)
    local c = connect()
    local want = block(size)
    local got = 0
    start()
    while got < total do
        local chunk = c:receive(size)
        check(chunk == want, "chunk differs at byte " .. got)
        got = got + #chunk
    end
    local dt = stop()
    c:close()
    return total / dt / 1e6
end

local function recv_all(total, blen)
    local c = connect()
    start()
    local data = c:receive("*a")
    local dt = stop()
    c:close()
    check(#data == total, "got " .. #data .. " bytes, want " .. total)
    -- Every byte: the peer repeats one block, so the whole stream is known.
    local b = block(blen)
    local whole = math.floor(total / blen)
    local want = b:rep(whole) .. b:sub(1, total - whole * blen)
    if data ~= want then
        local at = 1
        while data:byte(at) == want:byte(at) do at = at + 1 end
        check(false, "*a data differs at byte " .. at)
    end
    return total / dt / 1e6
end

-- Streams `total` bytes (the peer's `blen`-byte pattern, repeated) to end
-- of stream, each implementation in its best way of taking whatever has
-- arrived: ours `receiveany(max)`, C `receive(8192)` and its partial result
-- at the end. Every chunk is compared, byte for byte, with the pattern at
-- its offset in the stream, and the total must come out exact.
local function recv_any(total, blen, max)
    local c = connect()
    local ours = socket._IMPLEMENTATION ~= nil
    if ours then check(c.receiveany ~= nil, "ours has no receiveany") end
    local size = ours and max or 8192
    -- A window of the pattern long enough to hold any chunk at any offset.
    local window = block(blen):rep(math.floor(size / blen) + 2)
    local got = 0
    start()
    while true do
        local chunk, err, partial
        if ours then
            chunk, err = c:receiveany(size)
        else
            chunk, err, partial = c:receive(size)
            chunk = chunk or partial
        end
        if chunk then
            local at = got % blen
            if chunk ~= window:sub(at + 1, at + #chunk) then
                check(false, "data differs in the chunk at byte " .. got)
            end
            got = got + #chunk
        end
        if err then
            check(err == "closed", "receive failed: " .. tostring(err))
            break
        end
    end
    local dt = stop()
    c:close()
    check(got == total, "got " .. got .. " bytes, want " .. total)
    return total / dt / 1e6
end

local function byte_sum(s)
    local sum = 0
    for i = 1, #s, 4096 do
        local bytes = { s:byte(i, math.min(i + 4095, #s)) }
        for j = 1, #bytes do sum = sum + bytes[j] end
    end
    return sum
end

-- send(s) `n` times (or slices of it), then the peer reports what it got.
local function send_many(s, n, i, j)
    local c = connect()
    local piece = i and s:sub(i, j) or s
    start()
    for _ = 1, n do
        local last = i and c:send(s, i, j) or c:send(s)
        check(last, "send failed")
    end
    c:shutdown("send")
    local reply = c:receive("*l")
    local dt = stop()
    c:close()
    local total, sum = reply:match("^(%d+) (%d+)$")
    check(tonumber(total) == n * #piece, "peer got " .. tostring(total) .. " bytes")
    check(tonumber(sum) == (byte_sum(piece) * n) % 4294967296, "peer checksum differs")
    return n * #piece / dt / 1e6
end

local function ping_pong(n, size)
    local c = connect()
    c:setoption("tcp-nodelay", true)
    local msg = string.rep("p", size)
    start()
    for _ = 1, n do
        c:send(msg)
        local r = c:receive(size)
        if r ~= msg then check(false, "echo differs") end
    end
    local dt = stop()
    c:close()
    return n / dt
end

local function churn(n)
    start()
    for _ = 1, n do
        local c = assert(socket.connect("127.0.0.1", port))
        c:close()
    end
    return n / stop()
end

-- select over `n` connected sockets of which one is readable.
local function select_over(n, calls)
    local server = assert(socket.bind("127.0.0.1", 0))
    local _, p = server:getsockname()
    local clients, peers = {}, {}
    for k = 1, n do
        clients[k] = assert(socket.connect("127.0.0.1", p))
        peers[k] = assert(server:accept())
    end
    peers[n]:send("x")
    start()
    for _ = 1, calls do
        local r = socket.select(clients, nil, 1)
        check(r[1] == clients[n] and r[2] == nil, "select result differs")
    end
    local dt = stop()
    -- The accepted ends close first, so the TIME_WAIT entries stay on the
    -- server's port and hold no ephemeral port that a later case's
    -- connect would have to search past (see close_after_client in peer.c).
    for k = 1, n do peers[k]:close(); clients[k]:close() end
    server:close()
    return calls / dt
end

-- µs per wait over `n` idle connected sockets of which one is readable:
-- `poller:wait()` where the library has socket.poller (ours), else
-- socket.select (C LuaSocket has no poller: select is what a C program
-- would call over the same sockets). The idle ones are connected to the
-- peer (`hold`), so this process holds one descriptor per socket; the
-- ready one is a pair of our own. The median of 21 batches, each timed as
-- a whole (one wait takes about a microsecond: too short to time alone).
local function wait_over(n, calls, use_select)
    local idle = {}
    for k = 1, n - 1 do idle[k] = assert(socket.connect("127.0.0.1", port)) end
    local server = assert(socket.bind("127.0.0.1", 0))
    local _, p = server:getsockname()
    local ready = assert(socket.connect("127.0.0.1", p))
    local peer = assert(server:accept())
    peer:send("x")
    local all = {}
    for k = 1, n - 1 do all[k] = idle[k] end
    all[n] = ready
    local wait
    if socket.poller and not use_select then
        local poller = socket.poller()
        for k = 1, n do assert(poller:add(all[k], "r")) end
        wait = function()
            local r, ev = poller:wait(1)
            return r and r[1] == ready and r[2] == nil and ev[1] == "r"
        end
    else
        wait = function()
            local r = socket.select(all, nil, 1)
            return r[1] == ready and r[2] == nil
        end
    end
    check(wait(), "wait result differs")
    local batch = math.max(1, math.floor(calls / 21))
    local per = {}
    for b = 1, 21 do
        local ok = true
        start()
        for _ = 1, batch do ok = wait() and ok end
        per[b] = stop() / batch * 1e6
        check(ok, "wait result differs")
    end
    table.sort(per)
    peer:close()
    ready:close()
    server:close()
    for k = 1, n - 1 do idle[k]:close() end
    return per[11]
end

local function udp_round_trips(n, size)
    local u = assert(socket.udp())
    u:settimeout(5)
    assert(u:setpeername("127.0.0.1", port))
    local msg = string.rep("u", size)
    start()
    for _ = 1, n do
        u:send(msg)
        local r = u:receive()
        if r ~= msg then check(false, "datagram differs") end
    end
    local dt = stop()
    u:send("")
    u:close()
    return n / dt
end

-- The same from an unconnected socket, naming the peer in every sendto
-- (its port as a number, as receivefrom gives it), as a server answering
-- many clients does.
local function udp_sendto_round_trips(n, size)
    local u = assert(socket.udp())
    u:settimeout(5)
    local msg = string.rep("u", size)
    start()
    for _ = 1, n do
        u:sendto(msg, "127.0.0.1", port)
        local r = u:receivefrom()
        if r ~= msg then check(false, "datagram differs") end
    end
    local dt = stop()
    u:sendto("", "127.0.0.1", port)
    u:close()
    return n / dt
end

local function rss_kib()
    for line in io.lines("/proc/self/status") do
        local kb = line:match("^VmRSS:%s+(%d+)")
        if kb then return tonumber(kb) end
    end
end

-- Bytes of resident memory per idle connected socket, `n` of them open.
local function idle_memory(n)
    collectgarbage()
    local before = rss_kib()
    local socks = {}
    for k = 1, n do socks[k] = assert(socket.connect("127.0.0.1", port)) end
    collectgarbage()
    local after = rss_kib()
    for k = 1, n do socks[k]:close() end
    return (after - before) * 1024 / n
end

local cases = {
    -- 3 million lines: ours reads a million in about 0.12 s, short enough
    -- for one stall of the machine to move a run by 20%.
    line100_lf = function() return lines(count(3000000), 100, false) end,
    line100_crlf = function() return lines(count(3000000), 100, true) end,
    line64k = function() return lines(count(4000), 65536, false) end,
    recv8k = function() return recv_sized(count(4096) * 65536, 8192) end,
    recv1m = function() return recv_sized(count(256) * 1048576, 1048576) end,
    recvall = function() return recv_all(count(200) * 1048576, 8192) end,
    -- 1 GiB; a block length prime to every read size, so a chunk misplaced
    -- by a whole number of reads cannot match the pattern by chance.
    recvany = function() return recv_any(count(1024) * 1048576, 65521, 65536) end,
    send100 = function() return send_many(string.rep("s", 100), count(1000000)) end,
    send64k = function() return send_many(block(65536), count(8192)) end,
    send1m = function() return send_many(block(1048576), count(512)) end,
    sendslice = function() return send_many(block(1048576), count(8192), 65537, 131072) end,
    pingpong1 = function() return ping_pong(count(50000), 1) end,
    pingpong100 = function() return ping_pong(count(50000), 100) end,
    churn = function() return churn(count(30000)) end,
    select10 = function() return select_over(10, count(100000)) end,
    select100 = function() return select_over(100, count(50000)) end,
    select1000 = function() return select_over(1000, count(5000)) end,
    select5000 = function() return select_over(5000, count(1000)) end,
    select10000 = function() return 1e6 / wait_over(10000, count(2000), true) end,
    -- C's select over 1,000 sockets takes about 600 µs a call: 2,000 calls
    -- (1.2 s) measure it as well as 200,000 would (2 minutes a round)
    wait1000 = function() return wait_over(1000, count(socket.poller and 200000 or 2000)) end,
    wait10000 = function() return wait_over(10000, count(200000)) end,
    udp64 = function() return udp_round_trips(count(50000), 64) end,
    udp1400 = function() return udp_round_trips(count(50000), 1400) end,
    udpto64 = function() return udp_sendto_round_trips(count(50000), 64) end,
    -- calls per CPU second (os.clock): what is timed is the library's own
    -- clock, read in a loop that never waits
    gettime = function()
        local n = count(5000000)
        local gettime = socket.gettime
        local t0 = os.clock()
        for _ = 1, n do gettime() end
        return n / (os.clock() - t0)
    end,
    -- The median, over batches of 10 sleep(0.001) calls, of the overshoot
    -- per call. The distribution has a long tail (the 99th percentile near
    -- 140 µs against a median near 80, up to 2.5 ms when the host stalls
    -- the machine): in a mean of all the calls a single stall moved a run
    -- by 5 to 10%, while a stall moves one batch only. A batch rather than
    -- each call is timed so that the stopwatch's own wake-ups (a few µs per
    -- region) weigh a tenth as much.
    sleep = function()
        local per, asked = 10, 0.001
        local batches = count(100)
        local over = {}
        for i = 1, batches do
            start()
            for _ = 1, per do socket.sleep(asked) end
            local dt = stop()
            -- The region is never shorter than the work in it (see
            -- bench/stopwatch.c), so a sleep that returns early is caught
            -- here whatever the library's clock says.
            check(dt >= per * asked, ("%d sleep(%g) calls returned after %.1f µs"):format(per, asked, dt * 1e6))
            over[i] = dt / per - asked
        end
        table.sort(over)
        local mid = math.floor((batches + 1) / 2)
        return (over[mid] + over[batches + 1 - mid]) / 2 * 1e6
    end,
    idle_memory = function() return idle_memory(count(10000)) end,
}

local f = cases[case_name]
if not f then
    io.stderr:write("unknown case ", tostring(case_name), "\n")
    os.exit(2)
end
harness.run(socket._IMPLEMENTATION, harness.where_loaded("socket"), f)
