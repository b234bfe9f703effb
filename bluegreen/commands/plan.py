"""`bluegreen plan <stack>`: what the program would declare for a stack, worked out offline under Pulumi mocks."""

from __future__ import annotations

import argparse
import difflib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bluegreen import flux, json_output, tls
from bluegreen.commands.completion import stack_completion
from bluegreen.exits import ExitStatus
from bluegreen.pair_agreement import PublishedSide, agreement_problems
from bluegreen.settings import Settings, SettingsError
from bluegreen.stackfiles import StackFilesError, load_stack_config, load_stack_settings, stack_file, stack_names

if TYPE_CHECKING:
    from bluegreen.mock_engine import Declared, Plan

HELP = "Show what a stack would declare, offline (Pulumi mocks: no AWS account, no Pulumi CLI)."

# For each resource type, the inputs a reviewer wants to see (others are listed by type and name only).
KEY_INPUTS = {
    "eks:index:Cluster": ("name", "version", "autoMode", "authenticationMode", "enabledClusterLogTypes"),
    "awsx:ec2:Vpc": ("cidrBlock", "numberOfAvailabilityZones"),
    "aws:ec2/tag:Tag": ("resourceId", "key", "value"),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ("clusterName", "namespace", "serviceAccount"),
    "kubernetes:networking.k8s.io/v1:IngressClass": ("spec",),
    "kubernetes:eks.amazonaws.com/v1:IngressClassParams": ("spec",),
    "pulumi:pulumi:StackReference": ("name",),
    "kubernetes:core/v1:Secret": ("stringData",),
    "aws:acm/certificate:Certificate": ("domainName", "subjectAlternativeNames"),
}
GIT_REPOSITORY_TYPE = f"kubernetes:{flux.SOURCE_API}:GitRepository"
DEFAULT_SSL_POLICY_SHOWN = "the controller's default policy"
KUSTOMIZATION_KEYS = ("path", "prune", "wait", "deletionPolicy", "interval", "timeout", "retryInterval")
EXTERNAL_DNS_KEYS = ("txtOwnerId", "policy", "domainFilters", "annotationPrefix", "interval", "triggerLoopOnEvent")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    stack_completion(parser.add_argument("stack", help="stack name, e.g. blue (reads Pulumi.<stack>.yaml)"))
    parser.add_argument(
        "--peer-weight",
        type=int,
        default=None,
        help="the peer stack's deployed trafficWeight to assume (default: its stack file's, or 1)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the plan as one JSON document (docs/json.md): every resource with its URN, parent, protect "
        "and key settings, the program's messages, the traffic table",
    )


