"""Stack settings: the one place they are declared, read and validated.

`SETTINGS` is the schema: `Pulumi.yaml` and the README's configuration reference are kept in step with
it by a test. `parse` validates a whole stack at once and raises `SettingsError` listing every
problem, so the program stops before it declares anything. It takes values either as YAML typed them
(stack files read by the operator commands) or as the Pulumi CLI hands them to a program (every
scalar a string, lists and maps as JSON), and gives the same answer for both.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bluegreen import dns
from bluegreen.exits import BluegreenError

PROJECT = "eks-bluegreen"
COLORS = ("blue", "green")
MAX_WEIGHT = 255
# The sample stack files' zone id: well-formed, so the offline plan runs, but never a real zone.
PLACEHOLDER_ZONE_PREFIX = "Z0PLACEHOLDER"
# ACM: 10 names per certificate by default, "up to 100" after a quota increase
# (https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html).
MAX_NAMES_PER_CERTIFICATE = 100
EXTERNAL_DNS_POLICIES = ("sync", "upsert-only")
DEFAULT_VPC_CIDRS = {"blue": "10.10.0.0/16", "green": "10.20.0.0/16"}
# The external-dns chart the tests cover (app v0.21.0), and the first one with an `annotationPrefix`
# value: 1.19.x lets that key through its schema, emits no --annotation-prefix, and ExternalDNS then
# ignores every weight annotation (chart CHANGELOG, v1.20.0 "Add option to set annotationPrefix").
EXTERNAL_DNS_CHART_TESTED = "1.21.1"
EXTERNAL_DNS_CHART_MINIMUM = "1.20.0"


@dataclass(frozen=True)
class Setting:
    key: str
    type: str  # as Pulumi.yaml spells it: string, integer, boolean, array, object
    description: str
    default: Any = None
    required: bool = False
    items: str | None = None  # element type of an array
    secret: bool = False  # only accepted encrypted: `pulumi config set --secret`

    @property
    def in_project_file(self) -> bool:
        """Pulumi.yaml can type strings, integers, booleans and arrays of those, not maps."""
        return self.type != "object" and self.items != "object"


SETTINGS: tuple[Setting, ...] = (
    Setting("color", "string", "Which side this stack is: blue or green.", required=True),
    Setting(
        "clusterVersion",
        "string",
        'EKS Kubernetes version, e.g. "1.33" (quoted, so every YAML tool reads 1.30 as written).',
        required=True,
    ),
    Setting(
        "trafficWeight",
        "integer",
        "Route 53 weight of this colour for every shared hostname, an integer 0..255 (0 = no traffic).",
        required=True,
    ),
    Setting("hostedZoneId", "string", "ID of the existing public hosted zone, e.g. Z0123456789ABC.", required=True),
    Setting("domain", "string", "The name of the hosted zone, e.g. example.com.", required=True),
    Setting(
        "endpoints",
        "array",
        "Shared public hostnames: a list of {hostname, service: namespace/name, port}.",
        required=True,
        items="object",
    ),
    Setting("peerStack", "string", "The other colour's stack, for the all-zero guard (empty: the other colour).", ""),
    Setting("allowAllZero", "boolean", "Allow both weights to be 0 (Route 53 then splits traffic equally).", False),
    Setting("vpcId", "string", "Existing VPC to use, with both subnet lists (empty: create a VPC).", ""),
    Setting(
        "publicSubnetIds",
        "array",
        "Public subnets of vpcId (two AZs or more), for internet-facing load balancers.",
        [],
        items="string",
    ),
    Setting(
        "privateSubnetIds",
        "array",
        "Private subnets of vpcId (two AZs or more), for nodes and the cluster.",
        [],
        items="string",
    ),
    Setting(
        "vpcCidr", "string", "CIDR of the VPC this stack creates (empty: 10.10.0.0/16 blue, 10.20.0.0/16 green).", ""
    ),
    Setting(
        "publicAccessCidrs",
        "array",
        "CIDRs allowed to reach the public Kubernetes API endpoint.",
        ["0.0.0.0/0"],
        items="string",
    ),
    Setting(
        "adminRoleArns",
        "array",
        "IAM roles made cluster-admin by EKS access entries (not the role running Pulumi: it is admin already).",
        [],
        items="string",
    ),
    Setting("tags", "object", "Tags added to every AWS resource that takes tags.", {}),
    Setting(
        "externalDnsChartVersion",
        "string",
        f"Version of the official external-dns Helm chart, {EXTERNAL_DNS_CHART_MINIMUM} or later.",
        EXTERNAL_DNS_CHART_TESTED,
    ),
    Setting(
        "externalDnsPolicy",
        "string",
        "ExternalDNS --policy: sync (removes records it owns) or upsert-only.",
        "sync",
    ),
    Setting("externalDnsInterval", "string", "ExternalDNS full-sync interval (Go duration, 1m or more).", "5m"),
    Setting(
        "txtOwnerId",
        "string",
        "ExternalDNS owner id override (empty: eks-bluegreen-<color>); never shared by colours.",
        "",
    ),
    Setting(
        "directHostnames",
        "boolean",
        "Also publish <color>.<hostname> as a simple record for smoke tests.",
        True,
    ),
    Setting("demo", "boolean", "Deploy a small echo app answering with the colour and version.", False),
    Setting(
        "tls",
        "boolean",
        "Serve HTTPS on every hostname (80 redirects to 443); both colours must agree.",
        True,
    ),
    Setting(
        "certificateArn",
        "array",
        "Existing ACM certificate ARNs to serve instead of requesting certificates (empty: request them).",
        [],
        items="string",
    ),
    Setting(
        "certificateNameQuota",
        "integer",
        "Names per requested ACM certificate (ACM's quota, 10 unless raised); more names need more certificates.",
        10,
    ),
    Setting(
        "workloads",
        "object",
        "Git repository Flux applies to this cluster: {url, path, and one of branch, tag or commit}.",
        None,
    ),
    Setting("workloadsUsername", "string", "Username for an https:// workloads repository (secret).", "", secret=True),
    Setting(
        "workloadsToken", "string", "Token or password for an https:// workloads repository (secret).", "", secret=True
    ),
    Setting(
        "workloadsPrivateKey", "string", "SSH private key for an ssh:// workloads repository (secret).", "", secret=True
    ),
    Setting(
        "workloadsKnownHosts",
        "string",
        "known_hosts lines for an ssh:// workloads repository (secret).",
        "",
        secret=True,
    ),
)
SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class Endpoint:
    hostname: str
    namespace: str
    service: str
    port: int


@dataclass(frozen=True)
class Secret:
    """A secret setting's value. `value` is None when it was read still encrypted from a stack file."""

    value: str | None = field(repr=False)

    def __str__(self) -> str:
        return "[secret]"


