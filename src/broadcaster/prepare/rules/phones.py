"""Numbers people dial or type: phone numbers in any grouping, extensions,
hotlines after the verbs that dial or report them, and codes after the words
that name them (账号, 订单号, 尾号, 验证码, QQ群 …).

All are read digit by digit with 幺 for 1 (`codes.code`): a listener writes
them down. A space or dash between the groups of a number that is dialled or
typed in only groups its digits, so it is never said (never 负, never 到).
"""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import LIANG_CLASSIFIERS
from broadcaster.prepare.rules.codes import code

# What may follow a code without making it a quantity: a classifier or a unit
# after the digits (打100分, 报120人, 订单号200个) means it was counted.
_COUNTED = r"(?!\s*(?:(?!分机)[" + "".join(sorted(LIANG_CLASSIFIERS)) + r"元号字秒%％.．万亿多余]|平方|公里|公斤|小时|周岁|左右))"

_MOBILE = r"1[3-9](?:[ \-]?\d){9}"
# a local number, or a city's own service number after its area code (0515-12320)
_LANDLINE = r"(?:[(（]0\d{2,3}[)）]\s?|0\d{2,3}[ \-—–]?)(?:\d{3,4}[ \-]?\d{4}|12\d{3}|96\d{3})"
_FREEPHONE = r"[48]00[ \-]?\d{3}[ \-]?\d{4}"
_COUNTRY = r"(?:[(（]?\+?86[)）]?[ \-]?)"


def phone_numbers(text: str) -> str:
    """Mobile numbers, landlines with their area code, 400/800 numbers, in
    any grouping (spaces, dashes, the area code in brackets); +86 is left
    out, as announcers do. An extension after 转, 分机 or a dash goes with it.

    >>> phone_numbers("手机138 5236 1472，电话（0515）8832-1234转8012，热线400-820-8820")
    '手机幺三八五二三六幺四七二，电话零五幺五八八三二幺二三四转八零幺二，热线四零零八二零八八二零'
    >>> phone_numbers("手机13812345678，电话0523-88261234-602")
    '手机幺三八幺二三四五六七八，电话零五二三八八二六幺二三四六零二'
    """

    def say(m: re.Match) -> str:
        number = re.sub("^" + _COUNTRY, "", m.group(1)).translate(_BRACKETS)
        word = m.group(2) if m.group(2) and m.group(2) != "-" else ""
        return code(number) + (word + code(m.group(3)) if m.group(3) else "")

    return re.sub(
        r"(?<![\d.\-])(" + _COUNTRY + r"?(?:" + _MOBILE + "|" + _LANDLINE + "|" + _FREEPHONE + r"))(?![\d.])" + _COUNTED +
        r"(?:\s*(转分机|转|分机号?|-)\s*(\d{1,6})(?![\d.]))?",
        say,
        text,
    )


_BRACKETS = str.maketrans("", "", "()（）")


def extensions(text: str) -> str:
    """An extension number after 分机 (or 转 after a number already read as a
    phone number) digit by digit, and a local number listed after a phone
    number.

    >>> extensions("请拨分机602，或零五幺五八八三二幺二三四转8012，零五幺五八八三二幺二三四、88325678")
    '请拨分机六零二，或零五幺五八八三二幺二三四转八零幺二，零五幺五八八三二幺二三四、八八三二五六七八'
    """
    text = re.sub(r"(分机号?(?:为|是)?[：:\s]*)(\d{2,6})(?![\d.])", lambda m: m.group(1) + code(m.group(2)), text)
    text = re.sub(r"(?<=[零幺二三四五六七八九])(\s*转\s*)(\d{2,6})(?![\d.])", lambda m: m.group(1) + code(m.group(2)), text)
    # a second local number in a list after one already read: 0515-88321234、88325678
    return re.sub(
        r"(?<=[零幺二三四五六七八九]{7})(\s*(?:、|或|和|/)\s*)(\d{3,4}[ \-]?\d{4})(?![\d.])" + _COUNTED,
        lambda m: m.group(1) + code(m.group(2)),
        text,
    )


