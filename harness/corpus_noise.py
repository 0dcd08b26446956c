"""The noise the seed reports carry, put back into a generated report:
watermarks, paywall markers cutting through words, repost credits spliced
into sentences, runs of ，，，, word counts in titles, ad paragraphs at the
end, an ad banner on top, blank lines and trailing spaces."""
from __future__ import annotations

import random
import re
from typing import Protocol

ACCOUNTS = ("哒哒君", "长风君", "笔杆子之家", "公文素材", "材料君", "写作笔记", "文稿小站", "申论君")
REPOST_ENDINGS = ("笔记", "君", "之家", "文库", "素材", "写作", "公文", "材料", "文稿")
REPOST_NAMES = ("甄公子的自学", "老秘", "机关写作", "小李", "公文", "笔杆", "基层", "一点")
JUNK = "%^#&*@~$"


class DraftLike(Protocol):
    title: str
    paragraphs: list[str]

def watermark(r: random.Random) -> str:
    text = r.choice(("最新热点素材尽在", "更多精品材料尽在", "海量范文素材尽在")) + "【公众号："
    chars = list(text)
    for _ in range(r.randint(2, 4)):
        chars.insert(r.randrange(len(chars) + 1), r.choice(JUNK))
    return "[" + "".join(chars) + r.choice(ACCOUNTS) + "】" + r.choice(("", "", "%")) + "]"


def ad_paragraphs(r: random.Random) -> list[str]:
    name = r.choice(("哒哒", "长风", "笔杆", "文稿"))
    return [(f"【{name}素材库】——每天更新材料{r.randrange(500, 3000)}多篇内部高质量素材，"
             "会员群+网盘群同步每日更新，一键精准搜索、一键快速查找、一键极速下载。"),
            f"欢迎加入“{name}素材库svip会员”，{r.randrange(1000, 9999)}万字材料，轻松解决您的各类素材需求！"
            + watermark(r)]


AD_HEADER = ("仅供学习 禁止外传\n酷乐文行\n自建平台、实时分享\n现在订阅立享前3年的所有权益和资料 \n\n"
             "会员群：                      免费QQ群：         \n\n\n")


def add_noise(draft: DraftLike, r: random.Random) -> str:
    paras = list(draft.paragraphs)
    body_len = sum(map(len, paras))
    for _ in range(r.choice((0, 1, 1, 2, 3))):       # watermarks inside paragraphs
        i = r.randrange(1, len(paras))
        p = paras[i]
        cut = r.randrange(len(p) + 1)
        if p.count("[", 0, cut) == p.count("]", 0, cut):  # never inside another one
            paras[i] = p[:cut] + watermark(r) + p[cut:]
    if r.random() < 0.3:                              # repost credit spliced into a sentence
        i = r.randrange(1, len(paras))
        commas = [m.end() for m in re.finditer("，", paras[i])]
        if commas:
            cut = r.choice(commas)
            credit = "转载自公众号：" + r.choice(REPOST_NAMES) + r.choice(REPOST_ENDINGS)
            paras[i] = paras[i][:cut] + credit + paras[i][cut:]
    for _ in range(r.choice((0, 0, 1, 2, 4))):       # ，，， runs
        i = r.randrange(len(paras))
        paras[i] = paras[i].replace("，", r.choice(("，，", "，，，")), 1)
    paid = r.random() < 0.4
    if paid:                                          # paywall marker cutting through a word
        i = r.randrange(len(paras) // 3, len(paras))
        cut = r.randrange(1, max(2, len(paras[i])))
        paras[i] = paras[i][:cut] + "##paidbegin##" + paras[i][cut:]
    if r.random() < 0.35:
        paras.extend(ad_paragraphs(r))
    if paid:
        paras.append("##paidend##")
    title = draft.title
    if r.random() < 0.4:
        title += f"（{body_len + len(title)}字）"
    sep = "\n\n" if r.random() < 0.3 else "\n"
    text = title + "\n" + sep.join(p + (" " if r.random() < 0.05 else "") for p in paras) + "\n"
    if r.random() < 0.08:
        text = AD_HEADER + text
    return text
