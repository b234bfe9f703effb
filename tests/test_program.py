"""The whole Pulumi program for both sample stacks, evaluated under Pulumi mocks (no AWS, no cluster)."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from bluegreen import mock_engine
from bluegreen.external_dns_values import ANNOTATION_PREFIX
from bluegreen.settings import EXTERNAL_DNS_CHART_TESTED, SETTINGS_BY_KEY
from bluegreen.txt_registry import TxtNaming, written_txt_type
from tests.conftest import FIXTURES, run

CLUSTER = "eks:index:Cluster"
RELEASE = "kubernetes:helm.sh/v3:Release"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
INGRESS_CLASS = "kubernetes:networking.k8s.io/v1:IngressClass"
INGRESS_CLASS_PARAMS = "kubernetes:eks.amazonaws.com/v1:IngressClassParams"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
STACK_REFERENCE = "pulumi:pulumi:StackReference"


def external_dns_values(p: mock_engine.Plan) -> dict:
    return p.one(RELEASE).inputs["values"]


def weighted_ingress(p: mock_engine.Plan, hostname: str) -> mock_engine.Declared:
    (found,) = [i for i in p.of_type(INGRESS) if i.inputs["spec"]["rules"][0]["host"] == hostname]
    return found


def known_flags() -> set[str]:
    """The flags ExternalDNS v0.21.0 (the app of the pinned chart 1.21.1) accepts; it exits on any other."""
    lines = (FIXTURES / "external-dns" / "flags-v0.21.0.txt").read_text().splitlines()
    return {line for line in lines if line.startswith("--")}


def chart_args(values: dict) -> list[str]:
    """The container args chart 1.21.1's templates/deployment.yaml builds from these values.

    Follows the template's `args:` list: a `- --flag` line counts when every `if`/`range` around it tests
    a `.Values.x` that is set. Blocks with any other condition (`else`, `and`, `kindIs` on extraArgs) are
    not followed: the program sets none of their values, and extraArgs, a list, is appended as it is.
    """
    template = (FIXTURES / "external-dns" / "chart-1.21.1-deployment.yaml").read_text()
    lines = template[template.index("          args:\n") : template.index("          ports:")].splitlines()[1:]
    args: list[str] = []
    tested: list[str | None] = []  # per open block: the value it tests, None for any other condition
    for line in (line.strip() for line in lines):
        if opened := re.fullmatch(r"\{\{-? (?:if|range|with) (.*?) -?\}\}", line):
            key = re.fullmatch(r"\.Values\.(\w+)", opened.group(1))
            tested.append(key.group(1) if key else None)
        elif re.fullmatch(r"\{\{-? else.*", line):
            tested[-1] = None
        elif re.fullmatch(r"\{\{-? end -?\}\}", line):
            tested.pop()
        elif flag := re.fullmatch(r"- (--[a-z0-9-]+)(?:=\{\{ (.*?) \}\})?", line):
            if not all(key and values.get(key) for key in tested):
                continue
            name, expression = flag.groups()
            if expression is None:
                args.append(name)
            elif expression == ".":
                args += [f"{name}={item}" for item in values[tested[-1]]]  # type: ignore[index]
            elif key := re.fullmatch(r"\.Values\.(\w+)", expression):
                args.append(f"{name}={values[key.group(1)]}")
            else:
                args.append(f"{name}=<{expression}>")  # computed by a helper, e.g. the provider's name
    return args + list(values.get("extraArgs", []))


def known_annotations() -> set[str]:
    text = (FIXTURES / "external-dns" / "annotations.txt").read_text()
    return {line for line in text.splitlines() if line and not line.startswith("#")}


# --- cluster ---------------------------------------------------------------------------------------


def test_cluster_is_named_for_its_colour_at_the_configured_version(
    blue: mock_engine.Plan, green: mock_engine.Plan
) -> None:
    for p, color, version in ((blue, "blue", "1.33"), (green, "green", "1.34")):
        cluster = p.one(CLUSTER)
        assert cluster.inputs["name"] == f"eks-bluegreen-{color}"
        assert cluster.inputs["version"] == version
        assert cluster.inputs["autoMode"]["enabled"] is True
        assert set(cluster.inputs["enabledClusterLogTypes"]) >= {"api", "audit", "authenticator"}
        assert p.outputs["clusterVersion"] == version


def test_auto_mode_cluster_gets_no_managed_coredns_add_on(blue: mock_engine.Plan) -> None:
    # pulumi-eks would otherwise create the coredns add-on beside Auto Mode's own DNS (pulumi/pulumi-eks#1726).
    assert blue.one(CLUSTER).inputs["corednsAddonOptions"]["enabled"] is False


def test_cluster_nodes_stay_in_private_subnets_without_a_legacy_instance_role(blue: mock_engine.Plan) -> None:
    cluster = blue.one(CLUSTER)
    assert "publicSubnetIds" not in cluster.inputs
    assert cluster.inputs["privateSubnetIds"] == ["subnet-0c00000000000000c", "subnet-0d00000000000000d"]
    assert cluster.inputs["createInstanceRole"] is False
    params = blue.one(INGRESS_CLASS_PARAMS)
    assert params.inputs["spec"]["subnets"]["ids"] == ["subnet-0a00000000000000a", "subnet-0b00000000000000b"]


def test_new_vpc_has_the_dns_support_eks_nodes_need(blue: mock_engine.Plan) -> None:
    vpc = blue.one("awsx:ec2:Vpc")
    assert vpc.inputs["enableDnsHostnames"] is True and vpc.inputs["enableDnsSupport"] is True


# What carries or publishes a colour's traffic: protected while its weight is above 0.
CARRIES_TRAFFIC = (CLUSTER, INGRESS, RELEASE, ROLE, ROLE_POLICY, POD_IDENTITY)


def test_everything_that_carries_the_live_colours_traffic_is_protected(blue: mock_engine.Plan) -> None:
    # destroy deletes dependents first and goes on past a protect error: an unprotected Ingress of
    # the live colour would be deleted, and its Route 53 record with it, before the cluster refuses.
    carrying = [r for r in blue.resources if r.type in CARRIES_TRAFFIC]
    assert {r.type for r in carrying} == set(CARRIES_TRAFFIC)
    assert len(blue.of_type(INGRESS)) == 2  # weighted and direct
    assert [r.name for r in carrying if not r.protect] == []


def test_nothing_is_protected_at_weight_0(green: mock_engine.Plan) -> None:
    assert [r.name for r in green.resources if r.protect] == []


def test_what_does_not_carry_traffic_stays_unprotected_while_live(blue: mock_engine.Plan) -> None:
    assert blue.one("command:local:Command").protect is False
    assert blue.one("awsx:ec2:Vpc").protect is False


def test_every_resource_is_parented_to_a_component_of_ours(blue: mock_engine.Plan) -> None:
    components = {r.urn for r in blue.resources if r.type.startswith("eks-bluegreen:index:")}
    for resource in blue.resources:
        if resource.type.startswith("eks-bluegreen:index:"):
            continue
        assert resource.parent in components, f"{resource.type} {resource.name} hangs off {resource.parent}"


def test_kubeconfig_is_exported_as_a_secret_and_outputs_are_complete(blue: mock_engine.Plan) -> None:
    assert set(blue.outputs) == {
        "color",
        "clusterName",
        "clusterVersion",
        "trafficWeight",
        "txtOwnerId",
        "hostnames",
        "domain",
        "hostedZoneId",
        "tls",
        "kubeconfig",
        "loadBalancerHostnames",
        "appliedCommit",
    }
    assert blue.outputs["hostnames"] == ["app.example.com"]
    # What the peer's guard compares with its own settings.
    assert blue.outputs["domain"] == "example.com"
    assert blue.outputs["hostedZoneId"] == "Z0PLACEHOLDER0000000"
    assert blue.outputs["trafficWeight"] == 1


# --- ExternalDNS -----------------------------------------------------------------------------------


def test_external_dns_values_validate_against_the_chart_schema(blue: mock_engine.Plan, green: mock_engine.Plan) -> None:
    schema = json.loads((FIXTURES / "external-dns" / "chart-1.21.1-values.schema.json").read_text())
    for p in (blue, green):
        values = external_dns_values(p)
        jsonschema.validate(values, schema)
        # The schema allows unknown top-level keys; a misspelled one would be silently ignored.
        assert set(values) <= set(schema["properties"]), set(values) - set(schema["properties"])


def test_external_dns_owner_ids_differ_and_filters_match_the_zone(
    blue: mock_engine.Plan, green: mock_engine.Plan
) -> None:
    blue_values, green_values = external_dns_values(blue), external_dns_values(green)
    assert blue_values["txtOwnerId"] != green_values["txtOwnerId"]
    assert blue.outputs["txtOwnerId"] == blue_values["txtOwnerId"]
    for values in (blue_values, green_values):
        assert values["domainFilters"] == ["example.com"]
        assert "--zone-id-filter=Z0PLACEHOLDER0000000" in values["extraArgs"]
        assert "--aws-zone-type=public" in values["extraArgs"]
        assert values["policy"] == "sync"
        assert values["provider"] == {"name": "aws"}
        assert values["registry"] == "txt"
        assert values["triggerLoopOnEvent"] is True


def test_chart_args_are_read_from_the_template_as_helm_renders_them(blue: mock_engine.Plan) -> None:
    # Helm's own rendering of chart 1.21.1 with these values (fixtures/external-dns/SOURCE.md), in order.
    assert chart_args(external_dns_values(blue)) == [
        "--log-level=info",
        "--log-format=json",
        "--interval=5m",
        "--events",
        "--source=ingress",
        "--policy=sync",
        "--registry=txt",
        "--txt-owner-id=eks-bluegreen-blue",
        "--domain-filter=example.com",
        "--label-filter=eks-bluegreen/publish=true",
        "--annotation-prefix=external-dns.kubernetes.io/",
        "--provider=<$providerName>",
        "--zone-id-filter=Z0PLACEHOLDER0000000",
        "--aws-zone-type=public",
        "--aws-zones-cache-duration=1h",
    ]


def test_every_flag_external_dns_gets_exists_in_the_app_version_the_chart_runs(blue: mock_engine.Plan) -> None:
    emitted = {arg.split("=")[0] for arg in chart_args(external_dns_values(blue))}
    flags = known_flags()
    assert emitted and emitted <= flags, emitted - flags


def test_flag_and_template_fixtures_are_those_of_the_chart_the_stacks_deploy() -> None:
    chart = (FIXTURES / "external-dns" / "chart-1.21.1-Chart.yaml").read_text()
    version = re.search(r"^version: (\S+)$", chart, re.M).group(1)  # type: ignore[union-attr]
    app_version = re.search(r"^appVersion: (\S+)$", chart, re.M).group(1)  # type: ignore[union-attr]
    assert version == EXTERNAL_DNS_CHART_TESTED == SETTINGS_BY_KEY["externalDnsChartVersion"].default
    flags_header = (FIXTURES / "external-dns" / "flags-v0.21.0.txt").read_text().splitlines()[0]
    assert f"ExternalDNS v{app_version} (the app of chart {version})" in flags_header
    # A flag that only v0.22 has: v0.21.0 would exit at start-up on it.
    assert "--rfc2136-axfr" not in known_flags()


def test_a_chart_newer_than_the_tested_one_is_deployed_with_a_warning(blue: mock_engine.Plan) -> None:
    assert not any("externalDnsChartVersion" in m for m in blue.messages)
    p = run("blue", externalDnsChartVersion="1.22.0")
    assert p.error is None and external_dns_values(p)["annotationPrefix"]
    assert any(
        m.startswith("warning: eks-bluegreen:externalDnsChartVersion 1.22.0 is newer than 1.21.1") for m in p.messages
    ), p.messages


def test_external_dns_publishes_only_the_stacks_own_ingresses(blue: mock_engine.Plan) -> None:
    # No `service` source, and a label filter that every Ingress of the stack (and only those) carries.
    args = chart_args(external_dns_values(blue))
    assert [a for a in args if a.startswith("--source=")] == ["--source=ingress"]
    (label_filter,) = [a.removeprefix("--label-filter=") for a in args if a.startswith("--label-filter=")]
    key, value = label_filter.split("=")
    ingresses = blue.of_type(INGRESS)
    assert ingresses and all(i.inputs["metadata"]["labels"] == {key: value} for i in ingresses)


def test_annotation_prefix_matches_every_annotation_and_every_key_exists(blue: mock_engine.Plan) -> None:
    prefix = external_dns_values(blue)["annotationPrefix"]
    assert prefix == ANNOTATION_PREFIX
    keys = known_annotations()
    for ingress in blue.of_type(INGRESS):
        annotations = ingress.inputs["metadata"]["annotations"]
        dns_keys = [k for k in annotations if "external-dns" in k]
        assert dns_keys and all(k.startswith(prefix) for k in dns_keys)
        assert set(dns_keys) <= keys, set(dns_keys) - keys


def test_external_dns_security_context_is_at_least_the_chart_default(blue: mock_engine.Plan) -> None:
    values = external_dns_values(blue)
    container = values["securityContext"]
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False
    assert container["runAsNonRoot"] is True
    assert container["capabilities"] == {"drop": ["ALL"]}
    assert values["podSecurityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert set(values["resources"]) == {"requests", "limits"}


def test_interval_respects_route53_rate_limit(blue: mock_engine.Plan) -> None:
    values = external_dns_values(blue)
    minutes = int(re.fullmatch(r"(\d+)m", values["interval"]).group(1))  # type: ignore[union-attr]
    assert minutes >= 1
    assert any(a.startswith("--aws-zones-cache-duration=") for a in values["extraArgs"])


# --- IAM and the service account binding -----------------------------------------------------------


def test_iam_policy_is_scoped_to_the_zone_arn(blue: mock_engine.Plan) -> None:
    policy = json.loads(blue.one(ROLE_POLICY).inputs["policy"])
    zone_arn = "arn:aws:route53:::hostedzone/Z0PLACEHOLDER0000000"
    statements = {s["Sid"]: s for s in policy["Statement"]}
    change = statements["ChangeOnlyThePublishedRecords"]
    assert change["Action"] == ["route53:ChangeResourceRecordSets"]
    assert change["Resource"] == [zone_arn]
    assert statements["ReadRecordsOfTheZone"]["Resource"] == [zone_arn]
    assert statements["FindTheZone"] == {
        "Sid": "FindTheZone",
        "Effect": "Allow",
        "Action": ["route53:ListHostedZones"],
        "Resource": ["*"],
    }
    assert "hostedzone/*" not in json.dumps(policy)


def published_names(p: mock_engine.Plan) -> list[str]:
    policy = json.loads(p.one(ROLE_POLICY).inputs["policy"])
    (change,) = [s for s in policy["Statement"] if s["Action"] == ["route53:ChangeResourceRecordSets"]]
    return change["Condition"]["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"]


def test_external_dns_may_change_only_the_names_the_stack_publishes(blue: mock_engine.Plan) -> None:
    # Not the apex, not _dmarc, no wildcard: each hostname, its direct name, and their TXT ownership names.
    assert sorted(published_names(blue)) == sorted(
        [
            *("app.example.com", "a-app.example.com", "aaaa-app.example.com", "cname-app.example.com"),
            *("blue.app.example.com", "a-blue.app.example.com", "aaaa-blue.app.example.com"),
            "cname-blue.app.example.com",
        ]
    )


def test_every_txt_name_external_dns_uses_for_a_published_name_is_allowed(blue: mock_engine.Plan) -> None:
    allowed = set(published_names(blue))
    naming = TxtNaming()
    for hostname in ("app.example.com", "blue.app.example.com"):
        # An ALB target is published as alias A and AAAA; any other target as a CNAME.
        for record_type, alias in (("A", True), ("AAAA", True), ("CNAME", False)):
            names = naming.ownership_lookup(hostname, record_type, alias)
            assert set(names) <= allowed, set(names) - allowed
            assert naming.txt_name(hostname, written_txt_type(record_type, alias)) in allowed


def test_without_direct_hostnames_their_names_are_not_allowed() -> None:
    p = run("blue", directHostnames=False)
    assert not any("blue.app" in name for name in published_names(p))


def test_too_many_names_for_an_inline_policy_stop_the_preview_with_the_fix() -> None:
    endpoints = [{"hostname": f"app{i}.example.com", "service": "demo/echo", "port": 80} for i in range(60)]
    p = run("blue", endpoints=endpoints)
    assert p.error is not None and "more than IAM's 10240" in p.error and "directHostnames" in p.error


def test_only_this_clusters_external_dns_service_account_may_assume_the_role(blue: mock_engine.Plan) -> None:
    (statement,) = json.loads(blue.one(ROLE).inputs["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    # The session tags EKS Pod Identity sets (the association must not disable them).
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-1:123456789012:cluster/eks-bluegreen-blue",
            "aws:RequestTag/kubernetes-namespace": "external-dns",
            "aws:RequestTag/kubernetes-service-account": "external-dns",
        }
    }
    association = blue.one(POD_IDENTITY)
    assert not association.inputs.get("disableSessionTags")
    assert association.inputs["namespace"] == "external-dns" and association.inputs["serviceAccount"] == "external-dns"


def test_pod_identity_binds_the_role_to_the_service_account_the_chart_creates(blue: mock_engine.Plan) -> None:
    association = blue.one(POD_IDENTITY)
    values = external_dns_values(blue)
    release = blue.one(RELEASE)
    assert association.inputs["serviceAccount"] == values["serviceAccount"]["name"]
    assert values["serviceAccount"]["create"] is True
    # The chart names the account after fullnameOverride when no name is given; we give both the same.
    assert values["fullnameOverride"] == values["serviceAccount"]["name"]
    assert association.inputs["namespace"] == release.inputs["namespace"]
    assert association.inputs["clusterName"] == "eks-bluegreen-blue"
    trust = json.loads(blue.one(ROLE).inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    # The chart starts only once credentials can be issued.
    assert association.urn in release.dependencies


# --- traffic ---------------------------------------------------------------------------------------


def test_weighted_ingress_carries_colour_and_weight(blue: mock_engine.Plan, green: mock_engine.Plan) -> None:
    prefix = ANNOTATION_PREFIX
    for p, color, weight in ((blue, "blue", "1"), (green, "green", "0")):
        ingress = weighted_ingress(p, "app.example.com")
        annotations = ingress.inputs["metadata"]["annotations"]
        assert {k: v for k, v in annotations.items() if k.startswith(prefix)} == {
            prefix + "hostname": "app.example.com",
            prefix + "set-identifier": color,
            prefix + "aws-weight": weight,
        }
        assert ingress.inputs["metadata"]["namespace"] == "demo"
        backend = ingress.inputs["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": "echo", "port": {"number": 80}}
        assert ingress.inputs["spec"]["ingressClassName"] == "eks-bluegreen"


def test_direct_hostname_is_a_simple_record(blue: mock_engine.Plan) -> None:
    direct = weighted_ingress(blue, "blue.app.example.com")
    annotations = direct.inputs["metadata"]["annotations"]
    dns_annotations = {k: v for k, v in annotations.items() if k.startswith(ANNOTATION_PREFIX)}
    assert dns_annotations == {ANNOTATION_PREFIX + "hostname": "blue.app.example.com"}


def test_ingress_class_is_wired_to_auto_mode(blue: mock_engine.Plan) -> None:
    ingress_class = blue.one(INGRESS_CLASS)
    params = blue.one(INGRESS_CLASS_PARAMS)
    assert ingress_class.inputs["spec"]["controller"] == "eks.amazonaws.com/alb"
    assert ingress_class.inputs["spec"]["parameters"] == {
        "apiGroup": "eks.amazonaws.com",
        "kind": "IngressClassParams",
        "name": params.inputs["metadata"]["name"],
    }
    assert ingress_class.inputs["metadata"]["name"] == "eks-bluegreen"
    assert params.inputs["spec"]["scheme"] == "internet-facing"


def test_ingresses_are_destroyed_before_a_pause_that_precedes_external_dns(blue: mock_engine.Plan) -> None:
    # Pulumi deletes dependents first: the Ingresses, then the pause (a sleep on delete), then the
    # chart, so ExternalDNS still runs long enough to delete the records it made for them.
    release = blue.one(RELEASE)
    pause = blue.one("command:local:Command")
    assert pause.inputs["delete"] == "sleep 60" and "create" not in pause.inputs
    assert release.urn in pause.dependencies
    for ingress in blue.of_type(INGRESS):
        assert release.urn in ingress.dependencies
        assert pause.urn in ingress.dependencies


def test_no_direct_hostname_when_switched_off() -> None:
    p = run("blue", directHostnames=False)
    assert p.error is None
    assert [i.inputs["spec"]["rules"][0]["host"] for i in p.of_type(INGRESS)] == ["app.example.com"]


# --- guard -----------------------------------------------------------------------------------------


def test_standby_colour_reads_its_peer_and_passes_when_the_peer_carries_traffic(green: mock_engine.Plan) -> None:
    reference = green.one(STACK_REFERENCE)
    assert reference.name == "blue"


def test_live_colour_does_not_need_its_peer(blue: mock_engine.Plan) -> None:
    assert blue.of_type(STACK_REFERENCE) == []
    assert run("blue", mock_engine.Scenario(peer_outputs=None)).error is None


def test_all_zero_weights_fail_the_preview_before_any_weight_is_declared() -> None:
    p = run("green", mock_engine.Scenario(peer_outputs={"trafficWeight": 0}))
    assert p.error is not None
    assert "both colours would have weight 0" in p.error
    assert "allowAllZero" in p.error
    assert p.of_type(INGRESS) == [] or all("aws-weight" not in json.dumps(i.inputs) for i in p.of_type(INGRESS))


def test_all_zero_is_allowed_when_asked_for() -> None:
    p = run("green", mock_engine.Scenario(peer_outputs={"trafficWeight": 0, "tls": True}), allowAllZero=True)
    assert p.error is None


def test_missing_peer_stack_output_names_the_stack_and_the_fix() -> None:
    p = run("green", mock_engine.Scenario(peer_outputs={}))
    assert p.error is not None
    assert "'blue'" in p.error and "peerStack" in p.error


def test_missing_peer_stack_stops_the_preview_and_the_program_said_what_fixes_it() -> None:
    p = run("green", mock_engine.Scenario(peer_outputs=None))
    assert p.error is not None and '"blue"' in p.error
    assert any("reading stack 'blue'" in m and "deploy it first" in m for m in p.messages), p.messages
    assert all("aws-weight" not in json.dumps(i.inputs) for i in p.of_type(INGRESS))


def test_live_colour_logs_nothing_about_its_peer(blue: mock_engine.Plan) -> None:
    assert not any("reading stack" in m for m in blue.messages)


def test_shared_owner_id_with_the_peer_fails() -> None:
    p = run(
        "green", mock_engine.Scenario(peer_outputs={"trafficWeight": 1, "txtOwnerId": "shared"}), txtOwnerId="shared"
    )
    assert p.error is not None and "would delete the other's records" in p.error


def peer_with(**outputs: object) -> mock_engine.Scenario:
    return mock_engine.Scenario(peer_outputs={**mock_engine.HEALTHY_PEER_OUTPUTS, **outputs})


def test_standby_refuses_a_hostname_its_live_peer_does_not_serve() -> None:
    endpoints = [
        {"hostname": "app.example.com", "service": "demo/echo", "port": 80},
        {"hostname": "new.example.com", "service": "demo/echo", "port": 80},
    ]
    p = run("green", endpoints=endpoints)
    assert p.error is not None
    assert "new.example.com would be served only by 'green' at weight 0 ('blue' does not list it)" in p.error
    assert all("aws-weight" not in json.dumps(i.inputs) for i in p.of_type(INGRESS))


def test_standby_accepts_a_hostname_only_its_live_peer_serves() -> None:
    assert run("green", peer_with(hostnames=["app.example.com", "new.example.com"])).error is None


def test_standby_refuses_a_peer_in_another_domain_or_zone() -> None:
    p = run("green", peer_with(domain="example.org"))
    assert p.error is not None and "eks-bluegreen:domain differs" in p.error and "'example.org'" in p.error
    p = run("green", peer_with(hostedZoneId="Z0OTHER"))
    assert p.error is not None and "eks-bluegreen:hostedZoneId differs" in p.error and "'Z0OTHER'" in p.error


def test_a_peer_deployed_before_domain_and_zone_were_exported_is_compared_by_hostnames_only() -> None:
    p = run("green", mock_engine.Scenario(peer_outputs={"trafficWeight": 1, "hostnames": ["app.example.com"]}))
    assert p.error is None, p.error
    assert any("exports no domain, hostedZoneId" in m for m in p.messages), p.messages


def test_zone_named_differently_from_domain_fails_with_the_fix() -> None:
    p = run("blue", mock_engine.Scenario(zone_name="example.org."))
    assert p.error is not None
    assert "'example.org'" in p.error and "'example.com'" in p.error
    assert p.of_type(CLUSTER) == []


# --- settings at the edge --------------------------------------------------------------------------


def test_bad_settings_stop_the_program_with_every_problem_and_nothing_declared() -> None:
    p = run("blue", trafficWeight=1.5, clusterVersion=1.3, color="purple")
    assert p.error is not None
    assert "trafficWeight" in p.error and "clusterVersion" in p.error and "color" in p.error
    assert p.resources == []


# --- shared VPC ------------------------------------------------------------------------------------

SHARED_VPC = {
    "vpcId": "vpc-0123456789abcdef0",
    "publicSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
    "privateSubnetIds": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
}


def test_shared_vpc_gets_one_cluster_tag_per_subnet_and_colour() -> None:
    for color in ("blue", "green"):
        p = run(color, **SHARED_VPC)
        assert p.error is None, p.error
        tags = p.of_type("aws:ec2/tag:Tag")
        assert {t.inputs["resourceId"] for t in tags} == {
            *SHARED_VPC["publicSubnetIds"],
            *SHARED_VPC["privateSubnetIds"],
        }
        assert {t.inputs["key"] for t in tags} == {f"kubernetes.io/cluster/eks-bluegreen-{color}"}
        assert p.of_type("awsx:ec2:Vpc") == []
        assert p.one(CLUSTER).inputs["vpcId"] == SHARED_VPC["vpcId"]


def test_shared_vpc_without_load_balancer_role_tags_fails_with_the_command_to_fix_it() -> None:
    scenario = mock_engine.Scenario(subnets_missing_role_tag=frozenset({"subnet-0aaaaaaaaaaaaaaa2"}))
    p = run("blue", scenario, **SHARED_VPC)
    assert p.error is not None
    assert "subnet-0aaaaaaaaaaaaaaa2" in p.error and "kubernetes.io/role/elb" in p.error
    assert "aws ec2 create-tags" in p.error


def test_shared_public_subnets_in_one_zone_fail_naming_the_key_and_the_ids() -> None:
    scenario = mock_engine.Scenario(
        subnet_zones={"subnet-0aaaaaaaaaaaaaaa1": "eu-west-1a", "subnet-0aaaaaaaaaaaaaaa2": "eu-west-1a"}
    )
    p = run("blue", scenario, **SHARED_VPC)
    assert p.error is not None
    listed = "subnet-0aaaaaaaaaaaaaaa1 (eu-west-1a), subnet-0aaaaaaaaaaaaaaa2 (eu-west-1a)"
    assert f"eks-bluegreen:publicSubnetIds lists {listed}" in p.error
    assert "at least 2" in p.error
    assert p.of_type(CLUSTER) == []


def test_shared_private_subnets_in_one_zone_fail_naming_the_key() -> None:
    scenario = mock_engine.Scenario(
        subnet_zones={"subnet-0bbbbbbbbbbbbbbb1": "eu-west-1b", "subnet-0bbbbbbbbbbbbbbb2": "eu-west-1b"}
    )
    p = run("blue", scenario, **SHARED_VPC)
    assert (
        p.error is not None and "eks-bluegreen:privateSubnetIds lists subnet-0bbbbbbbbbbbbbbb1 (eu-west-1b)" in p.error
    )


def test_private_subnets_need_no_internal_load_balancer_tag() -> None:
    # No internal load balancer: a private subnet without kubernetes.io/role/internal-elb is fine.
    scenario = mock_engine.Scenario(subnets_missing_role_tag=frozenset(SHARED_VPC["privateSubnetIds"]))
    assert run("blue", scenario, **SHARED_VPC).error is None


def test_new_vpc_private_subnets_carry_no_internal_load_balancer_tag(blue: mock_engine.Plan) -> None:
    specs = {spec["type"]: spec.get("tags", {}) for spec in blue.one("awsx:ec2:Vpc").inputs["subnetSpecs"]}
    assert "kubernetes.io/role/internal-elb" not in specs["Private"]
    assert specs["Public"]["kubernetes.io/role/elb"] == "1"


def test_new_vpc_cidrs_differ_per_colour(blue: mock_engine.Plan, green: mock_engine.Plan) -> None:
    assert blue.one("awsx:ec2:Vpc").inputs["cidrBlock"] != green.one("awsx:ec2:Vpc").inputs["cidrBlock"]


# --- diff minimality -------------------------------------------------------------------------------


def changed_resources(before: mock_engine.Plan, after: mock_engine.Plan) -> set[str]:
    old = {r.urn: r.inputs for r in before.resources}
    new = {r.urn: r.inputs for r in after.resources}
    assert set(old) == set(new), set(old) ^ set(new)
    return {urn.split("::")[-1] for urn in old if old[urn] != new[urn]}


def test_changing_the_weight_changes_only_the_weighted_ingresses(blue: mock_engine.Plan) -> None:
    assert changed_resources(blue, run("blue", trafficWeight=2)) == {"traffic-app.example.com"}


@pytest.mark.parametrize("version", ["1.34"])
def test_changing_the_version_touches_nothing_in_external_dns_or_traffic(blue: mock_engine.Plan, version: str) -> None:
    after = run("blue", clusterVersion=version)
    changed = changed_resources(blue, after)
    assert "cluster-eks" in changed
    untouched = {
        r.name
        for r in blue.resources
        if any(a.type in ("eks-bluegreen:index:ExternalDns", "eks-bluegreen:index:Traffic") for a in blue.ancestors(r))
    }
    assert untouched and not (changed & untouched), changed & untouched


def test_invalid_settings_stop_the_program_before_it_declares_anything_and_it_says_so() -> None:
    p = run("blue", color="red")
    assert p.error is not None
    assert p.error.startswith("stack 'blue': 1 problem(s); nothing was declared")
    assert p.resources == []
