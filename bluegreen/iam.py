"""IAM policy documents, as plain dicts (Pulumi serialises them; tests read them directly)."""

from __future__ import annotations

from typing import Any

from bluegreen.settings import Settings


def hosted_zone_arn(partition: str, zone_id: str) -> str:
    return f"arn:{partition}:route53:::hostedzone/{zone_id}"


def external_dns_policy(settings: Settings, partition: str) -> dict[str, Any]:
    """What ExternalDNS may do: change records in this one zone, and only names inside the domain."""
    zone = hosted_zone_arn(partition, settings.hosted_zone_id)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ChangeRecordsInsideTheDomain",
                "Effect": "Allow",
                "Action": ["route53:ChangeResourceRecordSets"],
                "Resource": [zone],
                "Condition": {
                    "ForAllValues:StringLike": {
                        # Route 53 compares lower-case names without the trailing dot.
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                            settings.domain,
                            f"*.{settings.domain}",
                        ],
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


def pod_identity_trust_policy() -> dict[str, Any]:
    """Trust for EKS Pod Identity: the cluster's agent assumes the role for one bound service account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
