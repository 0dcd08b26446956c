"""A small gazetteer: China's 34 provincial-level divisions, their capitals and
major cities, and the level (省 or 市) a place name stands for.

Used to tell the level of a document's issuer when the name comes without its
suffix (数字山东, 山东（济南）) and to know that 北京市 or 重庆市 is a 直辖市,
labelled 省 like the provinces, autonomous regions and special administrative
regions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Province:
    short: str  # the name as used without a suffix: 山东, 内蒙古, 宁夏
    full: str  # 山东省, 内蒙古自治区, 宁夏回族自治区, 北京市, 香港特别行政区
    kind: str  # 省 / 自治区 / 直辖市 / 特别行政区
    cities: tuple[str, ...]  # capital first, then other major cities


PROVINCES: tuple[Province, ...] = (
    Province("北京", "北京市", "直辖市", ()),
    Province("天津", "天津市", "直辖市", ()),
    Province("上海", "上海市", "直辖市", ()),
    Province("重庆", "重庆市", "直辖市", ()),
    Province("河北", "河北省", "省", ("石家庄", "唐山", "保定", "邯郸", "秦皇岛", "沧州", "廊坊")),
    Province("山西", "山西省", "省", ("太原", "运城", "临汾")),
    Province("辽宁", "辽宁省", "省", ("沈阳", "大连", "鞍山", "抚顺")),
    Province("吉林", "吉林省", "省", ("长春", "吉林市", "延边")),
    Province("黑龙江", "黑龙江省", "省", ("哈尔滨", "大庆", "齐齐哈尔")),
    Province("江苏", "江苏省", "省", ("南京", "苏州", "无锡", "常州", "南通", "徐州", "扬州")),
    Province("浙江", "浙江省", "省", ("杭州", "宁波", "温州", "绍兴", "嘉兴", "金华", "台州")),
    Province("安徽", "安徽省", "省", ("合肥", "芜湖", "蚌埠", "安庆")),
    Province("福建", "福建省", "省", ("福州", "厦门", "泉州", "漳州")),
    Province("江西", "江西省", "省", ("南昌", "赣州", "九江", "上饶")),
    Province("山东", "山东省", "省", ("济南", "青岛", "烟台", "潍坊", "淄博", "临沂", "济宁", "威海")),
    Province("河南", "河南省", "省", ("郑州", "洛阳", "南阳", "新乡")),
    Province("湖北", "湖北省", "省", ("武汉", "宜昌", "襄阳", "荆州")),
    Province("湖南", "湖南省", "省", ("长沙", "株洲", "湘潭", "衡阳", "岳阳")),
    Province("广东", "广东省", "省", ("广州", "深圳", "珠海", "佛山", "东莞", "汕头", "惠州")),
    Province("海南", "海南省", "省", ("海口", "三亚", "儋州")),
    Province("四川", "四川省", "省", ("成都", "绵阳", "宜宾", "南充")),
    Province("贵州", "贵州省", "省", ("贵阳", "遵义", "六盘水")),
    Province("云南", "云南省", "省", ("昆明", "曲靖", "大理", "玉溪")),
    Province("陕西", "陕西省", "省", ("西安", "宝鸡", "咸阳", "延安")),
    Province("甘肃", "甘肃省", "省", ("兰州", "天水", "酒泉")),
    Province("青海", "青海省", "省", ("西宁", "格尔木")),
    Province("台湾", "台湾省", "省", ("台北", "高雄", "台中")),
    Province("内蒙古", "内蒙古自治区", "自治区", ("呼和浩特", "包头", "鄂尔多斯", "赤峰")),
    Province("广西", "广西壮族自治区", "自治区", ("南宁", "柳州", "桂林")),
    Province("西藏", "西藏自治区", "自治区", ("拉萨", "日喀则")),
    Province("宁夏", "宁夏回族自治区", "自治区", ("银川", "石嘴山", "吴忠")),
    Province("新疆", "新疆维吾尔自治区", "自治区", ("乌鲁木齐", "克拉玛依", "喀什", "伊犁")),
    Province("香港", "香港特别行政区", "特别行政区", ()),
    Province("澳门", "澳门特别行政区", "特别行政区", ()),
)


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    levels: dict[str, str] = {}
    for p in PROVINCES:
        levels[p.full] = levels[p.short] = "省"
        levels[p.short + "省"] = "省"
        for city in p.cities:
            levels[city] = "市"
    levels["吉林"] = "省"  # the province; 吉林市 (listed above) is the city
    names = sorted(levels, key=len, reverse=True)  # longest first: 吉林市 before 吉林
    # A city name directly followed by 市 is still the city (济南市).
    return re.compile("|".join(map(re.escape, names))), levels


def find_places(text: str) -> list[tuple[int, str, str]]:
    """(offset, name, level) of every gazetteer place named in `text`, in order."""
    pattern, levels = _pattern()
    return [(m.start(), m.group(), levels[m.group()]) for m in pattern.finditer(text)]


def is_municipality(name: str) -> bool:
    """北京, 上海市 …: a 直辖市, whose 市 is a provincial-level division."""
    return any(p.kind == "直辖市" and name.startswith(p.short) for p in PROVINCES)
