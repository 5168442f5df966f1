"""The XML parser's (libxml2, through lxml) and the script compiler's (RestrictedPython) English messages, in
Vietnamese for the process designer, who reads them on the upload page and from `tthc validate`: the usual ones
are translated with what they name (a tag, a line); the English follows in brackets, as the BPMN parser's do
(engine.process.bpmnparser), so that a designer can still look it up. A message not in the tables is said in
general words, with the English."""
from __future__ import annotations

import re

_POSITION = re.compile(r",? line (\d+), column (\d+)$")

# libxml2's syntax errors (the position, ", line N, column M", taken off first and said after)
SYNTAX = [
    (r"^Document is empty", "tệp rỗng, không có phần tử XML nào"),
    (r"^Start tag expected, '<' not found", "không bắt đầu bằng một thẻ XML (không thấy '<')"),
    (r"^Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
     "thẻ mở <{0}> (dòng {1}) không khớp với thẻ đóng </{2}>"),
    (r"^Premature end of data in tag (\S+) line (\d+)", "tệp kết thúc khi thẻ <{0}> (dòng {1}) chưa được đóng"),
    (r"^EndTag: '</' not found", "tệp kết thúc khi còn thẻ chưa đóng"),
    (r"^Extra content at the end of the document", "có nội dung thừa sau phần tử gốc"),
    (r"^Couldn't find end of Start Tag (\S+)", "thẻ <{0}> viết chưa hết (thiếu '>')"),
    (r"^Maximum entity amplification factor exceeded",
     "tệp khai báo thực thể XML nhân bản quá mức (kiểu tấn công “billion laughs”): không đọc"),
    (r"^Detected an entity reference loop", "thực thể XML tự tham chiếu vòng tròn: không đọc"),
    (r"^Entity '(.*)' not defined", "thực thể &{0}; không được khai báo"),
    (r"^xmlParseEntityRef: no name", "dấu & không mở một thực thể (viết &amp; cho chính dấu &)"),
    (r"^EntityRef: expecting ';'", "tham chiếu thực thể thiếu dấu ';'"),
    (r"^Attribute (\S+) redefined", "thuộc tính {0} được khai báo hai lần"),
    (r"^Specification mandates value for attribute (\S+)", "thuộc tính {0} thiếu giá trị"),
    (r"^attributes construct error", "thuộc tính viết sai (thiếu dấu = hoặc dấu nháy)"),
    (r"^AttValue: \" or ' expected", "giá trị thuộc tính phải nằm trong dấu nháy"),
    (r"^invalid character in attribute value", "ký tự không hợp lệ trong giá trị thuộc tính"),
    (r"^Unescaped '<' not allowed in attributes values", "dấu '<' trong giá trị thuộc tính phải viết &lt;"),
    (r"^StartTag: invalid element name", "tên phần tử không hợp lệ"),
    (r"^Namespace prefix (\S+) on (\S+) is not defined", "tiền tố không gian tên {0} (của <{1}>) chưa được khai báo"),
    (r"^Namespace prefix (\S+) for (\S+) on (\S+) is not defined",
     "tiền tố không gian tên {0} (thuộc tính {1} của <{2}>) chưa được khai báo"),
    (r"^Input is not proper UTF-8", "tệp không phải văn bản UTF-8"),
    (r"^(?:Char 0x\w+ out of allowed range|PCDATA invalid Char value (\d+)|CData section not finished)",
     "có ký tự không được phép trong XML"),
    (r"^internal error: Huge input lookup", "tệp có một giá trị quá lớn"),
    (r"^Comment not terminated", "chú thích <!-- chưa được đóng"),
    (r"^XML declaration allowed only at the start of the document", "khai báo <?xml ?> chỉ được ở đầu tệp"),
    (r"^Blank needed here", "thiếu khoảng trắng"),
]

# RestrictedPython's refusals (and our compiler's own), "Line N: ..."
SCRIPT = [
    (r'^Line (\d+): "(.*)" is an invalid variable name because it starts with "_"',
     'dòng {0}: tên "{1}" không được dùng vì bắt đầu bằng "_"'),
    (r'^Line (\d+): "(.*)" is an invalid attribute name because it starts with "_"',
     'dòng {0}: thuộc tính "{1}" không được dùng vì bắt đầu bằng "_"'),
    (r'^Line (\d+): "(.*)" is a reserved name', 'dòng {0}: tên "{1}" là tên dành riêng'),
    # our compiler's own refusals, already in Vietnamese with the English in brackets: said once, in Vietnamese
    (r"^Line (\d+): (.* không được phép) \([^()]*\)$", "dòng {0}: {1}"),
    (r"^Line (\d+): (\w+) statements are not allowed", "dòng {0}: câu lệnh {1} không được phép"),
    (r"^Line (\d+): (.*) are not allowed", "dòng {0}: {1} không được phép"),
    (r"^Line (\d+): SyntaxError: (.*?)(?: at statement: .*)?$", "dòng {0}: sai cú pháp Python ({1})"),
    (r"^Line (\d+): hàm không có trong môi trường kịch bản: (.*?) \(name not available to scripts\)$",
     "dòng {0}: hàm không có trong môi trường kịch bản: {1}"),
    (r"^Line (\d+): (.*)", "dòng {0}: {1}"),
]


def _said(table, english: str) -> str | None:
    for pattern, words in table:
        match = re.search(pattern, english)
        if match:
            return words.format(*match.groups())
    return None


def syntax(english: str) -> str:
    """An XML syntax error in Vietnamese: what is wrong, where, then the parser's own words."""
    english = english.strip()
    position = _POSITION.search(english)
    core = _POSITION.sub("", english) if position else english
    words = _said(SYNTAX, core) or "tệp không phải XML hợp lệ"
    where = f" (dòng {position.group(1)}, cột {position.group(2)})" if position else ""
    return f"{words}{where} [{english}]"


def script(message: str) -> str:
    """A refusal of a BPMN script in Vietnamese: RestrictedPython's English in brackets after it; a message of
    our own (already Vietnamese) only has its "Line N" said as "dòng N"."""
    words = _said(SCRIPT, message)
    if words is None:
        return message
    return f"{words} [{message}]" if message.isascii() else words
