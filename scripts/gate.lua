-- Judges one interpreter's busted run from the results file that
-- spec/support/gate_output.lua wrote (not from the console): prints one
-- summary line, lists every pending spec with its reason, and exits
-- non-zero on any failure or error, on a pending spec that
-- spec/expected_pending.lua does not list for this interpreter, or on a run
-- with no successes.
--
-- usage: lua scripts/gate.lua RESULTS_FILE INTERPRETER
local results_file, interp = arg[1], arg[2]
assert(results_file and interp, "usage: gate.lua RESULTS_FILE INTERPRETER")

local f = io.open(results_file, "r")
if not f then
    print(interp .. ": no results file (" .. results_file .. "): busted did not finish")
    os.exit(1)
end
local counts, pendings, failures = {}, {}, {}
for line in f:lines() do
    local kind, a, b = line:match("^(%a+)\t([^\t]*)\t?(.*)$")
    if kind == "count" then
        counts[a] = tonumber(b)
    elseif kind == "pending" then
        pendings[#pendings + 1] = { name = a, message = b }
    elseif kind == "failure" or kind == "error" then
        failures[#failures + 1] = { kind = kind, name = a, message = b }
    end
end
f:close()

local expected = dofile("spec/expected_pending.lua")
-- A pending spec's text: its full name, and the message of a pending()
-- called inside an `it`.
local function expected_for(p)
    local text = p.message ~= "" and (p.name .. " " .. p.message) or p.name
    for _, e in ipairs(expected) do
        for _, i in ipairs(e.interpreters) do
            if i == interp and (text:match("^" .. e.name .. "$") or p.name:match("^" .. e.name .. "$")) then
                return e
            end
        end
    end
end

local ok = true
local pass = counts.successes or 0
local failed = (counts.failures or 0) + (counts.errors or 0)
if failed > 0 or pass == 0 then ok = false end
local unexpected = 0
for _, p in ipairs(pendings) do
    local e = expected_for(p)
    if e then
        print(string.format("  pending (expected): %s (%s)", p.name, e.reason))
    else
        unexpected = unexpected + 1
        ok = false
        print(string.format("  PENDING NOT EXPECTED on %s: %s %s", interp, p.name, p.message))
    end
end
for _, e in ipairs(failures) do
    print(string.format("  FAILED (%s) on %s: %s: %s", e.kind, interp, e.name, e.message))
end
if #failures ~= failed then
    ok = false
    print("  the results file names " .. #failures .. " failed specs but counts " .. failed)
end
if #pendings ~= (counts.pending or 0) then
    ok = false
    print("  the results file lists " .. #pendings .. " pending specs but counts " .. tostring(counts.pending))
end
print(string.format("RESULT %s: %d passed, %d failed, %d pending (%d not expected)",
    interp, pass, failed, #pendings, unexpected))
os.exit(ok and 0 or 1)
