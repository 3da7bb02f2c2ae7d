-- Runs Lua code in a child process that sees its own /etc/hosts, so a spec
-- can make a name resolve to the addresses it wants (several families, a
-- dead first address) without touching the machine's files or the network.
-- The child runs in a private mount namespace (`unshare -rm`) where a
-- temporary hosts file and an nsswitch.conf that reads only files are
-- bind-mounted over the real ones. Where unshare is not allowed,
-- `available()` is false and the specs that need it are pending.
local net = require("support.net")

local hosts = {}

local quote = require("support.proc").quote

local function write(path, text)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
end

local checked
--- True when this machine lets us run a child in a private mount namespace.
function hosts.available()
    if checked == nil then
        local ok = os.execute("unshare -rm sh -c 'mount --bind /etc/hosts /etc/hosts' >/dev/null 2>&1")
        checked = (ok == true or ok == 0)
    end
    return checked
end

--- Runs `code` in a child whose /etc/hosts is `hosts_text`. The child's
-- lines of the form `key<TAB>value` come back as a table (values are
-- strings); `raw` is the whole output, for messages.
-- @return results, raw
function hosts.run(hosts_text, code)
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -m 700 " .. quote(dir)))
    write(dir .. "/hosts", hosts_text)
    write(dir .. "/nsswitch.conf", "hosts: files\n")
    local prefix = "unshare -rm sh -c " .. quote(
        "mount --bind " .. quote(dir .. "/hosts") .. " /etc/hosts && "
        .. "mount --bind " .. quote(dir .. "/nsswitch.conf") .. " /etc/nsswitch.conf && "
        .. 'exec "$0" "$@"')
    local raw = net.run_lua(code, prefix)
    os.execute("rm -rf " .. quote(dir))
    local results = {}
    for key, value in raw:gmatch("([^\t\n]+)\t([^\n]*)") do
        results[key] = value
    end
    return results, raw
end

return hosts
