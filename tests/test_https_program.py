"""HTTPS in the program, for both sample stacks, under Pulumi mocks (no AWS, no cluster).

`mock_engine.Scenario(preview=False)` plays a deployed stack: the certificate's ARN and validation options
are known. The default, a preview, leaves them unknown, as a first `pulumi preview` does.
"""

from __future__ import annotations

import pytest

from bluegreen import mock_engine, tls
from tests.conftest import run

CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
INGRESS_CLASS_PARAMS = "kubernetes:eks.amazonaws.com/v1:IngressClassParams"
DEPLOYED = mock_engine.Scenario(preview=False)
LISTENERS = {
    "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
    "alb.ingress.kubernetes.io/ssl-redirect": "443",
    "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
}
THREE_HOSTS = [
    {"hostname": f"{name}.example.com", "service": "demo/echo", "port": 80} for name in ("app", "api", "www")
]
EXISTING_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def deployed() -> dict[str, mock_engine.Plan]:
    plans = {color: run(color, DEPLOYED) for color in ("blue", "green")}
    for p in plans.values():
        assert p.error is None, p.error
    return plans


def certificate_names(p: mock_engine.Plan) -> list[list[str]]:
    """Each certificate's names, first name first; certificates in order of their first name's position."""
    return sorted(
        ([c.inputs["domainName"], *c.inputs.get("subjectAlternativeNames", [])] for c in p.of_type(CERTIFICATE)),
        key=lambda names: [e["hostname"] for e in THREE_HOSTS].index(names[0]) if len(names) else 0,
    )


def test_each_colour_requests_the_shared_hostnames_and_its_own_direct_names(
    blue: mock_engine.Plan, green: mock_engine.Plan
) -> None:
    assert certificate_names(blue) == [["app.example.com", "blue.app.example.com"]]
    assert certificate_names(green) == [["app.example.com", "green.app.example.com"]]
    for p in (blue, green):
        (certificate,) = p.of_type(CERTIFICATE)
        assert certificate.inputs["validationMethod"] == "DNS"
        assert certificate.protect is False  # a hostname change must be able to replace it


def test_names_are_split_over_certificates_at_the_quota() -> None:
    for color in ("blue", "green"):
        peer = {**mock_engine.HEALTHY_PEER_OUTPUTS, "hostnames": [e["hostname"] for e in THREE_HOSTS]}
        p = run(color, mock_engine.Scenario(peer_outputs=peer), endpoints=THREE_HOSTS, certificateNameQuota=4)
        assert p.error is None, p.error
        assert certificate_names(p) == [
            ["app.example.com", f"{color}.app.example.com", "api.example.com", f"{color}.api.example.com"],
            ["www.example.com", f"{color}.www.example.com"],
        ]
        assert len(p.of_type(VALIDATION)) == 2
    assert len(run("blue", endpoints=THREE_HOSTS).of_type(CERTIFICATE)) == 1  # 6 names fit the default 10


def test_one_validation_record_per_name_overwriting_and_kept_on_delete(deployed: dict[str, mock_engine.Plan]) -> None:
    for color, p in deployed.items():
        records = p.of_type(RECORD)
        assert sorted(r.name for r in records) == sorted(
            f"certificates-validation-{n}" for n in ("app.example.com", f"{color}.app.example.com")
        )
        for record in records:
            assert record.inputs["allowOverwrite"] is True
            assert record.retain_on_delete is True
            assert record.inputs["type"] == "CNAME"
            assert record.inputs["zoneId"] == "Z0PLACEHOLDER0000000"
            # Looked up by name, though the options came back in another order than requested.
            assert record.inputs["name"].endswith("." + record.name.removeprefix("certificates-validation-") + ".")


