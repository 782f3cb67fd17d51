"""Article cleaning: keep the headline and the body paragraphs, drop the page
furniture that news sites, WeChat posts and office exports wrap them in.

Works on lines (HTML is first turned into lines by `html.html_to_lines`).
Each `is_*` predicate names one kind of boilerplate line; `clean_lines`
applies them, plus two positional rules: a footer marker (上一篇, 相关阅读,
版权所有…) after the body ends the article, and bare ISO dates count as
boilerplate only in the header (before the first body paragraph), because a
notice ends with its date as content (2026年11月30日 is kept).

Official documents (公文, GB/T 9704) lose what is printed but not read out:
份号, 密级 and 紧急程度, the red 发文机关标志 ("××县人民政府文件"), the
发文字号 line, 签发人, 附件说明, 抄送 and the 印发 line; the title, 主送机关,
body, signature and date stay. A heading number (一、（一）1.（1）) that a
layout glued onto the end of the previous sentence starts its own line again.

Traditional-character pages (來源：, 責編：, 上一篇) are recognised by
testing a Simplified copy of each line; the line itself is kept as written.
"""
from __future__ import annotations

import re

_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_TIME = r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?"

_META_KEYS = (
    "来源", "作者", "编辑", "责编", "责任编辑", "审核", "审校", "校对", "终审", "初审", "复审",
    "发布时间", "发布日期", "发布者", "发布单位", "发稿时间", "更新时间",
    "浏览次数", "浏览量", "点击数", "点击量", "阅读量", "阅读数", "访问量", "信息来源", "文章来源",
    "稿源", "供稿", "摄影", "摄像", "图片来源", "原标题", "标签", "关键词", "关键字",
    "字号", "分享到", "编审", "监制", "本文来源", "转自",
)
_META = re.compile(r"^[【\[]?\s*(?:" + "|".join(sorted(_META_KEYS, key=len, reverse=True)) + r")\s*[】\]]?\s*[:：]")

# Whole-line toolbar / share / WeChat furniture words.
_TOOLBAR_WORDS = {
    "听新闻", "字号", "大", "中", "小", "默认", "超大", "分享", "分享到", "打印", "打印本页", "关闭",
    "关闭窗口", "关闭本页", "收藏", "返回", "返回顶部", "顶部", "扫一扫", "在手机上打开", "微信",
    "微博", "QQ", "QQ空间", "朋友圈", "复制链接", "纠错", "我要纠错", "阅读原文", "点赞", "在看",
    "赞", "留言", "写留言", "写下你的留言", "喜欢此内容的人还喜欢", "预览时标签不可点", "收录于合集",
    "收录于话题", "继续滑动看下一个", "向上滑动看下一个", "轻触阅读原文", "知道了", "取消", "允许",
    "微信扫一扫", "关注该公众号", "微信扫一扫关注该公众号", "分享此内容", "分享到朋友圈", "发送给朋友",
    "视频", "小程序", "轻点两下取消赞", "轻点两下取消在看", "点击上方蓝字关注我们", "点击蓝字关注我们",
    "长按识别二维码", "长按二维码关注", "关注我们", "更多", "查看更多", "加载更多", "展开全文",
    "全文", "上一页", "下一页", "首页", "尾页", "TOP", "top", "人点赞", "人在看", "人喜欢",
    "责任编辑", "标签", "相关文章", "图片", "图", "【打印】", "【关闭】", "【收藏】", "A", "A+", "A-",
}
_TOOLBAR_SPLIT = re.compile(r"[\s|｜/、·•【】\[\]（）()<>〈〉：:]+")

