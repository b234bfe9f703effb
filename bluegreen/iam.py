"""IAM policy documents, as plain dicts (Pulumi serialises them; tests read them directly)."""

from __future__ import annotations

import json
from typing import Any

from bluegreen import external_dns_values
from bluegreen.settings import Settings
from bluegreen.txt_registry import TxtNaming

# IAM's limit on a role's inline policies, in characters without whitespace (IAM and STS quotas).
MAX_INLINE_POLICY_CHARS = 10_240


def hosted_zone_arn(partition: str, zone_id: str) -> str:
    return f"arn:{partition}:route53:::hostedzone/{zone_id}"


def published_record_names(settings: Settings) -> list[str]:
    """Every record name this colour's ExternalDNS may write: each shared and direct hostname, and the
    TXT ownership names external-dns writes or reads for it (`a-`, `aaaa-`, `cname-` and the plain name;
    the stacks set no --txt-prefix/--txt-suffix)."""
    hostnames = [*settings.hostnames]
    if settings.direct_hostnames:
        hostnames += [external_dns_values.direct_hostname(settings.color, e) for e in settings.endpoints]
    naming = TxtNaming()
    names = [name for hostname in hostnames for name in (hostname, *naming.all_txt_names(hostname))]
    return list(dict.fromkeys(names))  # the plain TXT name is the hostname itself


def external_dns_policy(settings: Settings, partition: str) -> dict[str, Any]:
    """What ExternalDNS may do: change only the records this stack publishes, in this one zone.

    Not the apex, not `_dmarc` or any other name of the zone: a wildcard inside the domain would let a
    compromised ExternalDNS rewrite them.
    """
    zone = hosted_zone_arn(partition, settings.hosted_zone_id)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ChangeOnlyThePublishedRecords",
                "Effect": "Allow",
                "Action": ["route53:ChangeResourceRecordSets"],
                "Resource": [zone],
                "Condition": {
                    "ForAllValues:StringEquals": {
                        # Route 53 compares lower-case names without the trailing dot, as the settings hold them.
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": published_record_names(settings),
                        "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "CNAME", "TXT"],
                        "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
                    }
                },
            },
            {
                "Sid": "ReadRecordsOfTheZone",
                "Effect": "Allow",
                "Action": ["route53:ListResourceRecordSets", "route53:ListTagsForResources"],
                "Resource": [zone],
            },
            {
                # ListHostedZones takes no resource; ExternalDNS then keeps only the zone-id filter's zone.
                "Sid": "FindTheZone",
                "Effect": "Allow",
                "Action": ["route53:ListHostedZones"],
                "Resource": ["*"],
            },
        ],
    }


def eks_cluster_arn(partition: str, region: str, account_id: str, cluster_name: str) -> str:
    return f"arn:{partition}:eks:{region}:{account_id}:cluster/{cluster_name}"


def pod_identity_trust_policy(cluster_arn: str, namespace: str, service_account: str) -> dict[str, Any]:
    """Trust for EKS Pod Identity, for one service account of one cluster only.

    EKS Pod Identity tags the session it assumes the role with (among others) `eks-cluster-arn`,
    `kubernetes-namespace` and `kubernetes-service-account` (EKS user guide, pod-id-role.html "Setting
    Conditions" and pod-id-abac.html): without these conditions any Pod Identity association in the
    account could hand this role to another pod.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:RequestTag/eks-cluster-arn": cluster_arn,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": service_account,
                    }
                },
            }
        ],
    }


def policy_size_problem(policy: dict[str, Any], what: str) -> str | None:
    """IAM refuses an inline policy longer than its quota; say so at preview instead."""
    size = len(json.dumps(policy, separators=(",", ":")))
    if size <= MAX_INLINE_POLICY_CHARS:
        return None
    return (
        f"{what} would be {size} characters, more than IAM's {MAX_INLINE_POLICY_CHARS} for a role's inline "
        "policies: it lists every published name, so publish fewer hostnames per stack (or set "
        "eks-bluegreen:directHostnames: false)"
    )
