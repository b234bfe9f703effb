"""bluegreen.txt_registry: ExternalDNS's ownership TXT names and values, checked against the cases in
fixtures/external_dns_txt_naming.json (copied from external-dns, with their sources)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bluegreen.txt_registry import TxtNaming, ownership_value, parse_ownership, written_txt_type

CASES: dict[str, Any] = json.loads((Path(__file__).parent / "fixtures" / "external_dns_txt_naming.json").read_text())


def _id(case: dict[str, Any]) -> str:
    return f"{case.get('prefix', '')}|{case.get('suffix', '')}|{case.get('name', '')}|{case.get('type', '')}"


@pytest.mark.parametrize("case", CASES["txt_name"], ids=_id)
def test_typed_txt_name_matches_external_dns(case: dict[str, Any]) -> None:
    naming = TxtNaming(case["prefix"], case["suffix"])
    assert naming.txt_name(case["name"], case["type"]) == case["txt"]


@pytest.mark.parametrize("case", CASES["legacy_txt_name"], ids=_id)
def test_legacy_untyped_txt_name(case: dict[str, Any]) -> None:
    assert TxtNaming(case["prefix"], case["suffix"]).legacy_txt_name(case["name"]) == case["txt"]


@pytest.mark.parametrize("case", CASES["ownership_lookup"], ids=lambda c: f"{c['type']}-alias={c['alias']}")
def test_ownership_is_looked_up_where_external_dns_reads_it(case: dict[str, Any]) -> None:
    assert TxtNaming().ownership_lookup(case["name"], case["type"], case["alias"]) == case["txt_names"]


@pytest.mark.parametrize("case", CASES["written_by_v0_21"], ids=lambda c: f"{c['type']}-alias={c['alias']}")
def test_txt_type_written_by_the_deployed_version(case: dict[str, Any]) -> None:
    assert written_txt_type(case["type"], case["alias"]) == case["txt_type"]


def test_every_txt_name_of_a_hostname_covers_all_typed_forms_and_the_legacy_one() -> None:
    assert TxtNaming().all_txt_names("app.example.com") == [
        "a-app.example.com",
        "aaaa-app.example.com",
        "cname-app.example.com",
        "app.example.com",
    ]
    assert TxtNaming(prefix="txt-").all_txt_names("app.example.com") == [
        "txt-a-app.example.com",
        "txt-aaaa-app.example.com",
        "txt-cname-app.example.com",
        "txt-app.example.com",
    ]


def test_ownership_value_is_byte_for_byte_what_external_dns_writes() -> None:
    case = CASES["value"]
    assert ownership_value(case["owner"], case["resource"]) == case["txt"]


@pytest.mark.parametrize("case", CASES["parse"], ids=lambda c: c["txt"][:40])
def test_parse_ownership(case: dict[str, Any]) -> None:
    assert parse_ownership(case["txt"]) == case["labels"]


def test_written_value_reads_back() -> None:
    assert parse_ownership(ownership_value("o", "ingress/ns/n")) == {"owner": "o", "resource": "ingress/ns/n"}


def test_prefix_and_suffix_together_are_refused_like_external_dns_does() -> None:
    with pytest.raises(ValueError, match="txt-prefix"):
        TxtNaming(prefix="a-", suffix="-b")
