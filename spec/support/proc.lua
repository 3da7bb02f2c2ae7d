-- Helpers for specs that start processes and use files: shell quoting,
-- whether a child still runs, temporary directories, whole-file reads and
-- writes, and deterministic test data. A module, not globals.
local proc = {}

--- `s` quoted for the shell (single quotes).
function proc.quote(s)
    return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- Is process `pid` still running? A zombie counts as gone: the servers the
-- specs start are orphans, and whoever adopts them may take a while to reap
-- them.
function proc.alive(pid)
    local f = io.open("/proc/" .. pid .. "/stat", "r")
    if not f then return false end
    local stat = f:read("*a") or ""
    f:close()
    -- The state letter follows the command name, which may hold spaces and
    -- parentheses: "PID (name) S ...".
    return stat:match("^%d+ %b() (%a)") ~= "Z"
end

--- This process's id, as the process itself reads it (a popen's
-- /proc/self would be the child's).
function proc.pid()
    local f = assert(io.open("/proc/self/stat", "r"))
    local pid = assert(f:read("*l"):match("^(%d+)"))
    f:close()
    return pid
end

--- The descriptors this process has open (those whose target starts with
-- `prefix`, such as "socket:", when given): their number and the `ls -l`
-- lines. The pipe of the popen that lists them is left out: the child
-- can list the parent before the parent has closed the end the child
-- writes to, so both ends would count, one too many. readlink names that
-- pipe from the child's side (its standard output). A descriptor closed
-- while ls runs (that same end, closed just after the shell started) is
-- listed without a target, or not at all, and is not counted; ls's
-- complaint about it goes nowhere, since a caller's standard error may
-- be a pipe its parent reads line by line (spec/fixtures/c10k_server.lua).
function proc.open_fds(prefix)
    local p = assert(io.popen("readlink /proc/self/fd/1; ls -l /proc/" .. proc.pid() .. "/fd 2>/dev/null"))
    local own = assert(p:read("*l"), "readlink printed nothing")
    local listing = p:read("*a")
    p:close()
    assert(own:match("^pipe:%[%d+%]$"), "the popen's output is not a pipe: " .. own)
    local kept = {}
    for line in listing:gmatch("[^\n]+") do
        local target = line:match(" %-> (.*)$")
        if target and target ~= own and (not prefix or target:sub(1, #prefix) == prefix) then
            kept[#kept + 1] = line
        end
    end
    return #kept, table.concat(kept, "\n")
end

--- A new empty temporary directory (mode 700).
function proc.tmpdir()
    local p = assert(io.popen("mktemp -d /tmp/luasocket-spec.XXXXXX"))
    local dir = p:read("*l")
    p:close()
    assert(dir and dir ~= "", "mktemp failed")
    return dir
end

--- The whole file, or nil when it cannot be opened.
function proc.read_file(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local data = f:read("*a")
    f:close()
    return data
end

--- Writes `data` to `path`, replacing it.
function proc.write_file(path, data)
    local f = assert(io.open(path, "wb"))
    assert(f:write(data))
    f:close()
end

--- The Python interpreter for fixture servers: Debian's first, since the
-- python3-aiosmtpd and python3-pyftpdlib packages install there and a
-- python3 earlier in PATH may not see them.
function proc.python()
    local f = io.open("/usr/bin/python3", "r")
    if f then
        f:close()
        return "/usr/bin/python3"
    end
    return "python3"
end

--- `n` deterministic pseudo-random bytes (every byte value appears in a
-- long enough run); the same `seed` (default 1) gives the same bytes.
function proc.bytes(n, seed)
    local t, state = {}, seed or 1
    for i = 1, n do
        state = (state * 1103515245 + 12345) % 2147483648
        t[i] = string.char(math.floor(state / 65536) % 256)
    end
    return table.concat(t)
end

--- The hard limit on open files, from /proc/self/limits (math.huge when
-- unlimited).
function proc.hard_nofile()
    local f = assert(io.open("/proc/self/limits", "r"))
    local text = f:read("*a")
    f:close()
    local hard = text:match("Max open files%s+%S+%s+(%S+)")
    return hard == "unlimited" and math.huge or assert(tonumber(hard))
end

--- The numbers after each word in a "key value key value" line.
function proc.fields(line)
    local t = {}
    for k, v in line:gmatch("([%a_][%w_]*) (%-?[%d.]+)") do t[k] = tonumber(v) end
    return t
end

return proc
