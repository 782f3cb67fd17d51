"""HTML → headline and lines of text, with bs4's html.parser.

Scripts, styles, navigation, headers, footers, asides and forms are removed
as elements; the article container is found by tag (<article>) or by the
class/id names CMSs and WeChat use; block elements and <br> become line
breaks while inline elements (<a>, <strong>, <span>) stay inside their line.
The result still goes through `clean.clean_lines` for the furniture that is
plain text (来源:, 责编:, 上一篇).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from broadcaster.errors import TextError

_MAX_HTML_CHARS = 20_000_000
_MAX_TAGS = 200_000  # a long news page has ~20,000; 50,000 nested levels (100,000 tags) read in ~5 s
_MARKED_BODY = re.compile(r"<!--\s*ContentStart\s*-->(.*?)<!--\s*ContentEnd\s*-->", re.S | re.I)

_DROP_TAGS = (
    "head", "script", "style", "noscript", "template", "iframe", "svg", "canvas", "button",
    "select", "input", "textarea", "object", "embed", "video", "audio", "map",
)
_FURNITURE_TAGS = ("nav", "header", "footer", "aside", "form", "menu")
_BLOCK = frozenset(
    "address article blockquote dd div dl dt fieldset figcaption figure h1 h2 h3 h4 h5 h6 hr li "
    "main ol p pre section table tbody thead tfoot tr td th ul center".split()
)
_CONTENT_HINT = re.compile(
    r"rich_media_content|js_content|TRS_Editor|article[-_]?(?:content|body|text)|content[-_]?(?:text|body|main)|"
    r"post[-_]?(?:content|body)|entry[-_]?content|news[-_]?(?:content|text|body)|detail[-_]?(?:content|text|body)|"
    r"main[-_]?text|zoom|ccontent|^content$|^article$|^text$|"
    # government CMS templates (TRS, 政府网站集约化平台 and their copies)
    r"TRS_UEDITOR|Custom_UnionStyle|pages?_content|bt_?content|con_?text|cont_?text|art_?con(?:tent)?|"
    r"xxgk_?content|wzy?_?content|view_?content|article_?con\b|detail_?con\b",
    re.I,
)
_FURNITURE_HINT = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|breadcrumb|crumb|position|location|share|toolbar|tools|footer|"
    r"copyright|sidebar|related|recommend|comment|advert|ads?|banner|qrcode|login|search)(?:$|[-_\s])",
    re.I,
)


def _attrs(tag) -> str:
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = [classes]
    return " ".join([*classes, tag.get("id") or ""])


def _text_lines(node) -> list[str]:
    """Walk the tree: block boundaries and <br> break lines. Iterative, with
    an explicit stack: a page nested 50,000 levels deep must not hit Python's
    recursion limit (or take minutes)."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Doctype, ProcessingInstruction

    parts: list[str] = []
    stack: list = [iter(node.children)]
    closers: list[bool] = [False]  # does the element on this level end with a line break?
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            if closers.pop():
                parts.append("\n")
            continue
        if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            parts.append(re.sub(r"\s+", " ", str(child)))
        elif isinstance(child, Tag):
            name = child.name.lower()
            if name == "br":
                parts.append("\n")
            elif name != "img":
                block = name in _BLOCK
                if block:
                    parts.append("\n")
                stack.append(iter(child.children))
                closers.append(block)
    return [line.strip() for line in "".join(parts).split("\n") if line.strip()]


class Page(NamedTuple):
    headline: str | None
    lines: list[str]
    template: str  # which page layout the body was found by, for --explain ("" if none)


def html_to_lines(html: str) -> tuple[str | None, list[str]]:
    """Return (headline or None, body lines).

    >>> html_to_lines("<html><head><title>T - 网</title><script>x()</script></head>"
    ...               "<body><nav>首页</nav><h1>标题</h1><p>第一段<b>加粗</b>。</p></body></html>")
    ('标题', ['第一段加粗。'])
    """
    page = html_document(html)
    return page.headline, page.lines


def _is_decomposed(tag) -> bool:
    # Not getattr(tag, "decomposed"): on a live Tag an unknown attribute is a
    # search of the whole subtree (bs4's tag.name shortcut), which made the
    # furniture pass quadratic.
    return tag.__dict__.get("_decomposed", False) or tag.attrs is None


def html_document(html: str, where: str = "") -> Page:
    """The headline, the body lines and the template the body was found by.

    Government sites built on TRS and similar CMSs mark the body with
    <!--ContentStart--> … <!--ContentEnd--> and name the headline in
    <meta name="ArticleTitle">; WeChat keeps it in #js_content.
    """
    from bs4 import BeautifulSoup

    if len(html) > _MAX_HTML_CHARS:
        raise TextError(f"the page is larger than {_MAX_HTML_CHARS // 10**6} million characters; not an article", where=where or None)
    if html.count("<") > _MAX_TAGS:
        raise TextError(f"the page has more than {_MAX_TAGS:,} tags; not an article", where=where or None)
    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    meta = soup.find("meta", attrs={"name": re.compile(r"^ArticleTitle$", re.I)})
    meta_title = (meta.get("content") or "").strip() if meta else ""
    for name in _DROP_TAGS:
        for t in soup.find_all(name):
            t.decompose()
    # The headline: the first <h1> (or WeChat's #activity-name) that is not
    # inside page furniture; found before <header> goes, as it often holds it.
    headline_tag = None
    for cand in soup.find_all(["h1"]) + soup.find_all(id=re.compile(r"^activity-name$|^title$", re.I)):
        if not cand.find_parent(["nav", "footer", "aside"]) and cand.get_text(strip=True):
            headline_tag = cand
            break
    headline = headline_tag.get_text(" ", strip=True) if headline_tag else ""
    if headline_tag:
        headline_tag.decompose()
    headline = headline or meta_title
    marked = _MARKED_BODY.search(html)
    if marked:
        soup = BeautifulSoup(marked.group(1), "html.parser")
        for name in _DROP_TAGS:
            for t in soup.find_all(name):
                t.decompose()
    for name in _FURNITURE_TAGS:
        for t in soup.find_all(name):
            t.decompose()
    # Elements whose class/id says they are furniture (share bars, crumbs…)
    for t in soup.find_all(True):
        if _is_decomposed(t):
            continue
        if t.name not in ("body", "html") and _FURNITURE_HINT.search(_attrs(t)):
            t.decompose()
    if not headline and title:
        # "标题 - 网站名" / "标题_网站名": keep the first part
        headline = re.split(r"\s+[-|–—_]\s+|_", title)[0].strip()
    container = soup.find("article") or soup.find(
        lambda t: t.name in ("div", "section", "td", "main") and bool(_CONTENT_HINT.search(_attrs(t)))
    )
    template = "government page, <!--ContentStart--> marks" if marked else _template(container)
    if container is None:
        container = soup.find("main") or soup.body or soup
    lines = _text_lines(container)
    if headline and lines and lines[0] == headline:
        lines = lines[1:]
    return Page(headline or None, lines, template)


def _template(container) -> str:
    if container is None:
        return ""
    if container.name == "article":
        return "<article>"
    attrs = _attrs(container)
    if re.search(r"js_content|rich_media_content", attrs):
        return "WeChat article, #js_content"
    return f"content block .{_CONTENT_HINT.search(attrs).group(0)}"
