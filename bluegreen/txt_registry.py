"""ExternalDNS's TXT registry as it appears in Route 53: ownership record names and values.

Rules follow external-dns `registry/mapper/mapper.go` (`ToTXTName`), `registry/txt/registry.go`
(`Records`, `generateTXTRecordWithFilter`) and `endpoint/labels.go`; the cases the tests check are
copied, with their sources, into tests/fixtures/external_dns_txt_naming.json. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bluegreen import dns

HERITAGE = "external-dns"
RECORD_TYPE_TEMPLATE = "%{record_type}"

# ExternalDNS v0.21.0 (chart 1.21.1, what the stacks deploy) names the TXT of an alias A record
# "cname-<name>"; v0.22 writes "a-<name>" but still reads "cname-", so "cname" suits both.
ALIAS_A_TXT_TYPE = "CNAME"

# The record types our hostnames are published as (an ALB target becomes alias A + alias AAAA; any
# other target a CNAME).
ANSWER_TYPES = ("A", "AAAA", "CNAME")


@dataclass(frozen=True)
class TxtNaming:
    """--txt-prefix / --txt-suffix of one ExternalDNS deployment (the stacks set neither)."""

    prefix: str = ""
    suffix: str = ""

    def __post_init__(self) -> None:
        if self.prefix and self.suffix:
            raise ValueError("ExternalDNS refuses --txt-prefix together with --txt-suffix")

    @property
    def _type_in_affix(self) -> bool:
        return RECORD_TYPE_TEMPLATE in self.prefix or RECORD_TYPE_TEMPLATE in self.suffix

    def _join(self, prefix: str, first_label: str, suffix: str, rest: str) -> str:
        label = prefix.lower() + first_label + suffix.lower()
        return f"{label}.{rest}" if rest else label

    def txt_name(self, name: str, record_type: str) -> str:
        """The typed TXT name ExternalDNS writes for (name, record type): `a-app.example.com` by default."""
        first, _, rest = dns.normalize(name).partition(".")
        rtype = record_type.lower()
        prefix = self.prefix.replace(RECORD_TYPE_TEMPLATE, rtype)
        suffix = self.suffix.replace(RECORD_TYPE_TEMPLATE, rtype)
        if not self._type_in_affix:
            first = f"{rtype}-{first}"
        return self._join(prefix, first, suffix, rest)

    def legacy_txt_name(self, name: str) -> str:
        """The untyped TXT name of registries older than v0.12, still read for every type but AAAA."""
        first, _, rest = dns.normalize(name).partition(".")
        prefix = self.prefix.replace(RECORD_TYPE_TEMPLATE, "")
        suffix = self.suffix.replace(RECORD_TYPE_TEMPLATE, "")
        return self._join(prefix, first, suffix, rest)

    def ownership_lookup(self, name: str, record_type: str, alias: bool) -> list[str]:
        """TXT names ExternalDNS reads the owner of (name, type) from, in order of preference.

        Typed first; for an alias A record the v0.21 `cname-` name next; the legacy untyped name last,
        except for AAAA. Each is looked up with the record's own set identifier.
        """
        names = [self.txt_name(name, record_type)]
        if alias and record_type == "A":
            names.append(self.txt_name(name, ALIAS_A_TXT_TYPE))
        if record_type != "AAAA":
            names.append(self.legacy_txt_name(name))
        return names

    def all_txt_names(self, name: str) -> list[str]:
        """Every TXT name that can hold ownership of an A, AAAA or CNAME record at `name`."""
        names = [self.txt_name(name, rtype) for rtype in ANSWER_TYPES]
        return [*dict.fromkeys([*names, self.legacy_txt_name(name)])]


def written_txt_type(record_type: str, alias: bool) -> str:
    """The type in the TXT name ExternalDNS v0.21 writes for a record: alias A records use `cname`."""
    return ALIAS_A_TXT_TYPE if alias and record_type == "A" else record_type


def ownership_value(owner_id: str, resource: str) -> str:
    """The quoted TXT value ExternalDNS writes: heritage first, then its labels sorted by key."""
    labels = {"owner": owner_id, "resource": resource}
    tokens = [f"heritage={HERITAGE}"] + [f"{HERITAGE}/{key}={labels[key]}" for key in sorted(labels)]
    return '"' + ",".join(tokens) + '"'


def parse_ownership(value: str) -> dict[str, str] | None:
    """The labels of an ownership TXT value (e.g. {"owner": ..., "resource": ...}), or None if it is not one.

    Mirrors `NewLabelsFromStringPlain`: quotes dropped, tokens without exactly one `=` skipped, and a
    value without `heritage=external-dns` is not ExternalDNS's. Encrypted values are not read.
    """
    labels: dict[str, str] = {}
    found_heritage = False
    for token in value.strip('"').split(","):
        parts = token.split("=")
        if len(parts) != 2:
            continue
        key, val = parts
        if key == "heritage":
            if val != HERITAGE:
                return None
            found_heritage = True
        elif key.startswith(HERITAGE + "/"):
            labels[key[len(HERITAGE) + 1 :]] = val
    return labels if found_heritage else None
