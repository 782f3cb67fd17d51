"""Numbers that are names, not quantities: phone numbers, postcodes, room
numbers, plates, account and order numbers, 文号, commemorative days,
versions and sections, chemical names, generations.

Codes are read digit by digit with 幺 for 1, the way announcers read phone
numbers (a listener writes them down); years inside codes keep 一.
"""
from __future__ import annotations

import re

from broadcaster.prepare.numbers import cardinal, count, decimal, digits


def code(s: str) -> str:
    """A code as said: digits one by one (1 as 幺), letters kept for the
    engine to spell, separators (space - · .) dropped.

    >>> code("苏A·1 02")
    '苏A幺零二'
    """
    return re.sub(r"\d", lambda m: digits(m.group(), yao=True), re.sub(r"[\s\-—–·•・.]", "", s))


_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"


def licence_plates(text: str) -> str:
    """Vehicle plates: province, letter, then five or six letters and digits,
    the digits one by one: 苏A·12345 → 苏A幺二三四五.

    >>> licence_plates("车牌号苏A·12345、浙B D12345")
    '车牌号苏A幺二三四五、浙BD幺二三四五'
    """
    return re.sub(
        r"([" + _PROVINCES + r"])([A-Z])\s*[·•・.\-]?\s*((?=[A-Z0-9]*\d)[A-Z0-9]\s?[A-Z0-9]{4,5})(?![A-Za-z0-9])",
        lambda m: m.group(1) + m.group(2) + code(m.group(3)),
        text,
    )


def document_numbers(text: str) -> str:
    """文号: the year in 〔〕 digit by digit, then the number:
    苏政发〔2024〕12号 → 苏政发二零二四年十二号. Round or square brackets
    count only after an issuing word (发 字 办 函 …).

    >>> document_numbers("苏政发〔2024〕12号、泰政办发(2023)5号")
    '苏政发二零二四年十二号、泰政办发二零二三年五号'
    """
    return re.sub(
        r"(?:[〔［【]|(?<=[发字办函文令规通])[(（\[])\s*(\d{4})\s*[〕］】)）\]]\s*(第)?\s*(\d+)\s*号",
        lambda m: digits(m.group(1)) + "年" + (m.group(2) or "") + cardinal(m.group(3)) + "号",
        text,
    )


_BUILDING = r"(?:栋|幢|座|号楼|单元|楼|层)"
_ROOM = "[零幺二三四五六七八九]{3,4}"  # a room number the rules above have read


_ROOM_WORDS = "室|房间|号房|宿舍|病房|会议室|办公室|教室|活动室|报告厅|会客厅|多功能厅"


def address_codes(text: str) -> str:
    """Building-unit-room written with dashes (5-1-302) and house numbers
    with a dash (人民路12-3号): the dash is said 杠, building and unit as
    numbers, the room digit by digit. Never 到 or 负.

    >>> address_codes("请到5-1-302领取，住12-2-1501，人民路12-3号，3#楼，3-302室，住在12-1501，如图1-1，3-5天")
    '请到五杠一杠三零二领取，住十二杠二杠幺五零幺，人民路十二杠三号，3号楼，三杠三零二室，住在十二杠幺五零幺，如图一杠一，3-5天'
    """

    def say(m: re.Match) -> str:
        if re.fullmatch(r"(?:19|20)\d\d", m.group(3)) and int(m.group(1)) <= 31 and int(m.group(2)) <= 12:
            return m.group()  # 5-1-2024 is a date
        return cardinal(m.group(1)) + "杠" + cardinal(m.group(2)) + "杠" + code(m.group(3))

    text = re.sub(r"(?<![\d.\-/:])(\d{1,3})-(\d{1,2})-(\d{3,4})(?![\d.\-/:])", say, text)
    text = re.sub(r"(?<=\d)\s*#\s*(?=楼|栋|幢|号楼|单元)", "号", text)  # 12#楼 is 12号楼
    # building-room: 3-302室, 住在12-1501
    room = lambda m: m.group(1) + cardinal(m.group(2)) + "杠" + code(m.group(3))  # noqa: E731
    text = re.sub(r"()(?<![\d.\-/:])(\d{1,2})-(\d{3,4})(?=\s*(?:室|号房|房间))", room, text)
    text = re.sub(r"((?:住|住在|家住)\s*)(\d{1,2})-(\d{3,4})(?![\d.\-/:])", room, text)
    # figures and tables numbered by chapter: 图1-1, 表2-3
    text = re.sub(r"(?<=[图表])(\d{1,2})-(\d{1,2})(?![\d.\-])", lambda m: cardinal(m.group(1)) + "杠" + cardinal(m.group(2)), text)
    return re.sub(
        r"(?<=[路街巷弄道村组楼栋幢])(\d{1,4})-(\d{1,4})(?=号)",
        lambda m: cardinal(m.group(1)) + "杠" + cardinal(m.group(2)),
        text,
    )


