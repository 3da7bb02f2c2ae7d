-- A streaming base64 encoder (and decoder), built from ltn12 and mime:
-- the file is read a block at a time, so its size does not matter.
-- Encoded output has CRLF line breaks every 76 columns, as MIME wants.
--
-- usage: lua examples/base64_encode.lua [--decode] [input [output]]
--   input and output default to standard input and output ("-" too).
local ltn12 = require("ltn12")
local mime = require("mime")

local decode = false
if arg[1] == "--decode" or arg[1] == "-d" then
    decode = true
    table.remove(arg, 1)
end

local function open(name, mode, default)
    if not name or name == "-" then return default end
    local handle, err = io.open(name, mode)
    if not handle then
        io.stderr:write(err, "\n")
        os.exit(1)
    end
    return handle
end

local input = open(arg[1], "rb", io.stdin)
local output = open(arg[2], "wb", io.stdout)

local filter
if decode then
    -- unb64 skips the line breaks by itself.
    filter = mime.decode("base64")
else
    filter = ltn12.filter.chain(mime.encode("base64"), mime.wrap("base64"))
end

local ok, err = ltn12.pump.all(
    ltn12.source.chain(ltn12.source.file(input), filter),
    ltn12.sink.file(output)
)
if not ok then
    io.stderr:write("failed: ", tostring(err), "\n")
    os.exit(1)
end
