"""Documents made in the tests: one 公文 (official notice) written as a .txt,
a .docx (Word list numbering, a table) and a multi-page PDF (real CJK text in
reportlab's built-in STSong-Light font), plus a WeChat page, a government
news page and a Traditional-character page, each with the .txt that says the
same. Imported as a plain module, like text_helpers."""
from __future__ import annotations

from pathlib import Path

TITLE = "泰县人民政府办公室关于做好冬季农田水利建设工作的通知"
# printed on a 公文, never read aloud
TOP = ["000128", "特急", "泰县人民政府办公室文件", "泰政办发〔2026〕58号"]
ADDRESSEE = "各镇人民政府，县各有关部门："
# (list level or None, text); levels: 0 一、 1 （一） 2 1. 3 （1）; "table" rows are cells
BODY: list[tuple] = [
    (None, "为切实做好今冬明春农田水利建设工作，确保明年春耕生产用水，经县政府同意，现将有关事项通知如下。"),
    (0, "总体要求"),
    (None, "坚持统筹规划、分步实施，到2027年3月底前完成全县120条河道疏浚任务，新建和维修泵站36座，"
           "改造低压管道灌溉面积2.5万亩，确保工程质量和施工安全，让群众得到实实在在的好处。"),
    (1, "明确目标任务"),
    (None, "各镇要对照任务清单，逐村逐段落实责任人，于每月5日前报送上月进展。"),
    (2, "加强组织领导。成立工作专班，每周调度一次工作进展。"),
    (2, "强化资金保障。县财政安排专项资金1500万元，按工程进度分三次拨付。"),
    (1, "严格质量标准"),
    (3, "河道疏浚后河底高程误差不超过10厘米。"),
    (3, "土方外运不得占用基本农田和生态红线区域。"),
    (0, "补助标准"),
    ("table", [["项目", "补助标准"], ["河道疏浚", "每立方米8元"], ["泵站维修", "每座3万元"]]),
    (0, "工作要求"),
    (None, "各镇要于2026年12月15日前将实施方案报县水利局，联系电话：0523-86123456。"),
]
ATTACHMENTS = ["附件：1.河道疏浚任务清单", "2.补助资金分配表"]
SIGNATURE = ["泰县人民政府办公室", "2026年11月30日"]
BOTTOM = ["（此件公开发布）", "抄送：县委办公室，县人大常委会办公室，县政协办公室。", "泰县人民政府办公室 2026年11月30日印发"]

_CN = "一二三四五六七八九十"


def _labels() -> list[str]:
    """The numbers Word shows in front of BODY's list paragraphs."""
    counters = [0, 0, 0, 0]
    out = []
    for level, text in BODY:
        if not isinstance(level, int):
            out.append("")
            continue
        counters[level] += 1
        for deeper in range(level + 1, 4):
            counters[deeper] = 0
        n = counters[level]
        out.append([f"{_CN[n - 1]}、", f"（{_CN[n - 1]}）", f"{n}.", f"（{n}）"][level])
    return out


def body_lines() -> list[str]:
    """BODY as a clerk types it: the numbers written out, a table row a line."""
    lines = []
    for label, (level, text) in zip(_labels(), BODY):
        if level == "table":
            lines += ["，".join(row) + "。" for row in text]
        else:
            lines.append(label + text)
    return lines


def notice_lines() -> list[str]:
    return [*TOP, TITLE, ADDRESSEE, *body_lines(), *ATTACHMENTS, *SIGNATURE, *BOTTOM]


def clean_notice() -> str:
    """What is read aloud: title, addressee, body, signature and date."""
    return "\n".join([TITLE, ADDRESSEE, *body_lines(), *SIGNATURE])


