"""Test inputs made on the fly: files of every format the readers take
(.docx from raw XML, PDFs drawn with reportlab's STSong-Light, a WeChat
article page, the committed LibreOffice .doc fixture) and random substrings
of texts."""
from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from harness.paths import ROOT
from search.readers import UnreadableFile, read_text


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason_of(path: Path) -> str:
    with pytest.raises(UnreadableFile) as info:
        read_text(path)
    return info.value.reason


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def make_docx(path: Path, body_xml: str) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml",
                    f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body_xml}</w:body></w:document>')
    return path



PARAGRAPHS = [
    "今年以来，全县各级党组织坚持以习近平新时代中国特色社会主义思想为指导，压紧压实第一责任人职责，推动基层党建工作提质增效，取得明显成效。",
    # wraps at full width, ends with 。
    "坚持严抓严管严促推动基层组织全面过硬，召开推进会三次，开展书记抓党建述职评议，对排名靠后的五个党组织进行约谈整改到位。",
    "一、存在的问题",
    "党建引领乡村全面振兴内生动力还没有充分激活，农村对优秀青年的吸引还不足，抓产业促发展的能力还不够强，部分党员干部担当意识不强，需要进一步加强教育管理和监督。",
]
LINE_CHARS = 30  # characters per full line at 14 pt between the margins


def draw_pdf(path: Path, pages: list[list[str]], header: str = "", reverse_stream: bool = False) -> Path:
    """Each paragraph starts indented by two characters and wraps every LINE_CHARS characters,
    as a report set in a word processor does; header on top, "- n -" at the bottom."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    for number, paragraphs in enumerate(pages, 1):
        if header:
            c.setFont("STSong-Light", 10)
            c.drawCentredString(297, 800, header)
        placed = []
        y = 760
        for text in paragraphs:
            chunks = [text[: LINE_CHARS - 2]] + [text[i:i + LINE_CHARS]
                                                 for i in range(LINE_CHARS - 2, len(text), LINE_CHARS)]
            for i, chunk in enumerate(chunks):
                placed.append((70 + (28 if i == 0 else 0), y, chunk))
                y -= 22
        c.setFont("STSong-Light", 14)
        for x, y, chunk in (reversed(placed) if reverse_stream else placed):
            c.drawString(x, y, chunk)
        c.setFont("STSong-Light", 10)
        c.drawCentredString(297, 40, f"- {number} -")
        c.showPage()
    c.save()
    return path



WECHAT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>公众号文章</title>
<script>var msg_title = "不要这个";</script><style>.rich_media{}</style></head><body>
<div class="rich_media_area_primary"><h1 class="rich_media_title" id="activity-name">
    2023年全县基层党建工作总结
</h1>
<div id="meta_content"><span class="rich_media_meta rich_media_meta_nickname" id="js_name">哒哒君公众号</span>
<em id="publish_time">2023-12-30 18:00</em></div>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">
<section><p><span>今年以来，全县</span><strong>压紧压实</strong><span>责任。</span></p>
<h2>一、工作开展情况</h2><p>坚持严抓严管<br>严促。</p>
<section><h3>（一）强化政治引领</h3><p><img data-src="x.png">抓好理论学习。</p></section>
</section></div>
<div id="js_view_source"><a href="#">阅读原文</a></div>
<div class="qr_code_pc"><img src="qr.png"><p>微信扫一扫<br>关注该公众号</p></div>
</div><script>document.getElementById("js_content").style.visibility = "visible";</script></body></html>"""


LO_DOC = ROOT / "tests" / "fixtures" / "lo_report.doc"



def random_substrings(texts: list[str], n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        text = rng.choice(texts)
        length = rng.randint(1, 8)
        start = rng.randrange(0, max(1, len(text) - length))
        piece = text[start:start + length]
        if "\n" not in piece and piece.strip() == piece and piece:
            out.append(piece)
    return out
