"""A safe formula language for charge standards, evaluated over Decimals.

A small tokenizer and recursive-descent parser build a tree of plain tuples; the evaluator walks
that tree. Nothing is ever passed to ``eval``, ``exec``, ``compile`` or ``ast``: the only things a
formula can do are the operations listed here. Numbers parse straight to ``Decimal``; a float can
neither be written nor passed in as a variable.

    expression  := comparison
    comparison  := sum [("<" | "<=" | ">" | ">=" | "==" | "!=") sum]
    sum         := product (("+" | "-") product)*
    product     := unary (("*" | "/") unary)*
    unary       := ("-" | "+") unary | primary
    primary     := NUMBER | NAME | NAME "(" [expression ("," expression)*] ")" | "(" expression ")"

Comparisons give 1 or 0; ``if(condition, a, b)`` takes ``a`` when the condition is not zero and
evaluates only the branch it takes. Positions in errors count characters from 1.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The variables a standard's formula may use, with what they mean (shown on the standard's form).
KNOWN_VARIABLES: dict[str, str] = {
    "area": gettext_lazy("floor area of the unit in m²"),
    "usage": gettext_lazy("metered usage in the period"),
    "floor": gettext_lazy("floor the unit is on"),
    "months": gettext_lazy("months in the billing period"),
    "parking_spaces": gettext_lazy("parking spaces assigned to the unit"),
    "unit_price": gettext_lazy("the standard's unit price"),
}
FUNCTIONS = {"if": 3, "min": None, "max": None, "round": 2, "ceil": 1, "floor": 1}
COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}
MAX_LENGTH = 1000
MAX_DEPTH = 40
MAX_NUMBER_DIGITS = 20
MAX_ROUND_PLACES = 10
# Plenty for money; anything beyond is refused as an overflow instead of growing without bound.
CONTEXT = decimal.Context(prec=34, Emax=30, Emin=-30, rounding=ROUND_HALF_UP, traps=[
    decimal.Overflow, decimal.InvalidOperation, decimal.DivisionByZero])  # fmt: skip


class FormulaError(ValueError):
    """A formula that cannot be parsed or evaluated; ``position`` counts characters from 1."""

    def __init__(self, message: str, position: int | None = None):
        self.message = message
        self.position = position
        super().__init__(message)


# --- tokens ----------------------------------------------------------------------------------

NUMBER, NAME, OP, END = "number", "name", "op", "end"
SINGLE = set("+-*/(),")


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """``(kind, text, position)`` triples ending with an END token."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(_("The formula is too long (at most %(max)s characters).") % {"max": MAX_LENGTH}, 1)
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char.isascii() and (char.isdigit() or char == "."):
            start = i
            while i < len(text) and text[i].isascii() and (text[i].isdigit() or text[i] == "."):
                i += 1
            literal = text[start:i]
            if literal.count(".") > 1 or literal == ".":
                raise FormulaError(_("“%(number)s” is not a number (position %(position)s).")
                                   % {"number": literal, "position": start + 1}, start + 1)  # fmt: skip
            if sum(c.isdigit() for c in literal) > MAX_NUMBER_DIGITS:
                raise FormulaError(_("The number at position %(position)s has too many digits.")
                                   % {"position": start + 1}, start + 1)  # fmt: skip
            tokens.append((NUMBER, literal, start + 1))
        elif char.isascii() and (char.isalpha() or char == "_"):
            start = i
            while i < len(text) and text[i].isascii() and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append((NAME, text[start:i], start + 1))
        elif text[i : i + 2] in COMPARISONS:
            tokens.append((OP, text[i : i + 2], i + 1))
            i += 2
        elif char in SINGLE or char in "<>":
            tokens.append((OP, char, i + 1))
            i += 1
        else:
            raise FormulaError(_("Unexpected character “%(char)s” at position %(position)s.")
                               % {"char": char, "position": i + 1}, i + 1)  # fmt: skip
    tokens.append((END, "", len(text) + 1))
    return tokens


