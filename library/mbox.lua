---@meta mbox
-- LuaLS annotations for `require("mbox")`. Manual: docs/mbox.md.

---A parsed message.
---@class mbox.message
---@field headers table<string, string> lower-case names
---@field body string

---Splitting Unix mailboxes and RFC 5322 messages (LF or CRLF line ends).
---@class mbox
local mbox = {}

---Splits a mailbox into message texts (the `From ` lines dropped).
---@param text string
---@return string[]
function mbox.split_mbox(text) end

---Splits a message at the first empty line: header text and body.
---@param text string
---@return string headers
---@return string body
function mbox.split_message(text) end

---Splits a header block into `"Name: value"` strings, folded lines joined.
---@param text string
---@return string[]
function mbox.split_headers(text) end

---Splits one header into name and value (`nil, nil` without a colon).
---@param text string
---@return string? name
---@return string? value
function mbox.parse_header(text) end

---A header block as a table keyed by lower-case name (repeats joined with ", ").
---@param text string
---@return table<string, string>
function mbox.parse_headers(text) end

---Splits a From value into display name and address.
---@param value string
---@return string name
---@return string address
function mbox.parse_from(value) end

---Parses one message.
---@param text string
---@return mbox.message
function mbox.parse_message(text) end

---Parses a whole mailbox.
---@param text string
---@return mbox.message[]
function mbox.parse(text) end

return mbox