def room_numbers(text: str) -> str:
    """Room and flat numbers digit by digit (301室 → 三零幺室, 2单元1502 →
    二单元幺五零二); a building number before a 单元 or room is a name, so
    2栋3单元 is 二栋, not 两栋.

    >>> room_numbers("5号楼2单元301室，3栋1202，A座1506，讲座1200场，办公楼3000多平方米，会议室302，会议室120人")
    '五号楼二单元三零幺室，三栋幺二零二，A座幺五零六，讲座1200场，办公楼3000多平方米，会议室三零二，会议室120人'
    """
    text = re.sub(r"(?<![\d.])(\d{3,5})(?=\s*(?:" + _ROOM_WORDS + "))", lambda m: code(m.group(1)), text)
    # the room's word first: 会议室302, 办公室1205 (会议室120人 is a count)
    text = re.sub(
        r"((?:会议室|办公室|教室|活动室|病房|房间|宿舍)\s*)(\d{3,4})(?![\d.%])(?!\s*(?:[元人户个万平米亩年天吨多余场次名位座]|m))",
        lambda m: m.group(1) + code(m.group(2)),
        text,
    )
    text = re.sub(
        r"((?:\d|[A-Z])\s*" + _BUILDING + r")\s*(\d{3,4})(?![\d.%])(?!\s*(?:[元人户个万平米亩年天吨多余场次]|m))",
        lambda m: m.group(1) + code(m.group(2)),
        text,
    )
    return re.sub(
        r"(?<![\d.])(\d{1,2})(?=(?:栋|幢|座|号楼)\s*(?:\d{1,4}\s*(?:单元|室|号)|" + _ROOM + r")|单元\s*" + _ROOM + ")",
        lambda m: cardinal(m.group(1)),
        text,
    )


def generations(text: str) -> str:
    """Generation words: 80后 → 八零后, 00后 → 零零后 (a two-digit multiple of
    five, as the cohorts are named, right before 后).

    >>> generations("80后、90后和00后，3天后，8:30后，3月20后")
    '八零后、九零后和零零后，3天后，8:30后，3月20后'
    """
    # not after : - / 月 (8:30后, 3月20后 are times and days) nor 第 满 超 (counts)
    return re.sub(r"(?<![\d.:：\-~～/月号第满超])(\d[05])(?=后)", lambda m: digits(m.group(1)), text)


_DAY_CONTEXT = r"(?=[”\"」]?(?:晚会|消费者|国际|纪念|事件|暴雨|洪水|地震|特大|专项|行动|活动|宣传|大案|案件|防灾|安全日|宪法日|前夕|当天|期间))"


def commemorative_days(text: str) -> str:
    """Days named by month·day: 3·15 → 三一五, 9·18 → 九一八, 12·4 → 十二四.
    A middle dot always; a full stop only in quotes or before 晚会, 事件, …
    (a bare 3.15 is a decimal).

    >>> commemorative_days("“3·15”消费者权益日，9.18事件，7·20特大暴雨，长3.15米")
    '“三一五”消费者权益日，九一八事件，七二零特大暴雨，长3.15米'
    """
    say = lambda m: cardinal(m.group(1)) + digits(m.group(2))  # noqa: E731
    month_day = r"(1[0-2]|[1-9])[{}](3[01]|[12]\d|[1-9])"
    text = re.sub(r"(?<![\d.])" + month_day.format("·•・") + r"(?![\d.])", say, text)
    text = re.sub(r"(?<=[“\"「])" + month_day.format(".") + r"(?=[”\"」])", say, text)
    return re.sub(r"(?<![\d.])" + month_day.format(".") + r"(?![\d.])" + _DAY_CONTEXT, say, text)


