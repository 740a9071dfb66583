#!/usr/bin/env python3
"""Generates corpus/conformance/cwfilter-ambiguities.jsonl: one or more cases per ambiguity
A1-A30 of the spec's section 10, encoding cwfilter's decision (docs/semantics.md).
Run from the repository root:
    python3 corpus/tools/gen-ambiguity-cases.py > corpus/conformance/cwfilter-ambiguities.jsonl
"""
import json

def m(id, pattern, event, expect, note):
    if not isinstance(event, str):
        event = json.dumps(event, separators=(",", ":"))
    print(json.dumps({"id": "cwf-" + id, "pattern": pattern, "event": event, "expect": expect, "note": note}))

def err(id, pattern, note):
    print(json.dumps({"id": "cwf-" + id, "pattern": pattern, "expect_error": True, "note": note}))

# A1 substring terms
m("a1-substring", "ERROR", "Exiting with ERRORCODE: -1", True, "A1: terms are case-sensitive substrings")
m("a1-case", "error", "Exiting with ERRORCODE: -1", False, "A1: case sensitive")
# A2 unquoted punctuation in terms: `.` and `=` (deployed evidence), everything else rejected
err("a2-unquoted-colon", "ERROR:", "A2: unquoted punctuation without evidence (`:`) is rejected; quote it")
m("a2-unquoted-dot", "Malware scan timed out for notification.id", "Malware scan timed out for notification.id 42", True, "A2: unquoted `.` (deployed: cds-snc/notification-terraform)")
m("a2-unquoted-dot-substring", "notification.id", "notificationXid", False, "A2: an unquoted `.` is a literal dot, not a regex wildcard")
m("a2-unquoted-equals", "Token=", '{"body": "SubscribeURL ...&Token=abc"}', True, "A2: unquoted `=` (deployed: localstack validated test)")
err("a2-unquoted-paren", "foo(bar)", "A2: parentheses are an observed rejection (O5); quote them")
m("a2-quoted-colon", '"ERROR:"', "ERROR: disk full", True, "A2: quoted punctuation is literal")
# A3 empty / whitespace-only phrase
m("a3-space-phrase", '" "', "nospace", True, "A3: whitespace-only phrase matches everything")
m("a3-spaces-phrase", '"   "', "x", True, "A3: whitespace-only phrase matches everything")
m("a3-empty-phrase-and-term", '"" ERROR', "WARN", False, "A3: the empty phrase is ignored, ERROR still required")
m("a3-optional-space", '?" " ?FATAL', "INFO ok", True, "A3: a whitespace-only ? alternative always holds")
m("a3-exclude-space-ignored", '-" " ERROR', "an ERROR here", True, "A3: -\" \" is ignored, not an exclusion of every message")
m("a3-tab-phrase", '"\t"', "x", True, "A3: whitespace-only includes tabs")
# A4 -"phrase"
m("a4-exclude-phrase", 'ERROR -"BAD REQUEST"', "[ERROR 400] BAD REQUEST", False, "A4: -\"phrase\" excludes the phrase")
m("a4-exclude-phrase-other", 'ERROR -"BAD REQUEST"', "[ERROR 401] UNAUTHORIZED REQUEST", True, "A4: -\"phrase\" excludes the phrase")
err("a4-lone-dash", "ERROR - Exiting", "A4: a lone - is an error")
# A5 ? with - only
m("a5-opt-excl-none", "?ERROR ?WARN -DEBUG", "INFO started", True, "A5: ? terms ignored when mixed; pattern is -DEBUG")
m("a5-opt-excl-excluded", "?ERROR ?WARN -DEBUG", "ERROR DEBUG", False, "A5: -DEBUG still excludes")
# A6 last field absorbs
m("a6-absorb", "[w1=ERROR, w2=%WARN message$%]", "ERROR WARN message", True, "A6: the last field takes the rest of the line")
m("a6-too-few", "[a, b, c]", "x y", False, "A6: fewer fields than slots fails")
# A7 ellipsis zero fields
m("a7-ellipsis-zero", "[a, ..., b]", "x y", True, "A7: ... matches zero fields")
m("a7-ellipsis-only", "[...]", "", True, "A7: ... alone matches any line, even empty")
# A8 wildcard vs null / boolean / object
m("a8-star-null", "{ $.v = * }", {"v": None}, False, "A8: * needs a string or number")
m("a8-star-bool", "{ $.v = * }", {"v": True}, False, "A8: * needs a string or number")
m("a8-star-object", "{ $.v = * }", {"v": {}}, False, "A8: * needs a string or number")
m("a8-star-empty-string", "{ $.v = * }", {"v": ""}, True, "A8: the empty string is a string")
# A9 typing
m("a9-num-vs-numstr", "{ $.code = 400 }", {"code": "400"}, True, "A9: textual when the field is a string")
m("a9-str-vs-num", '{ $.code = "400" }', {"code": 400}, True, "A9: textual when the literal is a string")
m("a9-num-vs-decimal-str", "{ $.code = 400 }", {"code": "400.0"}, False, "A9: textual comparison: 400 is not 400.0")
m("a9-num-vs-decimal-num", "{ $.code = 400.0 }", {"code": 400}, True, "A9: numeric when both are numbers")
m("a9-gt-numstr", "{ $.count > 2 }", {"count": "3"}, True, "A9: relational ops parse numeric strings")
m("a9-gt-word", "{ $.count > 2 }", {"count": "three"}, False, "A9: relational on a non-numeric string is false")
m("a9-account-id", "{ $.recipientAccountId = 123456789012 }", {"recipientAccountId": "123456789012"}, True, "A9: digit-only account ids match unquoted")
m("a9-wildcard-number", "{ $.code = 4* }", {"code": 404}, True, "A9: a string literal sees a number's text")
# A10 booleans
m("a10-eq-true-bool", "{ $.readOnly = true }", {"readOnly": True}, False, "A10: = true compares text; a JSON boolean is not text")
m("a10-ne-true-bool", "{ $.readOnly != false }", {"readOnly": True}, False, "A10: booleans fail every comparison")
m("a10-eq-true-string", "{ $.readOnly = true }", {"readOnly": "true"}, True, "A10: = true matches the string true")
m("a10-istrue-string", "{ $.readOnly IS TRUE }", {"readOnly": "true"}, False, "A10: IS TRUE only for JSON booleans")
# A11 middle star literal
m("a11-middle-literal", "{ $.n = Ev*ent }", {"n": "Event"}, False, "A11: a * in the middle is literal")
m("a11-middle-literal-hit", "{ $.n = Ev*ent }", {"n": "Ev*ent"}, True, "A11: a * in the middle is literal")
m("a11-both-ends", "{ $.n = *dateTr* }", {"n": "UpdateTrail"}, True, "5.3.3: * at both ends is a substring test")
# A12 top level and non-JSON
m("a12-nonjson-not-exists", "{ $.a NOT EXISTS }", "plain text", False, "A12: a non-JSON message never matches a JSON pattern")
m("a12-array-top-not-exists", "{ $.a NOT EXISTS }", "[1,2]", True, "A12: non-object top level: every selector absent")
m("a12-array-top-wildcard", "{ $[*] = 1 }", "[1,2]", False, "A12: non-object top level: every selector absent")
m("a12-scalar-top", "{ $.a = * }", "42", False, "A12: non-object top level: every selector absent")
m("a12-duplicate-keys", "{ $.a = 2 }", '{"a":1,"a":2}', True, "A12: duplicate keys: the last wins")
m("a12-huge-number", "{ $.a NOT EXISTS }", '{"a":1e999}', False, "A12: a number beyond f64 makes the message not JSON (serde_json)")
# A13 bracket keys
m("a13-dot-bracket", "{ $.['cluster.name'] = c }", {"cluster.name": "c"}, True, "A13: .['key']")
m("a13-bracket", "{ $['cluster.name'] = c }", {"cluster.name": "c"}, True, "A13: ['key'] without the dot")
m("a13-not-a-path", "{ $.['a.b'] = 1 }", {"a": {"b": 1}}, False, "A13: a bracket key is one key, not a path")
# A14 wildcard reach
m("a14-one-level", "{ $.* = v }", {"x": {"y": "v"}}, False, "A14: .* is one level, not recursive")
m("a14-further-steps", "{ $.*.id = 7 }", {"a": {"id": 1}, "b": {"id": 7}}, True, "A14: further steps after .*, existential")
m("a14-array-existential", "{ $.items[*].name = b }", {"items": [{"name": "a"}, {"name": "b"}]}, True, "A14: [*] existential")
m("a14-not-exists-wildcard", "{ $.items[*].zz NOT EXISTS }", {"items": [{"name": "a"}]}, True, "A14: NOT EXISTS holds when the wildcard reaches nothing")
m("a14-not-exists-wildcard-some", "{ $.items[*].name NOT EXISTS }", {"items": [{"x": 1}, {"name": "a"}]}, False, "A14: NOT EXISTS fails when some element has the key")
# A15 regex space allowed, forbidden characters
m("a15-space", "%^shutting down%", "shutting down now", True, "A15: space allowed in regex")
err("a15-bang", "%a!%", "A15: ! rejected")
# A16 regex details
m("a16-empty-lower-bound", "%^a{,2}b%", "aab", True, "A16: {,n} is {0,n}")
m("a16-empty-lower-bound-over", "%^a{,2}b%", "aaab", False, "A16: {,n} is {0,n}")
m("a16-dot-newline", "%a.b%", "a\nb", False, "A16: . does not match newline")
m("a16-dollar-end-of-text", "%b$%", "ab\n", False, "A16: $ matches only at the end of the text")
m("a16-word-ascii", "%^\\w+$%", "caf\u00e9", False, "A16: \\w is [a-zA-Z_0-9]")
m("a16-unknown-escape-literal", "%\\q%", "q", True, "A16: a backslash before a character with no escape meaning keeps the character")
m("a16-escaped-space", "%a\\ b%", "a b", True, "A16: an escaped space is a space")
m("a16-hex-escape", "%\\x3A%", "a:b", True, "4.3: \\xhh hex escape")
# A17 unanchored
m("a17-unanchored", "%127\\.0\\.0\\.[1-9]%", "127.0.0.10", True, "A17: unanchored search also accepts 127.0.0.10")
# A18 regex with != and on numbers
m("a18-ne-regex", "{ $.x != %abc% }", {"x": "zzz"}, True, "A18: != with a regex is not-found")
m("a18-ne-regex-found", "{ $.x != %abc% }", {"x": "xabcx"}, False, "A18: != with a regex is not-found")
m("a18-regex-number", "{ $.n = %5% }", {"n": 5}, False, "A18: a regex only tests strings")
m("a18-ne-regex-number", "{ $.n != %5% }", {"n": 5}, False, "A18: a regex only tests strings")
# A19 quoted wildcards
m("a19-quoted-prefix", '{ $.e = "AccessDenied*" }', {"e": "AccessDeniedException"}, True, "A19: quoted * at the end is a wildcard")
m("a19-quoted-suffix", '{ $.e = "*UnauthorizedOperation" }', {"e": "Client.UnauthorizedOperation"}, True, "A19: quoted * at the start is a wildcard")
m("a19-delimited-quoted", '[a = "4*", b]', "404 x", True, "A19: quoted wildcard in a delimited field (CDK form)")
# A20 escapes in quoted strings
m("a20-escaped-quote", '{ $.x = "a\\"b" }', {"x": 'a"b'}, True, "A20: \\\" decodes to a quote")
m("a20-escaped-backslash", '{ $.x = "a\\\\b" }', {"x": "a\\b"}, True, "A20: \\\\ decodes to a backslash")
# A21 single quotes
err("a21-single-quotes", "{ $.x = 'Root' }", "A21: single-quoted values are rejected")
# A22: one error kind with a message (tested by expect_error cases throughout)
err("a22-unclosed-json", "{ $.a = 1", "A22/2.3: a pattern starting with { must end with }")
# A23: metric values, tested in src/eval/tests.rs (metric_values_json_a23)
m("a23-pattern-still-matches", "{ $.latency = * }", {"latency": "fast"}, True, "A23: a non-numeric metric value still matches; it emits no data point")
# A25 doc typos
err("a25-double-op", "{ $.a >>= 1 }", "A25: >>= is a doc typo, rejected")
err("a25-capital-w1", "[w1=ERROR || W1=WARNING, w2]", "A25: field names are case sensitive, so W1 is another field: a cross-field condition (6.6), rejected")
# A26 tokeniser
m("a26-space-runs", "[a, b = y]", "x     y", True, "A26: runs of spaces separate fields")
m("a26-tab-ordinary", "[a, b = y]", "x\ty", False, "A26: a tab is an ordinary character")
m("a26-unterminated-quote", "[a, b = %^q r$%]", 'x "q r', True, "A26: an unterminated quote runs to the end")
m("a26-leading-space", "[a = x, b]", "  x y", True, "A26: leading spaces are skipped")
# A27 condition without a name
err("a27-unnamed-condition", "[..., =404, bytes]", "A27: a condition needs a field name")
# A28 duplicate names
err("a28-duplicate-names", "[a, a]", "A28: duplicate field names are rejected")
# A29 regex braces that start no repetition are literal
m("a29-literal-brace-group", "%{172\\.16\\.}%", "src {172.16.} dst", True, "A29: the braces are literal characters")
m("a29-literal-brace-no-match", "[version, accountId, interfaceId, srcAddr=%{172\\.16\\.}.*?%, dstAddr, ...]", "2 123456789012 eni-1 172.16.0.9 10.0.0.1 443 49152 6 1 40 1 2 ACCEPT OK", False, "A29: the deployed pattern needs braces in srcAddr, so a plain 172.16 address does not match")
m("a29-repetition-still-counts", "%^a{2}$%", "aa", True, "A29: a valid {n} is still a repetition")
m("a29-brace-after-alternation", "%x|{2}%", "a {2} b", True, "A29: `{` after `|` has nothing to repeat: literal")
err("a29-reversed-bounds", "%a{5,3}%", "A29/#10: a valid-looking repetition the engine refuses is an error")
# A30 [] : no fields, matches everything
m("a30-empty-brackets", "[]", "any message at all", True, "A30: [] is accepted (LocalStack's recorded AWS test) and matches every event")
m("a30-empty-brackets-empty-message", "[]", "", True, "A30: even an empty message")
# 6.7 numeric compare on non-numeric token
m("s67-numeric-vs-dash", "[a, bytes > 10]", "x -", False, "6.7: numeric comparison on a non-numeric token is false")
m("s67-ne-number-vs-dash", "[a, bytes != 10]", "x -", True, "A9 in fields: != with a number compares text when the token is not numeric")
# 5.5 consequences
m("s55-mfa-no-session", '{ $.userIdentity.sessionContext.attributes.mfaAuthenticated != "true" }', {"userIdentity": {"type": "IAMUser"}}, False, "5.5: != on an absent field is false")
m("s55-root-no-eventtype", '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }', {"userIdentity": {"type": "Root"}}, False, "5.5: an event without eventType fails the != clause")
