std = "max"
max_line_length = 120
codes = true

files["spec/"] = { std = "+busted" }
files["lua/socket/headers.lua"] = { max_line_length = false }
-- library/ holds LuaLS annotation stubs (`---@meta`): empty bodies and
-- unused parameters on purpose.
exclude_files = { "build/", "target/", "library/" }
