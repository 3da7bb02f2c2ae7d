-- Differences from the C LuaSocket that we chose, each with its reason (the
-- same list as docs/compatibility.md). spec/diff_spec.lua reads this table:
-- a step whose C and ours results differ passes only when an entry names its
-- area, scenario and label, and both results match the entry's patterns
-- (Lua patterns, anchored at both ends). Any other difference fails.
return {
    -- socket-level areas (tcp, udp, unix, select, dns, socket) ----------
    {
        area = "tcp", scenario = "a connected pair and its classes", label = "server getsockname",
        c = '3:"127%.0%.0%.1", "PORT", "inet"', ours = '3:"127%.0%.0%.1", %a*:?PORT, "inet"',
        reason = "Debian's snapshot (tag v3.1.0) pushes getsockname's port as a string; LuaSocket "
            .. "master (#392) and CONTRACT §4 give a number",
    },
    {
        area = "tcp", scenario = "classes follow listen, connect and accept",
        label = "accepted getsockname",
        c = '3:"127%.0%.0%.1", "PORT", "inet"', ours = '3:"127%.0%.0%.1", %a*:?PORT, "inet"',
        reason = "getsockname's port: a number in LuaSocket master (#392) and CONTRACT §4, a string in Debian's",
    },
    {
        area = "tcp", scenario = "getsockname and getpeername shapes", label = "conn getsockname",
        c = '3:"127%.0%.0%.1", "PORT", "inet"', ours = '3:"127%.0%.0%.1", %a*:?PORT, "inet"',
        reason = "getsockname's port: a number in LuaSocket master (#392) and CONTRACT §4, a string in Debian's",
    },
    {
        area = "tcp", scenario = "getsockname and getpeername shapes",
        label = "client getsockname ip and family",
        c = '3:"127%.0%.0%.1", "string", "inet"', ours = '3:"127%.0%.0%.1", "number", "inet"',
        reason = "getsockname's port: a number in LuaSocket master (#392) and CONTRACT §4, a string in Debian's",
    },
    {
        area = "tcp", scenario = "IPv6 loopback", label = "getsockname",
        c = '3:"::1", "PORT", "inet6"', ours = '3:"::1", %a*:?PORT, "inet6"',
        reason = "getsockname's port: a number in LuaSocket master (#392) and CONTRACT §4, a string in Debian's",
    },
    {
        area = "tcp", scenario = "receive l without the star (3.1)", label = "receive l",
        c = [[error: "bad argument #%d to '[%w?]+' %(invalid receive pattern%)"]], ours = '3:"a", nil, nil',
        reason = "CONTRACT §4: receive takes \"l\" and \"a\" as well as \"*l\" and \"*a\"; "
            .. "Debian's C only the starred forms",
    },
    {
        area = "tcp", scenario = "receive a without the star (3.1)", label = "receive a",
        c = [[error: "bad argument #%d to '[%w?]+' %(invalid receive pattern%)"]],
        ours = '3:"all of it\\n", nil, nil',
        reason = "CONTRACT §4: receive takes \"l\" and \"a\" as well as \"*l\" and \"*a\"; "
            .. "Debian's C only the starred forms",
    },
    {
        area = "tcp", scenario = "receive maxsize (3.1 master)", label = "*a over maxsize",
        c = '3:"0123456789\\n", nil, nil', ours = '3:nil, "oversized", "0123"',
        reason = "receive's maxsize (CONTRACT §4, docs/compatibility.md): over it, nil, \"oversized\", partial; "
            .. "Debian's C ignores a fourth argument",
    },
    {
        area = "tcp", scenario = "receive maxsize on a line (3.1 master)", label = "*l over maxsize",
        c = '3:"0123456789", nil, nil', ours = '3:nil, "oversized", "0123"',
        reason = "receive's maxsize (CONTRACT §4, docs/compatibility.md): over it, nil, \"oversized\", partial; "
            .. "Debian's C ignores a fourth argument",
    },
    {
        area = "tcp", scenario = "receive 0 with nothing pending", label = "receive 0",
        c = '3:nil, "timeout", ""', ours = '3:"", nil, nil',
        reason = "receive(0) with nothing pending returns \"\" at once; C waits for data (upstream issue #427), "
            .. "docs/compatibility.md",
    },
    {
        area = "tcp", scenario = "setoption and getoption", label = "set bindtodevice lo",
        c = [[error: "bad argument #%d to '[%w?]+' %(unsupported option `bindtodevice'%)"]], ours = "1:%a+:1[.0]*",
        reason = "the bindtodevice option came in LuaSocket master (#408), after Debian's v3.1.0; CONTRACT §4 lists it",
    },
    {
        area = "tcp", scenario = "tostring and type shapes", label = "__name",
        c = "1:nil", ours = '1:"tcp{client}"',
        reason = "CONTRACT §3: __name is the class name on every Lua version; C's luaL_newmetatable only sets it "
            .. "on 5.3+ (the C run on 5.1, 5.2 and LuaJIT has none)",
    },
    {
        area = "udp", scenario = "IPv6 datagrams on ::1", label = "getsockname",
        c = '3:"::1", "PORT", "inet6"', ours = '3:"::1", %a*:?PORT, "inet6"',
        reason = "getsockname's port: a number in LuaSocket master (#392) and CONTRACT §4, a string in Debian's",
    },
    {
        area = "udp", scenario = "a large datagram without a size", label = "receive",
        c = "1:%a+:8192", ours = "1:%a+:10000",
        reason = "receive() with no size returns the whole datagram (_DATAGRAMSIZE 65535); C cuts at 8192 "
            .. "(CONTRACT §5, docs/compatibility.md)",
    },
    {
        area = "udp", scenario = "receive on a closed socket", label = "receive",
        c = '1:""', ours = '2:nil, "refused"',
        reason = "receive on a closed UDP socket gives nil, \"refused\" as send does; C returns \"\" "
            .. "(CONTRACT §5, docs/compatibility.md: a receive loop on a closed socket cannot spin)",
    },
    {
        area = "udp", scenario = "receivefrom on a closed socket", label = "receivefrom",
        c = '2:nil, "[^"]+"', ours = '2:nil, "refused"',
        reason = "receivefrom on a closed UDP socket gives nil, \"refused\"; C reports a resolver error "
            .. "from an unset address (docs/compatibility.md)",
    },
    {
        area = "udp", scenario = "receive on a fresh socket", label = "receive",
        c = '1:""', ours = '2:nil, "refused"',
        reason = "a udp() that has no descriptor yet reads as a closed one: nil, \"refused\"; C returns \"\" "
            .. "for any socket without a descriptor (docs/compatibility.md, closed UDP sockets)",
    },
    {
        area = "udp", scenario = "getfd, setfd and dirty on udp", label = "receive after setfd -1",
        c = '1:""', ours = '2:nil, "refused"',
        reason = "after setfd(-1) the socket has no descriptor and reads as closed: nil, \"refused\"; "
            .. "C returns \"\" (docs/compatibility.md, closed UDP sockets)",
    },
    {
        area = "udp", scenario = "ipv6-multicast-hops", label = "get ipv6-unicast-hops",
        c = "1:%a+:7[.0]*", ours = "1:%a+:5[.0]*",
        reason = "setoption ipv6-multicast-hops sets IPV6_MULTICAST_HOPS; C wires it to the unicast hop "
            .. "limit (upstream bug, docs/compatibility.md)",
    },
    {
        area = "udp", scenario = "wrong-class calls on udp", label = "__name",
        c = "1:nil", ours = '1:"udp{unconnected}"',
        reason = "CONTRACT §3: __name is the class name on every Lua version; C's luaL_newmetatable only sets it "
            .. "on 5.3+",
    },
    {
        area = "unix", scenario = "unix datagram receive on a closed socket", label = "receive",
        c = '1:""', ours = '2:nil, "refused"',
        reason = "receive on a closed unix datagram socket gives nil, \"refused\" as send does; C returns \"\" "
            .. "(docs/compatibility.md)",
    },
    {
        area = "unix", scenario = "unix datagram receivefrom on a closed socket", label = "receivefrom",
        c = '2:"", ""', ours = '2:nil, "refused"',
        reason = "receivefrom on a closed unix datagram socket gives nil, \"refused\"; C returns \"\", \"\" "
            .. "(docs/compatibility.md)",
    },
    {
        area = "unix", scenario = "abstract unix stream names", label = "getsockname",
        c = "2:false, false", ours = "2:true, true",
        reason = "abstract names: LuaSocket master (#430) passes their real length and ours returns the name "
            .. "with its leading NUL (docs/compatibility.md); Debian's v3.1.0 binds an autobound name",
    },
    {
        area = "unix", scenario = "abstract unix stream names", label = "connect",
        c = '2:nil, "Invalid argument"', ours = "1:%a+:1[.0]*",
        reason = "abstract names work (LuaSocket master #430); Debian's v3.1.0 passes a zero-length name",
    },
    {
        area = "unix", scenario = "abstract unix datagram names", label = "sendto",
        c = '2:nil, "Invalid argument"', ours = "1:%a+:3[.0]*",
        reason = "abstract names work (LuaSocket master #430); Debian's v3.1.0 passes a zero-length name",
    },
    {
        area = "unix", scenario = "abstract unix datagram names", label = "receive",
        c = '2:nil, "timeout"', ours = '1:"abs"',
        reason = "abstract names work (LuaSocket master #430): the datagram arrives; in Debian's v3.1.0 "
            .. "the sendto failed",
    },
    {
        area = "select", scenario = "a socket numbered beyond FD_SETSIZE", label = "select",
        c = [[error: "bad argument #1 to '[%w?]+' %(descriptor too large for set size%)"]],
        ours = '3:{%["n"%]=%a+:2,%[%a+:1%]=<udp{unconnected} high>}, {%["n"%]=%a+:0}, nil',
        reason = "select uses poll(2): no ceiling on descriptor numbers (README, docs/compatibility.md); "
            .. "C's select(2) refuses descriptors of 1024 and above",
    },
    {
        area = "dns", scenario = "toip of ::1", label = "::1",
        c = '2:nil, "host not found"',
        ours = '2:"::1", {%["alias"%]={},%["ip"%]={%[%a+:1%]="::1"},%["name"%]="::1"}',
        reason = "toip uses getaddrinfo (IPv6 works) and returns an address with no reverse name as is; "
            .. "C's gethostbyname is IPv4-only (README, docs/compatibility.md)",
    },
    {
        area = "socket", scenario = "skip with a negative count", label = "skip(-1, a)",
        c = '2:%a+:%-1, "a"', ours = '1:"a"',
        reason = "a negative count counts as 0 (README, docs/compatibility.md: C can crash on one)",
    },
    {
        area = "socket", scenario = "protect across a coroutine yield", label = "yield inside protect",
        c = '4:false, "[^"]*attempt to yield across C%-call boundary", false, "cannot resume dead coroutine"',
        ours = "4:true, number:2, true, number:40",
        reason = "CONTRACT §2: try/newtry/protect are Lua and work across coroutine yields; on LuaJIT, whose "
            .. "pcall can yield, so do ours, while C's protect is a C function that cannot be yielded across",
    },
    {
        area = "tcp", scenario = "__close on Lua 5.4", label = "__close",
        c = '1:"nil"', ours = '1:"function"',
        reason = "our socket metatables have __close, so a <close> socket is closed on 5.4 "
            .. "(docs/compatibility.md, Objects); Debian's C has none",
    },
    {
        area = "dns", scenario = "toip of an address with no reverse name", label = "toip 0.0.0.0",
        c = '2:nil, "[^"]+"',
        ours = '2:"0%.0%.0%.0", {%["alias"%]={},%["ip"%]={%[%a+:1%]="0%.0%.0%.0"},%["name"%]="0%.0%.0%.0"}',
        reason = "toip of an address with no reverse name returns the address (README, docs/compatibility.md); "
            .. "C's gethostbyaddr fails",
    },
    {
        area = "dns", scenario = "toip of an empty name", label = "toip empty",
        c = '2:nil, "Unknown server error"', ours = '2:nil, "host not found"',
        reason = "toip resolves with getaddrinfo, not gethostbyname (README, docs/compatibility.md): an empty "
            .. "name is EAI_NONAME, \"host not found\"; C passes on gethostbyname's NO_RECOVERY text",
    },
    {
        area = "tcp", scenario = "receiveany, an addition", label = "client has receiveany",
        c = '1:"nil"', ours = '1:"function"',
        reason = "client:receiveany(max) is this library's addition (issue 18, docs/tcp.md, "
            .. "docs/compatibility.md): what has arrived, up to max bytes; C LuaSocket has no such method",
    },
    {
        area = "socket", scenario = "the namespace's functions", label = "monotime",
        c = '1:"nil"', ours = '1:"function"',
        reason = "socket.monotime() is this library's addition (issue 18, docs/socket.md, "
            .. "docs/compatibility.md): seconds on the monotonic clock; C LuaSocket has none",
    },
    -- end of socket-level areas ------------------------------------------
    {
        area = "socket", scenario = "constants", label = "_VERSION",
        c = '1:"LuaSocket 3%.0%.0"', ours = '1:"LuaSocket 3%.1%.0"',
        reason = "Debian's package calls itself 3.0.0; we implement the 3.1 API (CONTRACT §2)",
    },
    {
        area = "socket", scenario = "constants", label = "_DEBUG",
        c = "1:nil", ours = "1:true",
        reason = "the LuaSocket rock is built with LUASOCKET_DEBUG (CONTRACT §2): send and receive "
            .. "return the elapsed time last; Debian builds without it",
    },
    {
        area = "socket", scenario = "constants", label = "_SETSIZE",
        c = "1:%a+:1024", ours = "1:%a+:4096",
        reason = "poll(2) has no ceiling: ours reports the soft RLIMIT_NOFILE (4096 in the harness), "
            .. "C its compile-time FD_SETSIZE",
    },
    {
        area = "socket", scenario = "constants", label = "_DATAGRAMSIZE",
        c = "1:%a+:8192", ours = "1:%a+:65535",
        reason = "datagrams come back whole when no size is given (docs/compatibility.md)",
    },
    -- protocol areas --------------------------------------------------------
    -- url
    {
        area = "url", scenario = "parse", label = "parse http://host?q=1",
        c = '1:{%["authority"%]="host%?q=1",.*', ours = '1:{%["authority"%]="host",.*%["query"%]="q=1".*',
        reason = "the authority ends at '/', '?' or '#' (RFC 3986 §3.2, LuaSocket master); Debian's older "
            .. "url.lua ends it only at '/'",
    },
    {
        area = "url", scenario = "parse", label = "parse http://host#f",
        c = '1:{%["authority"%]="host#f",.*', ours = '1:{%["authority"%]="host",%["fragment"%]="f".*',
        reason = "the authority ends at '/', '?' or '#' (RFC 3986 §3.2, LuaSocket master); Debian's older "
            .. "url.lua ends it only at '/'",
    },
    {
        area = "url", scenario = "parse", label = "parse http://u:p#x@h/",
        c = '1:{%["authority"%]="u:p#x@h",.*', ours = '1:{%["authority"%]="u:p",%["fragment"%]="x@h/".*',
        reason = "the authority ends at '/', '?' or '#' (RFC 3986 §3.2, LuaSocket master): '#x@h/' is a "
            .. "fragment; Debian's older url.lua keeps '#' in the authority",
    },
    {
        area = "url", scenario = "parse", label = "parse http://u:p?x@h/",
        c = '1:{%["authority"%]="u:p%?x@h",.*', ours = '1:{%["authority"%]="u:p",.*%["query"%]="x@h/".*',
        reason = "the authority ends at '/', '?' or '#' (RFC 3986 §3.2, LuaSocket master): '?x@h/' is a "
            .. "query; Debian's older url.lua keeps '?' in the authority",
    },
    -- tp
    {
        area = "tp", scenario = "raw I/O and control", label = "getsockname",
        c = '2:"127%.0%.0%.1", true', ours = '2:"127%.0%.0%.1", false',
        reason = "getsockname returns the local address (docs/tp.md); LuaSocket's returns the peer's",
    },
    {
        area = "tp", scenario = "command", label = "CR LF in the argument",
        c = "1:%a+:19[.0]*", ours = "1:nil",
        reason = "command refuses a command or argument holding CR or LF (nil, \"invalid command\", "
            .. "nothing sent: docs/tp.md, README \"Sending mail\"); LuaSocket sends the smuggled line",
    },
    {
        area = "tp", scenario = "command", label = "LF in the command",
        c = "1:%a+:7[.0]*", ours = "1:nil",
        reason = "command refuses a command or argument holding CR or LF (docs/tp.md)",
    },
    {
        area = "tp", scenario = "command", label = "server got after CR LF",
        c = '1:{.*"DATA".*}', ours = '1:{%[%a+:1%]="<timeout>"}',
        reason = "nothing is sent for a command holding CR or LF (docs/tp.md)",
    },
    -- http
    {
        area = "http", scenario = "module fields", label = "SCHEMES",
        c = '1:"nil"', ours = '1:"table"',
        reason = "CONTRACT §9 lists http.SCHEMES (LuaSocket master); Debian's older http.lua has only "
            .. "http.schemes, which ours keeps too",
    },
    {
        area = "http", scenario = "module fields", label = "pool, POOL, KEEPALIVE, REQUEST_TIMEOUT",
        c = '4:"nil", "nil", nil, nil', ours = '4:"function", "table", false, nil',
        reason = "http.pool, http.POOL, http.KEEPALIVE and http.REQUEST_TIMEOUT are this library's opt-in "
            .. "additions (issue 19, docs/http.md, docs/compatibility.md): kept-alive connections and "
            .. "whole-request deadlines; their defaults leave requests as LuaSocket makes them",
    },
    {
        area = "http", scenario = "GET, string form", label = "with a fragment: server got",
        c = '.*"GET /echo#frag HTTP/1%.1".*', ours = '.*"GET /echo HTTP/1%.1".*',
        reason = "the URL fragment is not sent (README \"HTTP and URLs\", RFC 9110 §7.1)",
    },
    {
        area = "http", scenario = "redirects", label = "HEAD redirected: body",
        c = '1:"hello from the peer\\n"', ours = '1:""',
        reason = "a redirected HEAD stays a HEAD (README \"HTTP and URLs\"); LuaSocket follows it with a GET",
    },
    {
        area = "http", scenario = "redirects", label = "HEAD redirected: server got",
        c = '.*"GET /echo HTTP/1%.1".*', ours = '.*"HEAD /echo HTTP/1%.1".*',
        reason = "a redirected HEAD stays a HEAD (README \"HTTP and URLs\"); LuaSocket follows it with a GET",
    },
    {
        area = "http", scenario = "authentication and proxies", label = "escaped user name",
        c = '4:"who are you%?", %a+:401, .*', ours = '4:"welcome user", %a+:200, .*',
        reason = "the URL's user name is unescaped like its password (README \"HTTP and URLs\")",
    },
    {
        area = "http", scenario = "authentication and proxies", label = "escaped user name: server got",
        c = '.*Authorization: Basic dXMlNjVyOnBAc3Mgd29yZA==.*', ours = '.*Authorization: Basic dXNlcjpwQHNzIHdvcmQ=.*',
        reason = "the URL's user name is unescaped like its password (README \"HTTP and URLs\")",
    },
    {
        area = "http", scenario = "odd responses", label = "103 Early Hints",
        c = '4:"", %a+:103, .*', ours = '4:"final", %a+:200, .*',
        reason = "every 1xx interim response is skipped (README \"HTTP and URLs\"); LuaSocket skips only 100",
    },
    {
        area = "http", scenario = "errors and timeouts", label = "empty url",
        c = 'error: "attempt to index .*schemedefs.*"', ours = '2:nil, "invalid host \'nil\'"',
        reason = "a request without a scheme returns nil, message instead of raising (lua/socket/http.lua, "
            .. "docs/http.md \"Errors\")",
    },
    {
        area = "http", scenario = "errors and timeouts", label = "unknown scheme",
        c = 'error: "attempt to index .*schemedefs.*"', ours = '2:nil, "invalid scheme \'gopher\'"',
        reason = "an unknown scheme returns nil, message instead of raising (lua/socket/http.lua, "
            .. "docs/http.md \"Errors\")",
    },
    {
        area = "http", scenario = "errors and timeouts", label = "table without url or host",
        c = 'error: "attempt to index .*schemedefs.*"', ours = '2:nil, "invalid host \'nil\'"',
        reason = "a request without a scheme returns nil, message instead of raising (lua/socket/http.lua, "
            .. "docs/http.md \"Errors\")",
    },
    {
        area = "http", scenario = "errors and timeouts", label = "CR LF in the url",
        c = '4:"hello from the peer\\n", %a+:200, .*', ours = '2:nil, "invalid url"',
        reason = "a request target holding CR, LF or another control byte is refused before anything is "
            .. "sent (README \"HTTP and URLs\")",
    },
    {
        area = "http", scenario = "errors and timeouts", label = "CR LF in a header value",
        c = '4:%a+:1, %a+:200, .*', ours = '2:nil, "invalid value for header \'x%-bad\'"',
        reason = "a header value holding CR or LF is refused before anything is sent (README \"HTTP and URLs\")",
    },
    {
        area = "http", scenario = "errors and timeouts", label = "CR LF in a header value: body",
        c = '1:"hello from the peer\\n"', ours = '1:""',
        reason = "a header value holding CR or LF is refused before anything is sent (README \"HTTP and URLs\")",
    },
    {
        area = "http", scenario = "errors and timeouts", label = "CR LF: server got",
        c = '1:{.*X%-Injected: 1.*X%-Evil: 1.*}', ours = '1:{}',
        reason = "requests whose URL or header holds CR or LF are refused before anything is sent, so the "
            .. "server gets neither (README \"HTTP and URLs\")",
    },
    -- smtp
    {
        area = "smtp", scenario = "refusals", label = "CR LF in from",
        c = '2:nil, "250 2%.1%.5 recipient ok"', ours = '2:nil, "invalid address"',
        reason = "a from or rcpt holding CR or LF is refused before connecting (README \"Sending mail\", "
            .. "docs/smtp.md); LuaSocket sends the smuggled command",
    },
    {
        area = "smtp", scenario = "refusals", label = "CR LF in rcpt",
        c = "1:%a+:1", ours = '2:nil, "invalid address"',
        reason = "a from or rcpt holding CR or LF is refused before connecting (README \"Sending mail\", "
            .. "docs/smtp.md); LuaSocket sends the smuggled command",
    },
    {
        area = "smtp", scenario = "refusals", label = "server got after CR LF",
        c = '1:{.*RCPT TO:<evil@x>.*}', ours = '1:{}',
        reason = "a from or rcpt holding CR or LF is refused before connecting, so the server gets nothing "
            .. "(README \"Sending mail\")",
    },
    {
        area = "smtp", scenario = "starttls not offered", label = "starttls required",
        c = "1:%a+:1", ours = '2:nil, "STARTTLS not offered"',
        reason = "starttls = \"required\" is ours (issue 19, docs/smtp.md): without STARTTLS in the "
            .. "EHLO reply it fails before AUTH; LuaSocket ignores the field and sends in clear",
    },
    {
        area = "smtp", scenario = "starttls not offered", label = "required: server got",
        c = '1:{.*"2: AUTH LOGIN".*"2: MAIL FROM:<ann@example%.test>".*}',
        ours = '1:{%[%a+:1%]="2: EHLO client%.test"}',
        reason = "starttls = \"required\" sends nothing after EHLO when STARTTLS is not offered (no "
            .. "credentials, no mail in clear); LuaSocket ignores the field",
    },
    -- ftp
    {
        area = "ftp", scenario = "differences", label = "params not a type",
        c = 'error: "attempt to concatenate .*\'type\'.*"', ours = '2:nil, "invalid type \'mode=x\'"',
        reason = "a bad ;type= gives nil, \"invalid type '...'\" (README \"FTP\"); LuaSocket raises a "
            .. "concatenation error when the params are not type=",
    },
    {
        area = "ftp", scenario = "differences", label = "escaped user",
        c = '2:nil, "530 Authentication failed%."', ours = '1:"hello ftp.-second line.-"',
        reason = "user and password in an FTP URL are percent-decoded (README \"FTP\"); LuaSocket sends "
            .. "them as written",
    },
    {
        area = "ftp", scenario = "differences", label = "escaped user: server got",
        c = '1:{.*"1: USER al%%69ce".*}', ours = '1:{.*"1: USER alice".*}',
        reason = "user and password in an FTP URL are percent-decoded (README \"FTP\")",
    },
    {
        area = "ftp", scenario = "differences", label = "escaped password",
        c = '2:nil, "530 Authentication failed%."', ours = '1:"hello ftp.-second line.-"',
        reason = "user and password in an FTP URL are percent-decoded (README \"FTP\"); LuaSocket sends "
            .. "them as written",
    },
    {
        area = "ftp", scenario = "differences", label = "escaped password: server got",
        c = '1:{.*"2: PASS s%%65cret".*}', ours = '1:{.*"2: PASS secret".*}',
        reason = "user and password in an FTP URL are percent-decoded (README \"FTP\")",
    },
    {
        area = "ftp", scenario = "differences", label = "CR LF in the path",
        c = '2:nil, "550 No such file or directory%."', ours = '2:nil, "invalid command"',
        reason = "a path that decodes to CR or LF gives nil, \"invalid command\" instead of sending a "
            .. "second command (README \"FTP\")",
    },
    {
        area = "ftp", scenario = "differences", label = "CR LF in the path: server got",
        c = '1:{.*"3: RETR nothing",.*"3: NOOP".*}', ours = '1:{.*"3: EPSV"}',
        reason = "a path that decodes to CR or LF is never sent (README \"FTP\")",
    },
    {
        area = "ftp", scenario = "server without EPSV", label = "get",
        c = '2:nil, "500 Command \\"EPSV\\" not understood%."', ours = '1:"hello ftp.-second line.-"',
        reason = "get and put fall back to PASV when the server answers EPSV with a 5xx (README \"FTP\"); "
            .. "LuaSocket fails there",
    },
    {
        area = "ftp", scenario = "server without EPSV", label = "put",
        c = '2:nil, "500 Command \\"EPSV\\" not understood%."', ours = "1:%a+:4[.0]*",
        reason = "get and put fall back to PASV when the server answers EPSV with a 5xx (README \"FTP\"); "
            .. "LuaSocket fails there",
    },
    {
        area = "ftp", scenario = "server without EPSV", label = "without EPSV: server got",
        c = '1:{.*"2: EPSV"}', ours = '1:{.*"%d: PASV".*}',
        reason = "get and put fall back to PASV when the server answers EPSV with a 5xx (README \"FTP\")",
    },
    {
        area = "ftp", scenario = "step by step", label = "port",
        c = 'error: "attempt to call .*\'mod\'.*"', ours = "1:%a+:1",
        reason = "port() works on every Lua version (README \"FTP\"); LuaSocket's calls math.mod, which "
            .. "Lua 5.2+ and LuaJIT lack",
    },
    {
        area = "ftp", scenario = "step by step", label = "receive after PORT",
        c = 'error: {%[%a+:1%]="timeout"}', ours = "1:%a+:1",
        reason = "port() works on every Lua version (README \"FTP\"); after LuaSocket's port() failed "
            .. "(math.mod) no PORT was sent and its receive waits for a connection",
    },
    {
        area = "ftp", scenario = "step by step", label = "a PORT session",
        c = '2:nil, "closed"', ours = "1:%a+:1",
        reason = "port() works on every Lua version (README \"FTP\"); LuaSocket's session failed above",
    },
    {
        area = "ftp", scenario = "step by step", label = "received after PORT",
        c = '1:""', ours = '1:"nested.*"',
        reason = "port() works on every Lua version (README \"FTP\"); LuaSocket's session failed above",
    },
    {
        area = "ftp", scenario = "step by step", label = "a PORT session: server got",
        c = '1:{.*"4: RETR sub/nested%.txt"}', ours = '1:{.*"4: PORT <address>".*}',
        reason = "port() works on every Lua version (README \"FTP\"); LuaSocket's never sends PORT on "
            .. "Lua 5.2+ and LuaJIT (math.mod)",
    },
    {
        area = "ftp", scenario = "step by step", label = "receive after PASV",
        c = 'error: {%[%a+:1%]="service not supported for socket type"}', ours = "1:%a+:1",
        reason = "Lua 5.3 only: Debian's ftp.lua computes the PASV port from captured strings "
            .. "(p1*256 + p2), a float on 5.3, which its connect rejects; ours gives the integer port, as "
            .. "LuaSocket does on every other Lua version (an oracle bug, not a choice of ours)",
    },
    {
        area = "ftp", scenario = "step by step", label = "a PASV session",
        c = '2:nil, "closed"', ours = "1:%a+:1",
        reason = "Lua 5.3 only: Debian's PASV port is a float there, so its session failed above "
            .. "(an oracle bug)",
    },
    {
        area = "ftp", scenario = "step by step", label = "received after PASV",
        c = '1:""', ours = '1:"hello ftp.-second line.-"',
        reason = "Lua 5.3 only: Debian's PASV port is a float there, so its session failed above "
            .. "(an oracle bug)",
    },
    {
        area = "ftp", scenario = "step by step", label = "a PASV session: server got",
        c = '1:{.*"2: PASV"}', ours = '1:{.*"2: RETR hello%.txt".*}',
        reason = "Lua 5.3 only: Debian's PASV port is a float there, so it never sent RETR "
            .. "(an oracle bug)",
    },
    -- end of protocol areas
    -- decided after review ----------------------------------------------------
    {
        area = "select", scenario = "a wrapper object with getfd and dirty", label = "getfd is not a function",
        c = 'error: "attempt to call a number value"', ours = '3:{}, {}, "timeout"',
        reason = "CONTRACT §6: entries without getfd and dirty methods are ignored; C indexes and calls "
            .. "whatever it is given and raises",
    },
    {
        area = "select", scenario = "select argument errors", label = "a number entry",
        c = 'error: "attempt to index a number value"', ours = '3:{}, {}, "timeout"',
        reason = "CONTRACT §6: entries without getfd and dirty methods are ignored; C raises",
    },
    {
        area = "select", scenario = "select argument errors", label = "a boolean entry",
        c = 'error: "attempt to index a boolean value"', ours = '3:{}, {}, "timeout"',
        reason = "CONTRACT §6: entries without getfd and dirty methods are ignored; C raises",
    },
    {
        area = "http", scenario = "table form", label = "POST chunked, an empty chunk in the middle: server got",
        c = '1:{.*%["body"%]="ab",.*}', ours = '1:{.*%["body"%]="abcde",.*}',
        reason = "an empty string from the source sends nothing; C writes it as the last chunk "
            .. "(0 CRLF CRLF), ending the body early and losing the rest",
    },
    {
        area = "url", scenario = "parse", label = "parse a table",
        c = "error: \"bad argument #1 to 'gsub' %(string expected, got table%)\"",
        ours = "error: \"bad argument #1 to 'match' %(string expected, got table%)\"",
        reason = "both raise Lua's argument error; it names the first string function that met the "
            .. "table (ours looks at the scheme with match first)",
    },
    {
        area = "url", scenario = "escape and unescape", label = "escape nil",
        c = "error: \"bad argument #1 to 'gsub' %(string expected, got nil%)\"",
        ours = "error: \"bad argument #1 to '[%a?]+' %(string expected, got nil%)\"",
        reason = "url.escape is native here (no string.gsub inside): the argument error names escape itself "
            .. "(LuaJIT names a function called through pcall '?')",
    },
    {
        area = "url", scenario = "escape and unescape", label = "unescape nil",
        c = "error: \"bad argument #1 to 'gsub' %(string expected, got nil%)\"",
        ours = "error: \"bad argument #1 to '[%a?]+' %(string expected, got nil%)\"",
        reason = "url.unescape is native here (no string.gsub inside): the argument error names unescape itself "
            .. "(LuaJIT names a function called through pcall '?')",
    },
    {
        area = "ftp", scenario = "differences", label = "table form with url and type: server got",
        c = '1:{.*"%d: EPSV",.*}', ours = '1:{.*"%d: TYPE i",.*}',
        reason = "the table form honours ;type= in its url as the string form does; C ignores it there, "
            .. "so a ;type=i download ran in the server's default (ASCII) mode",
    },
    -- end of decided after review --------------------------------------------
    {
        area = "dns", scenario = "a name the resolver must ask a server about, at timeout 0",
        label = "tcp connect", c = '2:nil, "[^"]+"', ours = '2:nil, "timeout"',
        reason = "a name that is not numeric, localhost or in /etc/hosts is looked up off the calling thread "
            .. "when the timeout is finite: at timeout 0 the first call returns timeout and a later one "
            .. "continues from the answer (docs/dns.md, docs/compatibility.md); C blocks in the resolver",
    },
    {
        area = "dns", scenario = "a name the resolver must ask a server about, at timeout 0",
        label = "tcp bind", c = '2:nil, "[^"]+"', ours = '2:nil, "timeout"',
        reason = "bind looks such a name up off the calling thread as connect does (docs/dns.md); C blocks",
    },
    {
        area = "dns", scenario = "a name the resolver must ask a server about, at timeout 0",
        label = "udp setpeername", c = '2:nil, "[^"]+"', ours = '2:nil, "timeout"',
        reason = "setpeername looks such a name up off the calling thread as connect does (docs/dns.md); "
            .. "C blocks",
    },
}
