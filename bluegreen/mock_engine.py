"""Run the Pulumi program offline, under `pulumi.runtime.set_mocks`, and record what it declares.

Nothing here talks to AWS or Kubernetes: `FakeCloud` answers the program's few look-ups (partition,
region, hosted zone, subnet tags, the peer stack's outputs) from a `Scenario`, and gives each
resource back its own inputs plus the outputs the program reads (a kubeconfig, VPC ids). Each
resource is recorded with what the program sent to the engine: parent, protect, dependencies, inputs.
The operator command `bluegreen plan` and the tests both use this module.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import runpy
import sys
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks
from pulumi.runtime.settings import _get_rpc_manager
from pulumi.runtime.stack import run_pulumi_func, wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from bluegreen import delegation
from bluegreen.settings import PROJECT, Secret, to_pulumi_config

STACK_TYPE = "pulumi:pulumi:Stack"
# How a secret is shown, and what the program gets offline for a `secure:` value of a stack file
# (the Pulumi CLI would decrypt it; offline there is no key).
SECRET_SHOWN = "[secret]"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
CERTIFICATE_TYPE = "aws:acm/certificate:Certificate"
ACCOUNT = "123456789012"
ZONE_NAME_SERVERS = ("ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net")
KUSTOMIZATION_TYPE = "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization"


# The account the offline plan pretends to run in (AWS's documentation example account).
ACCOUNT_ID = "123456789012"

# A deployed peer that carries traffic and publishes what the sample stack files do.
HEALTHY_PEER_OUTPUTS = {
    "trafficWeight": 1,
    "hostnames": ["app.example.com"],
    "domain": "example.com",
    "hostedZoneId": "Z0PLACEHOLDER0000000",
    "tls": True,
}


@dataclass
class Scenario:
    """What the offline cloud answers. The defaults describe a healthy account."""

    zone_name: str | None = None  # None: the zone is named like the stack's domain
    # Outputs of the deployed peer stack; None means the peer stack does not exist.
    peer_outputs: Mapping[str, Any] | None = field(default_factory=lambda: dict(HEALTHY_PEER_OUTPUTS))
    subnets_missing_role_tag: frozenset[str] = frozenset()
    # Availability Zone of a looked-up subnet; unlisted subnets are spread over zones a, b and c by the
    # last hex digit of their id.
    subnet_zones: Mapping[str, str] = field(default_factory=dict)
    preview: bool = True
    # What the public DNS answers for the domain's NS records; None: the resolver cannot be reached.
    delegated_name_servers: frozenset[str] | None = frozenset(ZONE_NAME_SERVERS)
    # Certificates that exist in ACM, by ARN: {"status": ..., "domainName": ..., "subjectAlternativeNames": [...]}.
    existing_certificates: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The workloads Kustomization as it is in the cluster (read by the live-status gate); None: it does
    # not exist yet, so a preview that creates it does not know its id.
    kustomization: Mapping[str, Any] | None = field(default_factory=lambda: ready_kustomization())


def ready_kustomization(generation: int = 1) -> dict[str, Any]:
    """A live Kustomization that Flux reconciled and found healthy."""
    ready = {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision"}
    return {"metadata": {"generation": generation}, "status": {"observedGeneration": generation, "conditions": [ready]}}


@dataclass
class Declared:
    urn: str
    type: str
    name: str
    parent: str  # URN of the parent, "" for the stack itself
    custom: bool
    protect: bool
    dependencies: list[str]
    inputs: dict[str, Any]
    retain_on_delete: bool = False
    create_timeout: str = ""  # a custom create timeout, e.g. "30m"
    update_timeout: str = ""
    delete_timeout: str = ""


@dataclass
class Plan:
    stack: str
    resources: list[Declared]
    outputs: dict[str, Any]
    error: str | None = None  # why the program stopped, as the user would read it
    messages: list[str] = field(default_factory=list)  # what the program logged (pulumi.log)

    def of_type(self, type_: str) -> list[Declared]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> Declared:
        (found,) = self.of_type(type_)
        return found

    def by_urn(self, urn: str) -> Declared:
        return next(r for r in self.resources if r.urn == urn)

    def ancestors(self, resource: Declared) -> list[Declared]:
        chain = []
        while resource.parent and (parent := self.by_urn_or_none(resource.parent)):
            chain.append(parent)
            resource = parent
        return chain

    def by_urn_or_none(self, urn: str) -> Declared | None:
        return next((r for r in self.resources if r.urn == urn), None)


class FakeCloud(pulumi.runtime.Mocks):
    def __init__(self, config: Mapping[str, Any], scenario: Scenario):
        self.config = config
        self.scenario = scenario

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        region = str(self.config.get("aws:region", "us-east-1"))
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/offline", "userId": "offline"}, []
        if args.token == "aws:index/getRegion:getRegion":
            return {"region": region, "name": region, "id": region}, []
        if args.token == "aws:route53/getZone:getZone":
            name = self.scenario.zone_name or str(self.config.get(f"{PROJECT}:domain", ""))
            zone_id = args.args.get("zoneId")
            return {"zoneId": zone_id, "name": name, "id": zone_id, "nameServers": list(ZONE_NAME_SERVERS)}, []
        if args.token == "aws:ec2/getSubnet:getSubnet":
            subnet = str(args.args["id"])
            tags = {} if subnet in self.scenario.subnets_missing_role_tag else {"kubernetes.io/role/elb": "1"}
            zone = self.scenario.subnet_zones.get(subnet) or region + "abc"[int(subnet[-1], 16) % 3]
            return {"id": subnet, "tags": tags, "availabilityZone": zone}, []
        raise NotImplementedError(f"the offline plan has no answer for {args.token}")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # A custom resource echoes its inputs; a remote component (eks, awsx) only what the program reads.
        outputs = dict(args.inputs) if args.custom else {}
        if args.typ == STACK_REFERENCE_TYPE:
            if self.scenario.peer_outputs is None:
                # The engine's words for a stack reference to a stack that does not exist.
                raise RuntimeError(f'Preview failed: unknown stack "{args.name}"')
            outputs = {"name": args.name, "outputs": dict(self.scenario.peer_outputs), "secretOutputNames": []}
        elif args.typ == KUSTOMIZATION_TYPE and args.resource_id:  # a read of the live object
            outputs = dict(self.scenario.kustomization or ready_kustomization())
        elif args.typ == KUSTOMIZATION_TYPE and self.scenario.kustomization is None and self.scenario.preview:
            return None, outputs  # to be created: its id is unknown until it exists
        elif args.typ == "eks:index:Cluster":
            outputs["kubeconfigJson"] = '{"apiVersion": "v1", "kind": "Config", "clusters": []}'
        elif args.typ == CERTIFICATE_TYPE and args.resource_id:  # aws.acm.Certificate.get of an existing one
            if args.resource_id not in self.scenario.existing_certificates:
                raise RuntimeError(f"reading {CERTIFICATE_TYPE} {args.resource_id!r}: no such certificate")
            outputs = {"arn": args.resource_id, **self.scenario.existing_certificates[args.resource_id]}
        elif args.typ == CERTIFICATE_TYPE and not self.scenario.preview:
            # A deployed certificate: its ARN and one validation CNAME per name (a wildcard shares its base's).
            region = str(self.config.get("aws:region", "us-east-1"))
            outputs["arn"] = f"arn:aws:acm:{region}:{ACCOUNT}:certificate/{args.name}"
            names = [args.inputs["domainName"], *args.inputs.get("subjectAlternativeNames", [])]
            # The provider documents the options as a set: hand them back in another order than asked.
            outputs["domainValidationOptions"] = [_validation_option(name) for name in reversed(names)]
        elif args.typ == "aws:route53/record:Record" and not self.scenario.preview:
            outputs["fqdn"] = str(args.inputs["name"]).rstrip(".")
        elif args.typ == "awsx:ec2:Vpc":
            outputs.update(
                vpcId="vpc-0fa1e0000000000aa",
                publicSubnetIds=["subnet-0a00000000000000a", "subnet-0b00000000000000b"],
                privateSubnetIds=["subnet-0c00000000000000c", "subnet-0d00000000000000d"],
            )
        return f"{args.name}-id", outputs


def _validation_option(name: str) -> dict[str, str]:
    """ACM's validation CNAME for a name, the same for every certificate of the account and for `*.name`."""
    base = name.removeprefix("*.")
    token = f"{zlib.crc32(base.encode()):08x}"
    return {
        "domainName": name,
        "resourceRecordName": f"_{token}.{base}.",
        "resourceRecordType": "CNAME",
        "resourceRecordValue": f"_{token[::-1]}.acm-validations.aws.",
    }


