---@meta mime
-- LuaLS annotations for `require("mime")` (the same table as
-- `require("mime.core")`). Manual: docs/mime.md.

---MIME filters and the low-level codecs they are built on.
---@class mime
local mime = {}

---`"MIME 1.0.3"`.
mime._VERSION = "MIME 1.0.3"

---This implementation's name, as `socket._IMPLEMENTATION`.
---@type string
mime._IMPLEMENTATION = "luasocket-rust 0.1.0"

---Encoding filter factories by name; writable.
---@type table<string, fun(mode?: string): ltn12.Filter>
mime.encodet = {}

---Decoding filter factories by name; writable.
---@type table<string, fun(): ltn12.Filter>
mime.decodet = {}

---Line-wrapping filter factories by name; writable.
---@type table<string, fun(length?: integer): ltn12.Filter>
mime.wrapt = {}

---Base64 encoder.
---@return ltn12.Filter
mime.encodet["base64"] = function() end

---Quoted-printable encoder; `"binary"` mode encodes CRLF as `=0D=0A`.
---@param mode? "text"|"binary"
---@return ltn12.Filter
mime.encodet["quoted-printable"] = function(mode) end

---Base64 decoder.
---@return ltn12.Filter
mime.decodet["base64"] = function() end

---Quoted-printable decoder.
---@return ltn12.Filter
mime.decodet["quoted-printable"] = function() end

---CRLF line breaks every `length` (default 76) bytes.
---@param length? integer
---@return ltn12.Filter
mime.wrapt["text"] = function(length) end

---Same as `"text"`.
mime.wrapt["base64"] = mime.wrapt["text"]

---Same as `"text"`.
mime.wrapt["default"] = mime.wrapt["text"]

---Soft line breaks at 76 columns, never inside an `=XX` escape.
---@return ltn12.Filter
mime.wrapt["quoted-printable"] = function() end

---An encoding filter: `"base64"` or `"quoted-printable"` (`mode` `"text"`
---or `"binary"`). An unknown name raises `unknown key (<name>)`.
---@param name "base64"|"quoted-printable"
---@param mode? "text"|"binary"
---@return ltn12.Filter
function mime.encode(name, mode) end

---A decoding filter: `"base64"` or `"quoted-printable"`.
---@param name "base64"|"quoted-printable"
---@return ltn12.Filter
function mime.decode(name) end

---A line-wrapping filter: `"text"`/`"base64"` (lines of `length`, default
---76) or `"quoted-printable"`. Without a name the first argument is the
---length.
---@param name? "text"|"base64"|"quoted-printable"|integer
---@param length? integer
---@return ltn12.Filter
function mime.wrap(name, length) end

---A filter turning every line end (CRLF, LF, CR, LFCR) into `marker`.
---@param marker? string default CRLF
---@return ltn12.Filter
function mime.normalize(marker) end

---A filter doubling `.` at the start of each line (SMTP dot-stuffing).
---@return ltn12.Filter
function mime.stuff() end

---Base64 of the longest prefix of `C .. D` whose length is a multiple of 3,
---and the rest; with `D` nil everything is encoded (padded) and `B` is nil.
---@param C string?
---@param D? string
---@return string? A
---@return string? B
function mime.b64(C, D) end

---The bytes of every complete base64 quad of `C .. D`, and the digits of an
---unfinished one (dropped when `D` is nil).
---@param C string?
---@param D? string
---@return string? A
---@return string? B
function mime.unb64(C, D) end

---Quoted-printable of what can be decided in `C .. D`, and the rest; CRLF
---becomes `marker` (default CRLF).
---@param C string?
---@param D? string
---@param marker? string
---@return string? A
---@return string? B
function mime.qp(C, D, marker) end

---The decoding of what can be decided in `C .. D`, and the rest.
---@param C string?
---@param D? string
---@return string? A
---@return string? B
function mime.unqp(C, D) end

---`C` broken into CRLF lines of at most `length` (default 76) bytes; `left`
---is the room on the current line, `n` the room after `A`.
---@param left integer
---@param C string?
---@param length? integer
---@return string? A
---@return number n
function mime.wrp(left, C, length) end

---Like `wrp` for quoted-printable: soft breaks, never inside `=XX`.
---@param left integer
---@param C string?
---@param length? integer
---@return string? A
---@return number n
function mime.qpwrp(left, C, length) end

---`C` with every line end replaced by `marker` (default CRLF); `ctx`/`n`
---carry the last CR or LF seen (start with 0).
---@param ctx integer
---@param C string?
---@param marker? string
---@return string? A
---@return number n
function mime.eol(ctx, C, marker) end

---`C` with `.` doubled at the start of each line; `state` counts CRLF bytes
---just seen (2 at the start of a line).
---@param state integer
---@param C string?
---@return string? A
---@return number n
function mime.dot(state, C) end

return mime
