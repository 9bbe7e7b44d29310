"""Identifiers the customer gave: e-mails, phones and the policy's ID patterns, each with a source.

Text is read in one order so that one span is one identifier: e-mails first, then the policy's
patterns, then phone numbers in what is left (an order number is never also read as a phone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from baton.domain import Customer, Identifier
from baton.policy.schema import IdentifierPattern

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# A merely possible (not valid) phone number counts only right after words like these.
_PHONE_CUE = re.compile(
    r"(?i)\b(?:phone|mobile|cell|tel|telephone|number|call|text|reach|whatsapp)\b"
)
_ID_WORDS = ("id", "number", "no", "num", "ref", "reference", "code", "value")
_KEY_SUFFIX = re.compile(rf"_?(?:{'|'.join(_ID_WORDS)})$")
_KEY_ALIASES = {
    "email": "email",
    "e_mail": "email",
    "mail": "email",
    "email_address": "email",
    "phone": "phone",
    "phone_number": "phone",
    "mobile": "phone",
    "telephone": "phone",
    "tel": "phone",
    "msisdn": "phone",
    "customer": "customer_id",
    "user": "customer_id",
    "client": "customer_id",
}
_SIX_DIGITS = re.compile(r"\d(?:\D{0,3}\d){5}")
_MAX_DEPTH = 4
_MAX_VALUE_CHARS = 100


class Extractor:
    """Finds identifiers with one policy's patterns and one phone region; reuse it per policy."""

    def __init__(self, patterns: tuple[IdentifierPattern, ...], region: str | None) -> None:
        self.patterns = _compiled(patterns)
        self.kinds = {p.kind for p in patterns}
        self.region = region.upper() if region else None

    def from_text(self, text: str, source: str) -> list[Identifier]:
        """Every identifier in free text, in reading order."""
        found: list[tuple[int, Identifier]] = []
        spans: list[tuple[int, int]] = []
        taken: set[str] = set()
        for match in _EMAIL.finditer(text):
            email = _email(match.group(0))
            if email is not None:
                spans.append(match.span())
                found.append((match.start(), Identifier(kind="email", value=email, source=source)))
        for kind, regex in self.patterns:
            group = 1 if regex.groups else 0
            for match in regex.finditer(text):
                value = match.group(group)
                if not value or _overlaps(match.span(), spans):
                    continue
                spans.append(match.span())
                taken.add(_digits(value))
                found.append(
                    (match.start(group), Identifier(kind=kind, value=value.strip(), source=source))
                )
        found.extend(self._phones(_blank(text, spans), source, taken))
        return [identifier for _, identifier in sorted(found, key=lambda pair: pair[0])]

    def from_customer(self, customer: Customer) -> Iterator[Identifier]:
        """The profile the bot sent: e-mail, phone and id."""
        if customer.email and (email := _email(customer.email)):
            yield Identifier(kind="email", value=email, source="customer")
        if customer.phone and (phone := self.phone(customer.phone)):
            yield Identifier(kind="phone", value=phone, source="customer")
        if customer.id:
            yield Identifier(kind="customer_id", value=customer.id, source="customer")

    def from_metadata(self, data: Mapping[str, Any], prefix: str) -> Iterator[Identifier]:
        """Metadata the bot sent: a key naming a kind is taken at its word; other text is read."""
        yield from self._walk(data, prefix, None, 0)

    def phone(self, raw: str) -> str | None:
        """A phone number in E.164, read in this extractor's region, if it is a possible number."""
        try:
            number = phonenumbers.parse(raw, self.region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def _phones(self, text: str, source: str, taken: set[str]) -> Iterator[tuple[int, Identifier]]:
        """Phones in what is left; digits already read as another identifier are not a phone."""
        if _SIX_DIGITS.search(text) is None:
            return
        leniency = phonenumbers.Leniency.POSSIBLE
        for match in phonenumbers.PhoneNumberMatcher(text, self.region, leniency=leniency):
            if _digits(match.raw_string) in taken:
                continue
            valid = phonenumbers.is_valid_number(match.number)
            if valid or _PHONE_CUE.search(text, max(0, match.start - 40), match.start):
                value = phonenumbers.format_number(
                    match.number, phonenumbers.PhoneNumberFormat.E164
                )
                yield match.start, Identifier(kind="phone", value=value, source=source)

    def _walk(self, value: Any, path: str, kind: str | None, depth: int) -> Iterator[Identifier]:
        if depth > _MAX_DEPTH:
            return
        if isinstance(value, Mapping):
            for key, item in value.items():
                child_kind = self._kind_of(str(key)) or (kind if key in _ID_WORDS else None)
                yield from self._walk(item, f"{path}.{key}", child_kind, depth + 1)
        elif isinstance(value, list | tuple):
            for item in value[:50]:
                yield from self._walk(item, path, kind, depth + 1)
        elif isinstance(value, str | int) and not isinstance(value, bool):
            yield from self._scalar(str(value).strip(), path, kind)

    def _scalar(self, value: str, source: str, kind: str | None) -> Iterable[Identifier]:
        if not value or len(value) > _MAX_VALUE_CHARS or kind is None:
            return self.from_text(value[:4096], source) if value else ()
        if kind == "email":
            email = _email(value)
            return [Identifier(kind=kind, value=email, source=source)] if email else ()
        if kind == "phone":
            phone = self.phone(value)
            return [Identifier(kind=kind, value=phone, source=source)] if phone else ()
        return [Identifier(kind=kind, value=value, source=source)]

    def _kind_of(self, key: str) -> str | None:
        """`orderId`, `order_number`, `Order` -> `order`, when `order` is a kind we know."""
        snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower().replace("-", "_")
        if snake in _KEY_ALIASES:
            return _KEY_ALIASES[snake]
        base = _KEY_SUFFIX.sub("", snake) or snake
        if base in self.kinds:
            return base
        return _KEY_ALIASES.get(base)


def identity_key(identifier: Identifier) -> tuple[str, str]:
    """Two identifiers are the same when kind and normalised value agree (`INV-1` == `inv1`)."""
    if identifier.kind == "email":
        return "email", identifier.value.lower()
    if identifier.kind == "phone" or identifier.masked:
        return identifier.kind, identifier.value
    return identifier.kind, re.sub(r"[\W_]", "", identifier.value).upper()


def unique(identifiers: Iterable[Identifier]) -> tuple[Identifier, ...]:
    """The first sighting of each identifier, in order of sighting."""
    seen: dict[tuple[str, str], Identifier] = {}
    for identifier in identifiers:
        seen.setdefault(identity_key(identifier), identifier)
    return tuple(seen.values())


def _email(raw: str) -> str | None:
    try:
        return validate_email(raw.strip(".'"), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[IdentifierPattern, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((p.kind, re.compile(p.pattern, re.IGNORECASE)) for p in patterns)
