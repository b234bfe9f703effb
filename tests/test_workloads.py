"""Flux delivers the workloads: settings, the chart, the Flux objects, the health gate, destroy order, samples."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from ruamel.yaml import YAML

from bluegreen import flux
from bluegreen import mock_engine as plan
from bluegreen.settings import Secret, SettingsError, parse, project_config
from bluegreen.stackfiles import load_stack_config
from tests.conftest import FIXTURES, PROJECT_DIR, run

RELEASE = "kubernetes:helm.sh/v3:Release"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
GIT_REPOSITORY = "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository"
KUSTOMIZATION = flux.KUSTOMIZATION_TYPE
SECRET = "kubernetes:core/v1:Secret"
REPO = {"url": "https://github.com/example/eks-bluegreen", "path": "./workloads", "tag": "v1.0.0"}
TOKEN = "ghp_not-a-real-token-0123456789"


def with_workloads(stack: str, scenario: plan.Scenario | None = None, **overrides: Any) -> plan.Plan:
    settings = {"demo": False, "workloads": REPO, **overrides}
    return run(stack, scenario, **settings)


@pytest.fixture(scope="module")
def blue_flux() -> plan.Plan:
    result = with_workloads("blue")
    assert result.error is None, result.error
    return result


@pytest.fixture(scope="module")
def green_flux() -> plan.Plan:
    result = with_workloads("green")
    assert result.error is None, result.error
    return result


def flux_release(p: plan.Plan) -> plan.Declared:
    (release,) = [r for r in p.of_type(RELEASE) if r.inputs["chart"] == flux.CHART_NAME]
    return release


def kustomization_of(p: plan.Plan) -> plan.Declared:
    """The declared Kustomization (not the read of the live one)."""
    (declared,) = [r for r in p.of_type(KUSTOMIZATION) if r.name == "workloads-kustomization"]
    return declared


def sample_settings(**overrides: Any) -> dict[str, Any]:
    raw = project_config(load_stack_config(PROJECT_DIR / "Pulumi.blue.yaml"))
    raw.update({"demo": False, "workloads": REPO}, **overrides)
    return raw


def problems(**overrides: Any) -> str:
    with pytest.raises(SettingsError) as error:
        parse(sample_settings(**overrides))
    return str(error.value)


# --- the setting -----------------------------------------------------------------------------------


def test_workloads_setting_is_read_with_its_ref_and_a_normalised_path() -> None:
    settings = parse(sample_settings(workloads={**REPO, "path": "workloads/"}))
    assert settings.workloads is not None
    assert (settings.workloads.url, settings.workloads.path) == (REPO["url"], "./workloads")
    assert (settings.workloads.ref_kind, settings.workloads.ref) == ("tag", "v1.0.0")
    assert settings.workloads.credentials == {}


def test_scp_like_git_url_is_refused_with_the_ssh_url_to_write() -> None:
    message = problems(workloads={**REPO, "url": "git@github.com:example/apps.git"})
    assert "workloads.url" in message and "'ssh://git@github.com/example/apps.git'" in message


@pytest.mark.parametrize(
    "url", ["http://github.com/example/apps", "github.com/example/apps", "https://github.com", "ftp://host/repo"]
)
def test_git_url_must_be_https_or_ssh(url: str) -> None:
    assert "must be a Git repository URL starting with https:// or ssh://" in problems(workloads={**REPO, "url": url})


def test_credentials_in_the_url_are_refused() -> None:
    message = problems(workloads={**REPO, "url": f"https://user:{TOKEN}@github.com/example/apps"})
    assert "must not carry credentials" in message


@pytest.mark.parametrize(
    "refs",
    [{}, {"branch": "main", "tag": "v1"}, {"branch": "main", "commit": "a" * 40}],
)
def test_exactly_one_of_branch_tag_or_commit(refs: dict[str, str]) -> None:
    workloads = {"url": REPO["url"], "path": "./workloads", **refs}
    assert "exactly one of branch, tag or commit" in problems(workloads=workloads)


def test_commit_must_be_a_full_sha() -> None:
    assert "full lowercase commit SHA" in problems(workloads={"url": REPO["url"], "path": "./w", "commit": "abc123"})


@pytest.mark.parametrize("path", ["../elsewhere", "/abs", "a/../../b"])
def test_path_stays_inside_the_repository(path: str) -> None:
    assert "workloads.path" in problems(workloads={**REPO, "path": path})


def test_plain_text_credentials_are_refused_without_repeating_them() -> None:
    message = problems(workloadsUsername="git", workloadsToken=TOKEN)
    assert "pulumi config set --secret eks-bluegreen:workloadsToken" in message
    assert TOKEN not in message


def test_the_program_refuses_a_credential_not_set_as_a_secret() -> None:
    p = with_workloads("blue", workloadsUsername=Secret("git"), workloadsToken=TOKEN)
    assert p.error is not None and "pulumi config set --secret eks-bluegreen:workloadsToken" in p.error
    assert "workloadsUsername" not in p.error and TOKEN not in p.error
    assert p.resources == []


def test_encrypted_credentials_from_a_stack_file_are_accepted() -> None:
    settings = parse(sample_settings(workloadsUsername={"secure": "v1:abc"}, workloadsToken={"secure": "v1:def"}))
    assert settings.workloads is not None
    assert set(settings.workloads.credentials) == {"username", "password"}


def test_ssh_needs_a_key_and_known_hosts_and_no_https_token() -> None:
    ssh = {**REPO, "url": "ssh://git@github.com/example/apps.git"}
    message = problems(workloads=ssh, workloadsPrivateKey=Secret("key"), workloadsToken=Secret(TOKEN))
    assert "workloadsKnownHosts are both needed" in message
    assert "workloadsToken" in message and "applies only to an https:// url" in message
    settings = parse(sample_settings(workloads=ssh, workloadsPrivateKey=Secret("k"), workloadsKnownHosts=Secret("h")))
    assert settings.workloads is not None and set(settings.workloads.credentials) == {"identity", "known_hosts"}


def test_demo_and_workloads_together_are_refused() -> None:
    message = problems(demo=True)
    assert "eks-bluegreen:demo" in message and "cannot be combined with workloads" in message


def test_credentials_without_workloads_are_refused() -> None:
    message = problems(workloads=None, workloadsToken=Secret(TOKEN))
    assert "applies only when workloads is set" in message


# --- Flux ------------------------------------------------------------------------------------------


def chart_value_paths() -> set[str]:
    text = (FIXTURES / "flux2" / "value-paths.txt").read_text()
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def leaf_paths(values: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in values.items():
        if isinstance(value, dict) and value:
            paths += leaf_paths(value, f"{prefix}{key}.")
        else:
            paths.append(f"{prefix}{key}")
    return paths


def test_flux_values_use_only_value_paths_of_the_pinned_chart(blue_flux: plan.Plan) -> None:
    release = flux_release(blue_flux)
    assert (release.inputs["version"], release.inputs["repositoryOpts"]["repo"]) == (
        "2.18.3",
        "https://fluxcd-community.github.io/helm-charts",
    )
    known = chart_value_paths()
    for path in leaf_paths(release.inputs["values"]):
        parts = path.split(".")
        # A path is the chart's when it, or a map above it that a template takes whole, is known.
        assert any(".".join(parts[:n]) in known for n in range(1, len(parts) + 1)), path


def test_flux_runs_only_the_source_and_kustomize_controllers_with_requests_and_limits(blue_flux: plan.Plan) -> None:
    values = flux_release(blue_flux).inputs["values"]
    controllers = {key for key, value in values.items() if isinstance(value, dict) and "create" in value}
    assert {key for key in controllers if values[key]["create"]} == {"sourceController", "kustomizeController"}
    assert controllers == {*flux.KEPT_CONTROLLERS, *flux.DROPPED_CONTROLLERS}
    chart_context = json.loads((FIXTURES / "flux2" / "chart-security-context.json").read_text())
    for name in flux.KEPT_CONTROLLERS:
        resources = values[name]["resources"]
        assert set(resources["requests"]) == {"cpu", "memory"} and set(resources["limits"]) == {"cpu", "memory"}
        context = values[name]["securityContext"]
        # At least the chart's own: every setting it makes is kept, none is loosened.
        assert {key: context.get(key) for key in chart_context} == chart_context


def test_git_repository_follows_the_configured_ref(blue_flux: plan.Plan) -> None:
    repository = blue_flux.one(GIT_REPOSITORY)
    assert repository.inputs["metadata"] == {"name": "workloads", "namespace": "flux-system"}
    assert repository.inputs["spec"]["url"] == REPO["url"]
    assert repository.inputs["spec"]["ref"] == {"tag": "v1.0.0"}
    assert "secretRef" not in repository.inputs["spec"]
    assert blue_flux.of_type(SECRET) == []


def test_kustomization_prunes_waits_and_waits_for_termination(blue_flux: plan.Plan) -> None:
    kustomization = kustomization_of(blue_flux)
    spec = kustomization.inputs["spec"]
    assert spec["sourceRef"] == {"kind": "GitRepository", "name": "workloads"}
    assert spec["path"] == "./workloads"
    assert spec["prune"] is True and spec["wait"] is True
    assert spec["deletionPolicy"] == "WaitForTermination"
    assert kustomization.inputs["metadata"]["annotations"] == {"pulumi.com/waitFor": "condition=Ready"}


def minutes(duration: str) -> int:
    return int(re.fullmatch(r"(\d+)m", duration).group(1))  # type: ignore[union-attr]


def test_timeouts_leave_auto_mode_time_to_start_a_node(blue_flux: plan.Plan) -> None:
    spec = kustomization_of(blue_flux).inputs["spec"]
    # A first reconciliation that needs a new node takes minutes; Pulumi waits for a retry after it.
    assert minutes(spec["timeout"]) >= 10
    assert minutes(flux.AWAIT_TIMEOUT) >= minutes(spec["timeout"]) + minutes(spec["retryInterval"]) * 2
    kustomization = kustomization_of(blue_flux)
    # Pulumi's own default is 10 minutes, for the Ready await and for deleting (WaitForTermination).
    timeouts = (kustomization.create_timeout, kustomization.update_timeout, kustomization.delete_timeout)
    assert timeouts == (flux.AWAIT_TIMEOUT,) * 3


def test_substitutions_are_strings_and_differ_only_where_the_colour_does(
    blue_flux: plan.Plan, green_flux: plan.Plan
) -> None:
    blue = kustomization_of(blue_flux).inputs["spec"]["postBuild"]["substitute"]
    green = kustomization_of(green_flux).inputs["spec"]["postBuild"]["substitute"]
    assert blue == {
        "color": "blue",
        "clusterName": "eks-bluegreen-blue",
        "clusterVersion": "1.33",
        "domain": "example.com",
        "hostnames": "app.example.com",
    }
    assert all(isinstance(value, str) for value in [*blue.values(), *green.values()])
    assert {key for key in blue if blue[key] != green[key]} == {"color", "clusterName", "clusterVersion"}
    blue_spec = {**kustomization_of(blue_flux).inputs["spec"], "postBuild": None}
    green_spec = {**kustomization_of(green_flux).inputs["spec"], "postBuild": None}
    assert blue_spec == green_spec


def test_private_repository_credentials_are_only_secrets() -> None:
    p = with_workloads("blue", workloadsUsername=Secret("git"), workloadsToken=Secret(TOKEN))
    assert p.error is None, p.error
    secret = p.one(SECRET)
    assert secret.inputs["stringData"] == plan.SECRET_SHOWN  # the whole map is secret, keys and all
    assert p.one(GIT_REPOSITORY).inputs["spec"]["secretRef"] == {"name": secret.inputs["metadata"]["name"]}
    assert secret.urn in p.one(GIT_REPOSITORY).dependencies
    assert TOKEN not in json.dumps([r.inputs for r in p.resources])


# --- traffic waits for the workloads ---------------------------------------------------------------


def test_every_ingress_depends_on_the_kustomization(blue_flux: plan.Plan, green_flux: plan.Plan) -> None:
    for p in (blue_flux, green_flux):
        kustomization = kustomization_of(p)
        assert p.of_type(INGRESS)
        for ingress in p.of_type(INGRESS):
            assert kustomization.urn in ingress.dependencies, ingress.name


def test_destroy_order_is_ingresses_then_kustomization_then_flux(blue_flux: plan.Plan) -> None:
    # Pulumi deletes a resource before what it depends on.
    release, kustomization = flux_release(blue_flux), kustomization_of(blue_flux)
    repository = blue_flux.one(GIT_REPOSITORY)
    assert {release.urn, repository.urn} <= set(kustomization.dependencies)
    assert release.urn in repository.dependencies
    for ingress in blue_flux.of_type(INGRESS):
        assert kustomization.urn in ingress.dependencies


def test_the_live_colour_reads_the_kustomization_and_passes_when_it_is_ready(blue_flux: plan.Plan) -> None:
    (read,) = [r for r in blue_flux.of_type(KUSTOMIZATION) if r.name.endswith("-live-status")]
    weighted = [i for i in blue_flux.of_type(INGRESS) if "aws-weight" in json.dumps(i.inputs)]
    assert weighted and all('"1"' in json.dumps(i.inputs["metadata"]["annotations"]) for i in weighted)
    assert read.parent == blue_flux.one("eks-bluegreen:index:Workloads").urn


def not_ready(reason: str = "HealthCheckFailed", message: str = "timeout waiting for: [Deployment/demo/echo]"):
    live = plan.ready_kustomization()
    live["status"]["conditions"] = [{"type": "Ready", "status": "False", "reason": reason, "message": message}]
    return live


@pytest.mark.parametrize("preview", [True, False])
def test_a_weight_above_0_is_refused_while_the_kustomization_is_not_ready(preview: bool) -> None:
    p = with_workloads("blue", plan.Scenario(kustomization=not_ready(), preview=preview))
    assert p.error is not None
    assert "Kustomization flux-system/workloads on eks-bluegreen-blue is not Ready" in p.error
    assert "HealthCheckFailed: timeout waiting for: [Deployment/demo/echo]" in p.error
    assert "trafficWeight 1 is refused" in p.error
    assert all("aws-weight" not in json.dumps(i.inputs) for i in p.of_type(INGRESS))


def test_a_stale_ready_condition_is_not_ready() -> None:
    live = plan.ready_kustomization(generation=3)
    live["status"]["observedGeneration"] = 2
    p = with_workloads("blue", plan.Scenario(kustomization=live))
    assert p.error is not None and "generation 2, but the spec is at generation 3" in p.error


def test_the_standby_colour_is_not_gated(green_flux: plan.Plan) -> None:
    assert with_workloads("green", plan.Scenario(kustomization=not_ready())).error is None
    assert [r.name for r in green_flux.of_type(KUSTOMIZATION)] == ["workloads-kustomization"]


def test_first_deployment_of_the_live_colour_waits_for_ready_instead_of_reading() -> None:
    # The preview that creates the Kustomization has nothing to read; the await gates the Ingresses.
    p = with_workloads("blue", plan.Scenario(kustomization=None))
    assert p.error is None, p.error
    assert [r.name for r in p.of_type(KUSTOMIZATION)] == ["workloads-kustomization"]
    assert any("does not exist yet: the Ingresses wait for it to be Ready" in m for m in p.messages), p.messages
    # During the update, the read happens once the created Kustomization has been awaited.
    update = with_workloads("blue", plan.Scenario(kustomization=None, preview=False))
    assert update.error is None and len(update.of_type(KUSTOMIZATION)) == 2


# --- the sample workload repository ----------------------------------------------------------------

WORKLOADS_DIR = PROJECT_DIR / "workloads"


def substituted_manifests(substitute: dict[str, str]) -> list[dict[str, Any]]:
    """`kustomize build` of the sample (a plain list of resources) followed by Flux's ${var} substitution."""
    yaml = YAML(typ="safe", pure=True)
    kustomization = yaml.load((WORKLOADS_DIR / "kustomization.yaml").read_text())
    # Only `resources` is used, so building is concatenating the files; anything more needs kustomize.
    assert set(kustomization) == {"apiVersion", "kind", "resources"}
    documents = []
    for name in kustomization["resources"]:
        text = (WORKLOADS_DIR / name).read_text()
        text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: substitute[m.group(1)], text)
        documents += [doc for doc in yaml.load_all(text) if doc]
    return documents