_IMAGE = re.compile(r"^(?:\S*?[\w\-]+\.(?:jpe?g|png|gif|webp|bmp|svg|tiff?)|\[?图片\]?|!\[[^\]]*\]\([^)]*\))$", re.I)
_PAGE_NUMBER = re.compile(r"^(?:[-—–\s]*\d{1,3}[-—–\s]*|第\s*\d+\s*页(?:\s*[/／共]\s*\d+\s*页?)?|共\s*\d+\s*页|\d+\s*/\s*\d+|[<«‹]?\s*(?:\d+\s+)+\d+\s*[>»›]?)$")
_CRUMBS = re.compile(r"(?:当前位置|您的位置|你的位置|所在位置|现在位置)\s*[:：]|^\s*首页\s*[>»›/]|(?:\S{1,12}\s*(?:>|>>|»|›)\s*){2,}")
_COPYRIGHT = re.compile(
    r"版权所有|版权声明|Copyright|©|\(c\)\s*\d{4}|ICP\s*[备证]|公网安备|网站标识码|主办单位|承办单位|主办\s*[:：]|承办\s*[:：]|"
    r"技术支持\s*[:：]|联系我们|网站地图|免责声明|未经授权|禁止转载|转载请注明|违法和不良信息举报|举报电话|"
    r"建议使用.{0,20}浏览器|分辨率|All Rights Reserved",
    re.I,
)
# 公文 furniture (GB/T 9704)
_SECRECY = re.compile(r"^(?:(?:绝密|机密|秘密|内部|特急|加急|特提|平急)(?:\s*★\s*[\d一二三四五六七八九十]*\s*[年月个日]*)?\s*)+$")
_DOC_NUMBER = re.compile(r"^\S{1,20}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*\d{1,4}\s*号(?:\s*签\s*发\s*人\s*[:：].*)?$")
_SIGNER = re.compile(r"^签\s*发\s*人\s*[:：]")
_PRINTED = re.compile(r"^\S.{0,40}?\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印\s*发$")
_PUBLIC_NOTE = re.compile(r"^[（(](?:此件公开发布|此件主动公开|此件依申请公开|此件不公开|此页无正文)[)）]$")
# the red header names an organ: "泰县人民政府办公室文件", not "学习中央一号文件"
_ISSUER_MARK = re.compile(r"^(?!关于)[^，。：:；]{2,60}?(?:政府|委员会|办公室|办公厅|局|委|厅|部|院|党组|镇|乡|街道|中心|小组|指挥部|联合会|协会)\s*文\s*件$")
_COPY_NUMBER = re.compile(r"^[0-9０-９]{6}$")
_ATTACHMENT_NOTE = re.compile(r"^附\s*件\s*[:：]")
_ATTACHMENT_MORE = re.compile(r"^\d{1,2}\s*[.．、]")
_CC = re.compile(r"^(?:抄\s*送|抄\s*报|分\s*送)\s*[:：]")
_DOC_KIND = re.compile(r"(?:通知|意见|办法|方案|决定|通报|报告|请示|批复|函|纪要|公告|通告|规定|细则|规划|要点|命令|议案|决议|公报)$")
_HEADING = r"(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百]+[）)]|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|[①-⑳])"
HEADING_START = re.compile("^" + _HEADING)
_GLUED_HEADING = re.compile(r"(?<=[。！？])(?=" + _HEADING + ")")

_NEIGHBOURS = re.compile(r"^(?:上一篇|下一篇|上一条|下一条|上篇|下篇|前一篇|后一篇)\s*[:：]?")
_FOOTER_START = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条|相关阅读|相关新闻|相关文章|相关链接|相关推荐|推荐阅读|延伸阅读|热门推荐|"
    r"往期回顾|往期推荐|精彩推荐|热点推荐|猜你喜欢|更多精彩|阅读原文|责编|责任编辑|标签|[-—\s]*END[-—\s]*$|"
    r"抄\s*送\s*[:：]|抄\s*报\s*[:：])\s*[:：]?"
)
_DATELINE = re.compile(r"^" + _DATE + r"(?:\s*" + _TIME + r")?")
_WECHAT_HEADER = re.compile(r"^(?:原创\s|原创$)|发表于|^#\S+(?:\s+\d+\s*个)?$|^[-—\s]*(?:END|End|end|完|全文完)[-—\s]*$|^作者\s|^\S{1,20}\s+\d{4}-\d{2}-\d{2}\s+\d{1,2}:\d{2}")
_ENGAGEMENT = re.compile(r"^(?:阅读|浏览|点击|在看|点赞|赞|分享|收藏|评论|留言)\s*[:：]?\s*\d+(?:\.\d+)?\s*[万千wk]?\+?$|^\d+\s*(?:人)?(?:阅读|浏览|点赞|在看|评论)$")


