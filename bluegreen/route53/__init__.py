"""Route 53 records of the shared hostnames: read name by name, compared with the stack files,
converted from simple to weighted, and pruned when a colour is retired.

One module per job: `records` (the record model and ownership), `verify`, `samples`, `migrate`,
`batch` (Route 53's batch rules, which moto does not enforce), `prune`, and `client`, the only module
that calls boto3 (imported inside its functions, so importing this package never loads it). The names
below are re-exported so that callers can write `route53.compare`, `route53.plan_prune`, ...
"""

from bluegreen.route53.batch import MAX_SET_IDENTIFIER_LENGTH, MAX_WEIGHTED_SETS, record_problems, validate_batch
from bluegreen.route53.client import (
    aws_errors,
    change_request,
    iter_record_sets,
    list_zone,
    make_client,
    read_hostname,
    read_name,
    sample_answers,
    submit,
    wait_in_sync,
)
from bluegreen.route53.migrate import DEFAULT_TXT_TTL, MIGRATABLE, Migration, Refused, plan_migration
from bluegreen.route53.prune import MAX_CHANGES_PER_BATCH, PruneGroup, hostnames_left_empty, plan_prune, prune_batches
from bluegreen.route53.records import (
    STACK_TXT_NAMING,
    ColorExpectation,
    Expected,
    RecordSet,
    find_owner,
    index_records,
    ownership_labels,
)
from bluegreen.route53.samples import UNMATCHED, answer_colors, resolve_addresses, split_report, tally, wilson_interval
from bluegreen.route53.verify import compare, format_rows, table

__all__ = [
    "DEFAULT_TXT_TTL",
    "MAX_CHANGES_PER_BATCH",
    "MAX_SET_IDENTIFIER_LENGTH",
    "MAX_WEIGHTED_SETS",
    "MIGRATABLE",
    "STACK_TXT_NAMING",
    "UNMATCHED",
    "ColorExpectation",
    "Expected",
    "Migration",
    "PruneGroup",
    "RecordSet",
    "Refused",
    "answer_colors",
    "aws_errors",
    "change_request",
    "compare",
    "find_owner",
    "format_rows",
    "hostnames_left_empty",
    "index_records",
    "iter_record_sets",
    "list_zone",
    "make_client",
    "ownership_labels",
    "plan_migration",
    "plan_prune",
    "prune_batches",
    "read_hostname",
    "read_name",
    "record_problems",
    "resolve_addresses",
    "sample_answers",
    "split_report",
    "submit",
    "table",
    "tally",
    "validate_batch",
    "wait_in_sync",
    "wilson_interval",
]