# --- parser: a tree of tuples ------------------------------------------------------------------
# ("num", Decimal, pos) ("var", name, pos) ("neg", node, pos) ("bin", op, left, right, pos)
# ("call", name, [args], pos)


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def current(self):
        return self.tokens[self.i]

    def take(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, op: str):
        kind, text, position = self.current
        if kind != OP or text != op:
            raise self.unexpected(_("expected “%(op)s”") % {"op": op})
        return self.take()

    def unexpected(self, wanted: str) -> FormulaError:
        kind, text, position = self.current
        if kind == END:
            return FormulaError(
                _("The formula ends too early at position %(position)s: %(wanted)s.")
                % {"position": position, "wanted": wanted},
                position,
            )
        return FormulaError(
            _("Unexpected “%(token)s” at position %(position)s: %(wanted)s.")
            % {"token": text, "position": position, "wanted": wanted},
            position,
        )

    def parse(self):
        if self.current[0] == END:
            raise FormulaError(_("The formula is empty."), 1)
        node = self.comparison()
        if self.current[0] != END:
            raise self.unexpected(_("expected an operator or the end of the formula"))
        return node

    def comparison(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(_("The formula is nested too deeply at position %(position)s.")
                               % {"position": self.current[2]}, self.current[2])  # fmt: skip
        node = self.sum()
        kind, text, position = self.current
        if kind == OP and text in COMPARISONS:
            self.take()
            node = ("bin", text, node, self.sum(), position)
        self.depth -= 1
        return node

    def sum(self):
        node = self.product()
        while self.current[0] == OP and self.current[1] in "+-":
            _kind, op, position = self.take()
            node = ("bin", op, node, self.product(), position)
        return node

    def product(self):
        node = self.unary()
        while self.current[0] == OP and self.current[1] in "*/":
            _kind, op, position = self.take()
            node = ("bin", op, node, self.unary(), position)
        return node

    def unary(self):
        kind, text, position = self.current
        if kind == OP and text in "+-":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FormulaError(_("The formula is nested too deeply at position %(position)s.")
                                   % {"position": position}, position)  # fmt: skip
            operand = self.unary()
            self.depth -= 1
            return ("neg", operand, position) if text == "-" else operand
        return self.primary()

    def primary(self):
        kind, text, position = self.current
        if kind == NUMBER:
            self.take()
            return ("num", Decimal(text), position)
        if kind == NAME:
            self.take()
            if self.current[0] == OP and self.current[1] == "(":
                return self.call(text, position)
            return ("var", text, position)
        if kind == OP and text == "(":
            self.take()
            node = self.comparison()
            self.expect(")")
            return node
        raise self.unexpected(_("expected a number, a variable, a function or “(”"))

    def call(self, name: str, position: int):
        if name not in FUNCTIONS:
            raise FormulaError(_("Unknown function “%(name)s” at position %(position)s.")
                               % {"name": name, "position": position}, position)  # fmt: skip
        self.expect("(")
        args = []
        if not (self.current[0] == OP and self.current[1] == ")"):
            args.append(self.comparison())
            while self.current[0] == OP and self.current[1] == ",":
                self.take()
                args.append(self.comparison())
        self.expect(")")
        wanted = FUNCTIONS[name]
        if (wanted is not None and len(args) != wanted) or (wanted is None and not args):
            count = wanted if wanted is not None else _("at least 1")
            raise FormulaError(
                _("%(name)s() at position %(position)s takes %(count)s arguments, not %(given)s.")
                % {"name": name, "position": position, "count": count, "given": len(args)},
                position,
            )
        return ("call", name, args, position)


def parse(text: str):
    """The formula's tree; raises ``FormulaError`` with a position for any syntax error."""
    return _Parser(text or "").parse()


def variables_in(node) -> set[tuple[str, int]]:
    """Every ``(variable, position)`` a parsed formula refers to."""
    kind = node[0]
    if kind == "var":
        return {(node[1], node[2])}
    if kind == "neg":
        return variables_in(node[1])
    if kind == "bin":
        return variables_in(node[2]) | variables_in(node[3])
    if kind == "call":
        return set().union(*(variables_in(arg) for arg in node[2]))
    return set()


def validate(text: str, known: Mapping[str, object] = KNOWN_VARIABLES):
    """Parse ``text`` and check it uses only ``known`` variables; returns the tree."""
    tree = parse(text)
    for name, position in sorted(variables_in(tree), key=lambda item: item[1]):
        if name not in known:
            raise _unknown_variable(name, position, known)
    return tree


def _unknown_variable(name, position, known) -> FormulaError:
    return FormulaError(
        _("Unknown variable “%(name)s” at position %(position)s; known variables: %(known)s.")
        % {"name": name, "position": position, "known": ", ".join(sorted(known))},
        position,
    )


# --- evaluation ------------------------------------------------------------------------------


def evaluate(formula, variables: Mapping[str, Decimal | int]) -> Decimal:
    """The value of a formula (text or parsed tree) for these variables, as an exact-as-possible Decimal."""
    values = {}
    for name, value in variables.items():
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"Formula variable {name!r} must be a Decimal or an int, not {type(value).__name__}.")
        values[name] = Decimal(value)
    tree = parse(formula) if isinstance(formula, str) else formula
    with decimal.localcontext(CONTEXT):
        return +_eval(tree, values)


def _eval(node, values) -> Decimal:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "var":
        try:
            return values[node[1]]
        except KeyError:
            raise _unknown_variable(node[1], node[2], values) from None
    if kind == "neg":
        return -_eval(node[1], values)
    if kind == "bin":
        return _binary(node, values)
    return _call(node, values)


def _binary(node, values) -> Decimal:
    _kind, op, left_node, right_node, position = node
    left, right = _eval(left_node, values), _eval(right_node, values)
    try:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            if right == 0:
                raise FormulaError(_("Division by zero at position %(position)s.") % {"position": position}, position)
            return left / right
    except (decimal.Overflow, decimal.InvalidOperation):
        raise _too_large(position) from None
    result = {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }[op]
    return Decimal(1) if result else Decimal(0)


def _too_large(position) -> FormulaError:
    return FormulaError(_("The result is too large at position %(position)s.") % {"position": position}, position)


def _call(node, values) -> Decimal:
    _kind, name, args, position = node
    if name == "if":
        condition = _eval(args[0], values)
        return _eval(args[1] if condition != 0 else args[2], values)
    evaluated = [_eval(arg, values) for arg in args]
    if name == "min":
        return min(evaluated)
    if name == "max":
        return max(evaluated)
    if name in ("ceil", "floor"):
        return evaluated[0].to_integral_value(rounding=ROUND_CEILING if name == "ceil" else ROUND_FLOOR)
    value, places = evaluated
    if places != places.to_integral_value() or not 0 <= places <= MAX_ROUND_PLACES:
        raise FormulaError(
            _("round() at position %(position)s needs a whole number of places from 0 to %(max)s.")
            % {"position": position, "max": MAX_ROUND_PLACES},
            position,
        )
    try:
        return value.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    except decimal.InvalidOperation:
        raise _too_large(position) from None
