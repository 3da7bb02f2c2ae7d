---
-- mbox: splitting Unix mailbox files and RFC 5322 messages into their
-- parts, as LuaSocket's `mbox` module does.
--
-- Every function takes text with LF or CRLF line ends and works on LF.
-- Differences on purpose from LuaSocket's module: a header continued on a
-- line that starts with a tab is unfolded like one starting with spaces
-- (RFC 5322 §2.2.3 allows both); `split_mbox` drops the first message's
-- "From " separator line (LuaSocket keeps it, so that line was parsed as a
-- header), and an empty mailbox has no messages; no global `mbox` is set.
-- @module mbox

local ipairs = ipairs
local string_gmatch = string.gmatch
local string_find, string_gsub, string_lower, string_match, string_sub =
    string.find, string.gsub, string.lower, string.match, string.sub

local mbox = {}

-- The text with every CRLF turned into LF.
local function lf(text)
    return (string_gsub(text, "\r\n", "\n"))
end

-- Folded header lines joined: a line end followed by blanks becomes one space.
local function unfold(text)
    return (string_gsub(text, "\n[ \t]+", " "))
end

--- Splits a message at the first empty line.
-- @param message_s the message text
-- @return the header text (each line ending in LF, the empty line left
--   out) and the body; a message without an empty line is all headers
function mbox.split_message(message_s)
    local text = lf(message_s)
    local head, body = string_match(text, "^(.-\n)\n(.*)$")
    if head then return head, body end
    if string_sub(text, 1, 1) == "\n" then
        -- No headers at all: the body starts after the first line end.
        return "", string_sub(text, 2)
    end
    return text, ""
end

--- Splits a header block into one string per header, folded lines joined.
-- @param headers_s the header text
-- @return a list of "Name: value" strings
function mbox.split_headers(headers_s)
    local list = {}
    local text = unfold(lf(headers_s))
    for line in string_gmatch(text, "[^\n]+") do
        list[#list + 1] = line
    end
    return list
end

--- Splits one header into its name and value.
-- @param header_s a "Name: value" string (may be folded)
-- @return the name and the value (blanks after the colon dropped), or
--   nothing when there is no colon
function mbox.parse_header(header_s)
    local text = string_gsub(unfold(header_s), "\n+", "")
    local name, value = string_match(text, "([^%s:]*):%s*(.*)")
    return name, value
end

--- Parses a header block into a table keyed by lower-case name; a header
-- that appears more than once has its values joined with ", ".
-- @param headers_s the header text
-- @return the table
function mbox.parse_headers(headers_s)
    local result = {}
    for _, header in ipairs(mbox.split_headers(headers_s)) do
        local name, value = mbox.parse_header(header)
        if name then
            name = string_lower(name)
            if result[name] then
                result[name] = result[name] .. ", " .. value
            else
                result[name] = value
            end
        end
    end
    return result
end

--- Splits a From header value into a display name and an address:
-- `"Ann Smith <ann@example.com>"` gives `Ann Smith`, `ann@example.com`.
-- Without angle brackets the whole value is the address, and the name
-- is the address too. Double quotes are removed from the name.
-- @return name, address
function mbox.parse_from(from)
    local name, address = string_match(from, "^%s*(.-)%s*<(.-)>")
    if not address then
        address = string_match(from, "%s*(.+)")
    end
    name = name or ""
    address = address or ""
    if name == "" then name = address end
    name = string_gsub(name, '"', "")
    return name, address
end

--- Splits a mailbox into its messages. A message starts after a line
-- beginning "From " that follows an empty line (or starts the file); the
-- separator lines themselves are not part of any message.
-- @param mbox_s the mailbox text
-- @return a list of message texts
function mbox.split_mbox(mbox_s)
    local messages = {}
    local text = lf(mbox_s)
    local pos = 1
    if string_sub(text, 1, 5) == "From " then
        pos = (string_find(text, "\n", 1, true) or #text) + 1
    end
    local length = #text
    -- A sentinel separator after the last message.
    text = text .. "\n\nFrom \n"
    -- Text left after the last separator (or none at all) is a message.
    while pos <= length do
        local first, last = string_find(text, "\n\nFrom [^\n]*\n", pos)
        if not first then break end
        messages[#messages + 1] = string_sub(text, pos, first - 1)
        pos = last + 1
    end
    return messages
end

--- Parses one message.
-- @return `{headers = <table from parse_headers>, body = <string>}`
function mbox.parse_message(message_s)
    local head, body = mbox.split_message(message_s)
    return { headers = mbox.parse_headers(head), body = body }
end

--- Parses a whole mailbox.
-- @return a list of messages as `parse_message` returns them
function mbox.parse(mbox_s)
    local messages = mbox.split_mbox(mbox_s)
    for i, message in ipairs(messages) do
        messages[i] = mbox.parse_message(message)
    end
    return messages
end

return mbox
