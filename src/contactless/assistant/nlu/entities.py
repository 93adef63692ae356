"""Entities in a message: amounts (5万, 3000块), dates (下周三, 月底), card or account tail
numbers (尾号1234), product names. Rules, not a model: each is a pattern a customer really
writes, and every value comes out normalised (an amount as Decimal yuan, a date as a date)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from contactless.assistant.nlu.text import normalise_width

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": Decimal(10_000), "w": Decimal(10_000), "k": Decimal(1000),
             "千": Decimal(1000), "亿": Decimal(100_000_000)}
WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
WEEKDAYS_EN = {name: index for index, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
PRODUCTS = {
    "大额存单": "large_cd", "定期": "time_deposit", "存单": "time_deposit",
    "理财": "wealth", "基金": "fund", "信用卡": "credit_card", "借记卡": "debit_card",
    "储蓄卡": "debit_card", "工资卡": "payroll_card", "房贷": "mortgage", "消费贷": "consumer_loan",
    "经营贷": "business_loan", "贷款": "loan", "time deposit": "time_deposit", "cd": "large_cd",
    "credit card": "credit_card", "debit card": "debit_card", "mortgage": "mortgage",
    "fund": "fund", "loan": "loan",
}

CN_NUMBER = "[零〇一二两三四五六七八九十百千]+"
AMOUNT = re.compile(
    rf"(?:[¥￥$]\s*)?(?P<number>\d+(?:,\d{{3}})*(?:\.\d+)?|{CN_NUMBER})\s*"
    r"(?P<unit>万|千|亿|w|k)?\s*(?P<currency>块钱|块|元|rmb|yuan|cny|美元|dollars?)?",
    re.IGNORECASE,
)
TAIL = re.compile(r"(?:尾号|末四位|后四位|末尾|ending(?: in)?|last four(?: digits)?|tail)\s*"
                  r"(?:是|为|:|：)?\s*(?P<tail>\d{4})", re.IGNORECASE)
DATE_ISO = re.compile(r"(?P<y>20\d\d)[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})")
DATE_MD = re.compile(rf"(?P<m>\d{{1,2}}|{CN_NUMBER})月(?P<d>\d{{1,2}}|{CN_NUMBER})[日号]")
DATE_DAY = re.compile(rf"(?:本月|这个月)?(?P<d>\d{{1,2}}|{CN_NUMBER})[号日]")
WEEKDAY_ZH = re.compile(r"(?P<which>下下|下|这|本|上)?(?:个)?(?:周|星期|礼拜)"
                        r"(?P<day>[一二三四五六日天])")
WEEKDAY_EN = re.compile(r"(?P<next>next )?(?P<day>monday|tuesday|wednesday|thursday|friday|"
                        r"saturday|sunday)", re.IGNORECASE)


@dataclass(frozen=True)
class Entities:
    amounts: list[Decimal] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    tails: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, list[str]]:
        return {"amounts": [str(value) for value in self.amounts],
                "dates": [value.isoformat() for value in self.dates],
                "tails": list(self.tails), "products": list(self.products)}


def chinese_number(text: str) -> int | None:
    """一万以内的中文数字: 三千五百 → 3500, 十五 → 15, 两 → 2."""
    if not text:
        return None
    total, digit = 0, None
    for char in text:
        if char in CN_DIGITS:
            digit = CN_DIGITS[char]
        elif char in CN_UNITS:
            total += (digit if digit is not None else 1) * CN_UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _number(text: str) -> Decimal | None:
    if text[0].isdigit():
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            return None
    value = chinese_number(text)
    return Decimal(value) if value is not None else None


def amounts(text: str, *, tail_spans: list[tuple[int, int]] | None = None) -> list[Decimal]:
    """Amounts in yuan. A bare number counts only with a unit or currency, or when it is large
    enough to be money (≥ 100) and is not a tail number or a date."""
    found: list[Decimal] = []
    skip = tail_spans or []
    for match in AMOUNT.finditer(text):
        start, end = match.span("number")
        if any(start >= a and end <= b for a, b in skip):
            continue
        after = text[match.end():match.end() + 1]
        if after in ("月", "号", "日", "年", "期", "点", "天", "次", "个", "张", "位"):
            continue
        value = _number(match.group("number"))
        if value is None:
            continue
        unit = (match.group("unit") or "").lower()
        has_currency = bool(match.group("currency")) or text[max(0, match.start()):
                                                             match.start() + 1] in "¥￥$"
        if unit:
            value *= BIG_UNITS[unit]
        elif not has_currency and value < 100:
            continue
        found.append(value.normalize() if value == value.to_integral() else value)
    return [Decimal(int(v)) if v == v.to_integral() else v for v in found]


def _day_number(text: str) -> int | None:
    return int(text) if text.isdigit() else chinese_number(text)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(today: date, month: int, day: int) -> date | None:
    candidate = _safe_date(today.year, month, day)
    if candidate and candidate < today:
        candidate = _safe_date(today.year + 1, month, day)
    return candidate


def dates(text: str, *, today: date) -> list[date]:
    """Dates in the bank's calendar: relative words resolve from ``today``."""
    lowered = text.lower()
    found: list[date] = []

    def add(value: date | None) -> None:
        if value is not None and value not in found:
            found.append(value)

    for match in DATE_ISO.finditer(text):
        add(_safe_date(int(match["y"]), int(match["m"]), int(match["d"])))
    consumed = DATE_ISO.sub(" ", text)
    for match in DATE_MD.finditer(consumed):
        month, day = _day_number(match["m"]), _day_number(match["d"])
        if month and day:
            add(_upcoming(today, month, day))
    consumed = DATE_MD.sub(" ", consumed)
    for match in DATE_DAY.finditer(consumed):
        day = _day_number(match["d"])
        if day and 1 <= day <= 31:
            candidate = _safe_date(today.year, today.month, day)
            if candidate and candidate < today:
                month = today.month % 12 + 1
                candidate = _safe_date(today.year + (today.month == 12), month, day)
            add(candidate)
    words = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
             "today": 0, "tomorrow": 1, "day after tomorrow": 2}
    for word, offset in sorted(words.items(), key=lambda item: -len(item[0])):
        if word in lowered:
            add(today + timedelta(days=offset))
            lowered = lowered.replace(word, " ")
    if "月底" in text or "end of the month" in lowered or "end of month" in lowered:
        add(today.replace(day=calendar.monthrange(today.year, today.month)[1]))
    if "下个月" in text or "下月" in text or "next month" in lowered:
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        if not any(d.year == year and d.month == month for d in found):
            add(date(year, month, 1))
    monday = today - timedelta(days=today.weekday())
    for match in WEEKDAY_ZH.finditer(text):
        which = match["which"] or ""
        weeks = {"下下": 2, "下": 1, "上": -1}.get(which, 0)
        add(monday + timedelta(weeks=weeks, days=WEEKDAYS_ZH[match["day"]]))
    for match in WEEKDAY_EN.finditer(text):
        day = WEEKDAYS_EN[match["day"].lower()]
        candidate = monday + timedelta(days=day)
        if match["next"]:
            candidate += timedelta(weeks=1)
        elif candidate < today:
            candidate += timedelta(weeks=1)
        add(candidate)
    return found


def extract(text: str, *, today: date) -> Entities:
    """Every entity of the message (full-width digits read as digits)."""
    text = normalise_width(text)
    tails = [match["tail"] for match in TAIL.finditer(text)]
    tail_spans = [match.span("tail") for match in TAIL.finditer(text)]
    lowered = text.lower()
    products: list[str] = []
    for name, key in sorted(PRODUCTS.items(), key=lambda item: -len(item[0])):
        pattern = name if not name.isascii() else rf"\b{re.escape(name)}\b"
        if re.search(pattern, lowered) and key not in products:
            products.append(key)
            lowered = re.sub(pattern, " ", lowered)
    date_free = DATE_ISO.sub(lambda match: " " * len(match.group()), text)
    return Entities(amounts=amounts(date_free, tail_spans=tail_spans),
                    dates=dates(text, today=today), tails=tails, products=products)