def test_both_colours_write_the_same_record_for_a_shared_name(deployed: dict[str, mock_engine.Plan]) -> None:
    def shared(p: mock_engine.Plan) -> mock_engine.Declared:
        (record,) = [r for r in p.of_type(RECORD) if r.name == "certificates-validation-app.example.com"]
        return record

    assert shared(deployed["blue"]).urn.split("::")[-1] == shared(deployed["green"]).urn.split("::")[-1]
    assert shared(deployed["blue"]).inputs == shared(deployed["green"]).inputs


def test_validation_records_are_in_the_preview_while_the_certificate_is_still_unknown(blue: mock_engine.Plan) -> None:
    records = blue.of_type(RECORD)
    assert len(records) == 2
    for record in records:
        assert record.inputs["name"] == "(known after deploy)"


def test_validation_waits_for_its_records_with_a_custom_timeout(deployed: dict[str, mock_engine.Plan]) -> None:
    p = deployed["blue"]
    (validation,) = p.of_type(VALIDATION)
    (certificate,) = p.of_type(CERTIFICATE)
    assert validation.create_timeout == tls.VALIDATION_TIMEOUT
    assert validation.inputs["certificateArn"].startswith("arn:aws:acm:eu-west-1:")
    assert sorted(validation.inputs["validationRecordFqdns"]) == sorted(
        r.inputs["name"].rstrip(".") for r in p.of_type(RECORD)
    )
    assert certificate.urn in validation.dependencies
    assert {r.urn for r in p.of_type(RECORD)} <= set(validation.dependencies)


def test_load_balancer_gets_only_validated_certificates(deployed: dict[str, mock_engine.Plan]) -> None:
    for p in deployed.values():
        params = p.one(INGRESS_CLASS_PARAMS)
        validations = p.of_type(VALIDATION)
        assert params.inputs["spec"]["certificateARNs"] == [v.inputs["certificateArn"] for v in validations]


def test_load_balancer_is_destroyed_before_any_certificate(blue: mock_engine.Plan, green: mock_engine.Plan) -> None:
    # Pulumi deletes dependents first: the IngressClassParams and every Ingress (so the ALB) go
    # before the validations, whose certificates ACM would refuse to delete while in use.
    for p in (blue, green):
        validations = {v.urn for v in p.of_type(VALIDATION)}
        assert validations
        for resource in [p.one(INGRESS_CLASS_PARAMS), *p.of_type(INGRESS)]:
            assert validations <= set(resource.dependencies), resource.name


def test_every_ingress_of_a_colour_has_the_same_https_listeners(
    blue: mock_engine.Plan, green: mock_engine.Plan
) -> None:
    for p in (blue, green):
        ingresses = p.of_type(INGRESS)
        assert len(ingresses) == 2  # weighted and direct
        for ingress in ingresses:
            annotations = ingress.inputs["metadata"]["annotations"]
            assert {k: v for k, v in annotations.items() if k.startswith("alb.")} == LISTENERS


def test_tls_off_serves_plain_http_and_requests_nothing() -> None:
    p = run("blue", tls=False)
    assert p.error is None, p.error
    assert p.of_type(CERTIFICATE) == [] and p.of_type(RECORD) == [] and p.of_type(VALIDATION) == []
    assert "certificateARNs" not in p.one(INGRESS_CLASS_PARAMS).inputs["spec"]
    for ingress in p.of_type(INGRESS):
        assert not any(k.startswith("alb.") for k in ingress.inputs["metadata"]["annotations"])
    assert p.outputs["tls"] is False


def test_a_forgotten_delegation_stops_the_preview_with_the_name_servers_to_enter() -> None:
    p = run("blue", mock_engine.Scenario(delegated_name_servers=frozenset({"ns1.old-host.example.net"})))
    assert p.error is not None
    assert "ns1.old-host.example.net" in p.error and mock_engine.ZONE_NAME_SERVERS[0] in p.error
    assert "delegate example.com" in p.error
    assert p.of_type(CERTIFICATE) == [] and p.of_type(RECORD) == []


