"""An amount in Chinese capital numerals (大写金额), as written on receipts and cheques.

The rules follow the People's Bank settlement rules (《支付结算办法》): 壹 before a leading 拾
(¥15.80 → 壹拾伍元捌角); one 零 for a run of zeros inside the number; 零 after 元 when the 元
digit is zero but 角 is not, and when 角 is zero but 分 is not; 整 after an amount that ends in 元.
"""

from __future__ import annotations

from commerce.money import to_decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACES = ("", "拾", "佰", "仟")
GROUPS = ("", "万", "亿")
LIMIT = 10**12  # what a money column (14 digits, 2 after the point) can hold


def _group(number: int) -> str:
    """0 < number < 10000 in capitals, with one 零 for each run of inner zeros."""
    text, zero = "", False
    for place in range(3, -1, -1):
        digit = number // 10**place % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += DIGITS[0]
            zero = False
        text += DIGITS[digit] + PLACES[place]
    return text


def _integer(number: int) -> str:
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    text, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = True
            continue
        if text and (gap or group < 1000):
            text += DIGITS[0]
        text += _group(group) + GROUPS[index]
        gap = False
    return text


def chinese_amount(amount) -> str:
    """``Decimal("123.45")`` → ``壹佰贰拾叁元肆角伍分``; ``Decimal("10")`` → ``壹拾元整``."""
    value = to_decimal(amount)
    sign = "负" if value < 0 else ""
    cents = int(abs(value) * 100)
    if cents >= LIMIT * 100:
        raise ValueError(f"{value} is too large to write in capitals.")
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    text = ""
    if yuan:
        text = _integer(yuan) + "元"
        if jiao == 0 and fen == 0:
            return sign + text + "整"
        if yuan % 10 == 0 and jiao:
            text += DIGITS[0]
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += DIGITS[0]
    if fen:
        text += DIGITS[fen] + "分"
    return sign + text
