"""Stack settings: each rule, with the values a real user types, and every problem reported at once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bluegreen.settings import SettingsError, parse, parse_weight, to_pulumi_config

VALID: dict[str, Any] = {
    "color": "blue",
    "clusterVersion": "1.33",
    "trafficWeight": 1,
    "hostedZoneId": "Z0123456789ABCDEFGHIJ",
    "domain": "example.com",
    "endpoints": [{"hostname": "app.example.com", "service": "shop/web", "port": 8080}],
}


def problems(**changes: Any) -> list[str]:
    raw = {**VALID, **changes}
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises(SettingsError) as error:
        parse(raw)
    return error.value.problems


def test_valid_settings_parse_with_defaults() -> None:
    settings = parse(VALID)
    assert settings.traffic_weight == 1
    assert settings.txt_owner_id == "eks-bluegreen-blue"
    assert settings.peer_stack == "green"
    assert settings.vpc_cidr == "10.10.0.0/16"
    assert settings.external_dns_policy == "sync"
    assert settings.endpoints[0].namespace == "shop" and settings.endpoints[0].port == 8080


@pytest.mark.parametrize("weight", [1.5, 1.0, True, "50.5", " 5", "05", "-1", "abc", "", "1e2"])
def test_weight_is_never_coerced(weight: Any) -> None:
    (problem,) = problems(trafficWeight=weight)
    assert problem.startswith("eks-bluegreen:trafficWeight")
    assert "whole number from 0 to 255 written without quotes, sign or decimals" in problem


@pytest.mark.parametrize("weight", [1000, "1000", 256, -1])
def test_a_whole_number_out_of_range_is_told_the_range_not_how_to_write_it(weight: Any) -> None:
    (problem,) = problems(trafficWeight=weight)
    shown = repr(weight) if isinstance(weight, str) else json.dumps(weight)
    assert problem == f"eks-bluegreen:trafficWeight = {shown}: must be 0..255, the range of a Route 53 weight"


@pytest.mark.parametrize("weight, expected", [(0, 0), (255, 255), ("7", 7), ("0", 0)])
def test_weight_accepts_integers_and_the_text_pulumi_passes(weight: Any, expected: int) -> None:
    assert parse_weight(weight) == expected
    assert parse({**VALID, "trafficWeight": weight}).traffic_weight == expected


@pytest.mark.parametrize("version", [1.33, 1.3, "1.3", "v1.33", "1.33.0", ""])
def test_cluster_version_must_be_a_quoted_minor_version(version: Any) -> None:
    (problem,) = problems(clusterVersion=version)
    assert "clusterVersion" in problem and '"1.33"' in problem


@pytest.mark.parametrize(
    "version, rule",
    [
        ("1.3", 'EKS minor versions have two digits, like "1.33": did you mean "1.30"?'),
        ("1.100", 'EKS minor versions have two digits, like "1.33"'),
        ("v1.33", 'must be an EKS version, major.minor, like "1.33"'),
    ],
)
def test_cluster_version_says_what_is_wrong_with_a_minor_version(version: str, rule: str) -> None:
    assert problems(clusterVersion=version) == [f"eks-bluegreen:clusterVersion = {version!r}: {rule}"]


def test_color_must_be_blue_or_green() -> None:
    (problem,) = problems(color="Blue")
    assert "eks-bluegreen:color = 'Blue'" in problem


@pytest.mark.parametrize(
    "hostname",
    [
        "app.example.org",  # another domain
        "appexample.com",  # a string suffix, not a DNS label suffix
        "example.com",  # the apex: no room for the ownership TXT record
        "*.example.com",
        "app_1.example.com",
        "-app.example.com",
        "a" * 60 + ".example.com",  # TXT name "cname-<label>" would exceed 63
    ],
)
def test_hostnames_must_lie_inside_the_domain_as_dns_labels(hostname: str) -> None:
    (problem,) = problems(endpoints=[{"hostname": hostname, "service": "shop/web", "port": 80}])
    assert "endpoints[0].hostname" in problem


def test_hostname_below_the_domain_in_any_case_and_with_a_trailing_dot_is_fine() -> None:
    settings = parse({**VALID, "endpoints": [{"hostname": "Shop.App.Example.COM.", "service": "a/b", "port": 1}]})
    assert settings.hostnames == ("shop.app.example.com",)


def test_duplicate_hostnames_are_refused() -> None:
    endpoint = {"hostname": "app.example.com", "service": "shop/web", "port": 80}
    (problem,) = problems(endpoints=[endpoint, {**endpoint, "hostname": "APP.example.com."}])
    assert "listed twice" in problem


def test_endpoints_must_not_be_empty_and_must_be_well_formed() -> None:
    assert any("at least one" in p for p in problems(endpoints=[]))
    found = problems(endpoints=[{"hostname": "app.example.com", "service": "web", "port": "80"}])
    assert len(found) == 2 and any("service" in p for p in found) and any("port" in p for p in found)


def test_every_problem_is_reported_at_once() -> None:
    found = problems(color="red", trafficWeight="1.5", hostedZoneId="/hostedzone/Z1", domain="com", vpcId="vpc-1")
    keys = {p.split(" ")[0] for p in found}
    for key in ("color", "trafficWeight", "hostedZoneId", "domain", "vpcId"):
        assert any(k.startswith(f"eks-bluegreen:{key}") for k in keys), (key, found)


def test_missing_required_keys_are_named() -> None:
    with pytest.raises(SettingsError) as error:
        parse({})
    text = str(error.value)
    for key in ("color", "clusterVersion", "trafficWeight", "hostedZoneId", "domain", "endpoints"):
        assert f"eks-bluegreen:{key} is missing" in text


@pytest.mark.parametrize(
    "typed, meant",
    [("trafficweight", "trafficWeight"), ("trafficWeigth", "trafficWeight"), ("hostedZoneID", "hostedZoneId")],
)
def test_a_mistyped_key_is_refused_with_the_key_it_resembles(typed: str, meant: str) -> None:
    (problem,) = problems(**{typed: 1})
    assert problem == f"eks-bluegreen:{typed} is not a setting of this program: did you mean `{meant}`?"


def test_an_unknown_key_like_no_setting_lists_the_settings() -> None:
    (problem,) = problems(banana=1)
    assert problem.startswith("eks-bluegreen:banana is not a setting of this program: the settings are color, ")


def test_a_missing_domain_says_it_is_the_name_of_the_hosted_zone() -> None:
    (problem,) = problems(domain=None)
    assert problem == "eks-bluegreen:domain is missing. The name of the hosted zone, e.g. example.com."


def test_the_report_says_what_stopped_only_when_told() -> None:
    with pytest.raises(SettingsError) as error:
        parse({**VALID, "color": "red"}, source="Pulumi.blue.yaml")
    assert str(error.value).splitlines()[0] == "Pulumi.blue.yaml: 1 problem(s)"
    assert "nothing was declared" not in str(error.value)
    assert error.value.report("nothing was declared").splitlines()[0] == (
        "Pulumi.blue.yaml: 1 problem(s); nothing was declared"
    )


def test_shared_vpc_needs_both_subnet_lists_in_two_azs() -> None:
    found = problems(vpcId="vpc-0123456789abcdef0", privateSubnetIds=["subnet-0123456789abcdef0"])
    assert any("privateSubnetIds" in p and "two" in p for p in found)
    assert any("publicSubnetIds" in p for p in found)
    # One public subnet cannot hold an ALB, which needs two Availability Zones.
    (problem,) = problems(
        vpcId="vpc-0123456789abcdef0",
        publicSubnetIds=["subnet-0123456789abcdef0"],
        privateSubnetIds=["subnet-0123456789abcdef1", "subnet-0123456789abcdef2"],
    )
    assert problem.startswith('eks-bluegreen:publicSubnetIds = ["subnet-0123456789abcdef0"]: must list at least two')
    assert any("vpcId" in p for p in problems(privateSubnetIds=["subnet-0123456789abcdef0"]))


def test_owner_id_override_may_not_be_the_default_nor_the_peers() -> None:
    assert any("'default'" in p for p in problems(txtOwnerId="default"))
    assert any("never share" in p for p in problems(txtOwnerId="eks-bluegreen-green"))
    assert parse({**VALID, "txtOwnerId": "shop-blue"}).txt_owner_id == "shop-blue"


def test_create_only_policy_is_refused_because_weights_would_never_change() -> None:
    (problem,) = problems(externalDnsPolicy="create-only")
    assert "create-only would never apply a weight change" in problem


@pytest.mark.parametrize("version", ["1.19.3", "1.9.0", "0.21.1"])
def test_a_chart_without_annotation_prefix_is_refused_naming_the_key(version: str) -> None:
    (problem,) = problems(externalDnsChartVersion=version)
    assert problem.startswith(f"eks-bluegreen:externalDnsChartVersion = '{version}': must be 1.20.0 or later")
    assert "annotationPrefix" in problem


@pytest.mark.parametrize("version", ["1.20.0", "1.21.1", "1.100.0"])
def test_charts_from_1_20_are_accepted(version: str) -> None:
    assert parse({**VALID, "externalDnsChartVersion": version}).external_dns_chart_version == version


@pytest.mark.parametrize("interval", ["0m", "30s", "5", "1.5m"])
def test_interval_is_at_least_a_minute(interval: str) -> None:
    assert any("externalDnsInterval" in p for p in problems(externalDnsInterval=interval))


def test_pulumi_cli_form_gives_the_same_settings_as_the_yaml_form() -> None:
    yaml_form = {**VALID, "allowAllZero": True, "tags": {"team": "platform"}}
    cli_form = to_pulumi_config(yaml_form)
    assert all(isinstance(v, str) for v in cli_form.values())
    assert parse(cli_form) == parse(yaml_form)


def test_empty_strings_from_pulumi_yaml_defaults_mean_not_set() -> None:
    settings = parse({**VALID, "vpcId": "", "txtOwnerId": "", "peerStack": "", "vpcCidr": ""})
    assert settings.vpc_id is None and settings.txt_owner_id == "eks-bluegreen-blue"
    assert settings.peer_stack == "green" and settings.vpc_cidr == "10.10.0.0/16"