def run(args: argparse.Namespace) -> ExitStatus:
    path = stack_file(args.project_dir, args.stack)
    if not path.exists():
        stacks = stack_names(args.project_dir)
        close = difflib.get_close_matches(args.stack, stacks, n=1)
        known = f"the stacks here are {', '.join(stacks)}" if stacks else "there is no stack file here"
        raise StackFilesError(
            f"no stack {args.stack!r} in {args.project_dir}: {f'did you mean {close[0]!r}? ' if close else ''}"
            f"{known} (a stack is named by its Pulumi.<stack>.yaml file)"
        )
    settings = load_stack_settings(path)
    peer_path = stack_file(args.project_dir, settings.peer_stack)
    peer = _peer_settings(peer_path)
    peer_weight = args.peer_weight if args.peer_weight is not None else (peer.traffic_weight if peer else 1)
    if peer:
        sides = [
            PublishedSide.from_settings(args.stack, settings),
            replace(PublishedSide.from_settings(settings.peer_stack, peer), weight=peer_weight),
        ]
        if problems := agreement_problems(sides):
            pair = f"stacks {args.stack} and {settings.peer_stack}"
            raise StackFilesError(f"invalid pair ({pair}):\n" + "\n".join(f"  - {p}" for p in problems), disagree=True)

    from bluegreen import mock_engine, weights  # Pulumi loads here, not for the other subcommands

    if not args.json:
        print(f"Offline plan of stack {args.stack!r} (Pulumi mocks; nothing was sent to AWS or Kubernetes)")
        print(
            f"Assumed: the zone is named {settings.domain!r}; peer stack {settings.peer_stack!r} "
            f"has weight {peer_weight}."
        )
        print()
    scenario = mock_engine.Scenario(
        peer_outputs={
            "trafficWeight": peer_weight,
            "txtOwnerId": peer.txt_owner_id if peer else None,
            "tls": peer.tls if peer else None,
            # What the guard of a colour at weight 0 compares with its own stack (pair_agreement).
            "hostnames": list(peer.hostnames) if peer else None,
            "domain": peer.domain if peer else None,
            "hostedZoneId": peer.hosted_zone_id if peer else None,
        }
    )
    result = mock_engine.run_program(load_stack_config(path), args.stack, args.project_dir, scenario)
    shown = shown_resources(result)
    rows = [(args.stack, settings.color, settings.cluster_version, settings.traffic_weight)]
    if peer:
        rows.append((settings.peer_stack, peer.color, peer.cluster_version, peer.traffic_weight))
    peer_file = "valid" if peer else "invalid" if peer_path.exists() else "missing"
    columns = [(args.stack, settings)] + ([(settings.peer_stack, peer)] if peer else [])
    substitutions = {name: flux.substitutions(s) for name, s in columns} if settings.workloads else None
    status = ExitStatus.PROBLEM if result.error else ExitStatus.OK
    if args.json:
        body = {
            "stack": args.stack,
            "color": settings.color,
            "assumed": {"zone_name": settings.domain, "peer_stack": settings.peer_stack, "peer_weight": peer_weight},
            "peer_file": {"name": peer_path.name, "state": peer_file},
            "resources": [_resource_json(item) for item in shown],
            "messages": sorted(result.messages),
            "error": result.error,
            "hostnames": list(settings.hostnames),
            # As in the text: the traffic table and the substitutions only when the program ran to its end.
            "traffic": None if result.error else _traffic_json(rows, weights.shares([w for *_, w in rows])),
            "substitutions": None if result.error else substitutions,
        }
        json_output.print_document("plan", body)
        return status
    _print_resources(shown)
    for message in sorted(result.messages):
        print(message)
    if result.error:
        print(f"\nThe program stopped: {result.error}")
        return status
    print(f"\nTraffic for {', '.join(settings.hostnames)} (from the stack files):")
    print(weights.render_table(rows))
    if not peer:
        why = "is invalid (bluegreen status lists its problems)" if peer_file == "invalid" else "is not in this folder"
        print(f"(the peer is not shown: {peer_path.name} {why})")
    if substitutions:
        _print_substitutions(substitutions)
    return status


def _traffic_json(rows: list[tuple[str, str, str, int]], percents: list[float]) -> list[dict[str, Any]]:
    """The traffic table's rows, with the field names and rounding of `status --json`'s `stacks`."""
    return [
        {"stack": stack, "color": color, "version": version, "weight": weight, "share_percent": round(percent, 1)}
        for (stack, color, version, weight), percent in zip(rows, percents, strict=True)
    ]


def _print_substitutions(columns: dict[str, dict[str, str]]) -> None:
    """What ${var} becomes in the workloads of each colour: one repository, the differences are here."""
    keys = list(next(iter(columns.values())))
    width = max(len(f"${{{key}}}") for key in keys)
    print("\nFlux substitutions in the workloads (postBuild.substitute, from the stack files):")
    print("  " + " " * width + "".join(f"  {name:<20}" for name in columns).rstrip())
    for key in keys:
        print(
            f"  {'${' + key + '}':<{width}}" + "".join(f"  {values[key]:<20}" for values in columns.values()).rstrip()
        )


def _peer_settings(path: Path) -> Settings | None:
    if not path.exists():
        return None
    try:
        return load_stack_settings(path)
    except SettingsError:
        return None


@dataclass(frozen=True)
class Shown:
    """One declared resource as the plan shows it: its depth in the tree of parents and its key settings, as
    typed values (for --json) and in words (for the text), worked out together."""

    resource: Declared
    depth: int
    settings: dict[str, Any]
    lines: list[str]


