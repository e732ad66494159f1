"""Chinese names for the demo county's places (a table of Chinese names, with the numerals of
第十二网格 and a pool that keeps village and community names unique within a county)."""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = [
    "COUNTY_NAMES",
    "ROADS",
    "SUBDISTRICT_ROOTS",
    "TOWNSHIP_ROOTS",
    "TOWN_ROOTS",
    "NamePool",
    "cn_number",
]

COUNTY_NAMES = (
    "枫桥县",
    "青岚县",
    "白溪县",
    "龙门县",
    "云台县",
    "金竹县",
    "松柏县",
    "梅溪县",
    "石泉县",
    "望江县",
    "鹤鸣县",
    "兰溪县",
)
SUBDISTRICT_ROOTS = ("城关", "东城", "西城", "南城", "北城", "江东", "河西", "新城")
TOWN_ROOTS = (
    "清溪",
    "白马",
    "龙潭",
    "桃花",
    "黄土",
    "双河",
    "三江",
    "太平",
    "新田",
    "兴隆",
    "永安",
    "凤凰",
    "金竹",
    "马鞍",
    "沙湾",
    "岩门",
    "烟溪",
    "大坪",
    "长岭",
    "官庄",
)
TOWNSHIP_ROOTS = (
    "石门",
    "高山",
    "杨柳",
    "青石",
    "红岩",
    "小溪",
    "竹园",
    "松柏",
    "水口",
    "塘湾",
    "坪上",
    "花桥",
    "柏树",
    "枫林",
    "雷公",
    "牛角",
    "鹿鸣",
    "云雾",
)
_VILLAGE_FIRST = "石龙桃杨高青金红双大小长凤梅竹马新兴永和白黄柏枫茶松樟李刘陈田岩水山塘坪溪桥团"
_VILLAGE_SECOND = "坪冲溪湾塘桥山岭田坡口寨园铺垅庄坳潭湖洲"
_COMMUNITY_ROOTS = (
    "和平",
    "建设",
    "人民",
    "解放",
    "新华",
    "东门",
    "西门",
    "南门",
    "北门",
    "滨江",
    "文昌",
    "育才",
    "花园",
    "朝阳",
    "幸福",
    "光明",
    "团结",
    "锦绣",
    "迎宾",
    "五一",
    "胜利",
    "青年",
    "中山",
    "龙泉",
)
ROADS = (
    "人民路",
    "解放路",
    "建设路",
    "新华路",
    "和平路",
    "滨江路",
    "文昌路",
    "迎宾大道",
    "五一路",
    "中山路",
    "育才路",
    "朝阳路",
    "花园路",
    "胜利街",
    "青年路",
)
_DIGITS = "一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numeral for 1–99 (第十二网格)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + (_DIGITS[ones - 1] if ones else "")


class NamePool:
    """Unique village and community names within one county."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.communities = list(_COMMUNITY_ROOTS)
        rng.shuffle(self.communities)

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of demo place names")

    def community(self) -> str:
        if self.communities:
            name = self.communities.pop() + "社区"
            self.used.add(name)
            return name
        return self._fresh(lambda: self._two() + "社区")

    def village(self) -> str:
        return self._fresh(lambda: self._two() + "村")

    def _two(self) -> str:
        return self.rng.choice(_VILLAGE_FIRST) + self.rng.choice(_VILLAGE_SECOND)
