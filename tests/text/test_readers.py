"""The input router and its readers: a 公文 as .txt, .docx, PDF, .doc and
.wps reads into the same cleaned text and the same spoken segments (golden
files), web pages into the same text as their .txt, and the router names
the reader it used."""
from __future__ import annotations

import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import documents as D
import pytest
from text_helpers import GOLDEN
from text_helpers import check_golden as _golden
from text_helpers import spoken_listing as _spoken_listing

from broadcaster.prepare.pipeline import clean_article, open_article, prepare
from broadcaster.prepare.readers import read_document, sniff
from broadcaster.prepare.readers.numbering import chinese_number, format_number

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                   reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")


@pytest.fixture(scope="module")
def notice(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("notice")
    return {"txt": D.write_txt(d / "notice.txt"), "docx": D.write_docx(d / "notice.docx"), "pdf": D.write_pdf(d / "notice.pdf")}


def test_the_txt_notice_matches_golden(notice):
    text = open_article(notice["txt"]).text
    _golden("doc-notice.clean.txt", text + "\n")
    _golden("doc-notice.spoken.txt", _spoken_listing(text))
    assert text == D.clean_notice()


@pytest.mark.parametrize("kind, reader", [("docx", "docx"), ("pdf", "pdf (pypdf)")])
def test_docx_and_pdf_read_like_the_txt(notice, kind, reader):
    article = open_article(notice[kind])
    assert article.reader == reader
    assert article.text + "\n" == (GOLDEN / "doc-notice.clean.txt").read_text(encoding="utf-8")
    assert _spoken_listing(article.text) == (GOLDEN / "doc-notice.spoken.txt").read_text(encoding="utf-8")


def test_docx_list_numbers_come_from_numbering_xml(notice):
    with zipfile.ZipFile(notice["docx"]) as zf:
        xml = zf.read("word/document.xml").decode()
    assert "总体要求" in xml and "一、" not in xml and "（一）" not in xml  # Word keeps no number in the text
    lines = open_article(notice["docx"]).text.splitlines()
    assert ["一、总体要求", "（一）明确目标任务", "1.加强组织领导。成立工作专班，每周调度一次工作进展。"] == [
        l for l in lines if l.startswith(("一、", "（一）", "1."))]
    assert "（二）严格质量标准" in lines and "（2）土方外运不得占用基本农田和生态红线区域。" in lines
    assert "三、工作要求" in lines


def test_docx_table_is_read_row_by_row(notice):
    lines = open_article(notice["docx"]).text.splitlines()
    i = lines.index("二、补助标准")
    assert lines[i + 1:i + 4] == ["项目，补助标准。", "河道疏浚，每立方米8元。", "泵站维修，每座3万元。"]


def test_a_long_docx_table_is_skipped_with_a_note(tmp_path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("村级公益岗位人员名单公示")
    doc.add_paragraph("经村民代表大会讨论通过，现将名单公示如下，公示期为七天。")
    table = doc.add_table(rows=40, cols=2)
    for r in range(40):
        table.cell(r, 0).text, table.cell(r, 1).text = f"{r + 1}", f"村民{r + 1}"
    doc.add_paragraph("如有异议，请在公示期内向村委会反映。")
    doc.save(tmp_path / "list.docx")
    article = open_article(tmp_path / "list.docx")
    assert article.text.splitlines() == ["村级公益岗位人员名单公示", "经村民代表大会讨论通过，现将名单公示如下，公示期为七天。",
                                         "如有异议，请在公示期内向村委会反映。"]
    assert article.notes == ("table 1 (40 rows) skipped: too long to follow by ear",)


def test_pdf_paragraph_crossing_a_page_is_one_paragraph(notice):
    from pypdf import PdfReader

    pages = PdfReader(notice["pdf"]).pages
    assert len(pages) == 2 and "— 1 —" in pages[0].extract_text()
    assert "2.强化资金保障。县财政安排专项资金1500万元，按工程进度分三次拨付。" in open_article(notice["pdf"]).text.splitlines()


def test_left_aligned_pdf_keeps_the_signature_apart_and_drops_the_cc(tmp_path):
    """Lines set flush left (not justified, no indent): the last body line and
    a date right-aligned at the margin both end at the margin, which no longer
    says that a paragraph goes on."""
    body = "各镇要于2026年12月15日前将实施方案报县水利局，逾期未报的镇将在全县通报，请各镇务必高度重视按时报送材料和台账。"
    cc = "抄送：县委办公室，县人大常委会办公室，县政协办公室，县纪委监委，县人民法院，县人民检察院，县人武部。"
    paragraphs = [("centre", D.TITLE, D.TITLE_PT), ("left", D.ADDRESSEE, D.BODY_PT), ("left", body, D.BODY_PT),
                  ("left", "泰县人民政府办公室", D.BODY_PT), ("flush", "2026年11月30日", D.BODY_PT),
                  ("left", cc, D.BODY_PT), ("left", "泰县人民政府办公室 2026年11月30日印发", D.BODY_PT)]
    article = open_article(D.write_pdf(tmp_path / "left.pdf", paragraphs=paragraphs))
    assert article.text.splitlines() == [D.TITLE, D.ADDRESSEE, body, "泰县人民政府办公室", "2026年11月30日"]
    spoken = [s.spoken for s in prepare(article.text, headline=True)]
    assert spoken[-2:] == ["泰县人民政府办公室", "二零二六年十一月三十日"]


def test_pdf_read_with_pdftotext_when_pypdf_is_garbled(notice, monkeypatch):
    if shutil.which("pdftotext") is None:
        pytest.skip("Poppler's pdftotext is not installed: apt-get install poppler-utils poppler-data")
    from broadcaster.prepare.readers import pdf

    real = pdf._page_lines

    def garbled(page):  # what pypdf gives for a font without a Unicode map: glyph numbers
        return [pdf.Line("".join(chr(0x100 + ord(c) % 0x500) for c in l.text), l.x0, l.x1, l.y, l.size) for l in real(page)]

    monkeypatch.setattr(pdf, "_page_lines", garbled)
    article = open_article(notice["pdf"])
    assert article.reader == "pdf (pdftotext, pypdf's text was garbled)"
    assert article.text == D.clean_notice()
    assert article.notes == ("pypdf's text was 100% garbled; read with pdftotext",)


@needs_soffice
@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_doc_and_wps_through_libreoffice(notice, tmp_path, suffix):
    # the .doc is made by LibreOffice from the .docx; WPS Office's .wps is the same binary format
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(notice["docx"])],
                   check=True, capture_output=True, timeout=120)
    source = (tmp_path / "notice.doc").rename(tmp_path / f"notice{suffix}")
    assert source.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    article = open_article(source)
    assert article.reader == f"{suffix[1:]} via LibreOffice → docx"
    assert article.text == D.clean_notice()


