#!/usr/bin/env python3
"""Doxygen INPUT_FILTER for rgflow's headers (docs/api/Doxyfile, docs/api.md).

rgflow documents its C++ API in plain `//` comments placed right above each declaration, and a
block at the top of every header that states its equations and sources. Doxygen reads only
`///` or `/** */` comments, so this filter hands Doxygen a copy of each header in which

* the first comment block of the file becomes the file's documentation (`\\file` at the end of
  its first line);
* every other block of `//` lines that starts a statement at namespace or class scope (not inside
  a function body, not in the middle of a declaration) becomes a `/** ... */` block on the same
  lines, i.e. the documentation of the declaration that follows;
* a trailing `// comment` after a member or enumerator at class or namespace scope becomes its
  documentation (`///<`), with the comment lines below it that start in the same column;
* the comment text is taken literally: Doxygen's special characters are escaped, `code` is set
  in <tt>, and lines indented by two or more spaces (equations, lists, tables) are kept as they
  are in a \\verbatim block.

Code lines are passed through unchanged and the line count is preserved, so Doxygen's line
numbers and source links match the real files. The headers themselves are not modified.
Usage (Doxygen appends the file name): python3 docs/api/doxygen_filter.py FILE
"""
import re
import sys

SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b")
# Doxygen's special characters (commands and HTML/XML entities).
SPECIAL = re.compile(r"([\\@<>&#%$])")


def escape(text):
    """The comment text, literally: Doxygen's special characters escaped, `code spans` set in
    <tt> (Markdown is off in the Doxyfile, so nothing else in the text is markup)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: no code span
        return SPECIAL.sub(r"\\\1", text)
    for i in range(len(parts)):
        parts[i] = SPECIAL.sub(r"\\\1", parts[i])
        if i % 2 == 1:
            parts[i] = f"<tt>{parts[i]}</tt>"
    return "".join(parts)


def strip_code(line):
    """The code of a line without string/char literals and comments (for brace counting), and
    where its trailing // comment starts (-1: none)."""
    out, i, n = [], 0, len(line)
    while i < n:
        c = line[i]
        if c in "\"'":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            i = j + 1
            continue
        if line.startswith("//", i):
            return "".join(out), i
        if line.startswith("/*", i):
            j = line.find("*/", i + 2)
            if j < 0:
                break
            i = j + 2
            continue
        out.append(c)
        i += 1
    return "".join(out), -1


def convert_block(block, is_file):
    """`//` lines -> one `/** ... */` block on the same lines. (Inside \\verbatim, Doxygen keeps
    the `///` markers of continuation lines, so a C-style block is used.) Doxygen ends a verbatim
    block at the \\endverbatim marker wherever it stands on the line, so the markers share lines."""
    out, in_verbatim = [], False
    for k, (indent, text) in enumerate(block):
        verbatim = text.startswith("  ") and text.strip() != ""
        if k == 0 and is_file:
            # '\\file' takes an optional file name from the rest of its line: put it last
            verbatim, text = False, escape(text.strip()) + " \\file"
        elif not verbatim:
            text = escape(text)
        # a comment terminator or opener in the text would end or nest the block: split it with
        # an invisible zero-width space
        text = text.replace("*/", "*\u200b/").replace("/*", "/\u200b*")
        marker = ""
        if verbatim and not in_verbatim:
            if k > 0 and not (k == 1 and is_file):
                # open the block at the end of the line above: Doxygen drops the leading spaces
                # of text that shares the \\verbatim line, which would break the alignment
                out[-1] = out[-1].rstrip() + " \\verbatim"
            else:
                marker = "\\verbatim"
        elif not verbatim and in_verbatim:
            marker = "\\endverbatim "
        in_verbatim = verbatim
        out.append(indent + ("/** " if k == 0 else "    ") + marker + text)
    if in_verbatim:
        out[-1] += " \\endverbatim"
    out[-1] = out[-1].rstrip() + " */"
    return out


def filter_source(lines):
    out = []
    stack = []          # True: namespace/class scope brace, False: anything else (bodies, inits)
    pending = ""        # code since the last ';', '{', '}' or access label (statement start when "")
    file_doc_done = False
    seen_code = False
    trailing_column = -1  # column of the trailing comment converted on the line above
    comment = re.compile(r"^(\s*)//(?!/)(.*)$")
    i, n = 0, len(lines)
    while i < n:
        line = lines[i].rstrip("\n")
        m = comment.match(line)
        if m and len(m.group(1)) == trailing_column:
            # the continuation of the trailing comment on the line above (same column)
            text = m.group(2)
            out.append(m.group(1) + "///< " + escape(text[1:] if text.startswith(" ") else text) + "\n")
            i += 1
            continue
        trailing_column = -1
        if m and all(stack) and pending.strip() == "":
            block = []
            while i < n:
                m = comment.match(lines[i].rstrip("\n"))
                if not m:
                    break
                text = m.group(2)
                block.append((m.group(1), text[1:] if text.startswith(" ") else text))
                i += 1
            is_file = not file_doc_done and not seen_code
            file_doc_done = True
            out.extend(c + "\n" for c in convert_block(block, is_file))
            continue
        code, comment_at = strip_code(line)
        stripped = code.strip()
        if (comment_at >= 0 and all(stack) and stripped.endswith((";", ","))
                and not line.startswith("///", comment_at)):
            # a member's or enumerator's trailing comment: its documentation (///<)
            text = line[comment_at + 2:]
            line = line[:comment_at] + "///< " + escape(text[1:] if text.startswith(" ") else text)
            trailing_column = comment_at
        if stripped and not stripped.startswith("#"):
            seen_code = True
        if stripped.startswith("#"):
            pass
        elif re.fullmatch(r"(public|private|protected)\s*:", stripped):
            pending = ""
        else:
            for c in code:
                if c == "{":
                    stack.append(bool(SCOPE.search(pending)) and "(" not in pending)
                    pending = ""
                elif c == "}":
                    if stack:
                        stack.pop()
                    pending = ""
                elif c == ";":
                    pending = ""
                else:
                    pending += c
        out.append(line + "\n")
        i += 1
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.readlines()
    sys.stdout.write("".join(filter_source(lines)))


if __name__ == "__main__":
    main()
