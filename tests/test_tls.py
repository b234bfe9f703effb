"""HTTPS rules without Pulumi: certificate names, shared validation names, wildcard coverage, the TLS pair."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bluegreen import tls
from bluegreen.pair_agreement import PublishedSide, agreement_problems
from bluegreen.settings import SettingsError, parse

RAW: dict[str, Any] = {
    "color": "blue",
    "clusterVersion": "1.33",
    "trafficWeight": 1,
    "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    "domain": "example.com",
    "endpoints": [{"hostname": f"h{i}.example.com", "service": "shop/web", "port": 80} for i in range(1, 7)],
}


def test_names_are_split_at_the_default_quota_of_ten() -> None:
    settings = parse(RAW)
    chunks = tls.certificate_names(settings)
    assert [len(c) for c in chunks] == [10, 2]
    assert chunks[0][:2] == ["h1.example.com", "blue.h1.example.com"]
    assert chunks[1] == ["h6.example.com", "blue.h6.example.com"]
    assert [n for c in chunks for n in c] == tls.required_names(settings)


def test_a_raised_quota_keeps_every_name_on_one_certificate() -> None:
    assert [len(c) for c in tls.certificate_names(parse({**RAW, "certificateNameQuota": 100}))] == [12]


def test_without_direct_hostnames_only_the_shared_names_are_needed() -> None:
    settings = parse({**RAW, "directHostnames": False})
    assert tls.required_names(settings) == [f"h{i}.example.com" for i in range(1, 7)]


def test_a_wildcard_shares_the_validation_record_of_its_base_name() -> None:
    assert tls.validation_names(["app.example.com", "*.app.example.com", "App.Example.com."]) == ["app.example.com"]


@pytest.mark.parametrize(
    ("certificate_name", "hostname", "covered"),
    [
        ("app.example.com", "app.example.com", True),
        ("APP.example.com.", "app.example.com", True),
        ("*.example.com", "app.example.com", True),
        ("*.example.com", "blue.app.example.com", False),  # one label only
        ("*.example.com", "example.com", False),  # not the apex
        ("*.app.example.com", "blue.app.example.com", True),
        ("app.example.com", "blue.app.example.com", False),
    ],
)
def test_wildcards_cover_exactly_one_label(certificate_name: str, hostname: str, covered: bool) -> None:
    assert tls.covers(certificate_name, hostname) is covered


def test_existing_certificates_must_be_issued_and_cover_every_name_together() -> None:
    settings = parse({**RAW, "endpoints": RAW["endpoints"][:1]})
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/a"
    whole = [tls.ExistingCertificate(arn, "ISSUED", ["h1.example.com", "*.h1.example.com"])]
    assert tls.existing_certificate_problems(settings, whole) == []
    split = [
        tls.ExistingCertificate(arn, "ISSUED", ["h1.example.com"]),
        tls.ExistingCertificate(arn + "b", "ISSUED", ["blue.h1.example.com"]),
    ]
    assert tls.existing_certificate_problems(settings, split) == []
    (problem,) = tls.existing_certificate_problems(
        settings, [tls.ExistingCertificate(arn, "ISSUED", ["*.example.com"])]
    )
    assert "no certificate covers blue.h1.example.com (" in problem
    (problem,) = tls.existing_certificate_problems(settings, [replace(whole[0], status="EXPIRED")])
    assert problem.endswith("is EXPIRED, not ISSUED: an ALB serves only issued certificates")


def test_certificates_of_another_region_are_refused() -> None:
    arns = ["arn:aws:acm:eu-west-1:123456789012:certificate/a", "arn:aws:acm:us-east-1:123456789012:certificate/b"]
    (problem,) = tls.region_problems(arns, "eu-west-1")
    assert "certificate/b is in region us-east-1, but this stack deploys to eu-west-1" in problem


def test_listeners_are_https_with_a_redirect_only_when_tls_is_on() -> None:
    annotations = tls.listener_annotations(parse(RAW))
    assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTP":80},{"HTTPS":443}]'
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert annotations["alb.ingress.kubernetes.io/ssl-policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert tls.listener_annotations(parse({**RAW, "tls": False})) == {}


# --- the pair --------------------------------------------------------------------------------------


def pair(blue_tls: bool, blue_weight: int, green_tls: bool, green_weight: int) -> str | None:
    return tls.mixed_pair_problem(
        tls.ColourTls("blue", blue_tls, blue_weight), tls.ColourTls("green", green_tls, green_weight)
    )


def test_agreeing_colours_pass_whatever_the_weights() -> None:
    assert pair(True, 1, True, 1) is None and pair(False, 0, False, 1) is None


def test_tls_on_the_standby_first_is_the_one_mixed_pair_allowed() -> None:
    assert pair(False, 1, True, 0) is None
    assert pair(True, 0, False, 1) is None


def test_tls_on_the_live_colour_before_the_standby_is_refused() -> None:
    problem = pair(True, 1, False, 0)
    assert problem is not None and "set tls: true on green first" in problem


def test_a_mixed_pair_that_both_carry_traffic_is_refused() -> None:
    problem = pair(True, 1, False, 1)
    assert problem is not None and "while both carry traffic" in problem
    assert pair(True, 0, False, 0) is not None  # all-zero: Route 53 splits traffic equally


# --- settings --------------------------------------------------------------------------------------


def problems(**changes: Any) -> list[str]:
    with pytest.raises(SettingsError) as error:
        parse({**RAW, **changes})
    return error.value.problems


def test_tls_settings_default_to_requested_certificates() -> None:
    settings = parse(RAW)
    assert settings.tls is True and settings.certificate_arns == () and settings.certificate_name_quota == 10


def test_certificate_arn_takes_one_arn_or_a_list_as_yaml_or_the_pulumi_cli_writes_it() -> None:
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/1111-2222"
    assert parse({**RAW, "certificateArn": arn}).certificate_arns == (arn,)
    assert parse({**RAW, "certificateArn": [arn, arn + "3"]}).certificate_arns == (arn, arn + "3")
    assert parse({**RAW, "certificateArn": f'["{arn}"]', "certificateNameQuota": "20"}).certificate_arns == (arn,)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"certificateArn": ["arn:aws:iam::123456789012:server-certificate/x"]}, "must be an ACM certificate ARN"),
        (
            {"certificateArn": ["arn:aws:acm:eu-west-1:123456789012:certificate/a"], "tls": False},
            "serves HTTPS: remove it or set tls: true",
        ),
        ({"certificateNameQuota": 0}, "must be a whole number from 1 to 100"),
        ({"certificateNameQuota": 101}, "must be a whole number from 1 to 100"),
        ({"certificateNameQuota": 10.5}, "must be a whole number from 1 to 100"),
        ({"certificateNameQuota": True}, "must be a whole number from 1 to 100"),
        ({"tls": "yes"}, "must be true or false"),
    ],
)
def test_bad_tls_settings_name_the_key_and_the_fix(changes: dict[str, Any], expected: str) -> None:
    found = problems(**changes)
    assert any(expected in p for p in found), found


def test_the_pair_rule_includes_tls_and_leaves_out_sides_that_do_not_say() -> None:
    def side(stack: str, weight: int, serves_tls: bool | None) -> PublishedSide:
        return PublishedSide(stack, weight, frozenset({"app.example.com"}), "example.com", "Z1", serves_tls)

    (problem,) = agreement_problems([side("blue", 1, True), side("green", 0, False)])
    assert "set tls: true on green first" in problem
    assert agreement_problems([side("blue", 1, False), side("green", 0, True)]) == []
    assert agreement_problems([side("blue", 1, True), side("green", 0, None)]) == []


def test_verify_shakes_hands_with_each_colour_for_every_shared_and_direct_name() -> None:
    one_host = {**RAW, "endpoints": RAW["endpoints"][:1]}
    stacks = {
        "blue": parse(one_host),
        "green": parse({**one_host, "color": "green", "trafficWeight": 0}),
    }
    addresses = {("blue", "h1.example.com"): "blue-alb.elb.amazonaws.com"}
    assert tls.handshake_targets(stacks, addresses) == [
        tls.HandshakeTarget("blue", "blue-alb.elb.amazonaws.com", "h1.example.com"),
        tls.HandshakeTarget("blue", "blue-alb.elb.amazonaws.com", "blue.h1.example.com"),
        tls.HandshakeTarget("green", None, "h1.example.com"),  # no weighted record for green
        tls.HandshakeTarget("green", None, "green.h1.example.com"),
    ]
    stacks["green"] = parse({**one_host, "color": "green", "trafficWeight": 0, "tls": False})
    assert [t.color for t in tls.handshake_targets(stacks, addresses)] == ["blue", "blue"]