def test_without_libreoffice_a_doc_gets_one_clear_line(tmp_path, monkeypatch):
    from broadcaster.errors import TextError

    monkeypatch.setattr(shutil, "which", lambda name: None)
    p = tmp_path / "old.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(TextError, match=r"old\.doc: reading a \.doc file needs LibreOffice, which is not installed "
                                        r"\(Debian/Ubuntu: apt-get install libreoffice-writer-nogui\); or open the file in Word/WPS and save it as \.docx$"):
        open_article(p)


@pytest.mark.parametrize("page, title, body, reader", [
    (D.wechat_page, D.WECHAT_TITLE, D.WECHAT_BODY, "html (WeChat article, #js_content)"),
    (D.gov_page, D.GOV_TITLE, D.GOV_BODY, "html (government page, <!--ContentStart--> marks)"),
    (D.traditional_page, D.TRAD_TITLE, D.TRAD_BODY, "html (content block .article-content)"),
], ids=["wechat", "government", "traditional"])
def test_web_pages_read_like_their_txt(tmp_path, page, title, body, reader):
    p = tmp_path / "page.html"
    p.write_text(page(), encoding="utf-8")
    article = open_article(p)
    assert article.reader == reader
    assert article.text == "\n".join([title, *body])
    _golden(f"doc-{page.__name__}.spoken.txt", _spoken_listing(article.text))
    assert _spoken_listing(article.text) == _spoken_listing(clean_article("\n".join([title, *body])))


