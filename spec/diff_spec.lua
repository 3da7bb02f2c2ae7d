-- The differential harness: every scenario in spec/diff/scenarios/ runs
-- twice, once in a process that loads Debian's C LuaSocket (the oracle) and
-- once in a process that loads ours, and each recorded step must give the
-- same values, types, error strings and classes in both, unless the
-- difference is listed (with its reason) in spec/diff/accepted.lua.
--
-- The C library must be installed for this Lua version (.ci/run installs
-- lua-socket); without it this spec fails rather than skips.
local net = require("support.net")
local accepted = dofile("spec/diff/accepted.lua")

local quote = require("support.proc").quote

local lua_version = _VERSION:match("%d+%.%d+")
local c_core = "/usr/lib/x86_64-linux-gnu/lua/" .. lua_version .. "/socket/core.so"
local interp = net.interpreter()

-- The areas: one scenario file each.
local areas = {}
do
    local p = assert(io.popen("ls spec/diff/scenarios"))
    for file in p:lines() do
        local area = file:match("^(.-)%.lua$")
        if area then areas[#areas + 1] = area end
    end
    p:close()
    table.sort(areas)
end

-- Runs the harness over one library; returns { steps = {...}, impl = line }
-- or nil and the output, for the failure message.
local function run(which, area)
    local env
    if which == "c" then
        -- Only the system's paths, and no prelude proving ours is loaded.
        env = net.c_luasocket_env("./spec/?.lua;")
    else
        env = "env"
    end
    local out_file = os.tmpname()
    local cmd = "ulimit -n 4096; " .. env .. " timeout 300 " .. quote(interp) .. " spec/diff/harness.lua "
        .. which .. " " .. area .. " >" .. out_file .. " 2>&1"
    local ok = os.execute(cmd)
    local f = assert(io.open(out_file, "r"))
    local text = f:read("*a")
    f:close()
    os.remove(out_file)
    if not (ok == true or ok == 0) or not text:match("\nEND\t%d+\n$") then
        return nil, text
    end
    local result = { steps = {} }
    for line in text:gmatch("[^\n]+") do
        local kind, a, b, c = line:match("^(%u+)\t([^\t]*)\t?([^\t]*)\t?(.*)$")
        if kind == "STEP" then
            result.steps[#result.steps + 1] = { scenario = a, label = b, value = c }
        elseif kind == "IMPL" then
            result.impl = line
        end
    end
    return result
end

-- The accepted difference for this step, if any.
local function accepted_for(area, step_c, step_ours)
    for _, e in ipairs(accepted) do
        if e.area == area and e.scenario == step_c.scenario and e.label == step_c.label
            and (step_c.value):match("^" .. e.c .. "$") and (step_ours.value):match("^" .. e.ours .. "$") then
            return e
        end
    end
end

local counts_file = os.getenv("LUASOCKET_TREE") and (os.getenv("LUASOCKET_TREE") .. ".diff-counts")
local function count(area, compared, same, accepted_n, differing)
    if not counts_file then return end
    local f = io.open(counts_file, "a")
    if f then
        f:write(string.format("%s\t%d\t%d\t%d\t%d\n", area, compared, same, accepted_n, differing))
        f:close()
    end
end

describe("differential harness (C LuaSocket as the oracle)", function()
    it("has its accepted differences listed in docs/compatibility.md", function()
        local md = dofile("spec/diff/accepted_md.lua")
        local f = assert(io.open("docs/compatibility.md", "rb"))
        local doc = f:read("*a")
        f:close()
        assert.are.equal(md.render(accepted), md.section(doc),
            "run: lua spec/diff/accepted_md.lua --write")
    end)

    it("has the C LuaSocket installed for " .. _VERSION, function()
        local f = io.open(c_core, "r")
        assert.is_not_nil(f, "Debian's lua-socket is not installed: " .. c_core)
        f:close()
    end)

    for _, area in ipairs(areas) do
        describe(area, function()
            local c, c_out = run("c", area)
            local ours, ours_out = run("ours", area)
            if not c or not ours then
                it("runs over both libraries", function()
                    assert.is_not_nil(c, "the C run failed:\n" .. tostring(c_out))
                    assert.is_not_nil(ours, "our run failed:\n" .. tostring(ours_out))
                end)
                return
            end
            -- Group the steps by scenario, in order.
            local order, by = {}, {}
            for i, step in ipairs(c.steps) do
                if not by[step.scenario] then
                    by[step.scenario] = {}
                    order[#order + 1] = step.scenario
                end
                table.insert(by[step.scenario], { c = step, ours = ours.steps[i], index = i })
            end
            local same, accepted_n, differing = 0, 0, 0
            for _, name in ipairs(order) do
                local problems = {}
                for _, pair in ipairs(by[name]) do
                    local sc, so = pair.c, pair.ours
                    if not so or so.scenario ~= sc.scenario or so.label ~= sc.label then
                        problems[#problems + 1] = string.format("step %d: C %s / %s, ours %s",
                            pair.index, sc.scenario, sc.label, so and (so.scenario .. " / " .. so.label) or "none")
                    elseif sc.value == so.value then
                        same = same + 1
                    elseif accepted_for(area, sc, so) then
                        accepted_n = accepted_n + 1
                    else
                        differing = differing + 1
                        problems[#problems + 1] = string.format("%s\n      C:    %s\n      ours: %s",
                            sc.label, sc.value, so.value)
                    end
                end
                it(name, function()
                    assert(#problems == 0, "differs from C LuaSocket:\n  " .. table.concat(problems, "\n  "))
                end)
            end
            it("runs the same steps in both (" .. #c.steps .. " compared)", function()
                assert.are.equal(#c.steps, #ours.steps)
                assert.is_true(#c.steps > 0)
            end)
            count(area, #c.steps, same, accepted_n, differing)
        end)
    end
end)
