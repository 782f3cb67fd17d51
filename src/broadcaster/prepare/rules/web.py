"""Web and e-mail addresses, read the way Chinese announcers spell them.

Documented choice: the parts are joined by 点 (and @ is 艾特); letters are
spelled one by one in capitals (gov → G O V), www is 三W, digits are read
one by one with 幺 for 1 (163 → 幺六三), - is 杠 and _ is 下划线. The scheme
(https://) is not read. Every other part is: a port after 冒号, and the path
with / as 斜杠 and the same spelling as the host (a listener who types what
they heard reaches the page, not only the site).
"""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import digits

_TLD = r"(?:com|cn|net|org|gov|edu|info|top|xyz|io|mil|int|cc|tv|me|biz|site|online|hk|tw|mo)"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_HOST = r"(?:" + _LABEL + r"\.)+" + _TLD + r"(?![A-Za-z0-9\-])"
_URL = re.compile(
    r"(?<![A-Za-z0-9@.\-])(?:https?://)?(" + _HOST + r")(:\d+)?((?:/[A-Za-z0-9\-._~%/?#=&+:;,!$'()*@]*)?)", re.I
)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9._%+\-]+)@(" + _HOST + r")", re.I)


_MARKS = {"-": "杠", "_": "下划线", "+": "加", "%": "百分号", "/": "斜杠", "?": "问号", "=": "等于", "&": "和",
          "#": "井号", ":": "冒号", "~": "波浪号", ".": "点"}


def _spell_label(label: str) -> str:
    if label.lower() == "www":
        return "三W"
    out = []
    for run in re.findall(r"\d+|[A-Za-z]+|.", label):
        if run.isdigit():
            out.append(digits(run, yao=True))
        elif run.isalpha():
            out.append(" ".join(run.upper()))
        else:
            out.append(_MARKS.get(run, ""))
    # a space between spelled letters and a Chinese word is dropped later anyway
    return " ".join(p for p in out if p)


def _spell_dotted(name: str) -> str:
    return "点".join(_spell_label(label) for label in name.split("."))


def email_addresses(text: str) -> str:
    """E-mail addresses spelled: tzxf@163.com → T Z X F艾特幺六三点C O M.

    >>> email_addresses("投稿邮箱：tzxf@163.com。")
    '投稿邮箱：T Z X F艾特幺六三点C O M。'
    """
    return _EMAIL.sub(lambda m: _spell_dotted(m.group(1)) + "艾特" + _spell_dotted(m.group(2)), text)


def web_addresses(text: str) -> str:
    """Web addresses spelled whole: host, port and path (see module).

    >>> web_addresses("登录www.tz.gov.cn查询")
    '登录三W点T Z点G O V点C N查询'
    >>> web_addresses("详见https://www.jiangsu.gov.cn/art/2024/1/5/art_123.html。")
    '详见三W点J I A N G S U点G O V点C N斜杠A R T斜杠二零二四斜杠幺斜杠五斜杠A R T下划线幺二三点H T M L。'
    >>> web_addresses("访问www.tz.gov.cn:8080/")
    '访问三W点T Z点G O V点C N冒号八零八零'
    """

    def repl(m: re.Match) -> str:
        path = m.group(3).rstrip(".,;:!?)'")
        tail = m.group(3)[len(path) :]
        spoken = _spell_dotted(m.group(1))
        if m.group(2):
            spoken += "冒号" + digits(m.group(2)[1:], yao=True)
        path = path.rstrip("/")  # a closing slash says nothing
        if path:
            spoken += "".join(_spell_label(p) if p not in _MARKS else _MARKS[p] for p in re.findall(r"[A-Za-z0-9]+|.", path))
        return spoken + tail

    return _URL.sub(repl, text)
