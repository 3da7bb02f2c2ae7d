---
-- MIME filters (RFC 2045-2049) over the `mime.core` codecs: base64 and
-- quoted-printable encoding and decoding, line wrapping, end-of-line
-- normalisation and SMTP dot-stuffing, each as an LTN12 filter.
--
-- As in LuaSocket, `require("mime")` returns the `mime.core` table itself
-- (`b64`, `unb64`, `qp`, `unqp`, `wrp`, `qpwrp`, `eol`, `dot`, `_VERSION`)
-- with the functions and tables below added to it.
-- @module mime

local ltn12 = require("ltn12")
local mime = require("mime.core")

local error, tostring, type = error, tostring, type
local cycle = ltn12.filter.cycle

--- Encoding filter factories by name: `base64`, `quoted-printable`.
local encodet = {}
--- Decoding filter factories by name: `base64`, `quoted-printable`.
local decodet = {}
--- Line-wrapping filter factories by name: `text` (also `base64` and
-- `default`), `quoted-printable`.
local wrapt = {}

mime.encodet = encodet
mime.decodet = decodet
mime.wrapt = wrapt

encodet["base64"] = function()
    return cycle(mime.b64, "")
end

encodet["quoted-printable"] = function(mode)
    -- In binary mode line breaks are data too, so they are encoded.
    local marker = (mode == "binary") and "=0D=0A" or "\r\n"
    return cycle(mime.qp, "", marker)
end

decodet["base64"] = function()
    return cycle(mime.unb64, "")
end

decodet["quoted-printable"] = function()
    return cycle(mime.unqp, "")
end

wrapt["text"] = function(length)
    length = length or 76
    return cycle(mime.wrp, length, length)
end
wrapt["base64"] = wrapt["text"]
wrapt["default"] = wrapt["text"]

wrapt["quoted-printable"] = function()
    return cycle(mime.qpwrp, 76, 76)
end

-- A function picking a factory from `factories` by name and calling it with
-- the options. Without a name (first argument not a string) the "default"
-- entry is used and the arguments shift.
local function chooser(factories)
    return function(name, opt1, opt2)
        if type(name) ~= "string" then
            name, opt1, opt2 = "default", name, opt1
        end
        local factory = factories[name]
        if not factory then
            error("unknown key (" .. tostring(name) .. ")", 3)
        end
        return factory(opt1, opt2)
    end
end

--- An encoding filter.
-- @function encode
-- @param name `"base64"` or `"quoted-printable"`
-- @param mode for quoted-printable: `"text"` (default; CRLF stays a line
-- break) or `"binary"` (CRLF is encoded as `=0D=0A`)
-- @return a filter; an unknown name raises `unknown key (<name>)`
mime.encode = chooser(encodet)

--- A decoding filter.
-- @function decode
-- @param name `"base64"` or `"quoted-printable"`
-- @return a filter; an unknown name raises `unknown key (<name>)`
mime.decode = chooser(decodet)

--- A line-wrapping filter.
-- @function wrap
-- @param name `"text"`, `"base64"` (the same) or `"quoted-printable"`;
-- without a name, `"text"` and the first argument is the length
-- @param length the longest line for `"text"` (default 76)
-- @return a filter; an unknown name raises `unknown key (<name>)`
mime.wrap = chooser(wrapt)

--- A filter turning every line end (CRLF, LF, CR, LFCR) into `marker`.
-- @param marker the line end to write (default CRLF)
-- @return a filter
function mime.normalize(marker)
    return cycle(mime.eol, 0, marker)
end

--- A filter doubling every `.` at the start of a line, as SMTP's DATA
-- command needs (the data is taken to start at the start of a line).
-- @return a filter
function mime.stuff()
    return cycle(mime.dot, 2)
end

return mime