# Words after which a number is one to call: a list of them too (拨打110或120).
_CALL_STRONG = (
    r"(?:电话|总机|座机|固话|热线|手机|拨打|致电|呼叫|传真|专线|服务台|报警|求救|火警|匪警|急救|call|Call|CALL)"
    r"(?:电话|号码)?(?:为|是)?[：:\s“\"「]*"
)
# Bare verbs (打 报 找 拨 …) only before a number shaped like a hotline or a
# phone number: 打2000字 and 报120人 are counts.
_CALL_WEAK = r"(?:拨|打|报|找|联系|咨询|投诉|举报|求助|反映)(?:电话)?[：:\s“\"「]*"
_CALLABLE = r"(?:1[12]\d(?!\d)|{well_known}|\d{{7,12}})"
_CALL_AFTER = r"(?=热线|专线|服务热线|报警|急救|火警|便民|政务|求助|电话|指挥中心|救护车|急救车|出警|接警|平台|交通事故报警)"
# Service numbers a listener knows by heart: read as codes wherever they are
# not counted (共12345人 is a count).
_WELL_KNOWN = (
    "12345|12315|12369|12348|12333|12320|12350|12356|12366|12388|12306|12123|12319|12328|12331|12338|"
    "12358|12365|12378|12380|12386|12393|12395|12110|12122|12351|96110|95598|95119|10086"
)


def hotlines(text: str) -> str:
    """Hotlines and short service numbers: after a verb or noun that dials or
    reports them (拨打, 打, 报, 致电, 投诉 …), a list of them too; before
    热线, 报警, 急救 …; and the well-known 123xx/95xxx numbers anywhere they
    are not counted.

    >>> hotlines("可以打12315反映，请立即报119，拨110或120，找12345，打100分，共12345人，电话：8821 3456")
    '可以打幺二三幺五反映，请立即报幺幺九，拨幺幺零或幺二零，找幺二三四五，打100分，共12345人，电话：八八二幺三四五六'
    """
    say = lambda m: code(m.group())  # noqa: E731
    grouped = r"\d{3,12}(?:[ \-]\d{3,8})?"  # 8821 3456
    for word, one in ((_CALL_STRONG, grouped), (_CALL_WEAK, _CALLABLE.format(well_known=_WELL_KNOWN))):
        text = re.sub(
            "(" + word + r")(" + one + r"(?:\s?(?:或|或者|、|和|/|及)\s?" + one + r")*)(?![\d.%])" + _COUNTED,
            lambda m: m.group(1) + re.sub(r"\d+(?:[ \-]\d+)*", say, m.group(2)),
            text,
        )
    text = re.sub(r"(?<![\d.])\d{3,5}" + _CALL_AFTER, say, text)
    # 110 119 120 122 only alone or in a list of them (120人 is a count)
    emergency = r"(?:110|119|120|122)"
    if re.fullmatch(r"\s*" + emergency + r"\s*", text):
        return code(text.strip())
    text = re.sub(r"(?<![\d.])" + emergency + r"(?:(?:、|和|或|/|及)" + emergency + r")+(?![\d.])" + _COUNTED,
                  lambda m: re.sub(r"\d+", say, m.group()), text)
    return re.sub(r"(?<![\d.A-Za-z·•・\-第共约近超])(?:" + _WELL_KNOWN + r")(?![\d.A-Za-z²³])" + _COUNTED, say, text)


_CODE_WORDS = (
    "邮编|邮政编码|账号|帐号|账户|银行卡号|卡号|户号|订单号|订单编号|单号|运单号|快递单号|票号|流水号|编号|"
    "批号|工号|学号|证号|身份证号|身份证号码|准考证号|商户号|客户号|缴费号|序列号|登记号|报名号|QQ群|QQ号|QQ|"
    "群号|微信号|微信|房号|房间号|门牌号|门牌|识别号|代码|验证码|校验码|取件码|提货码|密码|会员号|车架号|合同号|档案号|"
    "QQ号码|手机号码|号码|表号|电表号|水表号|邀请码|编码|条码|ICP备|ICP证|公网安备"
)
_CODE = r"[A-Za-z]{0,3}\d[\dA-Za-z]*(?:[ \-]\d[\dA-Za-z]*)*"


