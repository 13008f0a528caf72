"""XML envelopes of PAN-OS API replies."""

from pansim.node import to_xml

# The exact body PAN-OS sends with HTTP 403, including its unusual quoting.
INVALID_CREDENTIAL = (
    "<response status = 'error' code = '403'><result><msg>Invalid Credential</msg></result></response>"
)


def _escape_attr(value):
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def cdata(text):
    """Wrap text in CDATA, splitting any ``]]>`` inside the text across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def lines_xml(lines):
    return "".join(f"<line>{cdata(line)}</line>" for line in lines)


def envelope(status, body="", code=None, **attributes):
    attrs = f'status="{status}"'
    if code is not None:
        attrs += f' code="{code}"'
    for name, value in attributes.items():
        if value is not None:
            attrs += f' {name}="{_escape_attr(value)}"'
    return f"<response {attrs}>{body}</response>"


def success_message(message="command succeeded", code=20, **attributes):
    return envelope("success", f"<msg>{cdata(message)}</msg>", code, **attributes)


def error(code, lines, **attributes):
    return envelope("error", f"<msg>{lines_xml(lines)}</msg>", code, **attributes)


def result(inner="", code=None, **result_attributes):
    attrs = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in result_attributes.items())
    return envelope("success", f"<result{attrs}>{inner}</result>", code)


def get_result(nodes):
    """Reply to ``action=get``: code 19 with counts, or code 7 and an empty result."""
    if not nodes:
        return envelope("success", "<result/>", 7)
    inner = "".join(to_xml(node) for node in nodes)
    count = len(nodes)
    return result(inner, 19, total_count=count, count=count)
