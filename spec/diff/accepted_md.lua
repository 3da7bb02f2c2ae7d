-- Renders spec/diff/accepted.lua as the Markdown table that
-- docs/compatibility.md carries between its "accepted:begin" and
-- "accepted:end" markers, so the harness's table and the manual cannot
-- drift apart (spec/diff_spec.lua compares them).
--
-- usage: lua spec/diff/accepted_md.lua            print the table
--        lua spec/diff/accepted_md.lua --write     rewrite docs/compatibility.md's section
local M = {}

M.BEGIN = "<!-- accepted:begin (generated from spec/diff/accepted.lua by spec/diff/accepted_md.lua) -->"
M.END = "<!-- accepted:end -->"

local function cell(s)
    return (tostring(s or "any"):gsub("|", "\\|"):gsub("\n", " "))
end

--- The Markdown table, one row per accepted difference.
function M.render(entries)
    local lines = {
        "| area | scenario | step | reason |",
        "|---|---|---|---|",
    }
    for _, e in ipairs(entries) do
        lines[#lines + 1] = string.format("| %s | %s | %s | %s |",
            cell(e.area), cell(e.scenario), cell(e.label), cell(e.reason))
    end
    return table.concat(lines, "\n")
end

--- The section as docs/compatibility.md has it now, or nil.
function M.section(doc)
    local b = doc:find(M.BEGIN, 1, true)
    local e = doc:find(M.END, 1, true)
    if not (b and e) then return nil end
    return doc:sub(b + #M.BEGIN + 1, e - 2)
end

if arg and arg[0] and arg[0]:match("accepted_md%.lua$") then
    local entries = dofile("spec/diff/accepted.lua")
    local text = M.render(entries)
    if arg[1] == "--write" then
        local path = "docs/compatibility.md"
        local f = assert(io.open(path, "rb"))
        local doc = f:read("*a")
        f:close()
        local b = assert(doc:find(M.BEGIN, 1, true), "no begin marker in " .. path)
        local e = assert(doc:find(M.END, 1, true), "no end marker in " .. path)
        doc = doc:sub(1, b + #M.BEGIN) .. text .. "\n" .. doc:sub(e)
        f = assert(io.open(path, "wb"))
        f:write(doc)
        f:close()
    else
        print(text)
    end
end

return M
