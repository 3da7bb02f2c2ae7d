-- Sends one e-mail through an SMTP server, with an optional attachment.
--
-- usage: lua examples/send_mail.lua server port from to [file]
--
-- Try it against a local test server that prints what it receives:
--   python3 -m aiosmtpd -n -l 127.0.0.1:8025 &
--   lua examples/send_mail.lua 127.0.0.1 8025 ann@example.com bob@example.com README.md
local smtp = require("socket.smtp")
local ltn12 = require("ltn12")
local mime = require("mime")

local server, port, from, to, file = arg[1], tonumber(arg[2]), arg[3], arg[4], arg[5]
if not (server and port and from and to) then
    io.stderr:write("usage: lua examples/send_mail.lua server port from to [file]\n")
    os.exit(2)
end

local text = {
    headers = { ["content-type"] = 'text/plain; charset="utf-8"' },
    body = "Hello from LuaSocket.\r\n",
}

local body
if file then
    local handle = assert(io.open(file, "rb"))
    local name = file:match("([^/]*)$")
    body = {
        text,
        {
            headers = {
                ["content-type"] = 'application/octet-stream; name="' .. name .. '"',
                ["content-disposition"] = 'attachment; filename="' .. name .. '"',
                ["content-transfer-encoding"] = "BASE64",
            },
            -- The file, base64-encoded and cut into 76-column lines, read
            -- a block at a time as the message is sent.
            body = ltn12.source.chain(ltn12.source.file(handle),
                ltn12.filter.chain(mime.encode("base64"), mime.wrap())),
        },
    }
else
    body = text.body
end

local ok, err = smtp.send({
    server = server,
    port = port,
    from = "<" .. from .. ">",
    rcpt = { "<" .. to .. ">" },
    source = smtp.message({
        headers = { from = from, to = to, subject = file and ("File: " .. file) or "Hello" },
        body = body,
    }),
})
if not ok then
    io.stderr:write("not sent: ", tostring(err), "\n")
    os.exit(1)
end
print("sent")