def context_codes(text: str) -> str:
    """After words like 邮编, 账号, 订单号, 验证码, QQ群 a run of three or more
    digits (letters, spaces or dashes between groups) is a code; after 尾号
    any digits are, a list of them too. A card number written in groups of
    four is one without any word before it.

    >>> context_codes("邮编：225300，账号6222 0212 3456 7890，订单号A2024010512，尾号1和6")
    '邮编：二二五三零零，账号六二二二零二幺二三四五六七八九零，订单号A二零二四零幺零五幺二，尾号幺和六'
    """
    text = re.sub(
        r"((?:" + _CODE_WORDS + r")(?:为|是)?[：:\s]*)(" + _CODE + ")" + _COUNTED,
        lambda m: m.group(1) + code(m.group(2)) if sum(c.isdigit() for c in m.group(2)) >= 3 else m.group(),
        text,
    )
    # any other word for a number, with a colon: 登记号：, 备案号：, 追溯码：
    text = re.sub(
        r"((?<=[\u4e00-\u9fffA-Za-z])(?:号|号码|码)[：:]\s*)(" + _CODE + ")" + _COUNTED,
        lambda m: m.group(1) + code(m.group(2)) if sum(c.isdigit() for c in m.group(2)) >= 3 else m.group(),
        text,
    )
    text = re.sub(
        r"(尾号(?:为|是)?[：:\s]*)(\d+(?:\s?(?:和|或|、|及|/|，)\s?\d+)*)(?![\d.])" + _COUNTED,
        lambda m: m.group(1) + re.sub(r"\d+", lambda d: code(d.group()), m.group(2)),
        text,
    )
    # part of a number: 身份证号码前6位为320924
    text = re.sub(
        r"((?:号码?|证|卡)(?:的)?[前后]\d{1,2}位(?:数字)?(?:为|是)[：:\s]*)(\d{3,})(?![\d.])",
        lambda m: m.group(1) + code(m.group(2)),
        text,
    )
    return re.sub(r"(?<![\d.])\d{4}(?: \d{4}){2,}(?: \d{1,4})?(?![\d.])", lambda m: code(m.group()), text)


def masked_numbers(text: str) -> str:
    """Phone and ID numbers with hidden digits, as prize lists print them:
    the digits one by one, each * said 星 and each x 叉, as written.

    >>> masked_numbers("中奖用户138****5678，身份证3209**********123X，139xxxx0001")
    '中奖用户幺三八星星星星五六七八，身份证三二零九星星星星星星星星星星幺二三X，幺三九叉叉叉叉零零零幺'
    """

    def say(m: re.Match) -> str:
        return re.sub(r"[*xX]", lambda c: "星" if c.group() == "*" else "叉", code(m.group(1))) + code(m.group(2))

    return re.sub(r"(?<![\dA-Za-z.])(\d{2,}(?:\*{2,}|[xX]{3,}))(\d{1,}[xX]?)(?![\dA-Za-z.])", say, text)


def ip_addresses(text: str) -> str:
    """IPv4 addresses, each part digit by digit, joined by 点. Four parts up
    to 255 with one of two digits or more (3.2.1.4 is a section number).

    >>> ip_addresses("网关192.168.10.1，后台192.168.1.1:8080，第3.2.1.4条")
    '网关幺九二点幺六八点幺零点幺，后台幺九二点幺六八点幺点幺冒号八零八零，第3.2.1.4条'
    """

    def say(m: re.Match) -> str:
        parts = m.group(1).split(".")
        if any(int(p) > 255 for p in parts) or all(len(p) == 1 for p in parts):
            return m.group()
        return "点".join(code(p) for p in parts) + ("冒号" + code(m.group(2)) if m.group(2) else "")

    return re.sub(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{2,5}))?(?![\d.])", say, text)