def test_government_template_without_marks_found_by_class(tmp_path):
    html = D.gov_page().replace("<!--ContentStart-->", "").replace("<!--ContentEnd-->", "")
    p = tmp_path / "page.htm"
    p.write_text(html, encoding="utf-8")
    article = open_article(p)
    assert article.reader == "html (content block .TRS_UEDITOR)"
    assert article.text == "\n".join([D.GOV_TITLE, *D.GOV_BODY])


def test_traditional_furniture_in_plain_text():
    raw = "溱潼鎮開展冬季水利建設\n來源：鎮政府\n本月起，全鎮各村將集中清理溝渠，確保明年春耕用水。\n責編：王明\n上一篇：冬季防火\n"
    assert clean_article(raw) == "溱潼鎮開展冬季水利建設\n本月起，全鎮各村將集中清理溝渠，確保明年春耕用水。"


def test_the_router_reads_content_not_the_name(notice, tmp_path):
    disguised = tmp_path / "notice.txt"
    disguised.write_bytes(notice["docx"].read_bytes())
    assert read_document(disguised).reader == "docx"
    renamed = tmp_path / "scan.docx"
    renamed.write_bytes(notice["pdf"].read_bytes())
    assert read_document(renamed).reader == "pdf (pypdf)"
    assert sniff(b"\xef\xbb\xbf<!DOCTYPE html><p>x</p>") == "html"
    assert sniff(b"{\\rtf1 ...") == "office"
    assert sniff(b"\x89PNG\r\n") == "refuse:a PNG image, not a document"


def test_html_nested_50000_levels_is_read_in_seconds(tmp_path):
    p = tmp_path / "deep.html"
    p.write_text("<html><body>" + "<div>" * 50000 + "通知：今晚八点停电。" + "</div>" * 50000 + "</body></html>", encoding="utf-8")
    start = time.monotonic()
    assert open_article(p).text == "通知：今晚八点停电。"
    assert time.monotonic() - start < 30  # was 9.5 minutes and a RecursionError


def test_word_number_formats():
    assert [chinese_number(n) for n in (1, 9, 10, 12, 20, 99, 100, 105, 110)] == [
        "一", "九", "十", "十二", "二十", "九十九", "一百", "一百零五", "一百一十"]
    assert format_number(3, "ideographTraditional") == "丙"
    assert format_number(12, "chineseLegalSimplified") == "壹拾贰"
    assert format_number(4, "upperRoman") == "IV" and format_number(28, "lowerLetter") == "bb"
    assert format_number(2, "decimalFullWidth") == "２" and format_number(1, "decimalEnclosedCircle") == "①"


def _numbering_xml():
    from xml.etree import ElementTree as ET

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    levels = ('<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
              '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>')
    return ET.fromstring(
        f'<w:numbering {w}><w:abstractNum w:abstractNumId="1">{levels}</w:abstractNum>'
        '<w:abstractNum w:abstractNumId="2"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'
        '<w:num w:numId="3"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        '<w:num w:numId="4"><w:abstractNumId w:val="2"/></w:num></w:numbering>')


def test_word_counts_lists_like_word():
    from broadcaster.prepare.readers.numbering import Numbering

    n = Numbering(_numbering_xml())
    labels = [n.label("1", 0), n.label("1", 1), n.label("1", 1), n.label("1", 0), n.label("1", 1),
              n.label("2", 0),  # another list on the same definition continues it
              n.label("3", 0),  # … unless it restarts with startOverride
              n.label("4", 0), n.label("0", 0), n.label("9", 0)]  # bullet, numbering off, dangling id
    # "%1.%2" shows level 1 in its own format, as Word does (一.1; 1.1 only with isLgl)
    assert labels == ["一、", "一.1", "一.2", "二、", "二.1", "三、", "一、", "", "", ""]