def shown_resources(result: Plan) -> list[Shown]:
    """Every declared resource, parents before their children, siblings by type and name: the mocked engine
    registers resources concurrently, in a different order each run."""
    children: dict[str, list[Declared]] = {}
    for resource in sorted(result.resources, key=lambda r: (r.type, r.name)):
        children.setdefault(resource.parent, []).append(resource)
    urns = {x.urn for x in result.resources}
    by_urn = {r.urn: r for r in result.resources}
    shown: list[Shown] = []

    def visit(resource: Declared, depth: int) -> None:
        settings, lines = _key_settings(resource, by_urn)
        shown.append(Shown(resource, depth, _sorted_maps(settings), lines))
        for child in children.get(resource.urn, []):
            visit(child, depth + 1)

    for root in sorted((r for r in result.resources if r.parent not in urns), key=lambda r: (r.type, r.name)):
        visit(root, 0)
    return shown


def _print_resources(shown: list[Shown]) -> None:
    print(f"{len(shown)} resources:")
    for item in shown:
        indent = "  " * item.depth
        flags = " [protected]" if item.resource.protect else ""
        print(f"{indent}- {item.resource.type}  {item.resource.name}{flags}")
        for line in item.lines:
            print(f"{indent}    {line}")


def _resource_json(item: Shown) -> dict[str, Any]:
    resource = item.resource
    return {
        "type": resource.type,
        "name": resource.name,
        "urn": resource.urn,
        "parent": resource.parent or None,
        "protect": resource.protect,
        "retain_on_delete": resource.retain_on_delete,
        "settings": item.settings,
    }


