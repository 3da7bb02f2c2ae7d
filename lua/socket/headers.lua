---
-- socket.headers: canonical capitalisation of header names, and the checks
-- every protocol module makes before it writes a header or a command line.
--
-- `canonic[lower]` gives the spelling to send for a header name in lower
-- case (`canonic["content-type"] == "Content-Type"`). socket.http and
-- socket.smtp use it when they write headers; names missing here are sent as
-- given. Programs may add entries.
--
-- `check(name, value)` is the one rule for a header socket.http or
-- socket.smtp writes: the name a token (RFC 9110 §5.6.2) or a key of
-- `canonic`, the value a number or a string without control bytes other
-- than horizontal tab (CR or LF would end the header early and smuggle in
-- another one). `token(s)` is the token test alone (socket.http checks the
-- request method with it); `oneline(s)` says a string holds no CR and no LF
-- (socket.tp checks command lines with it, socket.smtp envelope addresses).
-- LuaSocket has none of these: it writes whatever it is given.
-- @module socket.headers

local socket = require("socket")

local find, gsub, tostring, type = string.find, string.gsub, tostring, type

local headers = {}
-- As upstream, loading this module also makes it reachable as socket.headers.
socket.headers = headers

local canonic = {}
headers.canonic = canonic

local known = {
    "Accept",
    "Accept-Charset",
    "Accept-Encoding",
    "Accept-Language",
    "Accept-Ranges",
    "Action",
    "Age",
    "Allow",
    "Alternate-Recipient",
    "Arrival-Date",
    "Authorization",
    "Bcc",
    "Cache-Control",
    "Cc",
    "Comments",
    "Connection",
    "Content-Description",
    "Content-Disposition",
    "Content-Encoding",
    "Content-ID",
    "Content-Language",
    "Content-Length",
    "Content-Location",
    "Content-MD5",
    "Content-Range",
    "Content-Transfer-Encoding",
    "Content-Type",
    "Cookie",
    "Date",
    "Diagnostic-Code",
    "DSN-Gateway",
    "ETag",
    "Expect",
    "Expires",
    "Final-Log-ID",
    "Final-Recipient",
    "From",
    "Host",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "In-Reply-To",
    "Keywords",
    "Last-Attempt-Date",
    "Last-Modified",
    "Location",
    "Max-Forwards",
    "Message-ID",
    "MIME-Version",
    "Original-Envelope-ID",
    "Original-Recipient",
    "Pragma",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Range",
    "Received",
    "Received-From-MTA",
    "References",
    "Referer",
    "Remote-MTA",
    "Reply-To",
    "Reporting-MTA",
    "Resent-Bcc",
    "Resent-Cc",
    "Resent-Date",
    "Resent-From",
    "Resent-Message-ID",
    "Resent-Reply-To",
    "Resent-Sender",
    "Resent-To",
    "Retry-After",
    "Return-Path",
    "Sender",
    "Server",
    "SMTP-Remote-Recipient",
    "Status",
    "Subject",
    "TE",
    "To",
    "Trailer",
    "Transfer-Encoding",
    "Upgrade",
    "User-Agent",
    "Vary",
    "Via",
    "Warning",
    "Will-Retry-Until",
    "WWW-Authenticate",
    "X-Mailer",
}

for _, name in ipairs(known) do
    canonic[name:lower()] = name
end

-- One or more tchar (RFC 9110 §5.6.2).
local TOKEN = "^[!#$%%&'*+%-.^_`|~%w]+$"

--- Whether `s` is a token (RFC 9110 §5.6.2): a non-empty string of
-- letters, digits and ``!#$%&'*+-.^_`|~``, as a header name or a request
-- method must be.
-- @param s any value
-- @return `true` or `false`
function headers.token(s)
    return type(s) == "string" and find(s, TOKEN) ~= nil
end

--- Whether `s` is a string holding no CR and no LF, so that it stays on
-- one protocol line (a command, an envelope address).
-- @param s any value
-- @return `true` or `false`
function headers.oneline(s)
    return type(s) == "string" and not find(s, "[\r\n]")
end

--- Checks one header before it is written.
-- @param name the header name as it will be looked up in `canonic` (lower
--   case); a key of `canonic`, or else a token
-- @param value a number, or a string holding no control byte but
--   horizontal tab (no CR, no LF, no NUL)
-- @return `true`; or `nil, "invalid header name '<name>'"` (control bytes
--   of the name shown as `?`); or `nil, "invalid value for header '<name>'"`
function headers.check(name, value)
    -- Known names (canonic) are valid tokens; others are checked.
    if not canonic[name] and not headers.token(name) then
        return nil, "invalid header name '" .. gsub(tostring(name), "%c", "?") .. "'"
    end
    local tv = type(value)
    -- CR, LF, NUL and other control bytes (but horizontal tab) would end
    -- the header early or smuggle in another one.
    if tv ~= "number" and (tv ~= "string" or (find(value, "%c") and find(value, "[%z\1-\8\10-\31\127]"))) then
        return nil, "invalid value for header '" .. tostring(name) .. "'"
    end
    return true
end

return headers
