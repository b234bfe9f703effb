"""`bluegreen plan <stack>`: what the program would declare for a stack, worked out offline under Pulumi mocks."""

from __future__ import annotations

import argparse
import difflib
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bluegreen import flux, tls
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

    print(f"Offline plan of stack {args.stack!r} (Pulumi mocks; nothing was sent to AWS or Kubernetes)")
    print(
        f"Assumed: the zone is named {settings.domain!r}; peer stack {settings.peer_stack!r} has weight {peer_weight}."
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
    _print_resources(result)
    for message in sorted(result.messages):
        print(message)
    if result.error:
        print(f"\nThe program stopped: {result.error}")
        return ExitStatus.PROBLEM
    rows = [(args.stack, settings.color, settings.cluster_version, settings.traffic_weight)]
    if peer:
        rows.append((settings.peer_stack, peer.color, peer.cluster_version, peer.traffic_weight))
    print(f"\nTraffic for {', '.join(settings.hostnames)} (from the stack files):")
    print(weights.render_table(rows))
    if not peer:
        why = "is invalid (bluegreen status lists its problems)" if peer_path.exists() else "is not in this folder"
        print(f"(the peer is not shown: {peer_path.name} {why})")
    if settings.workloads:
        _print_substitutions([(args.stack, settings)] + ([(settings.peer_stack, peer)] if peer else []))
    return ExitStatus.OK


def _print_substitutions(stacks: list[tuple[str, Settings]]) -> None:
    """What ${var} becomes in the workloads of each colour: one repository, the differences are here."""
    columns = [(name, flux.substitutions(settings)) for name, settings in stacks]
    keys = list(columns[0][1])
    width = max(len(f"${{{key}}}") for key in keys)
    print("\nFlux substitutions in the workloads (postBuild.substitute, from the stack files):")
    print("  " + " " * width + "".join(f"  {name:<20}" for name, _ in columns).rstrip())
    for key in keys:
        print(f"  {'${' + key + '}':<{width}}" + "".join(f"  {values[key]:<20}" for _, values in columns).rstrip())


def _peer_settings(path: Path) -> Settings | None:
    if not path.exists():
        return None
    try:
        return load_stack_settings(path)
    except SettingsError:
        return None


def _print_resources(result: Plan) -> None:
    children: dict[str, list[Declared]] = {}
    # By type and name: the mocked engine registers resources concurrently, in a different order each run.
    for resource in sorted(result.resources, key=lambda r: (r.type, r.name)):
        children.setdefault(resource.parent, []).append(resource)
    urns = {x.urn for x in result.resources}
    roots = sorted((r for r in result.resources if r.parent not in urns), key=lambda r: (r.type, r.name))
    print(f"{len(result.resources)} resources:")
    by_urn = {r.urn: r for r in result.resources}
    for resource in roots:
        _print_tree(resource, children, by_urn, depth=0)


def _print_tree(
    resource: Declared, children: dict[str, list[Declared]], by_urn: dict[str, Declared], depth: int
) -> None:
    indent = "  " * depth
    flags = " [protected]" if resource.protect else ""
    print(f"{indent}- {resource.type}  {resource.name}{flags}")
    for line in _key_settings(resource, by_urn):
        print(f"{indent}    {line}")
    for child in children.get(resource.urn, []):
        _print_tree(child, children, by_urn, depth + 1)


def _key_settings(resource: Declared, by_urn: dict[str, Declared]) -> list[str]:
    inputs = resource.inputs
    if resource.type == "kubernetes:helm.sh/v3:Release" and inputs.get("chart") == flux.CHART_NAME:
        values = inputs.get("values", {})
        running = sorted(key for key, value in values.items() if isinstance(value, dict) and value.get("create"))
        return [
            f"chart {inputs.get('chart')} {inputs.get('version')} in namespace {inputs.get('namespace')}",
            f"controllers: {', '.join(running)} (the others off)",
        ]
    if resource.type == GIT_REPOSITORY_TYPE:
        spec = inputs["spec"]
        lines = [f"url: {spec['url']}", f"ref: {_json(spec['ref'])}"]
        return lines + ([f"credentials: Secret {spec['secretRef']['name']}"] if "secretRef" in spec else [])
    if resource.type == flux.KUSTOMIZATION_TYPE and "spec" not in inputs:
        return ["a read of the live object: trafficWeight above 0 needs it Ready"]
    if resource.type == flux.KUSTOMIZATION_TYPE:
        spec = inputs["spec"]
        lines = [f"{key}: {_json(spec[key])}" for key in KUSTOMIZATION_KEYS if key in spec]
        lines += [f"{k}: {v}" for k, v in sorted(inputs["metadata"].get("annotations", {}).items())]
        lines += [f"substitute ${{{k}}} = {_json(v)}" for k, v in sorted(spec["postBuild"]["substitute"].items())]
        return lines
    if resource.type == "kubernetes:helm.sh/v3:Release":
        values = inputs.get("values", {})
        lines = [f"chart {inputs.get('chart')} {inputs.get('version')} in namespace {inputs.get('namespace')}"]
        lines += [f"{key}: {_json(values.get(key))}" for key in EXTERNAL_DNS_KEYS]
        lines += [f"extraArgs: {' '.join(values.get('extraArgs', []))}"]
        return lines
    if resource.type == "kubernetes:networking.k8s.io/v1:Ingress":
        rule = inputs["spec"]["rules"][0]
        backend = rule["http"]["paths"][0]["backend"]["service"]
        lines = [
            f"{rule['host']} -> service {inputs['metadata']['namespace']}/{backend['name']}:{backend['port']['number']}"
        ]
        annotations = inputs["metadata"].get("annotations", {})
        lines += [f"{k}: {v}" for k, v in sorted(annotations.items())]
        lines += _listeners(annotations)
        waits = [by_urn[urn] for urn in sorted(resource.dependencies) if urn in by_urn]
        lines += [
            f"created after Kustomization {k.inputs['metadata']['namespace']}/{k.inputs['metadata']['name']} is Ready"
            for k in waits
            if k.type == flux.KUSTOMIZATION_TYPE
        ]
        return lines
    if resource.type == "aws:route53/record:Record":
        kept = "kept on destroy" if resource.retain_on_delete else "deleted on destroy"
        overwrite = ", overwrites the peer's copy" if inputs.get("allowOverwrite") else ""
        return [
            f"{inputs.get('type')} {inputs.get('name')} -> {', '.join(inputs.get('records', []))} "
            f"(ttl {inputs.get('ttl')}{overwrite}, {kept})"
        ]
    if resource.type == "aws:acm/certificateValidation:CertificateValidation":
        return [f"waits up to {resource.create_timeout or 'the default'} for the certificate to be issued"]
    if resource.type == "aws:iam/rolePolicy:RolePolicy":
        policy = json.loads(inputs["policy"])
        return [f"allow {', '.join(s['Action'])} on {', '.join(s['Resource'])}" for s in policy["Statement"]]
    keys = KEY_INPUTS.get(resource.type, ())
    return [f"{key}: {_json(inputs[key])}" for key in keys if key in inputs]


def _json(value: object) -> str:
    # Keys sorted: the mocked engine resolves inputs concurrently, so a map's order differs from run to run.
    return json.dumps(value, sort_keys=True)


def _listeners(annotations: dict[str, str]) -> list[str]:
    """The listeners the load balancer controller builds from these annotations, in words."""
    ports = json.loads(annotations.get(tls.ALB_ANNOTATION + "listen-ports", '[{"HTTP": 80}]'))
    redirect = annotations.get(tls.ALB_ANNOTATION + "ssl-redirect")
    policy = annotations.get(tls.ALB_ANNOTATION + "ssl-policy", "the controller's default policy")
    listeners = []
    for port in ports:
        for protocol, number in port.items():
            if protocol == "HTTPS":
                listeners.append(f"HTTPS {number} ({policy})")
            elif redirect:
                listeners.append(f"HTTP {number} -> redirect to HTTPS {redirect}")
            else:
                listeners.append(f"HTTP {number}")
    return ["listeners: " + "; ".join(listeners)]