def is_image_name(line: str) -> bool:
    """W020180517505687875841.jpg, [图片], ![](x.png)."""
    return bool(_IMAGE.match(line))


def is_dateline(line: str) -> bool:
    """A date with a clock time or source/author: '2022-01-27 15:11:00 来源:中国江苏网'."""
    m = _DATELINE.match(line)
    if not m:
        return False
    rest = line[m.end():].strip()
    has_time = bool(re.search(_TIME, line[: m.end()]))
    return has_time or bool(re.match(r"(?:来源|作者|编辑|发布|浏览|点击|阅读|字号|\|)", rest))


def is_bare_iso_date(line: str) -> bool:
    """2022-01-27 or 2022/01/27 alone (not 2026年11月30日, which ends a notice)."""
    return bool(re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", line))


def is_meta(line: str) -> bool:
    """来源：… 作者：… 责编：… 标签：… 发布时间：… lines."""
    return bool(_META.match(line)) or bool(re.search(r"(?:^|\s)(?:来源|作者|编辑)\s*[:：].{0,30}(?:来源|作者|编辑|浏览|点击)\s*[:：]", line))


def is_toolbar(line: str) -> bool:
    """A line made only of toolbar/share words: '字号：大 中 小 | 分享 | 打印'."""
    words = [w for w in _TOOLBAR_SPLIT.split(line) if w]
    return bool(words) and all(w in _TOOLBAR_WORDS or re.fullmatch(r"\d+[万千wk]?\+?", w) for w in words)


def is_page_number(line: str) -> bool:
    """A stray page number: '1', '- 2 -', '第3页', '1/5'."""
    return bool(_PAGE_NUMBER.fullmatch(line))


def is_crumbs(line: str) -> bool:
    """Navigation crumbs: '当前位置：首页 > 新闻中心 > 正文'."""
    return len(line) <= 80 and bool(_CRUMBS.search(line))


def is_copyright(line: str) -> bool:
    """Copyright, ICP licence, site-owner and browser-advice lines (short ones only)."""
    return len(line) <= 120 and bool(_COPYRIGHT.search(line))


def is_neighbour_link(line: str) -> bool:
    """上一篇：… 下一篇：…"""
    return bool(_NEIGHBOURS.match(line))


def is_wechat_furniture(line: str) -> bool:
    """WeChat header and counters: '原创 张三 某某发布 2023-05-08 10:00 发表于江苏', '阅读 1.2万'."""
    return len(line) <= 80 and (bool(_WECHAT_HEADER.search(line)) or bool(_ENGAGEMENT.match(line)))


def is_official_furniture(line: str) -> bool:
    """公文 lines printed but not read: '秘密★1年', '特急', '泰政发〔2024〕12号',
    '签发人：张三', '泰州市人民政府办公室 2024年3月5日印发', '（此件公开发布）'."""
    return len(line) <= 80 and any(r.match(line) for r in (_SECRECY, _DOC_NUMBER, _SIGNER, _PRINTED, _PUBLIC_NOTE))


def is_header_mark(line: str) -> bool:
    """Only above the title: the 份号 '000123' and the red header '××县人民政府文件'."""
    return bool(_COPY_NUMBER.match(line) or _ISSUER_MARK.match(line))


def split_glued_headings(line: str) -> list[str]:
    """A heading number right after a sentence end starts a new line.

    >>> split_glued_headings("按时完成。（二）强化保障。各村要……")
    ['按时完成。', '（二）强化保障。各村要……']
    """
    return [part for part in _GLUED_HEADING.split(line) if part]


# Characters common in Traditional text and absent from Simplified: enough of
# them and the furniture rules test a Simplified copy of each line.
_TRADITIONAL = frozenset("這個們來時會說為對還後發過與從實點國學關經東見現開體長問編責標題頁篇條聯權聲載舉報網辦單務據碼鎮縣區議")


def _simplifier(lines: list[str]):
    sample = "".join(lines)[:20000]
    if sum(1 for ch in sample if ch in _TRADITIONAL) < 3:
        return None
    from opencc import OpenCC

    return OpenCC("t2s").convert


DROP_RULES = (
    is_image_name,
    is_dateline,
    is_meta,
    is_toolbar,
    is_page_number,
    is_crumbs,
    is_copyright,
    is_neighbour_link,
    is_wechat_furniture,
    is_official_furniture,
)


def _is_body(line: str) -> bool:
    """A real paragraph: long enough and ends like a sentence."""
    return len(line) >= 30 or (len(line) >= 8 and line[-1] in "。！？；…”」")


def clean_lines(lines: list[str]) -> list[str]:
    """Drop boilerplate lines; stop at a footer marker once the body has begun.

    >>> clean_lines(["标题", "2022-01-27 15:11:00 来源:网", "1", "听新闻", "正文第一段，内容足够长，确实是一个真正的段落。", "责编:张静"])
    ['标题', '正文第一段，内容足够长，确实是一个真正的段落。']
    >>> clean_lines(["000123", "秘密★1年", "泰县人民政府文件", "泰政发〔2024〕3号", "關於冬修水利的通知", "來源：縣政府", "各鎮人民政府：", "現將有關事項通知如下，請認真貫徹執行。"])
    ['關於冬修水利的通知', '各鎮人民政府：', '現將有關事項通知如下，請認真貫徹執行。']
    """
    out: list[str] = []
    body_started = False
    in_attachments = False
    simplify = _simplifier(lines)
    for raw in lines:
        line = re.sub(r"[ \t\u00a0\u3000]+", " ", raw).strip()
        if not line:
            continue
        probe = simplify(line) if simplify else line
        if body_started and _FOOTER_START.match(probe):
            break
        if any(rule(probe) for rule in DROP_RULES):
            continue
        if not body_started and (is_bare_iso_date(probe) or is_header_mark(probe)):
            continue
        # 附件说明: "附件：1.××" and the numbered lines under it, up to a sentence
        if _ATTACHMENT_NOTE.match(probe):
            in_attachments = True
            continue
        if in_attachments and _ATTACHMENT_MORE.match(probe) and probe[-1] not in "。！？；":
            continue
        in_attachments = False
        out.extend(split_glued_headings(line))
        if out and len(out) > 1 and _is_body(line):
            body_started = True
    return join_split_title(out)


def join_split_title(lines: list[str]) -> list[str]:
    """A 公文 title set on two lines is one headline.

    >>> join_split_title(["泰县人民政府关于做好", "冬季水利建设工作的通知", "各镇人民政府："])
    ['泰县人民政府关于做好冬季水利建设工作的通知', '各镇人民政府：']
    """
    if (len(lines) >= 2 and "关于" in lines[0] and not _DOC_KIND.search(lines[0]) and _DOC_KIND.search(lines[1])
            and lines[0][-1] not in "。！？；：，" and len(lines[0]) + len(lines[1]) <= 80):
        return [lines[0] + lines[1], *lines[2:]]
    return lines


def markdown_to_lines(text: str) -> list[str]:
    """Markdown → plain lines: markers, images, link targets, code and front
    matter dropped; numbered list items kept as written.

    >>> markdown_to_lines("# 标题\\n\\n**重要**通知：见[链接](http://x)\\n\\n- 第一项\\n![](a.png)")
    ['标题', '重要通知：见链接', '第一项']
    """
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)  # YAML front matter
    text = re.sub(r"^```.*?^```\s*$", "", text, flags=re.S | re.M)  # code blocks
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    out = []
    for line in text.split("\n"):
        line = line.strip()
        if re.fullmatch(r"[-*_=]{3,}|\|?[\s:|-]+\|[\s:|-]*", line):  # rules, table separators
            continue
        line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)
        line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"^#{1,6}\s*", "", line)
        line = re.sub(r"^>\s?", "", line)
        line = re.sub(r"^[-*+]\s+", "", line)
        line = re.sub(r"(\*\*|__|~~|`)", "", line)
        line = re.sub(r"(?<![\w*])\*(?!\s)([^*]+)(?<!\s)\*(?![\w*])", r"\1", line)
        line = re.sub(r"<[^>]+>", "", line)
        if line.startswith("|") and line.endswith("|"):
            line = " ".join(c.strip() for c in line.strip("|").split("|") if c.strip())
        out.append(line.strip())
    return [l for l in out if l]