@dataclass(frozen=True)
class Workloads:
    """The Git repository Flux applies: `ref_kind` is branch, tag or commit."""

    url: str
    path: str
    ref_kind: str
    ref: str
    # Keys of Flux's Git credentials Secret (username/password or identity/known_hosts) to their values.
    credentials: Mapping[str, Secret]


@dataclass(frozen=True)
class Settings:
    color: str
    cluster_version: str
    traffic_weight: int
    hosted_zone_id: str
    domain: str
    endpoints: tuple[Endpoint, ...]
    peer_color: str
    peer_stack: str
    allow_all_zero: bool
    vpc_id: str | None
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...]
    vpc_cidr: str
    public_access_cidrs: tuple[str, ...]
    admin_role_arns: tuple[str, ...]
    tags: Mapping[str, str]
    external_dns_chart_version: str
    external_dns_policy: str
    external_dns_interval: str
    txt_owner_id: str
    direct_hostnames: bool
    demo: bool
    tls: bool = True
    certificate_arns: tuple[str, ...] = ()
    certificate_name_quota: int = 10
    workloads: Workloads | None = None

    @property
    def cluster_name(self) -> str:
        return f"{PROJECT}-{self.color}"

    @property
    def carries_traffic(self) -> bool:
        """A colour above weight 0 is live: its traffic-carrying resources are protected."""
        return self.traffic_weight > 0

    @property
    def hostnames(self) -> tuple[str, ...]:
        return tuple(e.hostname for e in self.endpoints)


