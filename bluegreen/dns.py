"""DNS names as Route 53 and ExternalDNS see them: label rules, zone membership, owner ids, TXT names."""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")

# ExternalDNS names its ownership TXT record "<type>-<first label>...": the longest type prefix it
# writes for our records is "cname-" (v0.21 names the TXT of an alias A record that way), so the
# first label of a public hostname must leave room for it within 63 bytes.
LONGEST_TXT_TYPE_PREFIX = "cname-"


def normalize(name: str) -> str:
    """Lower-case and without the trailing dot: the form Route 53 compares names in."""
    return name.strip().lower().rstrip(".")


def labels(name: str) -> list[str]:
    return normalize(name).split(".")


def name_problems(name: str) -> list[str]:
    """Why `name` is not a usable host name (an empty list when it is)."""
    normal = normalize(name)
    if not normal:
        return ["it is empty"]
    if len(normal) > MAX_NAME_LENGTH:
        return [f"it is {len(normal)} characters long; DNS allows {MAX_NAME_LENGTH}"]
    problems = []
    for label in normal.split("."):
        if not label:
            problems.append("it has an empty label (two dots in a row)")
        elif len(label) > MAX_LABEL_LENGTH:
            problems.append(f"label {label!r} is {len(label)} characters long; DNS allows {MAX_LABEL_LENGTH}")
        elif not _LABEL.match(label):
            problems.append(
                f"label {label!r} may hold only letters, digits and inner hyphens (no wildcards, no underscores)"
            )
    return problems


def is_within(name: str, domain: str) -> bool:
    """True when `name` is `domain` or below it, compared label by label (not as a string suffix)."""
    name_labels, domain_labels = labels(name), labels(domain)
    return len(name_labels) >= len(domain_labels) and name_labels[-len(domain_labels) :] == domain_labels


def is_strictly_below(name: str, domain: str) -> bool:
    return is_within(name, domain) and normalize(name) != normalize(domain)


def default_owner_id(project: str, color: str) -> str:
    """The ExternalDNS --txt-owner-id of one colour: stable across updates, different per colour."""
    return f"{project}-{color}"