def _sorted_maps(value: Any) -> Any:
    """`value` with every map's keys sorted, so that the document's bytes do not depend on the engine's order."""
    if isinstance(value, dict):
        return {key: _sorted_maps(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_maps(item) for item in value]
    return value


def _inputs_shown(inputs: dict[str, Any], keys: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """The given inputs as they are, each also as a `key: <JSON>` line."""
    settings = {key: inputs[key] for key in keys if key in inputs}
    return settings, [f"{key}: {_json(value)}" for key, value in settings.items()]


def _key_settings(resource: Declared, by_urn: dict[str, Declared]) -> tuple[dict[str, Any], list[str]]:
    """What a reviewer wants to see of one resource: typed values and the text lines that say the same."""
    inputs = resource.inputs
    if resource.type == "kubernetes:helm.sh/v3:Release" and inputs.get("chart") == flux.CHART_NAME:
        values = inputs.get("values", {})
        running = sorted(key for key, value in values.items() if isinstance(value, dict) and value.get("create"))
        chart = {key: inputs.get(key) for key in ("chart", "version", "namespace")}
        return {**chart, "controllers": running}, [
            f"chart {chart['chart']} {chart['version']} in namespace {chart['namespace']}",
            f"controllers: {', '.join(running)} (the others off)",
        ]
    if resource.type == GIT_REPOSITORY_TYPE:
        spec = inputs["spec"]
        credentials = spec["secretRef"]["name"] if "secretRef" in spec else None
        lines = [f"url: {spec['url']}", f"ref: {_json(spec['ref'])}"]
        return {"url": spec["url"], "ref": spec["ref"], "credentials_secret": credentials}, lines + (
            [f"credentials: Secret {credentials}"] if credentials else []
        )
    if resource.type == flux.KUSTOMIZATION_TYPE and "spec" not in inputs:
        return {"live_read": True}, ["a read of the live object: trafficWeight above 0 needs it Ready"]
    if resource.type == flux.KUSTOMIZATION_TYPE:
        spec = inputs["spec"]
        settings, lines = _inputs_shown(spec, KUSTOMIZATION_KEYS)
        annotations = inputs["metadata"].get("annotations", {})
        substitute = spec["postBuild"]["substitute"]
        lines += [f"{k}: {v}" for k, v in sorted(annotations.items())]
        lines += [f"substitute ${{{k}}} = {_json(v)}" for k, v in sorted(substitute.items())]
        return {**settings, "annotations": annotations, "substitute": substitute}, lines
    if resource.type == "kubernetes:helm.sh/v3:Release":
        values = inputs.get("values", {})
        chart = {key: inputs.get(key) for key in ("chart", "version", "namespace")}
        shown = {key: values.get(key) for key in EXTERNAL_DNS_KEYS}
        extra_args = values.get("extraArgs", [])
        lines = [f"chart {chart['chart']} {chart['version']} in namespace {chart['namespace']}"]
        lines += [f"{key}: {_json(value)}" for key, value in shown.items()]
        lines += [f"extraArgs: {' '.join(extra_args)}"]
        return {**chart, **shown, "extraArgs": extra_args}, lines
    if resource.type == "kubernetes:networking.k8s.io/v1:Ingress":
        rule = inputs["spec"]["rules"][0]
        backend = rule["http"]["paths"][0]["backend"]["service"]
        service = {
            "namespace": inputs["metadata"]["namespace"],
            "name": backend["name"],
            "port": backend["port"]["number"],
        }
        annotations = inputs["metadata"].get("annotations", {})
        listeners = _listeners(annotations)
        waits = [by_urn[urn] for urn in sorted(resource.dependencies) if urn in by_urn]
        kustomizations = [
            f"{k.inputs['metadata']['namespace']}/{k.inputs['metadata']['name']}"
            for k in waits
            if k.type == flux.KUSTOMIZATION_TYPE
        ]
        lines = [f"{rule['host']} -> service {service['namespace']}/{service['name']}:{service['port']}"]
        lines += [f"{k}: {v}" for k, v in sorted(annotations.items())]
        lines += ["listeners: " + "; ".join(_describe_listener(listener) for listener in listeners)]
        lines += [f"created after Kustomization {k} is Ready" for k in kustomizations]
        return {
            "host": rule["host"],
            "service": service,
            "annotations": annotations,
            "listeners": listeners,
            "created_after_kustomizations": kustomizations,
        }, lines
    if resource.type == "aws:route53/record:Record":
        record = {key: inputs.get(key) for key in ("type", "name", "records", "ttl")}
        overwrite = bool(inputs.get("allowOverwrite"))
        kept = "kept on destroy" if resource.retain_on_delete else "deleted on destroy"
        overwrites = ", overwrites the peer's copy" if overwrite else ""
        return {**record, "allowOverwrite": overwrite}, [
            f"{record['type']} {record['name']} -> {', '.join(record['records'] or [])} "
            f"(ttl {record['ttl']}{overwrites}, {kept})"
        ]
    if resource.type == "aws:acm/certificateValidation:CertificateValidation":
        timeout = resource.create_timeout or None
        return {"create_timeout": timeout}, [f"waits up to {timeout or 'the default'} for the certificate to be issued"]
    if resource.type == "aws:iam/rolePolicy:RolePolicy":
        statements = [
            {"effect": s["Effect"], "actions": _as_list(s["Action"]), "resources": _as_list(s["Resource"])}
            for s in json.loads(inputs["policy"])["Statement"]
        ]
        return {"statements": statements}, [
            f"allow {', '.join(s['actions'])} on {', '.join(s['resources'])}" for s in statements
        ]
    return _inputs_shown(inputs, KEY_INPUTS.get(resource.type, ()))


def _as_list(value: str | list[str]) -> list[str]:
    """An IAM statement's Action or Resource: one string or a list of them."""
    return [value] if isinstance(value, str) else list(value)


def _json(value: object) -> str:
    # Keys sorted: the mocked engine resolves inputs concurrently, so a map's order differs from run to run.
    return json.dumps(value, sort_keys=True)


def _listeners(annotations: dict[str, str]) -> list[dict[str, Any]]:
    """The listeners the load balancer controller builds from these annotations."""
    ports = json.loads(annotations.get(tls.ALB_ANNOTATION + "listen-ports", '[{"HTTP": 80}]'))
    redirect = annotations.get(tls.ALB_ANNOTATION + "ssl-redirect")
    policy = annotations.get(tls.ALB_ANNOTATION + "ssl-policy")
    listeners = []
    for port in ports:
        for protocol, number in port.items():
            if protocol == "HTTPS":
                listeners.append({"protocol": protocol, "port": number, "ssl_policy": policy, "redirect_to": None})
            else:
                redirect_to = int(redirect) if redirect else None
                listeners.append({"protocol": protocol, "port": number, "ssl_policy": None, "redirect_to": redirect_to})
    return listeners


def _describe_listener(listener: dict[str, Any]) -> str:
    if listener["protocol"] == "HTTPS":
        return f"HTTPS {listener['port']} ({listener['ssl_policy'] or DEFAULT_SSL_POLICY_SHOWN})"
    if listener["redirect_to"]:
        return f"HTTP {listener['port']} -> redirect to HTTPS {listener['redirect_to']}"
    return f"HTTP {listener['port']}"