class RecordingMonitor(mocks.MockMonitor):
    """The mock monitor, also keeping the resource options the program sent (parent, protect, deps)."""

    def __init__(self, cloud: FakeCloud):
        super().__init__(cloud)
        self.declared: list[Declared] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine leaves the root stack's type out of its children's URNs (pulumi/pulumi
        # sdk/go/common/resource/urn.go, NewURN: `parentType != RootStackType`); the SDK's mock monitor does
        # not, so without this every top-level component's URN would differ from the deployed one.
        if parent.split("::")[2:3] == [STACK_TYPE]:
            parent = ""
        return super().make_urn(parent, type_, name)

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != STACK_TYPE:
            self._record(response.urn, request, request.object, custom=request.custom, protect=request.protect)
        return response

    def ReadResource(self, request):  # noqa: N802
        response = super().ReadResource(request)
        self._record(response.urn, request, request.properties, custom=True, protect=False)
        return response

    def _record(self, urn: str, request: Any, properties: Any, custom: bool, protect: bool) -> None:
        inputs = pulumi.runtime.rpc.deserialize_properties(properties)
        self.declared.append(
            Declared(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(custom),
                protect=bool(protect),
                dependencies=list(getattr(request, "dependencies", [])),
                inputs=_plain(inputs),
                retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                create_timeout=request.customTimeouts.create if hasattr(request, "customTimeouts") else "",
                update_timeout=request.customTimeouts.update if hasattr(request, "customTimeouts") else "",
                delete_timeout=request.customTimeouts.delete if hasattr(request, "customTimeouts") else "",
            )
        )


class _MessageLog(logging.Logger):
    """Keeps what the program logs through the mocked engine (info and above)."""

    def __init__(self) -> None:
        super().__init__("bluegreen.mock_engine", logging.INFO)
        self.messages: list[str] = []

    def handle(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def _plain(value: Any) -> Any:
    """Inputs without the unknown-value sentinels of a preview, secrets hidden, for printing and comparing."""
    if pulumi.runtime.rpc.is_rpc_secret(value):
        return SECRET_SHOWN
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, pulumi.output.Unknown) or value == pulumi.runtime.rpc.UNKNOWN:
        return "(known after deploy)"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf carries every number as a double
    return value


def _secret_keys(config: Mapping[str, Any]) -> list[str]:
    """Keys the Pulumi CLI would mark secret: a stack file's `secure:` values (and decrypted Secrets, in tests)."""
    return [key for key, value in config.items() if isinstance(value, Secret) or _is_secure(value)]


def _decrypted(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config as the program gets it; a `secure:` value cannot be decrypted offline and is shown as secret."""
    return {
        key: (value.value or SECRET_SHOWN)
        if isinstance(value, Secret)
        else SECRET_SHOWN
        if _is_secure(value)
        else value
        for key, value in config.items()
    }


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}


def run_program(config: Mapping[str, Any], stack: str, project_dir: Path, scenario: Scenario | None = None) -> Plan:
    """Evaluate __main__.py for one stack's config (as a stack file types it) and return what it declares.

    When the program stops (invalid settings, a failed guard check) the plan holds the message in
    `error`, with whatever was declared before it stopped.
    """
    scenario = scenario or Scenario()
    # Each run happens in a forked child: the Pulumi SDK keeps process-wide state (root resource,
    # config, pending tasks of a run that stopped early) that must not leak into the next run.
    # The parent has imported the SDKs but never run them, so the child starts clean and fast.
    _import_components(project_dir)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as child:
        result, loaded = child.submit(_run_in_child, dict(config), stack, project_dir, scenario).result()
    # The SDKs load their submodules lazily, on first use: load in the parent what the child needed,
    # so that the next child inherits them instead of importing them again.
    for name in loaded:
        _load_through_attributes(name)
    return result


def _load_through_attributes(name: str) -> None:
    """Load a lazily imported SDK module the way the program does: by attribute access from its package."""
    top, *parts = name.split(".")
    module: Any = importlib.import_module(top)
    for part in parts:
        module = getattr(module, part, None)
        if module is None:
            return
        getattr(module, "__name__", None)  # a lazy module loads on its first attribute access


def _run_in_child(config: dict[str, Any], stack: str, project_dir: Path, scenario: Scenario) -> tuple[Plan, list[str]]:
    before = set(sys.modules)
    result = _run(config, stack, project_dir, scenario)
    return result, sorted(name for name in set(sys.modules) - before if name.startswith("pulumi"))


def _import_components(project_dir: Path) -> None:
    """Import the program's components (and so the SDKs) once, in the parent, for every child to share."""
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    for module in sorted((project_dir / "components").glob("*.py")):
        importlib.import_module(f"components.{module.stem}")


def _delegation_answer(scenario: Scenario) -> Callable[[str], set[str]]:
    def lookup(domain: str) -> set[str]:
        if scenario.delegated_name_servers is None:
            raise delegation.LookupFailed("Timeout: the offline plan has no resolver")
        return set(scenario.delegated_name_servers)

    return lookup


def _settle_registrations() -> None:
    """Let every registration still under way finish (or fail) once the program has stopped.

    The SDK stops waiting at the first failed RPC (pulumi/runtime/stack.py, wait_for_rpcs), so what was
    recorded would depend on the order the engine happened to run them: a stopped plan would list a
    resource on one run and not on the next.
    """
    while _get_rpc_manager().rpcs:
        try:
            _sync_await(wait_for_rpcs(await_all_outstanding_tasks=False))
        except Exception:  # noqa: BLE001, S112 - the failures are the program's, already reported
            continue


def _run(config: dict[str, Any], stack: str, project_dir: Path, scenario: Scenario) -> Plan:
    cloud = FakeCloud(config, scenario)
    monitor = RecordingMonitor(cloud)
    log = _MessageLog()
    pulumi.runtime.set_mocks(cloud, project=PROJECT, stack=stack, preview=scenario.preview, monitor=monitor, logger=log)
    pulumi.runtime.set_all_config(to_pulumi_config(_decrypted(config)), _secret_keys(config))
    # The program's one DNS look-up, answered like an invoke (this runs in a throw-away child process).
    delegation.lookup_name_servers = _delegation_answer(scenario)
    program = str(project_dir / "__main__.py")

    def evaluate() -> None:
        runpy.run_path(program, run_name="__main__")

    try:
        _sync_await(run_pulumi_func(evaluate))
    except Exception as error:  # noqa: BLE001 - the program's failure is the plan's result
        _settle_registrations()
        return Plan(stack=stack, resources=monitor.declared, outputs={}, error=str(error), messages=log.messages)
    root = pulumi.runtime.settings.get_root_resource()
    outputs = {}
    for name, value in getattr(root, "outputs", {}).items():
        outputs[name] = _sync_await(pulumi.Output.from_input(value).future())
    return Plan(stack=stack, resources=monitor.declared, outputs=outputs, messages=log.messages)