@dataclass
class SettingsError(BluegreenError):
    """Every problem found in one stack's settings."""

    problems: list[str] = field(default_factory=list)
    source: str = "stack settings"

    def __str__(self) -> str:
        return self.report()

    def report(self, outcome: str = "") -> str:
        """Every problem on a line of its own, after a first line naming the source (and what that stopped)."""
        lines = [f"{self.source}: {len(self.problems)} problem(s){'; ' + outcome if outcome else ''}"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def shown_value(value: Any) -> str:
    """A value as a message quotes it: strings in quotes, anything else as JSON."""
    return json.dumps(value) if not isinstance(value, str) else repr(value)


class _Reader:
    """Collects problems while reading raw values, so that all of them are reported together."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw = raw
        self.problems: list[str] = []

    def problem(self, key: str, value: Any, allowed: str) -> None:
        self.problems.append(f"{PROJECT}:{key} = {shown_value(value)}: {allowed}")

    def value(self, key: str) -> Any:
        setting = SETTINGS_BY_KEY[key]
        value = self.raw.get(key)
        if value is None:
            if setting.required:
                self.problems.append(f"{PROJECT}:{key} is missing. {setting.description}")
            return setting.default
        return value

    def string(self, key: str, pattern: str | None = None, allowed: str = "") -> str | None:
        value = self.value(key)
        # An empty string is how Pulumi.yaml declares "not set" for an optional key with a derived value.
        if value is None or (value == "" and SETTINGS_BY_KEY[key].default == ""):
            return None
        if not isinstance(value, str):
            self.problem(key, value, f"must be a string{'; ' + allowed if allowed else ''} (quote it in YAML)")
            return None
        if pattern and not re.fullmatch(pattern, value):
            self.problem(key, value, allowed)
            return None
        return value

    def boolean(self, key: str) -> bool:
        value = self.value(key)
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):  # how the Pulumi CLI passes a YAML boolean
            return value == "true"
        self.problem(key, value, "must be true or false, in lower case")
        return bool(SETTINGS_BY_KEY[key].default)

    def structured(self, key: str, kind: type) -> Any:
        """A list or map; the Pulumi CLI passes those to the program as JSON text."""
        value = self.value(key)
        if isinstance(value, str) and value.strip()[:1] in "[{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError as err:
                self.problem(key, value, f"is not valid JSON ({err.msg})")
                return kind()
        if value is None:
            return kind()
        if not isinstance(value, kind):
            noun = "a list" if kind is list else "a map"
            self.problem(key, value, f"must be {noun}")
            return kind()
        return value

    def string_list(self, key: str, pattern: str, allowed: str) -> tuple[str, ...]:
        items = self.structured(key, list)
        good = []
        for item in items:
            if isinstance(item, str) and re.fullmatch(pattern, item):
                good.append(item)
            else:
                self.problem(key, item, allowed)
        if len(set(good)) != len(good):
            self.problem(key, items, "lists an item twice")
        return tuple(good)


def placeholder_zone_problem(zone_id: str) -> str | None:
    """What is wrong with the sample files' `Z0PLACEHOLDER...`, which must never reach AWS, and the fix."""
    if not zone_id.startswith(PLACEHOLDER_ZONE_PREFIX):
        return None
    return (
        f"{PROJECT}:hostedZoneId {zone_id} is the sample's placeholder. Set the ID of your public hosted zone "
        "(`aws route53 list-hosted-zones-by-name --dns-name <domain>`) and commit it."
    )


def parse_weight(value: Any) -> int | None:
    """The weight as an integer 0..255, or None. Never coerces: 1.0, True, "50.5" and " 5" are refused."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"0|[1-9][0-9]{0,2}", value):
        number = int(value)
    else:
        return None
    return number if 0 <= number <= MAX_WEIGHT else None


def weight_rule(value: Any) -> str:
    """Why `value` is not a weight: out of range, or not written as a plain whole number."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if whole or (isinstance(value, str) and re.fullmatch(r"[1-9][0-9]*", value)):
        return f"must be 0..{MAX_WEIGHT}, the range of a Route 53 weight"
    return (
        f"must be a whole number from 0 to {MAX_WEIGHT} written without quotes, sign or decimals "
        "(ExternalDNS would turn anything else into weight 0 and silently drain this colour)"
    )


def weight_problem(value: Any) -> str | None:
    """The message for a trafficWeight value that is not a weight, as the program and every command give it."""
    if parse_weight(value) is not None:
        return None
    return f"{PROJECT}:trafficWeight = {shown_value(value)}: {weight_rule(value)}"


def _unknown_key(key: str) -> str:
    known = difflib.get_close_matches(key, SETTINGS_BY_KEY, n=1, cutoff=0.6)
    if not known:
        known = [k for k in SETTINGS_BY_KEY if k.lower() == key.lower()]
    hint = f"did you mean `{known[0]}`?" if known else f"the settings are {', '.join(SETTINGS_BY_KEY)}"
    return f"{PROJECT}:{key} is not a setting of this program: {hint}"


def _whole_number(value: Any) -> int | None:
    """An integer as YAML types it or as the Pulumi CLI passes it (text); nothing else is coerced."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,4}", value):
        return int(value)
    return None


def version_tuple(version: str) -> tuple[int, ...]:
    """'1.21.1' -> (1, 21, 1), for comparing dotted versions by number."""
    return tuple(int(part) for part in version.split("."))


def _endpoints(reader: _Reader, domain: str | None) -> tuple[Endpoint, ...]:
    items = reader.structured("endpoints", list)
    if reader.raw.get("endpoints") is not None and not items:
        reader.problem("endpoints", items, "must list at least one {hostname, service, port}")
    endpoints: list[Endpoint] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        key = f"endpoints[{index}]"
        if not isinstance(item, dict) or set(item) != {"hostname", "service", "port"}:
            reader.problem(
                key, item, 'must be a map with exactly the keys hostname, service ("namespace/name") and port'
            )
            continue
        hostname, service, port = item["hostname"], item["service"], item["port"]
        ok = True
        name_problems = dns.name_problems(hostname) if isinstance(hostname, str) else ["it is not a string"]
        if name_problems:
            reader.problem(f"{key}.hostname", hostname, "is not a valid host name: " + "; ".join(name_problems))
            ok = False
        elif domain is not None and not dns.is_strictly_below(hostname, domain):
            reader.problem(
                f"{key}.hostname",
                hostname,
                f"must be a name below the zone's domain {domain!r} (the apex itself cannot carry "
                "ExternalDNS's ownership TXT record)",
            )
            ok = False
        elif len(dns.LONGEST_TXT_TYPE_PREFIX + dns.labels(hostname)[0]) > dns.MAX_LABEL_LENGTH:
            reader.problem(
                f"{key}.hostname",
                hostname,
                f"first label must be at most {dns.MAX_LABEL_LENGTH - len(dns.LONGEST_TXT_TYPE_PREFIX)} characters, "
                f"so ExternalDNS's TXT record name ({dns.LONGEST_TXT_TYPE_PREFIX}<label>) fits in a DNS label",
            )
            ok = False
        if not (
            isinstance(service, str)
            and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?", service)
        ):
            reader.problem(f"{key}.service", service, 'must be "namespace/name" of a Kubernetes Service')
            ok = False
        port_number = port if isinstance(port, int) and not isinstance(port, bool) else None
        if port_number is None or not 1 <= port_number <= 65535:
            reader.problem(f"{key}.port", port, "must be an integer port 1..65535")
            ok = False
        if not ok:
            continue
        normal = dns.normalize(hostname)
        if normal in seen:
            reader.problem(f"{key}.hostname", hostname, "is listed twice; each hostname may appear once")
            continue
        seen.add(normal)
        namespace, name = service.split("/")
        endpoints.append(Endpoint(normal, namespace, name, int(port)))
    return tuple(endpoints)


WORKLOADS_REF_KINDS = ("branch", "tag", "commit")
# The keys of Flux's Git credentials Secret per URL scheme, and the settings that fill them
# (source-controller docs/spec/v1/gitrepositories.md: basic access and SSH authentication).
WORKLOADS_CREDENTIALS = {
    "https": {"username": "workloadsUsername", "password": "workloadsToken"},
    "ssh": {"identity": "workloadsPrivateKey", "known_hosts": "workloadsKnownHosts"},
}


def _secret(reader: _Reader, key: str) -> Secret | None:
    """A secret setting: a Secret from the program, `{secure: ...}` from a stack file; never plain text."""
    value = reader.raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, Secret):
        return value
    if isinstance(value, Mapping) and set(value) == {"secure"}:
        return Secret(None)
    # The value itself is never repeated in the message: it is a credential.
    reader.problems.append(
        f"{PROJECT}:{key} is set in plain text: remove it from the stack file and run "
        f"`pulumi config set --secret {PROJECT}:{key}` so that it is stored encrypted"
    )
    return Secret(None)  # given, though refused: no second problem about a missing credential


def _workloads_url(reader: _Reader, url: Any) -> str | None:
    scp = re.fullmatch(r"([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!//)/?(\S+)", url) if isinstance(url, str) else None
    if scp:
        user, host, path = scp.groups()
        reader.problem(
            "workloads.url",
            url,
            f"Flux does not accept the scp-like form; write it as 'ssh://{user}@{host}/{path}'",
        )
        return None
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in WORKLOADS_CREDENTIALS or not parts.hostname or parts.path in ("", "/"):
        reader.problem(
            "workloads.url",
            url,
            "must be a Git repository URL starting with https:// or ssh://, e.g. https://github.com/org/repo",
        )
        return None
    if parts.password is not None or (parts.scheme == "https" and parts.username is not None):
        reader.problem(
            "workloads.url",
            url,
            "must not carry credentials; set them with `pulumi config set --secret` (workloadsUsername, ...)",
        )
        return None
    return url


def _workloads(reader: _Reader) -> Workloads | None:
    raw = reader.raw.get("workloads")
    secrets = {key: _secret(reader, key) for settings in WORKLOADS_CREDENTIALS.values() for key in settings.values()}
    if raw is None or raw == "":
        for key, secret in secrets.items():
            if secret is not None:
                reader.problem(key, "[secret]", "applies only when workloads is set; remove it")
        return None
    known_problems = len(reader.problems)
    item = reader.structured("workloads", dict)
    if len(reader.problems) > known_problems:  # not a map
        return None
    refs = [kind for kind in WORKLOADS_REF_KINDS if kind in item]
    unknown = set(item) - {"url", "path", *WORKLOADS_REF_KINDS}
    if unknown or len(refs) != 1 or "url" not in item or "path" not in item:
        reader.problem(
            "workloads",
            item,
            "must be a map with url, path and exactly one of branch, tag or commit "
            "(pin the live colour to a tag or commit)",
        )
        return None
    url = _workloads_url(reader, item["url"])
    path = item["path"]
    if not (
        isinstance(path, str)
        and re.fullmatch(r"(\./)?([A-Za-z0-9_][A-Za-z0-9._-]*/?)*", path)
        and ".." not in path.split("/")
    ):
        reader.problem(
            "workloads.path", path, "must be a folder inside the repository, e.g. ./workloads (no .. nor leading /)"
        )
        path = None
    (kind,) = refs
    ref = item[kind]
    pattern = r"[0-9a-f]{40}|[0-9a-f]{64}" if kind == "commit" else r"[A-Za-z0-9_][A-Za-z0-9._/-]*"
    if not (isinstance(ref, str) and re.fullmatch(pattern, ref)) or ".." in str(ref):
        allowed = (
            "must be a full lowercase commit SHA (40 hex digits, or 64 for SHA-256)"
            if kind == "commit"
            else f"must be a {kind} name such as {'main' if kind == 'branch' else 'v1.2.3'}"
        )
        reader.problem(f"workloads.{kind}", ref, allowed)
        ref = None
    if url is None or path is None or ref is None:
        return None
    scheme = urlsplit(url).scheme
    credentials = {name: secrets[key] for name, key in WORKLOADS_CREDENTIALS[scheme].items()}
    for other, settings in WORKLOADS_CREDENTIALS.items():
        for key in settings.values() if other != scheme else ():
            if secrets[key] is not None:
                reader.problem(key, "[secret]", f"applies only to an {other}:// url, and workloads.url is {scheme}://")
    given = {name: secret for name, secret in credentials.items() if secret is not None}
    if scheme == "ssh" and len(given) < len(credentials):
        reader.problems.append(
            f"{PROJECT}:workloadsPrivateKey and {PROJECT}:workloadsKnownHosts are both needed for an ssh:// url: "
            f"`pulumi config set --secret {PROJECT}:workloadsPrivateKey < key` and likewise workloadsKnownHosts "
            "with the output of `ssh-keyscan <host>`"
        )
    elif scheme == "https" and len(given) == 1:
        reader.problems.append(
            f"{PROJECT}:workloadsUsername and {PROJECT}:workloadsToken go together for an https:// url; "
            "set both with `pulumi config set --secret`, or neither for a public repository"
        )
    normal_path = "./" + path.removeprefix("./").rstrip("/")
    return Workloads(url=url, path=normal_path, ref_kind=kind, ref=ref, credentials=given)


def cluster_version_rule(value: Any) -> str:
    """What clusterVersion must be, said for the value given: a minor without two digits ("1.3") is named as such."""
    if isinstance(value, str) and (minor := re.fullmatch(r"1\.([0-9]+)", value)):
        # Every EKS minor version has two digits (1.23 ... 1.34); a one-digit one is most likely a dropped 0.
        guess = f': did you mean "1.{minor[1]}0"?' if len(minor[1]) == 1 else ""
        return f'EKS minor versions have two digits, like "1.33"{guess}'
    return 'must be an EKS version, major.minor, like "1.33"'


def parse(raw: Mapping[str, Any], source: str = "stack settings") -> Settings:
    """Validate one stack's settings (keys without the `eks-bluegreen:` namespace)."""
    reader = _Reader(raw)
    for key in raw:
        if key not in SETTINGS_BY_KEY:
            reader.problems.append(_unknown_key(key))

    color = reader.string("color", "blue|green", "must be blue or green")
    version = reader.string("clusterVersion", r"1\.[0-9]{2}", cluster_version_rule(raw.get("clusterVersion")))
    weight_raw = reader.value("trafficWeight")
    weight = parse_weight(weight_raw)
    if weight_raw is not None and (problem := weight_problem(weight_raw)):
        reader.problems.append(problem)
    zone_id = reader.string(
        "hostedZoneId",
        r"Z[A-Z0-9]{1,31}",
        "must be a bare Route 53 hosted zone id like Z0123456789ABCDEFGHIJ",
    )
    domain = reader.string("domain")
    if domain is not None and (problems := dns.name_problems(domain)):
        reader.problem("domain", domain, "is not a valid DNS name: " + "; ".join(problems))
        domain = None
    elif domain is not None and len(dns.labels(domain)) < 2:
        reader.problem("domain", domain, "must be a zone name such as example.com, not a top-level domain")
        domain = None
    endpoints = _endpoints(reader, dns.normalize(domain) if domain else None)

    peer_color = "green" if color == "blue" else "blue"
    peer_stack = reader.string("peerStack", r"[A-Za-z0-9._/-]+", "must be a stack name like green or org/project/green")
    allow_all_zero = reader.boolean("allowAllZero")

    vpc_id = reader.string("vpcId", r"vpc-[0-9a-f]{8,17}", "must be a VPC id like vpc-0123456789abcdef0")
    subnet = r"subnet-[0-9a-f]{8,17}"
    public_subnets = reader.string_list("publicSubnetIds", subnet, "must be a subnet id like subnet-0123456789abcdef0")
    private_subnets = reader.string_list(
        "privateSubnetIds", subnet, "must be a subnet id like subnet-0123456789abcdef0"
    )
    if vpc_id is None and not reader.raw.get("vpcId") and (public_subnets or private_subnets):
        reader.problem("vpcId", None, "must be set when publicSubnetIds or privateSubnetIds are given")
    if vpc_id is not None:
        # An ALB and an EKS cluster each need subnets in two Availability Zones (checked at preview).
        for key, subnets, use in (
            ("publicSubnetIds", public_subnets, "internet-facing load balancers"),
            ("privateSubnetIds", private_subnets, "the cluster and its nodes"),
        ):
            if len(subnets) < 2:
                reader.problem(key, list(subnets), f"must list at least two subnets in different AZs, for {use}")
        if set(public_subnets) & set(private_subnets):
            reader.problem("publicSubnetIds", list(public_subnets), "must not share subnets with privateSubnetIds")
    vpc_cidr = reader.string("vpcCidr")
    if vpc_cidr is not None and vpc_id is not None:
        reader.problem("vpcCidr", vpc_cidr, "applies only to a VPC this stack creates; remove it or vpcId")
    if vpc_cidr is not None and not _is_private_network(vpc_cidr, min_prefix=16, max_prefix=20):
        reader.problem("vpcCidr", vpc_cidr, "must be a private IPv4 CIDR from /16 to /20, e.g. 10.30.0.0/16")

    cidrs = reader.structured("publicAccessCidrs", list)
    for cidr in cidrs:
        if not (isinstance(cidr, str) and _is_network(cidr)):
            reader.problem("publicAccessCidrs", cidr, "must be an IPv4 CIDR like 203.0.113.0/24")
    if isinstance(cidrs, list) and not cidrs:
        reader.problem("publicAccessCidrs", cidrs, "must list at least one CIDR (the API endpoint is public)")
    admin_roles = reader.string_list(
        "adminRoleArns", r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+", "must be an IAM role ARN"
    )
    tags = reader.structured("tags", dict)
    for tag_key, tag_value in tags.items():
        if not isinstance(tag_value, str) or not 1 <= len(tag_key) <= 128 or len(tag_value) > 256:
            reader.problem(
                f"tags.{tag_key}",
                tag_value,
                "tags map strings (key 1-128, value 0-256 characters) to strings",
            )

    chart_version = reader.string(
        "externalDnsChartVersion", r"[0-9]+\.[0-9]+\.[0-9]+", "must be a chart version like 1.21.1"
    )
    if chart_version is not None and version_tuple(chart_version) < version_tuple(EXTERNAL_DNS_CHART_MINIMUM):
        reader.problem(
            "externalDnsChartVersion",
            chart_version,
            f"must be {EXTERNAL_DNS_CHART_MINIMUM} or later: older charts have no annotationPrefix value, so "
            f"ExternalDNS would ignore every weight annotation (use {EXTERNAL_DNS_CHART_TESTED})",
        )
        chart_version = None
    policy = reader.string(
        "externalDnsPolicy",
        "|".join(EXTERNAL_DNS_POLICIES),
        "must be sync or upsert-only (create-only would never apply a weight change)",
    )
    interval = reader.string(
        "externalDnsInterval",
        r"([1-9][0-9]*h)?([0-9]+m)?",
        "must be a Go duration in whole minutes or hours, at least 1m (e.g. 5m, 1h); "
        "Route 53 allows 5 requests/s per account",
    )
    if interval == "" or interval == "0m":
        reader.problem("externalDnsInterval", interval, "must be at least 1m")
    owner_id = reader.string(
        "txtOwnerId",
        r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}",
        "must be 1-63 letters, digits, dots, dashes or underscores",
    )
    if owner_id is not None and owner_id == "default":
        reader.problem("txtOwnerId", owner_id, "must not be ExternalDNS's shared default 'default'")
    if owner_id is not None and color is not None and owner_id == dns.default_owner_id(PROJECT, peer_color):
        reader.problem(
            "txtOwnerId", owner_id, f"is the {peer_color} stack's owner id; two colours must never share one"
        )
    direct = reader.boolean("directHostnames")
    demo = reader.boolean("demo")
    tls = reader.boolean("tls")
    # A single ARN written as a string is accepted too: the common case is one certificate.
    if isinstance(reader.raw.get("certificateArn"), str) and not reader.raw["certificateArn"].startswith("["):
        reader.raw = {**reader.raw, "certificateArn": [reader.raw["certificateArn"]]}
    certificate_arns = reader.string_list(
        "certificateArn",
        r"arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+",
        "must be an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/<id>",
    )
    if certificate_arns and not tls:
        reader.problem("certificateArn", list(certificate_arns), "serves HTTPS: remove it or set tls: true")
    quota_raw = reader.value("certificateNameQuota")
    quota = _whole_number(quota_raw)
    if quota is None or not 1 <= quota <= MAX_NAMES_PER_CERTIFICATE:
        reader.problem(
            "certificateNameQuota",
            quota_raw,
            f"must be a whole number from 1 to {MAX_NAMES_PER_CERTIFICATE}: ACM's names-per-certificate quota "
            "of your account (10 unless you had it raised)",
        )
        quota = 10
    workloads = _workloads(reader)
    if demo and workloads is not None:
        reader.problem(
            "demo",
            True,
            "cannot be combined with workloads (both would make the demo app's objects); "
            "set demo to false and let the workloads repository deliver the app",
        )

    if reader.problems:
        raise SettingsError(reader.problems, source)
    assert color and version and weight is not None and zone_id and domain and policy and interval and chart_version
    return Settings(
        color=color,
        cluster_version=version,
        traffic_weight=weight,
        hosted_zone_id=zone_id,
        domain=dns.normalize(domain),
        endpoints=endpoints,
        peer_color=peer_color,
        peer_stack=peer_stack or peer_color,
        allow_all_zero=allow_all_zero,
        vpc_id=vpc_id,
        public_subnet_ids=public_subnets,
        private_subnet_ids=private_subnets,
        vpc_cidr=vpc_cidr or DEFAULT_VPC_CIDRS[color],
        public_access_cidrs=tuple(cidrs),
        admin_role_arns=admin_roles,
        tags=dict(tags),
        external_dns_chart_version=chart_version,
        external_dns_policy=policy,
        external_dns_interval=interval,
        txt_owner_id=owner_id or dns.default_owner_id(PROJECT, color),
        direct_hostnames=direct,
        demo=demo,
        tls=tls,
        certificate_arns=certificate_arns,
        certificate_name_quota=quota,
        workloads=workloads,
    )


def _is_network(cidr: str) -> bool:
    try:
        ipaddress.IPv4Network(cidr)
    except ValueError:
        return False
    return "/" in cidr


def _is_private_network(cidr: str, min_prefix: int, max_prefix: int) -> bool:
    if not _is_network(cidr):
        return False
    network = ipaddress.IPv4Network(cidr)
    return network.is_private and min_prefix <= network.prefixlen <= max_prefix


def project_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """This project's settings without the `eks-bluegreen:` namespace; other namespaces dropped."""
    prefix = f"{PROJECT}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def to_pulumi_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Stack-file config as the Pulumi CLI hands it to a program: scalars as text, lists and maps as JSON."""

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | dict):
            return json.dumps(value)
        return str(value)

    return {key: text(value) for key, value in config.items()}