def test_an_undelegated_domain_stops_the_preview() -> None:
    p = run("blue", mock_engine.Scenario(delegated_name_servers=frozenset()))
    assert p.error is not None and "no name servers at all" in p.error


def test_an_unreachable_resolver_warns_and_goes_on() -> None:
    p = run("blue", mock_engine.Scenario(delegated_name_servers=None))
    assert p.error is None, p.error
    assert any(m.startswith("warning: could not check") for m in p.messages), p.messages
    assert len(p.of_type(VALIDATION)) == 1


# --- existing certificates -------------------------------------------------------------------------


def existing(status: str = "ISSUED", *names: str) -> mock_engine.Scenario:
    names = names or ("app.example.com", "*.app.example.com")
    return mock_engine.Scenario(
        existing_certificates={
            EXISTING_ARN: {"status": status, "domainName": names[0], "subjectAlternativeNames": list(names[1:])}
        }
    )


def test_existing_certificates_are_served_and_nothing_is_requested() -> None:
    for color in ("blue", "green"):
        p = run(color, existing(), certificateArn=[EXISTING_ARN])
        assert p.error is None, p.error
        assert p.of_type(RECORD) == [] and p.of_type(VALIDATION) == []
        assert [c.name for c in p.of_type(CERTIFICATE)] == ["certificates-existing-0"]  # a read, not a request
        assert p.one(INGRESS_CLASS_PARAMS).inputs["spec"]["certificateARNs"] == [EXISTING_ARN]


def test_an_existing_certificate_that_misses_a_name_is_refused() -> None:
    # *.example.com covers app.example.com but not blue.app.example.com (one label only).
    p = run("blue", existing("ISSUED", "*.example.com"), certificateArn=[EXISTING_ARN])
    assert p.error is not None
    assert "no certificate covers blue.app.example.com" in p.error
    assert "covers blue.app.example.com (" in p.error  # app.example.com itself is covered


def test_an_existing_certificate_not_yet_issued_is_refused() -> None:
    p = run("blue", existing("PENDING_VALIDATION"), certificateArn=[EXISTING_ARN])
    assert p.error is not None and "is PENDING_VALIDATION, not ISSUED" in p.error


def test_an_existing_certificate_of_another_region_is_refused_before_it_is_read() -> None:
    other = EXISTING_ARN.replace("eu-west-1", "us-east-1")
    p = run("blue", existing(), certificateArn=[other])
    assert p.error is not None
    assert "region us-east-1" in p.error and "deploys to eu-west-1" in p.error
    assert p.of_type(CERTIFICATE) == []


# --- the pair --------------------------------------------------------------------------------------


def test_standby_without_tls_against_a_live_colour_with_tls_is_refused() -> None:
    p = run("green", tls=False)  # the healthy peer carries traffic with tls: true
    assert p.error is not None
    assert "tls is false on green (weight 0) while blue (weight 1) serves HTTPS" in p.error


def test_standby_turning_tls_on_before_the_live_colour_is_allowed() -> None:
    # The live colour deployed before HTTPS existed has no tls output: it serves plain HTTP.
    healthy = mock_engine.HEALTHY_PEER_OUTPUTS
    for outputs in ({**healthy, "tls": False}, {k: v for k, v in healthy.items() if k != "tls"}):
        p = run("green", mock_engine.Scenario(peer_outputs=outputs))
        assert p.error is None, p.error


# --- diff minimality -------------------------------------------------------------------------------


def test_a_weight_change_touches_nothing_in_acm(deployed: dict[str, mock_engine.Plan]) -> None:
    before = deployed["blue"]
    after = run("blue", DEPLOYED, trafficWeight=2)
    old = {r.urn: r.inputs for r in before.resources}
    new = {r.urn: r.inputs for r in after.resources}
    assert set(old) == set(new)
    changed = {urn.split("::")[-1] for urn in old if old[urn] != new[urn]}
    assert changed == {"traffic-app.example.com"}
