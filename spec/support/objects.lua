-- Helpers for specs about socket objects: a tracker that closes every
-- socket a spec opened, temporary directories, raised-error messages
-- without their position, and metatable views. A module, not globals.
local objects = {}

--- A tracker: `track(...)` remembers sockets (and returns them);
-- `track.close_all()` closes them (for after_each).
function objects.tracker()
    local live = {}
    local track = {}
    setmetatable(track, {
        __call = function(_, ...)
            for i = 1, select("#", ...) do
                local s = select(i, ...)
                if s then live[#live + 1] = s end
            end
            return ...
        end,
    })
    function track.close_all()
        for i = #live, 1, -1 do
            pcall(live[i].close, live[i])
            live[i] = nil
        end
    end
    return track
end

--- Temporary directories: `dirs.new()` makes one (os.tmpname-based, mode
-- 700); `dirs.remove_all()` removes them (for after_each).
function objects.tmpdirs()
    local made = {}
    local dirs = {}
    function dirs.new()
        local name = os.tmpname()
        os.remove(name)
        assert(os.execute("mkdir -m 700 '" .. name .. "'"))
        made[#made + 1] = name
        return name
    end
    function dirs.remove_all()
        for i = #made, 1, -1 do
            os.execute("rm -rf '" .. made[i] .. "'")
            made[i] = nil
        end
    end
    return dirs
end

--- Runs f, which must raise, and returns the message without its
-- "spec/x_spec.lua:NN: " position prefix (failing if there is none).
-- f must not tail-call the function under test: LuaJIT then drops the
-- caller's frame, and the message has no position and names '?'.
function objects.raised(f)
    local ok, err = pcall(f)
    assert(not ok, "expected an error")
    assert(type(err) == "string", "expected a string error, got " .. type(err))
    local rest = err:match("^[^\n]-_spec%.lua:%d+: (.*)$")
    assert(rest, "no position prefix in: " .. err)
    return rest
end

--- The class name of one of our objects (`__index.class`).
function objects.class_of(obj)
    return getmetatable(obj).__index.class
end

--- The string keys of a table, sorted.
function objects.sorted_keys(t)
    local out = {}
    for k in pairs(t) do
        if type(k) == "string" then out[#out + 1] = k end
    end
    table.sort(out)
    return out
end

return objects
