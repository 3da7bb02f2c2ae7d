-- mbox: splitting messages and mailboxes, parsing headers and From values.
local mbox = require("mbox")

describe("mbox", function()
    it("sets no global", function()
        assert.is_nil(rawget(_G, "mbox"))
    end)

    describe(".split_message()", function()
        it("splits at the first empty line: headers keep their LF, the empty line goes", function()
            local head, body = mbox.split_message("Subject: hi\nFrom: a@b\n\nline 1\n\nline 2\n")
            assert.are.equal("Subject: hi\nFrom: a@b\n", head)
            assert.are.equal("line 1\n\nline 2\n", body)
        end)

        it("turns CRLF into LF", function()
            local head, body = mbox.split_message("Subject: hi\r\n\r\nbody\r\n")
            assert.are.equal("Subject: hi\n", head)
            assert.are.equal("body\n", body)
        end)

        it("treats a message without an empty line as all headers", function()
            assert.are.same({ "Subject: hi\nTo: x\n", "" }, { mbox.split_message("Subject: hi\nTo: x\n") })
            assert.are.same({ "Subject: hi", "" }, { mbox.split_message("Subject: hi") })
        end)

        it("gives empty headers when the message starts with an empty line", function()
            assert.are.same({ "\n", "body" }, { mbox.split_message("\n\nbody") })
            assert.are.same({ "", "just body" }, { mbox.split_message("\njust body") })
            assert.are.same({ "", "" }, { mbox.split_message("") })
        end)
    end)

    describe(".split_headers()", function()
        it("returns one string per header", function()
            assert.are.same({ "Subject: hi", "To: x@y" }, mbox.split_headers("Subject: hi\r\nTo: x@y\r\n"))
        end)

        it("joins folded lines, whether they start with spaces or a tab", function()
            local list = mbox.split_headers("Subject: a long\n   subject\nReceived: from x\n\tby y\nTo: z\n")
            assert.are.same({ "Subject: a long subject", "Received: from x by y", "To: z" }, list)
        end)

        it("returns an empty list for no headers", function()
            assert.are.same({}, mbox.split_headers(""))
        end)
    end)

    describe(".parse_header()", function()
        it("returns the name and the value without the blanks after the colon", function()
            assert.are.same({ "Subject", "hello: world" }, { mbox.parse_header("Subject:   hello: world") })
            assert.are.same({ "X-Empty", "" }, { mbox.parse_header("X-Empty:") })
        end)

        it("unfolds a folded header", function()
            assert.are.same({ "Subject", "one two" }, { mbox.parse_header("Subject: one\n  two") })
        end)

        it("returns nothing for a line without a colon", function()
            assert.is_nil((mbox.parse_header("no colon here")))
        end)
    end)

    describe(".parse_headers()", function()
        it("keys by lower-case name and joins repeated headers with ', '", function()
            local h = mbox.parse_headers("Received: one\nSubject: hi\nRECEIVED: two\n\tcontinued\njunk line\n")
            assert.are.same({ received = "one, two continued", subject = "hi" }, h)
        end)
    end)

    describe(".parse_from()", function()
        it("splits a display name and an angle-bracket address", function()
            assert.are.same({ "Ann Smith", "ann@example.com" },
                { mbox.parse_from('  "Ann Smith"  <ann@example.com>') })
        end)

        it("uses the address as the name when there is no name", function()
            assert.are.same({ "ann@example.com", "ann@example.com" }, { mbox.parse_from("<ann@example.com>") })
            assert.are.same({ "ann@example.com", "ann@example.com" }, { mbox.parse_from("  ann@example.com") })
        end)

        it("returns empty strings for an empty value", function()
            assert.are.same({ "", "" }, { mbox.parse_from("") })
        end)
    end)

    local box = table.concat({
        "From alice@example.com Mon Jan  1 10:00:00 2024",
        "From: Alice <alice@example.com>",
        "Subject: first",
        "",
        "Hello.",
        "From here on, a body line that starts with From.",
        "",
        "From bob@example.com Tue Jan  2 11:00:00 2024",
        "From: bob@example.com",
        "Subject: second",
        "Subject: again",
        "",
        "Bye.",
        "",
    }, "\r\n")

    describe(".split_mbox()", function()
        it("splits at 'From ' lines after an empty line and drops those lines", function()
            local messages = mbox.split_mbox(box)
            assert.are.equal(2, #messages)
            assert.are.equal("From: Alice <alice@example.com>\nSubject: first\n\nHello.\n"
                .. "From here on, a body line that starts with From.", messages[1])
            assert.are.equal("From: bob@example.com\nSubject: second\nSubject: again\n\nBye.\n", messages[2])
        end)

        it("returns no messages for an empty mailbox", function()
            assert.are.same({}, mbox.split_mbox(""))
            assert.are.same({}, mbox.split_mbox("From nobody Mon Jan  1 00:00:00 2024\n"))
        end)

        it("takes text without a leading 'From ' line as the first message", function()
            assert.are.same({ "Subject: x\n\nbody" }, mbox.split_mbox("Subject: x\n\nbody\n\nFrom y\n"))
        end)
    end)

    describe(".parse()", function()
        it("returns each message's headers table and body", function()
            local messages = mbox.parse(box)
            assert.are.same({
                {
                    headers = { from = "Alice <alice@example.com>", subject = "first" },
                    body = "Hello.\nFrom here on, a body line that starts with From.",
                },
                {
                    headers = { from = "bob@example.com", subject = "second, again" },
                    body = "Bye.\n",
                },
            }, messages)
        end)

        it("parse_message() parses one message", function()
            assert.are.same({ headers = { to = "x" }, body = "b" }, mbox.parse_message("To: x\n\nb"))
        end)
    end)
end)
