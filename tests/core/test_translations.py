"""The translation catalogues are complete, compiled, and actually used by the pages.

The .po files are parsed here with a small reader (no polib), and the committed .mo files are
read with the standard library, so the checks run on machines without GNU gettext.
"""

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse

LOCALE = Path(__file__).resolve().parents[2] / "portal" / "locale"
CATALOGUES = {
    "zh_Hans": LOCALE / "zh_Hans" / "LC_MESSAGES" / "django",
    "en": LOCALE / "en" / "LC_MESSAGES" / "django",
}


@dataclass
class Entry:
    line: int
    flags: set = field(default_factory=set)
    fields: dict = field(default_factory=dict)  # "msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[0]", …

    @property
    def key(self) -> str:
        """The key GNU gettext stores in a .mo file: "context\\x04msgid"."""
        msgid = self.fields["msgid"]
        return f"{self.fields['msgctxt']}\x04{msgid}" if "msgctxt" in self.fields else msgid

    @property
    def translations(self) -> list[str]:
        if "msgid_plural" in self.fields:
            return [value for name, value in sorted(self.fields.items()) if name.startswith("msgstr[")]
        return [self.fields.get("msgstr", "")]


def read_po(path: Path) -> list[Entry]:
    """Every entry of a .po file except the header and obsolete (#~) entries."""
    entries, current, last = [], None, None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                current = None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current.fields[last] += ast.literal_eval(line)
        else:
            last, value = line.split(" ", 1)
            current.fields[last] = ast.literal_eval(value)
    return [entry for entry in entries if entry.fields.get("msgid") != "" or "msgctxt" in entry.fields]


def read_mo(path: Path) -> dict:
    with path.open("rb") as handle:
        catalog = dict(gettext.GNUTranslations(handle)._catalog)
    catalog.pop("", None)  # the header
    return catalog


def expected_mo_catalog(entries: list[Entry]) -> dict:
    """What msgfmt writes for these entries: translated, non-fuzzy ones only."""
    catalog = {}
    for entry in entries:
        if "fuzzy" in entry.flags or not all(entry.translations):
            continue
        if "msgid_plural" in entry.fields:
            for index, text in enumerate(entry.translations):
                catalog[(entry.key, index)] = text
        else:
            catalog[entry.key] = entry.translations[0]
    return catalog


def where(entry: Entry) -> str:
    return f"line {entry.line}: {entry.fields['msgid']!r}"


def test_every_chinese_entry_is_translated_and_none_is_fuzzy():
    entries = read_po(CATALOGUES["zh_Hans"].with_suffix(".po"))
    assert len(entries) > 100
    assert [where(e) for e in entries if not all(e.translations)] == []
    assert [where(e) for e in entries if "fuzzy" in e.flags] == []


def test_chinese_plural_entries_have_the_one_form_chinese_uses():
    entries = read_po(CATALOGUES["zh_Hans"].with_suffix(".po"))
    plurals = [e for e in entries if "msgid_plural" in e.fields]
    assert plurals
    assert [where(e) for e in plurals if len(e.translations) != 1] == []


def test_english_plural_entries_have_both_forms():
    entries = read_po(CATALOGUES["en"].with_suffix(".po"))
    plurals = [e for e in entries if "msgid_plural" in e.fields]
    assert plurals
    assert [where(e) for e in plurals if set(e.fields) & {"msgstr[0]", "msgstr[1]"} != {"msgstr[0]", "msgstr[1]"}] == []


PERCENT = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdfr]|%[sd]")
BRACES = re.compile(r"{(\w+)(?:[:!][^}]*)?}")


@pytest.mark.parametrize("flag, pattern", [("python-format", PERCENT), ("python-brace-format", BRACES)])
def test_translations_keep_every_placeholder(flag, pattern):
    broken = []
    for entry in read_po(CATALOGUES["zh_Hans"].with_suffix(".po")):
        if flag not in entry.flags:
            continue
        source = entry.fields.get("msgid_plural", entry.fields["msgid"])
        for text in entry.translations:
            if sorted(pattern.findall(text)) != sorted(pattern.findall(source)):
                broken.append(where(entry))
    assert broken == []


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_the_committed_mo_file_matches_its_po_file(language):
    base = CATALOGUES[language]
    assert read_mo(base.with_suffix(".mo")) == expected_mo_catalog(read_po(base.with_suffix(".po"))), (
        "run: manage.py compilemessages --ignore=.venv --ignore=var"
    )


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_msgfmt_accepts_the_catalogue(language, tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUES[language].with_suffix(".po"))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# Words that Wagtail or allauth also translate, in another sense (a page's owner, the 2FA code
# field, "used by" of an image…). Our catalogue wins over theirs, so ours must carry a context.
WORDS_SHARED_WITH_LIBRARIES = ["Owner", "Code", "Note", "Used by", "From", "Name"]


def test_words_shared_with_wagtail_and_allauth_are_translated_only_with_a_context():
    entries = read_po(CATALOGUES["zh_Hans"].with_suffix(".po"))
    bare = [e.fields["msgid"] for e in entries if "msgctxt" not in e.fields]
    assert [word for word in WORDS_SHARED_WITH_LIBRARIES if word in bare] == []


@pytest.fixture
def chinese_by_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.mark.django_db
def test_the_login_page_speaks_chinese_by_default(client, chinese_by_default):
    page = client.get(reverse("account_login")).content.decode()
    assert "请使用您邻里账号的邮箱或手机号。" in page
    assert "Use the email address or mobile number" not in page
    assert '<html lang="zh-hans">' in page


@pytest.mark.django_db
def test_the_login_page_speaks_english_to_a_browser_that_asks_for_it(client, chinese_by_default):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Use the email address or mobile number of your Linli account." in page
    assert "请使用您邻里账号的邮箱或手机号。" not in page


@pytest.mark.django_db
def test_the_language_switch_is_remembered(client, chinese_by_default):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("account_login")).content.decode()
    assert "Use the email address or mobile number of your Linli account." in page
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "请使用您邻里账号的邮箱或手机号。" in client.get(reverse("account_login")).content.decode()
