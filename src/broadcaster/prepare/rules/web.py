"""Web and e-mail addresses, read the way Chinese announcers spell them.

Documented choice: the parts are joined by 点 (and @ is 艾特); letters are
spelled one by one in capitals (gov → G O V), www is 三W, digits are read
one by one with 幺 for 1 (163 → 幺六三), - is 杠 and _ is 下划线. The scheme
(https://) is not read. A path after the host is too long to be useful by
ear, so only the host is read, followed by 网站 (a listener can type the
host and find the page); the written captions still show the whole address.
"""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import digits

_TLD = r"(?:com|cn|net|org|gov|edu|info|top|xyz|io|mil|int|cc|tv|me|biz|site|online|hk|tw|mo)"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_HOST = r"(?:" + _LABEL + r"\.)+" + _TLD + r"(?![A-Za-z0-9\-])"
_URL = re.compile(
    r"(?<![A-Za-z0-9@.\-])(?:https?://)?(" + _HOST + r")(?::\d+)?((?:/[A-Za-z0-9\-._~%/?#=&+:;,!$'()*@]*)?)", re.I
)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9._%+\-]+)@(" + _HOST + r")", re.I)


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
            out.append({"-": "杠", "_": "下划线", "+": "加", "%": "百分号"}.get(run, ""))
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
    """Web addresses spelled by host; a path is replaced by 网站 (see module).

    >>> web_addresses("登录www.tz.gov.cn查询")
    '登录三W点T Z点G O V点C N查询'
    >>> web_addresses("详见https://www.jiangsu.gov.cn/art/2024/1/5/art_123.html。")
    '详见三W点J I A N G S U点G O V点C N网站。'
    """

    def repl(m: re.Match) -> str:
        path = m.group(2).rstrip(".,;:!?)'")
        tail = m.group(2)[len(path) :]
        spoken = _spell_dotted(m.group(1))
        if path.strip("/"):
            follows = m.string[m.end() : m.end() + 2]
            spoken += "" if follows.startswith(("网站", "网")) else "网站"
        return spoken + tail

    return _URL.sub(repl, text)
