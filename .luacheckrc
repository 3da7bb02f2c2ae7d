std = "max"
max_line_length = 120
codes = true

files["spec/"] = { std = "+busted" }
files["lua/socket/headers.lua"] = { max_line_length = false }
exclude_files = { "build/", "target/" }