def write_txt(path: Path) -> Path:
    path.write_text("\n".join(notice_lines()) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- .docx

_FORMATS = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."), ("decimal", "（%4）")]


def _add_numbering(doc) -> str:
    """A four-level list definition in numbering.xml; returns its numId."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = doc.part.numbering_part.element
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:lvlJc w:val="left"/></w:lvl>' for i, (fmt, text) in enumerate(_FORMATS)
    )
    abstract = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>')
    first_num = numbering.find(numbering[0].tag.replace("abstractNum", "num")) if len(numbering) else None
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def _numbered(paragraph, num_id: str, level: int) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def write_docx(path: Path) -> Path:
    """The notice as Word keeps it: list numbers only in numbering.xml."""
    import docx

    doc = docx.Document()
    num_id = _add_numbering(doc)
    for line in [*TOP, TITLE, ADDRESSEE]:
        doc.add_paragraph(line)
    for level, text in BODY:
        if level == "table":
            table = doc.add_table(rows=len(text), cols=len(text[0]))
            for r, row in enumerate(text):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        elif level is None:
            doc.add_paragraph(text)
        else:
            _numbered(doc.add_paragraph(text), num_id, level)
    for line in [*ATTACHMENTS, *SIGNATURE, *BOTTOM]:
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


# ---------------------------------------------------------------- PDF

PAGE_W, PAGE_H, MARGIN = 595.0, 842.0, 72.0
BODY_PT, TITLE_PT, RED_PT, LEADING = 16.0, 22.0, 26.0, 28.0


def _wrap(text: str, size: float, width: float, indent: float) -> list[tuple[float, str]]:
    """Cut a paragraph into typeset lines (CJK characters square, digits half)."""
    lines, line, used, x = [], "", 0.0, indent
    for ch in text:
        w = size if ord(ch) >= 0x2E80 else size * 0.5
        if used + w > width - x + 0.01:
            lines.append((x, line))
            line, used, x = "", 0.0, 0.0
        line += ch
        used += w
    lines.append((x, line))
    return lines


def pdf_paragraphs() -> list[tuple[str, str, float]]:
    """(alignment, text, size) in order, as the PDF lays the notice out."""
    paras = [("left", TOP[0], BODY_PT), ("left", TOP[1], BODY_PT), ("centre", TOP[2], RED_PT),
             ("centre", TOP[3], BODY_PT), ("centre", TITLE, TITLE_PT), ("left", ADDRESSEE, BODY_PT)]
    paras += [("indent", line, BODY_PT) for line in body_lines()]
    paras += [("indent", ATTACHMENTS[0], BODY_PT), ("attach", ATTACHMENTS[1], BODY_PT)]
    paras += [("right", SIGNATURE[0], BODY_PT), ("right", SIGNATURE[1], BODY_PT)]
    paras += [("left", line, BODY_PT) for line in BOTTOM]
    return paras


def write_pdf(path: Path, *, paragraphs=None, font: str = "STSong-Light") -> Path:
    """The notice typeset over several pages with "— n —" page numbers."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(font))
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    width = PAGE_W - 2 * MARGIN
    y, page = PAGE_H - MARGIN, 1

    def footer():
        c.setFont(font, 14)
        c.drawCentredString(PAGE_W / 2, 40, f"— {page} —")

    for align, text, size in paragraphs or pdf_paragraphs():
        if align == "newpage":
            footer()
            c.showPage()
            y, page = PAGE_H - MARGIN, page + 1
            continue
        indent = {"indent": 2 * size, "attach": 5 * size}.get(align, 0.0)
        for x, line in _wrap(text, size, width, indent):
            if y < MARGIN + 10:
                footer()
                c.showPage()
                y, page = PAGE_H - MARGIN, page + 1
            c.setFont(font, size)
            if align == "centre":
                c.drawCentredString(PAGE_W / 2, y, line)
            elif align == "right":
                c.drawRightString(PAGE_W - MARGIN - 2 * size, y, line)
            elif align == "flush":  # right-aligned at the margin itself
                c.drawRightString(PAGE_W - MARGIN, y, line)
            else:
                c.drawString(MARGIN + x, y, line)
            y -= LEADING if size <= BODY_PT else LEADING + 8
    footer()
    c.save()
    return path


def write_long_pdf(path: Path, pages: int) -> Path:
    """`pages` full pages of body text, 7 numbered paragraphs each (for the speed figure)."""
    para = ("各村要高度重视冬季水利建设工作，切实加强组织领导，明确责任分工，落实工作措施，"
            "确保各项任务按时保质完成，让群众满意。")
    paragraphs = [("centre", TITLE, TITLE_PT)]
    for page in range(pages):
        paragraphs += [("indent", f"{page * 7 + i + 1}.{para}", BODY_PT) for i in range(7)]
        if page < pages - 1:
            paragraphs.append(("newpage", "", 0))
    return write_pdf(path, paragraphs=paragraphs)


# ---------------------------------------------------------------- web pages

WECHAT_BODY = [
    "12月1日起，全镇开展冬季农田水利建设集中行动，各村要在12月20日前完成沟渠清淤。",
    "镇农业农村局提醒：施工期间请村民注意安全，不要在沟渠边放牧，看管好孩子。",
    "有问题请拨打镇水利站电话：0523-86123456。",
]
WECHAT_TITLE = "溱潼镇冬季水利建设集中行动今天启动"


def wechat_page() -> str:
    """A WeChat article saved from the browser: account bar, body in #js_content, furniture after."""
    paras = "".join(f'<p style="margin:0"><span style="font-size:16px">{p}</span></p>' for p in WECHAT_BODY)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{WECHAT_TITLE}</title>
<script>var msg_title = "x";</script><style>.rich_media{{}}</style></head><body>
<div class="rich_media_inner"><div id="page-content" class="rich_media_area_primary">
<h1 class="rich_media_title" id="activity-name">
 {WECHAT_TITLE} </h1>
<div id="meta_content" class="rich_media_meta_list"><span class="rich_media_meta rich_media_meta_text">原创</span>
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a id="js_name">溱潼发布</a></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text">2026-11-30 08:05</em></div>
<div class="rich_media_content js_underline_content" id="js_content" style="visibility: hidden;">
<section><img data-src="https://mmbiz.qpic.cn/x.jpg" /></section>{paras}
<p><span>点击上方蓝字关注我们</span></p></div>
<div class="rich_media_tool" id="js_toobar3"><a id="js_view_source">阅读原文</a><span>阅读 1.2万</span>
<span>在看 36</span></div></div></div>
<div id="js_pc_qr_code"><p>微信扫一扫<br>关注该公众号</p></div></body></html>"""


GOV_TITLE = "我县启动冬季农田水利建设"
GOV_BODY = [
    "11月28日，我县召开冬季农田水利建设动员会，部署今冬明春水利工作。",
    "会议要求，各镇要在2027年3月底前完成120条河道疏浚任务。",
]


def gov_page() -> str:
    """A county government site on a TRS template: ArticleTitle meta, ContentStart marks."""
    paras = "".join(f'<p style="text-indent:2em">{p}</p>' for p in GOV_BODY)
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="ArticleTitle" content="{GOV_TITLE}"><meta name="PubDate" content="2026-11-29 09:30">
<meta name="ContentSource" content="县水利局"><title>{GOV_TITLE}_泰县人民政府</title></head><body>
<div class="top"><a href="/">首页</a> <a>政务公开</a></div>
<div class="position">当前位置：<a>首页</a> &gt; <a>政务动态</a> &gt; <a>部门动态</a></div>
<table><tr><td class="title">{GOV_TITLE}</td></tr>
<tr><td class="info">发布时间：2026-11-29 09:30 来源：县水利局 浏览次数：<span>128</span> 【字体：大 中 小】</td></tr>
<tr><td><!--ContentStart--><div class="view TRS_UEDITOR trs_paper_default">{paras}</div><!--ContentEnd--></td></tr></table>
<div class="bottom"><p>【打印本页】 【关闭窗口】</p><p>主办单位：泰县人民政府办公室 苏ICP备12345678号</p></div>
</body></html>"""


TRAD_TITLE = "溱潼鎮開展冬季水利建設"
TRAD_BODY = ["本月起，全鎮各村將集中清理溝渠，確保明年春耕用水。", "請村民們相互轉告，配合施工。"]


def traditional_page() -> str:
    body = "".join(f"<p>{p}</p>" for p in TRAD_BODY)
    return f"""<html><head><title>{TRAD_TITLE} - 鄉鎮新聞網</title></head><body>
<h1>{TRAD_TITLE}</h1><div class="article-content"><p>發佈時間：2026-11-30 10:00 來源：鎮政府</p>{body}
<p>責任編輯：王明</p><p>上一篇：冬季防火</p><p>版權所有 © 鄉鎮新聞網</p></div></body></html>"""