def test_sample_workloads_use_the_colour_values() -> None:
    text = "".join(path.read_text() for path in WORKLOADS_DIR.glob("*.yaml"))
    assert "${color}" in text and '"${clusterVersion}"' in text


@pytest.mark.parametrize("stack", ["blue", "green"])
def test_sample_workloads_are_valid_kubernetes_for_each_colour(stack: str) -> None:
    settings = parse(project_config(load_stack_config(PROJECT_DIR / f"Pulumi.{stack}.yaml")))
    documents = substituted_manifests(flux.substitutions(settings))
    kinds = {(d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]) for d in documents}
    assert ("Service", "demo", "echo") in kinds  # what the sample endpoints name
    for document in documents:
        kubernetes_validate.validate(document, settings.cluster_version, strict=True)
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    assert deployment["metadata"]["labels"]["eks-bluegreen/cluster-version"] == settings.cluster_version
    assert (
        f"color={settings.color} version={settings.cluster_version}"
        in deployment["spec"]["template"]["spec"]["containers"][0]["args"][0]
    )


def test_kubernetes_validate_ships_schemas_for_the_sample_versions() -> None:
    versions = set(kubernetes_validate.utils.all_versions())
    for stack in ("blue", "green"):
        version = parse(project_config(load_stack_config(PROJECT_DIR / f"Pulumi.{stack}.yaml"))).cluster_version
        assert f"{version}.0" in versions, version


def test_the_readme_points_the_sample_at_this_folder() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    assert "path: ./workloads" in readme
    assert Path(WORKLOADS_DIR / "kustomization.yaml").exists()


def test_what_the_live_traffic_depends_on_is_protected_while_live(blue_flux: plan.Plan, green_flux: plan.Plan) -> None:
    def protected(p: plan.Plan) -> set[str]:
        workloads = p.one("eks-bluegreen:index:Workloads")
        return {r.name for r in p.resources if r.parent == workloads.urn and r.protect}

    # Deleting any of these on the live colour prunes the workloads behind its Ingresses.
    assert protected(blue_flux) == {"workloads-ns", "workloads-flux", "workloads-kustomization"}
    assert protected(green_flux) == set()  # weight 0: may be destroyed