def dotted_names(text: str) -> str:
    """Numbers joined by dots that are not decimals: versions (V2.1.3 →
    V二点一点三), section numbers (3.2.1 → 三点二点一), and a decimal glued
    to letters (PM2.5 → PM二点五). Dated forms like 2022.01.27 were read
    before this rule.

    >>> dotted_names("V2.1.3版，第3.2.1条，PM2.5浓度，XBB.1.5变异株")
    'V二点一点三版，第三点二点一条，PM二点五浓度，XBB点一点五变异株'
    """
    parts = lambda s: "点".join(cardinal(p) for p in s.split("."))  # noqa: E731
    text = re.sub(
        r"(?<![A-Za-z0-9])([Vv]|[Vv]er\.?\s?|[Vv]ersion\s?|版本号?[：:]?\s*)(\d+(?:\.\d+)+)(?![\d.])",
        lambda m: m.group(1) + parts(m.group(2)),
        text,
    )
    text = re.sub(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){2,}(?![\d.])", lambda m: parts(m.group()), text)
    text = re.sub(r"(?<![A-Za-z0-9])([A-Za-z]{1,4})(\d+\.\d+)(?![\d.])", lambda m: m.group(1) + decimal(m.group(2)), text)
    # virus lineages: XBB.1.5, BA.5, JN.1 (capitals, a dot, numbers)
    return re.sub(r"(?<![A-Za-z0-9.])([A-Z]{2,4})\.(\d+(?:\.\d+)*)(?![\d.])", lambda m: m.group(1) + "点" + parts(m.group(2)), text)


def standard_codes(text: str) -> str:
    """Standards: letters, number digit by digit, 杠, year digit by digit:
    GB/T 9704-2012 → GB T九七零四杠二零一二, GB 2760-2014.

    >>> standard_codes("按GB/T 9704-2012执行，符合GB 5749-2022标准，NY/T 391")
    '按GB T九七零四杠二零一二执行，符合GB五七四九杠二零二二标准，NY T三九一'
    """

    def say(m: re.Match) -> str:
        number = "点".join(digits(p) for p in m.group(2).split("."))
        return m.group(1).replace("/", " ") + number + ("杠" + digits(m.group(3)) if m.group(3) else "")

    return re.sub(
        r"(?<![A-Za-z])((?:GB|DB\d{0,2}|JGJ|JTG|HJ|NY|SL|CJJ|GA|QB|YY|WS|JB|DL)(?:/[TZ])?)\s*(\d{2,5}(?:\.\d+)?)(?:\s*[-—]\s*((?:19|20)\d{2}))?(?![\d.])",
        say,
        text,
    )


_NAMED_BY_NUMBER = frozenset({"G", "S", "PM", "COVID", "Covid", "covid", "Win", "iPhone", "Mate"})


def model_names(text: str) -> str:
    """Chinese names of aircraft, rockets and spacecraft with a dash before
    their number: the dash is not said (歼-20 → 歼20, then 歼二十), never 负.

    >>> model_names("歼-20、长征-5、东风-41，气温-5℃，客运量-5%")
    '歼20、长征5、东风41，气温-5℃，客运量-5%'
    """
    return re.sub(r"(歼|轰|东风|长征|红旗|神舟|嫦娥|天问|天舟|鹰击|巨浪|枭龙|鲲龙)\s*[-－—]\s*(?=\d)", r"\1", text)


def alphanumeric_codes(text: str) -> str:
    """Codes mixing letters and digits keep their letters (the engine spells
    them). A number followed only by letters is a quantity with a unit
    (3000mAh → 三千mAh); otherwise a single digit is a number (H5N1) and
    longer runs are read digit by digit (KN95 → KN九五, B737 → B七三七),
    except two digits after the letters of names said as numbers (G20, COVID-19).

    >>> alphanumeric_codes("5G网络，H5N1，COVID-19，G20峰会，B737，KN95口罩，G7012次，3000mAh，1080P")
    '五G网络，H五N一，COVID十九，G二十峰会，B七三七，KN九五口罩，G七零一二次，三千mAh，一零八零P'
    """

    def repl(m: re.Match) -> str:
        token = re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", " ", m.group()).replace("-", "")  # SARS-CoV-2
        unit = re.fullmatch(r"(\d+)([A-Za-z]+)", token)
        if unit and unit.group(2) in ("P", "p") and unit.group(1) in ("480", "720", "1080", "1440", "2160"):
            return digits(unit.group(1)) + "P"  # a video resolution: 1080P is 一零八零P
        if unit and not unit.group(1).startswith("0"):
            return count(unit.group(1), after=unit.group(2)[:1]) + unit.group(2)
        letters = re.match(r"[A-Za-z]*", token).group()
        # G20, COVID-19, G15, 维生素B12 are said as numbers
        named = letters in _NAMED_BY_NUMBER or m.string.endswith("维生素", 0, m.start())
        return re.sub(r"\d+", lambda d: cardinal(d.group()) if len(d.group()) == 1 or (named and len(d.group()) == 2) else digits(d.group()), token)

    return re.sub(
        r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![A-Za-z0-9])",
        repl,
        text,
    )
