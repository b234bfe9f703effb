"""Certificates: this colour's ACM certificates, DNS-validated in the stack's zone, or existing ones checked.

Requested certificates carry every shared hostname and this colour's direct names, split at
`certificateNameQuota`. Validation records are shared with the peer colour (ACM gives both the same
CNAME), so each is written with `allow_overwrite` and kept on delete: destroying one colour must not
remove the record the other colour's certificate needs to renew. They are declared when the program
runs, not inside an `apply`, so that a preview shows them. Certificates are not protected: a
hostname change must be able to replace them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from bluegreen import delegation, tls
from bluegreen.settings import PROJECT, Settings


@dataclass
class CertificatesArgs:
    settings: Settings
    region: str


class Certificates(pulumi.ComponentResource):
    """This colour's certificates for its load balancer."""

    # ARNs of certificates known to be issued: from the validations, or the checked existing ones.
    arns: pulumi.Output[list[str]]
    # What must outlive the load balancer on destroy (ACM refuses to delete a certificate in use).
    validations: list[aws.acm.CertificateValidation]

    def __init__(self, name: str, args: CertificatesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("eks-bluegreen:index:Certificates", name, None, opts)
        settings = args.settings
        if settings.certificate_arns:
            self.validations = []
            self.arns = self._checked_existing(name, settings, args.region)
        else:
            self.validations = self._requested(name, settings)
            self.arns = pulumi.Output.all(*(v.certificate_arn for v in self.validations)).apply(list)
        self.register_outputs({"arns": self.arns})

    def _requested(self, name: str, settings: Settings) -> list[aws.acm.CertificateValidation]:
        _check_delegation(settings, self)
        child = pulumi.ResourceOptions(parent=self)
        certificates = [
            (
                names,
                aws.acm.Certificate(
                    f"{name}-{names[0]}",
                    domain_name=names[0],
                    subject_alternative_names=names[1:],
                    validation_method="DNS",
                    tags=dict(settings.tags),
                    opts=child,
                ),
            )
            for names in tls.certificate_names(settings)
        ]
        records: dict[str, aws.route53.Record] = {}
        for names, certificate in certificates:
            for key in tls.validation_names(names):
                if key in records:
                    continue
                cname = certificate.domain_validation_options.apply(lambda options, key=key: _cname_for(options, key))
                records[key] = aws.route53.Record(
                    f"{name}-validation-{key}",
                    zone_id=settings.hosted_zone_id,
                    name=cname.apply(lambda c: c[0]),
                    type="CNAME",
                    records=[cname.apply(lambda c: c[1])],
                    ttl=300,
                    # The peer colour writes the same record for the same name.
                    allow_overwrite=True,
                    # Never deleted: the peer's certificate needs it to renew (retainOnDelete skips
                    # the provider's delete on destroy and on replace).
                    opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
                )
        return [
            aws.acm.CertificateValidation(
                f"{name}-{names[0]}-validation",
                certificate_arn=certificate.arn,
                validation_record_fqdns=[records[key].fqdn for key in tls.validation_names(names)],
                opts=pulumi.ResourceOptions(
                    parent=self, custom_timeouts=pulumi.CustomTimeouts(create=tls.VALIDATION_TIMEOUT)
                ),
            )
            for names, certificate in certificates
        ]

    def _checked_existing(self, name: str, settings: Settings, region: str) -> pulumi.Output[list[str]]:
        _fail_on(tls.region_problems(settings.certificate_arns, region))
        found = [
            aws.acm.Certificate.get(f"{name}-existing-{index}", arn, opts=pulumi.ResourceOptions(parent=self))
            for index, arn in enumerate(settings.certificate_arns)
        ]
        described = [
            pulumi.Output.all(c.arn, c.status, c.domain_name, c.subject_alternative_names).apply(
                lambda values: tls.ExistingCertificate(
                    arn=values[0], status=values[1], names=[values[2], *(values[3] or [])]
                )
            )
            for c in found
        ]
        return pulumi.Output.all(*described).apply(lambda certificates: _checked_arns(settings, certificates))


def _cname_for(options: Sequence[aws.acm.outputs.CertificateDomainValidationOption], key: str) -> tuple[str, str]:
    """The validation CNAME (name, value) of one name, looked up by name: the provider documents a set."""
    for option in options:
        if tls.validation_name(option.domain_name or "") == key and option.resource_record_type == "CNAME":
            return option.resource_record_name or "", option.resource_record_value or ""
    raise pulumi.RunError(f"ACM gave no validation CNAME for {key!r}")


def _check_delegation(settings: Settings, parent: pulumi.Resource) -> None:
    zone = aws.route53.get_zone(zone_id=settings.hosted_zone_id, opts=pulumi.InvokeOptions(parent=parent))
    try:
        public = delegation.lookup_name_servers(settings.domain)
    except delegation.LookupFailed as error:
        pulumi.log.warn(
            f"could not check that {settings.domain!r} is delegated to {PROJECT}:hostedZoneId "
            f"{settings.hosted_zone_id} ({error}); certificate validation waits up to {tls.VALIDATION_TIMEOUT} "
            "if it is not",
            resource=parent,
        )
        return
    problem = delegation.delegation_problem(settings.domain, settings.hosted_zone_id, zone.name_servers, public)
    _fail_on([problem] if problem else [])


def _fail_on(problems: list[str]) -> None:
    if problems:
        raise pulumi.RunError("; ".join(problems))


def _checked_arns(settings: Settings, certificates: list[tls.ExistingCertificate]) -> list[str]:
    _fail_on(tls.existing_certificate_problems(settings, certificates))
    return [c.arn for c in certificates]
